"""Makes the HEIC/AVIF test files of imageio-heif and their reference arrays.

Run from this directory with the reference venv (pillow-heif, Pillow, imagecodecs, numpy):

    ../../../../target/refvenv/bin/python make.py

HEIC files are written by pillow-heif (libheif + x265) and decoded by pillow-heif
(libheif + libde265) for the references. pillow-heif has no AV1 codec, so AVIF files
are written by imagecodecs (libavif) and Pillow (libavif), and decoded by imagecodecs
(libavif) for the references.

Reference conventions, matching what imageio-heif returns:
- `NAME.npy` is the displayed image: HEIF transformations (irot/imir) applied, as
  pillow-heif returns it (imageio-heif's `rotate=true`).
- 10/12-bit samples are stored as they are in the file (0..1023, 0..4095). pillow-heif
  returns them shifted left to 16 bits (a 10-bit 1023 comes back as 65472); this script
  checks that the low bits are zero and shifts them back.
- `NAME.stored.npy` (orientation files only) is the array that was encoded, losslessly,
  before the orientation was recorded: what imageio-heif returns by default.
- A multi-image file's reference is the stack of its top-level images, in file order.
"""

import io
import json

import imagecodecs
import numpy as np
import pillow_heif
from PIL import Image, ImageOps

H, W = 12, 20


def pattern(h, w, c, bits, seed=0):
    """A smooth-plus-edges test pattern with `c` channels at `bits` bits."""
    y, x = np.mgrid[0:h, 0:w]
    m = (1 << bits) - 1
    chans = [
        x * m // max(w - 1, 1),
        y * m // max(h - 1, 1),
        ((x * 7 + y * 13 + seed * 5) % 32) * m // 31,
        np.where((x // 4 + y // 4 + seed) % 2 == 0, m, m // 3),
    ]
    a = np.stack(chans[:c], -1).astype(np.uint16 if bits > 8 else np.uint8)
    return a if c > 1 else a[..., 0]


def heif_ref(path, bits):
    """pillow-heif's decode of every top-level image, samples as stored."""
    f = pillow_heif.open_heif(path, convert_hdr_to_8bit=False)
    frames = []
    for im in f:
        a = np.asarray(im)
        if bits > 8:
            assert a.dtype == np.uint16
            shift = 16 - bits
            assert not (a & ((1 << shift) - 1)).any(), "pillow-heif scaled, not shifted"
            a = a >> shift
        frames.append(a)
    return frames


def heif_save(path, a, mode, bits, quality=90, extra=(), orientation=None):
    """Writes `a` (and `extra` images) with pillow-heif."""
    pillow_heif.options.SAVE_HDR_TO_12_BIT = bits == 12
    shift = 16 - bits if bits > 8 else 0

    def raw(x):
        return (x.astype("<u2") << shift).tobytes() if bits > 8 else x.tobytes()

    f = pillow_heif.from_bytes(mode=mode, size=(a.shape[1], a.shape[0]), data=raw(a))
    for b in extra:
        f.add_frombytes(mode, (b.shape[1], b.shape[0]), raw(b))
    kwargs = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    f.save(path, quality=quality, **kwargs)


manifest = {}


def record(name, frames, **info):
    ref = np.stack(frames) if len(frames) > 1 else frames[0]
    np.save(name + ".npy", ref)
    manifest[name] = dict(shape=list(ref.shape), dtype=str(ref.dtype), frames=len(frames), **info)


# HEIC: gray, RGB, RGBA at 8 bits; RGB and gray at 10, RGBA at 12.
for name, mode, c, bits, q in [
    ("gray8.heic", "L", 1, 8, -1),
    ("rgb8.heic", "RGB", 3, 8, 90),
    ("rgba8.heic", "RGBA", 4, 8, 90),
    ("gray10.heic", "L;16", 1, 10, -1),
    ("rgb10.heic", "RGB;16", 3, 10, 90),
    ("rgba12.heic", "RGBA;16", 4, 12, 90),
]:
    heif_save(name, pattern(H, W, c, bits), mode, bits, quality=q)
    record(name, heif_ref(name, bits), bits=bits)

# HEIC with three top-level images of one shape.
name = "multi3.heic"
heif_save(name, pattern(H, W, 3, 8, 0), "RGB", 8, extra=[pattern(H, W, 3, 8, s) for s in (1, 2)])
record(name, heif_ref(name, 8), bits=8)

# HEIC orientations 2..8, gray and lossless, so that the stored array is exact.
for o in range(2, 9):
    name = f"orient{o}.heic"
    a = pattern(8, 14, 1, 8)
    heif_save(name, a, "L", 8, quality=-1, orientation=o)
    (ref,) = heif_ref(name, 8)
    np.save(name + ".stored.npy", a)
    record(name, [ref], bits=8, orientation=o)

# AVIF through imagecodecs (libavif), lossless: gray 8/12, gray+alpha 8, RGB 10, RGBA 12.
for name, c, bits in [
    ("gray8.avif", 1, 8),
    ("graya8.avif", 2, 8),
    ("gray12.avif", 1, 12),
    ("rgb10.avif", 3, 10),
    ("rgba12.avif", 4, 12),
]:
    a = pattern(H, W, c, bits)
    with open(name, "wb") as fh:
        fh.write(imagecodecs.avif_encode(a, level=100, bitspersample=bits))
    ref = imagecodecs.avif_decode(open(name, "rb").read())
    assert (ref == a).all()
    record(name, [ref], bits=bits)

# AVIF through Pillow (libavif): lossy RGB and RGBA at 8 bits, 4:4:4, and RGB 4:2:0
# (where libavif's and libheif's chroma upsampling differ).
for name, c, sub in [("rgb8.avif", 3, "4:4:4"), ("rgba8.avif", 4, "4:4:4"), ("rgb8-420.avif", 3, "4:2:0")]:
    Image.fromarray(pattern(H, W, c, 8)).save(name, "AVIF", quality=80, subsampling=sub)
    record(name, [imagecodecs.avif_decode(open(name, "rb").read())], bits=8)

# AVIF orientation 6 through Pillow (irot from the EXIF orientation), lossless. Pillow
# and libavif decode it unrotated (the stored array); Pillow reports the irot as EXIF
# orientation 6 and ImageOps.exif_transpose gives the displayed image.
name = "orient6.avif"
a = pattern(8, 14, 3, 8)
exif = Image.Exif()
exif[0x0112] = 6
Image.fromarray(a).save(name, "AVIF", quality=100, subsampling="4:4:4", exif=exif.tobytes())
ref = np.asarray(ImageOps.exif_transpose(Image.open(name)).convert("RGB"))
np.save(name + ".stored.npy", imagecodecs.avif_decode(open(name, "rb").read()))
record(name, [ref], bits=8, orientation=6)

# An AVIF image sequence (avis) of three frames, lossless.
name = "seq3.avif"
stack = np.stack([pattern(H, W, 3, 8, s) for s in range(3)])
with open(name, "wb") as fh:
    fh.write(imagecodecs.avif_encode(stack, level=100))
ref = imagecodecs.avif_decode(open(name, "rb").read())
assert ref.shape == stack.shape and (ref == stack).all()
record(name, list(ref), bits=8)

with open("manifest.json", "w") as fh:
    json.dump(manifest, fh, indent=1, sort_keys=True)
print(json.dumps(manifest, indent=1, sort_keys=True))
