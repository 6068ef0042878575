"""Makes the JPEG 2000 test files of imageio-jpeg2000 and their reference arrays.

Run with a venv holding imagecodecs (OpenJPEG), Pillow (OpenJPEG) and numpy:
    python make.py            (writes into the directory of this script)
Deterministic: the arrays come from a fixed seed.
"""
import io
import os

import imagecodecs
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261203)


def pattern(h, w, c, maxval, dtype):
    y, x = np.mgrid[0:h, 0:w]
    chans = []
    for k in range(c):
        base = (x * (k + 1) * 37 + y * (3 - k % 3) * 53 + k * 1000) % (maxval + 1)
        noise = rng.integers(0, max(2, (maxval + 1) // 64), size=(h, w))
        chans.append(np.clip(base + noise, 0, maxval))
    a = np.stack(chans, axis=-1).astype(dtype)
    return a[..., 0] if c == 1 else a


def save(name, data, ref):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    np.save(os.path.join(HERE, name.rsplit(".", 1)[0] + ".npy"), ref)
    print(f"{name}: {len(data)} bytes, ref {ref.dtype} {ref.shape}")


def lossless(name, a, **kw):
    data = imagecodecs.jpeg2k_encode(a, level=0, **kw)
    back = imagecodecs.jpeg2k_decode(data)
    assert back.dtype == a.dtype and np.array_equal(back, a), name
    save(name, data, a)


# imagecodecs (OpenJPEG), reversible 5/3 wavelet: lossless.
lossless("gray8.jp2", pattern(40, 48, 1, 255, np.uint8))
lossless("gray16.jp2", pattern(40, 48, 1, 65535, np.uint16))
lossless("gray12.j2k", pattern(33, 47, 1, 4095, np.uint16), codecformat="J2K", bitspersample=12)
lossless("rgb8.jp2", pattern(40, 48, 3, 255, np.uint8))
lossless("rgb16.jp2", pattern(32, 40, 3, 65535, np.uint16))
lossless("rgba8.jp2", pattern(36, 44, 4, 255, np.uint8))
lossless("rgba16.jp2", pattern(24, 32, 4, 65535, np.uint16))
lossless("rgb8_codestream.j2c", pattern(40, 48, 3, 255, np.uint8), codecformat="J2K")

# Lossy (irreversible 9/7 wavelet, ~40 dB): the reference is OpenJPEG's decode.
a = pattern(48, 64, 3, 255, np.uint8)
data = imagecodecs.jpeg2k_encode(a, level=40, reversible=False)
save("rgb8_lossy.jp2", data, imagecodecs.jpeg2k_decode(data))

# Pillow (OpenJPEG): RGBA and 16-bit gray, lossless by default; 4
# resolution levels (reduce up to 3), and the reduced reference from Pillow's
# own `reduce`.
im = Image.fromarray(pattern(64, 80, 3, 255, np.uint8), "RGB")
buf = io.BytesIO()
im.save(buf, "JPEG2000", irreversible=False, num_resolutions=4)
ref = np.asarray(im)
back = np.asarray(Image.open(io.BytesIO(buf.getvalue())))
assert np.array_equal(back, ref)
save("pillow_rgb8_levels4.jp2", buf.getvalue(), ref)
for r in (1, 2):
    red = Image.open(io.BytesIO(buf.getvalue()))
    red.reduce = r
    red.load()
    np.save(os.path.join(HERE, f"pillow_rgb8_levels4_reduce{r}.npy"), np.asarray(red))
    print(f"  reduce {r}: {np.asarray(red).shape}")

la = pattern(30, 34, 2, 255, np.uint8)
im = Image.fromarray(la, "LA")
buf = io.BytesIO()
im.save(buf, "JPEG2000", irreversible=False)
back = np.asarray(Image.open(io.BytesIO(buf.getvalue())))
assert np.array_equal(back, la)
save("pillow_la8.jp2", buf.getvalue(), la)

# 4-bit gray (imagecodecs, lossless, raw codestream): the reference holds the
# stored values 0..15, as OpenJPEG returns them; imageio-rs scales them to
# 0..255 (x 17), as it does every low-depth gray.
lossless("gray4.j2k", pattern(20, 24, 1, 15, np.uint8), codecformat="J2K", bitspersample=4)
