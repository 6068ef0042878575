"""Makes the PSD test files of this folder and their reference arrays.

Run from this folder with the reference venv (psd-tools, Pillow, numpy):
    ../../../../target/refvenv/bin/python make.py
The PSD files are written by psd-tools; every reference array of an 8-bit
file is what Pillow reads (`np.asarray(Image.open(f))`, palette images
converted to RGB, layer n after `seek(n)`); 16- and 32-bit files, which
Pillow cannot open, are compared with the arrays psd-tools was given
(`NAME.0.npy`) and with psd-tools' own decoding of the channels.
"""
import numpy as np
from PIL import Image
from psd_tools import PSDImage
from psd_tools.api.layers import PixelLayer
from psd_tools.constants import Compression

rng = np.random.default_rng(22)


def pillow_refs(name, layers=()):
    im = Image.open(f"{name}.psd")
    a = np.asarray(im.convert("RGB") if im.mode == "P" else im)
    np.save(f"{name}.0.npy", a)
    # Pillow opens on the composite as frame 1, so seek(1) first is a no-op
    # that keeps the composite: seek the layers from the last one down.
    for n in sorted(layers, reverse=True):
        im.seek(n)
        assert im.tell() == n
        np.save(f"{name}.{n}.npy", np.asarray(im))


def rand(h, w, c=None, dtype=np.uint8):
    shape = (h, w) if c is None else (h, w, c)
    hi = np.iinfo(dtype).max if dtype != np.float32 else 1
    if dtype == np.float32:
        return rng.random(shape, dtype=np.float32)
    return rng.integers(0, hi, size=shape, endpoint=True, dtype=dtype)


def from_pil(name, img, compression=Compression.RLE):
    PSDImage.frompil(img, compression=compression).save(f"{name}.psd")
    pillow_refs(name)


# 8-bit composites, RLE and raw.
from_pil("rgb8_rle", Image.fromarray(rand(17, 23, 3)))
from_pil("rgb8_raw", Image.fromarray(rand(9, 14, 3)), Compression.RAW)
from_pil("rgba8_rle", Image.fromarray(rand(13, 11, 4)))
from_pil("gray8_rle", Image.fromarray(rand(21, 19)))
from_pil("gray8_raw", Image.fromarray(rand(5, 7)), Compression.RAW)
from_pil("cmyk8_rle", Image.fromarray(rand(8, 10, 4), mode="CMYK"))
bits = rand(12, 21) > 127
from_pil("bitmap_raw", Image.fromarray(bits).convert("1"), Compression.RAW)
from_pil("bitmap_rle", Image.fromarray(bits).convert("1"))
# Pillow reads bitmap files inverted (stored 1 as white); the references are
# psd-tools' reading (1 = black = 0), which is also the image it was given.
for name in ("bitmap_raw", "bitmap_rle"):
    a = (PSDImage.open(f"{name}.psd").numpy()[:, :, 0] * 255).astype(np.uint8)
    assert np.array_equal(a, np.where(bits, 255, 0).astype(np.uint8)), name
    assert np.array_equal(a, np.where(np.load(f"{name}.0.npy"), 0, 255)), name
    np.save(f"{name}.0.npy", a)
# A long flat run: packbits repeat runs across the 128-byte run limit.
flat = np.zeros((6, 300, 3), np.uint8)
flat[:, :150] = (10, 200, 30)
flat[2, 77] = (1, 2, 3)
from_pil("rgb8_runs", Image.fromarray(flat))


def deep(name, mode, arr, depth, compression=Compression.RLE):
    """A composite of 16 or 32 bits, its channels set through psd-tools."""
    h, w = arr.shape[:2]
    psd = PSDImage.new(mode, (w, h), depth=depth)
    planes = arr.reshape(h, w, -1)
    header = psd._record.header
    header.channels = planes.shape[2]
    be = {8: "u1", 16: ">u2", 32: ">f4"}[depth]
    psd._record.image_data.compression = compression
    psd._record.image_data.set_data(
        [planes[:, :, c].astype(be).tobytes() for c in range(planes.shape[2])], header
    )
    psd.save(f"{name}.psd")
    np.save(f"{name}.0.npy", arr)
    # psd-tools' own decoding of the channels agrees with the array.
    back = PSDImage.open(f"{name}.psd")
    data = back._record.image_data.get_data(back._record.header)
    got = np.stack([np.frombuffer(d, be).reshape(h, w) for d in data], axis=-1)
    assert np.array_equal(got.reshape(arr.shape).astype(arr.dtype), arr), name


deep("rgb16_rle", "RGB", rand(7, 9, 3, np.uint16), 16)
deep("rgb16_raw", "RGB", rand(6, 5, 3, np.uint16), 16, Compression.RAW)
deep("rgba16_rle", "RGB", rand(4, 6, 4, np.uint16), 16)
deep("gray16_rle", "L", rand(8, 3, None, np.uint16), 16)
deep("gray32_raw", "L", rand(5, 4, None, np.float32), 32, Compression.RAW)
# ZIP composites (Photoshop writes ZIP only in layers; psd-tools can here).
deep("rgb8_zip", "RGB", rand(6, 7, 3), 8, Compression.ZIP)
deep("rgb8_zipp", "RGB", rand(5, 9, 3), 8, Compression.ZIP_WITH_PREDICTION)
deep("rgb16_zipp", "RGB", rand(4, 5, 3, np.uint16), 16, Compression.ZIP_WITH_PREDICTION)

# Layers. The references are psd-tools' layers (`topil()`) placed on a
# zero canvas of the document's size, clipped to it. Pillow's `seek(n)`
# gives the same placement, but it reads a layer's channels in R, G, B, A
# order whatever their stored order, and psd-tools (like Photoshop) stores
# the transparency channel first: Pillow's R is the alpha, and so on. That
# is checked below, so the references are Pillow's with that fixed.
def layer_refs(name):
    psd = PSDImage.open(f"{name}.psd")
    h, w = psd.height, psd.width
    for n, layer in enumerate(psd, start=1):
        pix = np.asarray(layer.topil())
        canvas = np.zeros((h, w, pix.shape[2]), np.uint8)
        top, left = layer.top, layer.left
        y0, x0 = max(0, -top), max(0, -left)
        y1, x1 = min(pix.shape[0], h - top), min(pix.shape[1], w - left)
        canvas[top + y0:top + y1, left + x0:left + x1] = pix[y0:y1, x0:x1]
        np.save(f"{name}.{n}.npy", canvas)
        # A fresh image for each layer (seeking reuses the pixel buffer, so
        # the pixels of the last layer read show around the next one), and
        # seek(2) before seek(1), which is otherwise a no-op on the composite.
        # With a single layer, Pillow cannot reach it at all.
        if len(psd) == 1:
            continue
        im = Image.open(f"{name}.psd")
        try:
            if n == 1 and len(psd) > 1:
                im.seek(2)
            im.seek(n)
            pil = np.asarray(im)
        except (ValueError, EOFError, OSError):
            # Pillow refuses layers over the canvas' edges and ZIP data.
            continue
        assert np.array_equal(pil, canvas[..., [3, 0, 1, 2]]), (name, n)


canvas = Image.fromarray(rand(12, 16, 3))
psd = PSDImage.frompil(canvas)
psd.append(PixelLayer.frompil(Image.fromarray(rand(12, 16, 3)), psd, "back", 0, 0))
psd.append(PixelLayer.frompil(Image.fromarray(rand(5, 7, 3)), psd, "top left", 1, 2))
psd.append(PixelLayer.frompil(Image.fromarray(rand(4, 3, 3)), psd, "corner", 8, 13,
                              Compression.RAW))
psd.append(PixelLayer.frompil(Image.fromarray(rand(6, 5, 3)), psd, "zip", 3, 9,
                              Compression.ZIP_WITH_PREDICTION))
psd.save("layers_rgb.psd")
pillow_refs("layers_rgb")
layer_refs("layers_rgb")

# A layer that hangs over the canvas' edges (Pillow refuses it: the plugin
# clips it to the canvas).
psd = PSDImage.frompil(Image.fromarray(rand(6, 8, 3)))
psd.append(PixelLayer.frompil(Image.fromarray(rand(5, 6, 3)), psd, "over", -2, 5))
psd.save("layer_over.psd")
pillow_refs("layer_over")
layer_refs("layer_over")

# Lab, through Pillow's LAB mode.
lab = Image.fromarray(rand(5, 6, 3), mode="RGB").convert("LAB")
from_pil("lab8_rle", lab)
# Pillow's LAB holds a* and b* as signed bytes; the file (and the plugin)
# stores them offset by 128: the reference is Pillow's array with a*, b*
# XOR 0x80, checked against psd-tools' decoding of the stored channels.
ref = np.load("lab8_rle.0.npy").copy()
ref[:, :, 1:] ^= 0x80
p = PSDImage.open("lab8_rle.psd")
stored = p._record.image_data.get_data(p._record.header)
stored = np.stack([np.frombuffer(d, np.uint8).reshape(5, 6) for d in stored], axis=-1)
assert np.array_equal(ref, stored)
np.save("lab8_rle.0.npy", ref)

# Indexed (psd-tools cannot write it): built by hand, raw data, a palette of
# 256 entries stored as 256 reds, 256 greens, 256 blues.
import struct

h, w = 7, 9
index = rand(h, w)
palette = rand(3, 256).tobytes()
with open("indexed8_raw.psd", "wb") as f:
    f.write(b"8BPS" + struct.pack(">H6xHIIHH", 1, 1, h, w, 8, 2))
    f.write(struct.pack(">I", 768) + palette)
    f.write(struct.pack(">I", 0) + struct.pack(">I", 0))
    f.write(struct.pack(">H", 0) + index.tobytes())
pillow_refs("indexed8_raw")

# Two files made by Photoshop, from the `psd` crate's test fixtures
# (MIT OR Apache-2.0), copied unchanged under a `psdcrate_` prefix: their
# composites (their layers are read, not compared).
for name in ("psdcrate_rle-compressed-empty-channel", "psdcrate_layer-larger"):
    pillow_refs(name)
