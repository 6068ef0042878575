"""Makes the JPEG XL test files of imageio-jxl and their reference arrays.

Run in this folder with the reference venv (imagecodecs on libjxl, Pillow,
numpy) and libjxl's `cjxl` on the PATH (Debian 12: `apt-get install
libjxl-tools`, libjxl 0.7.0):
    /work/main/target/refvenv/bin/python make.py
Stills are written by imagecodecs.jpegxl_encode (libjxl 0.11), animations
and the files with an orientation or an ICC profile by cjxl from PNG/APNG
files Pillow writes. NAME.npy is imagecodecs.jpegxl_decode of NAME.jxl
(libjxl's decode: animations coalesced onto the canvas, the orientation
applied); NAME_stored.npy is the same with keeporientation=True.
The tests (`../jxl.rs`) compare imageio-jxl's read of NAME.jxl with NAME.npy.
"""
import os
import subprocess
import tempfile

import imagecodecs
import numpy as np
from PIL import Image, ImageCms

W, H = 32, 24


def pattern(seed, channels, dtype=np.uint8, w=W, h=H):
    """Gradients, a noisy channel, and alpha with a transparent corner."""
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        top = 1.0
    else:
        top = np.iinfo(dtype).max
    r = x / (w - 1)
    g = y / (h - 1)
    b = rng.random((h, w))
    a = (x + y) / (w + h - 2)
    a[:4, :4] = 0
    chans = {1: [r * 0.5 + b * 0.5], 2: [r, a], 3: [r, g, b], 4: [r, g, b, a]}[channels]
    arr = np.dstack(chans) * top
    if np.dtype(dtype).kind != "f":
        arr = np.round(arr)
    arr = arr.astype(dtype)
    return arr[..., 0] if channels == 1 else arr


def write(name, data, ref=None):
    with open(name + ".jxl", "wb") as f:
        f.write(data)
    dec = imagecodecs.jpegxl_decode(data)
    np.save(name + ".npy", dec)
    if ref is not None:
        assert dec.dtype == ref.dtype and dec.shape == ref.shape, (dec.dtype, dec.shape)
        assert (dec == ref).all(), name
    print(f"{name}.jxl: {len(data)} bytes, {dec.shape} {dec.dtype}")
    return dec


# Lossless stills: the decode equals the source array.
for name, arr, kw in [
    ("gray8", pattern(1, 1), {}),
    ("graya8", pattern(2, 2), {}),
    ("rgb8", pattern(3, 3), {}),
    ("rgba8_container", pattern(4, 4), {"usecontainer": True}),
    ("rgb16", pattern(5, 3, np.uint16), {}),
    ("graya16", pattern(6, 2, np.uint16), {}),
    ("rgbaf32", pattern(7, 4, np.float32), {}),
    ("grayf16", pattern(8, 1, np.float16), {}),
]:
    write(name, imagecodecs.jpegxl_encode(arr, lossless=True, **kw), arr)

# 12-bit samples in u16, values as stored (0..4095).
g12 = (pattern(9, 1, np.uint16).astype(np.uint32) * 4095 // 65535).astype(np.uint16)
write("gray12", imagecodecs.jpegxl_encode(g12, lossless=True, bitspersample=12), g12)

# Lossy (VarDCT, XYB): the reference is libjxl's decode.
write("rgb8_lossy", imagecodecs.jpegxl_encode(pattern(10, 3), distance=1.0))
write("rgba16_lossy", imagecodecs.jpegxl_encode(pattern(11, 4, np.uint16), distance=1.0))
write("gray8_lossy", imagecodecs.jpegxl_encode(pattern(12, 1), distance=2.0))


def cjxl(src, name, *args):
    out = name + ".jxl"
    subprocess.run(["cjxl", src, out, *args], check=True, capture_output=True)
    with open(out, "rb") as f:
        return f.read()


tmp = tempfile.mkdtemp()

# Animations: APNG (Pillow) to JPEG XL (cjxl), lossless.
frames = [pattern(20 + i, 3, w=24, h=16) for i in range(3)]
ims = [Image.fromarray(f) for f in frames]
src = os.path.join(tmp, "anim.png")
ims[0].save(src, save_all=True, append_images=ims[1:], duration=[100, 200, 300], loop=3)
data = cjxl(src, "anim", "-d", "0")
write("anim", data, np.stack(frames))

# RGBA frames with transparent areas and a moving square. Every frame
# differs from the last in opposite corners, so Pillow writes full frames.
base = pattern(30, 4, w=24, h=16)


def moving(i, corners):
    f = base.copy()
    f[4:10, 2 + 4 * i: 8 + 4 * i] = [255, 0, 0, 255]
    if corners:
        f[0, 0] = f[-1, -1] = [i * 60, 0, 0, 100 + i]
    return f


frames = [moving(i, True) for i in range(4)]
ims = [Image.fromarray(f) for f in frames]
src = os.path.join(tmp, "anim_alpha.png")
ims[0].save(src, save_all=True, append_images=ims[1:], duration=50, loop=0)
write("anim_alpha", cjxl(src, "anim_alpha", "-d", "0"), np.stack(frames))

# The same without the corners: Pillow writes frames 2-4 as sub-rectangles
# (blend SOURCE, dispose NONE), which cjxl 0.7 turns into cropped frames
# whose surroundings libjxl decodes as transparent black (not what the APNG
# shows): the reference is libjxl's decode of the file, whatever it shows.
ims = [Image.fromarray(moving(i, False)) for i in range(4)]
src = os.path.join(tmp, "anim_crop.png")
ims[0].save(src, save_all=True, append_images=ims[1:], duration=[40, 80, 120, 160], loop=0)
write("anim_crop", cjxl(src, "anim_crop", "-d", "0"))

# Orientation 6 (from the PNG's EXIF, moved into the codestream header by cjxl).
stored = pattern(40, 3, w=24, h=16)
exif = Image.Exif()
exif[0x0112] = 6
src = os.path.join(tmp, "orient6.png")
Image.fromarray(stored).save(src, exif=exif)
data = cjxl(src, "orient6", "-d", "0")
write("orient6", data, np.ascontiguousarray(np.rot90(stored, -1)))
kept = imagecodecs.jpegxl_decode(data, keeporientation=True)
assert (kept == stored).all()
np.save("orient6_stored.npy", kept)

# An embedded ICC profile (Pillow's sRGB profile with another description),
# kept by a lossless cjxl encode.
profile = ImageCms.createProfile("sRGB")
ImageCms.ImageCmsProfile(profile)  # validate
icc = ImageCms.ImageCmsProfile(profile).tobytes()
with open("icc.icc", "wb") as f:
    f.write(icc)
src = os.path.join(tmp, "icc.png")
Image.fromarray(pattern(50, 3)).save(src, icc_profile=icc)
write("rgb8_icc", cjxl(src, "rgb8_icc", "-d", "0"), pattern(50, 3))

# A lossy (XYB) file with an embedded ICC profile that is no enum colour
# encoding (the sRGB profile above with its tone curve's gamma set to 1.8):
# the plugin converts the XYB samples to that profile with moxcms, as the
# encoder's source was; imagecodecs' decode (libjxl without a CMS) renders
# sRGB instead, so the reference is the source array itself.
import struct  # noqa: E402

icc18 = bytearray(icc)
at = icc18.find(b"para")
icc18[at + 12: at + 16] = struct.pack(">i", int(1.8 * 65536))
with open("icc18.icc", "wb") as f:
    f.write(bytes(icc18))
src = os.path.join(tmp, "icc18.png")
y, x = np.mgrid[0:24, 0:32]
smooth = np.dstack([x * 8, y * 10, (x + y) * 4]).astype(np.uint8)
Image.fromarray(smooth).save(src, icc_profile=bytes(icc18))
cjxl(src, "rgb8_icc_lossy", "-d", "1")
np.save("rgb8_icc_lossy_source.npy", smooth)
print("rgb8_icc_lossy.jxl:", os.path.getsize("rgb8_icc_lossy.jxl"), "bytes")
