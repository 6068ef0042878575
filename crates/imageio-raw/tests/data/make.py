"""Makes the DNG test files of this folder and their references.

Run from this folder with the reference venv (pidng, rawpy, numpy):
    ../../../../target/refvenv/bin/python make.py
Each `NAME.dng` is written by pidng (uncompressed CFA data, one strip or
tile); `NAME.raw.npy` is rawpy's `raw_image_visible`; `NAME.json` holds
rawpy's black_level_per_channel, white_level, raw_pattern, color_desc and
camera_whitebalance; `NAME.rgb.npy` is rawpy's `postprocess` with the
settings closest to rawler's develop pipeline (camera white balance, PPG
demosaic, no auto-brightening, the white level as stored: LibRaw's default
`adjust_maximum_thr=0.75` replaces it with the image's largest sample when
that is above 75% of it, sRGB gamma, 8 bits); `NAME.default.npy` is
rawpy's default `postprocess()` (what imageio's rawpy plugin returns).
"""
import json

import numpy as np
import rawpy
from pidng.core import RAW2DNG, DNGTags, Tag
from pidng.defs import (
    CalibrationIlluminant,
    CFAPattern,
    DNGVersion,
    Orientation,
    PhotometricInterpretation,
    PreviewColorSpace,
)

rng = np.random.default_rng(22)

# A camera matrix (XYZ to camera, D65), as rationals of 10000.
CCM = [[19549, 10000], [-7877, 10000], [-2582, 10000],
       [-5724, 10000], [10121, 10000], [1917, 10000],
       [-1267, 10000], [1750, 10000], [8202, 10000]]


def scene(h, w, white, black):
    """A smooth scene with some noise, from black to white."""
    y, x = np.mgrid[0:h, 0:w]
    base = 0.15 + 0.6 * (x / max(w - 1, 1)) * (0.5 + 0.5 * np.sin(y / 3.0)) ** 2
    base += 0.01 * rng.random((h, w))
    v = black + base * (white - black)
    return np.clip(v, 0, white).astype(np.uint16)


def dng(name, h, w, pattern, black, white, neutral):
    """A 16-bit DNG (LibRaw refuses images under 22 pixels a side; pidng's 12- and 14-bit packings are not read by LibRaw
    or are broken for these widths), samples from `black` to `white`."""
    bits = 16
    arr = scene(h, w, white, black)
    t = DNGTags()
    t.set(Tag.ImageWidth, w)
    t.set(Tag.ImageLength, h)
    t.set(Tag.TileWidth, w)
    t.set(Tag.TileLength, h)
    t.set(Tag.Orientation, Orientation.Horizontal)
    t.set(Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array)
    t.set(Tag.SamplesPerPixel, 1)
    t.set(Tag.BitsPerSample, bits)
    t.set(Tag.CFARepeatPatternDim, [2, 2])
    t.set(Tag.CFAPattern, pattern)
    t.set(Tag.BlackLevel, black)
    t.set(Tag.WhiteLevel, white)
    t.set(Tag.ColorMatrix1, CCM)
    t.set(Tag.CalibrationIlluminant1, CalibrationIlluminant.D65)
    t.set(Tag.AsShotNeutral, [[int(n * 1000), 1000] for n in neutral])
    t.set(Tag.Make, "imageio-rs")
    t.set(Tag.Model, f"test {name}")
    t.set(Tag.DNGVersion, DNGVersion.V1_4)
    t.set(Tag.DNGBackwardVersion, DNGVersion.V1_2)
    t.set(Tag.PreviewColorSpace, PreviewColorSpace.sRGB)
    r = RAW2DNG()
    r.options(t, path="", compress=False)
    r.convert(arr, filename=name)

    with rawpy.imread(f"{name}.dng") as raw:
        np.save(f"{name}.raw.npy", raw.raw_image_visible.copy())
        meta = {
            "black_level_per_channel": [int(b) for b in raw.black_level_per_channel],
            "white_level": int(raw.white_level),
            "raw_pattern": raw.raw_pattern.tolist(),
            "color_desc": raw.color_desc.decode(),
            "camera_whitebalance": [float(v) for v in raw.camera_whitebalance],
        }
        json.dump(meta, open(f"{name}.json", "w"), indent=1)
    with rawpy.imread(f"{name}.dng") as raw:
        rgb = raw.postprocess(
            use_camera_wb=True,
            no_auto_bright=True,
            gamma=(2.4, 12.92),
            output_color=rawpy.ColorSpace.sRGB,
            demosaic_algorithm=rawpy.DemosaicAlgorithm.PPG,
            adjust_maximum_thr=0.0,
            output_bps=8,
        )
        np.save(f"{name}.rgb.npy", rgb)
    with rawpy.imread(f"{name}.dng") as raw:
        np.save(f"{name}.default.npy", raw.postprocess())
    assert np.array_equal(np.load(f"{name}.raw.npy"), arr), name


dng("rggb", 32, 48, CFAPattern.RGGB, 1024, 65535, (0.5, 1.0, 0.7))
dng("bggr", 24, 40, CFAPattern.BGGR, 512, 16383, (0.45, 1.0, 0.6))
dng("grbg", 24, 30, CFAPattern.GRBG, 256, 4095, (0.6, 1.0, 0.8))
dng("gbrg", 22, 26, CFAPattern.GBRG, 0, 60000, (0.5, 1.0, 0.5))
dng("rggb_large", 64, 96, CFAPattern.RGGB, 2048, 15000, (0.55, 1.0, 0.65))
