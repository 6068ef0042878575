"""Makes the FITS test files of imageio-fits and their reference arrays.

Run with a venv holding astropy and numpy (see README.md):
    python make.py [ASTROPY_TEST_DATA_DIR]
Every FITS file NAME.fits gets NAME.K.npy for each image K it holds (as
imageio's FITS plugin numbers them: the PrimaryHDU/ImageHDU with data, in
file order), read by astropy with its defaults (scaling on, uint=True), and
NAME.K.raw.npy read with do_not_scale_image_data=True. Arrays are saved in
native (little-endian) byte order. Header references (for HEADER_REFS) go to NAME.K.json.
"""

import json
import os
import shutil
import sys

import numpy as np
from astropy.io import fits

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261203)

# The astropy test files copied in (small, BSD-3-Clause, astropy 8.0.2).
# The files whose headers are compared card by card.
HEADER_REFS = ["cards", "mef", "primary_ext", "astropy_scale", "astropy_checksum"]

ASTROPY_FILES = ["scale.fits", "arange.fits", "blank.fits", "checksum.fits", "group.fits"]


def ramp(shape, dtype, lo, hi):
    n = int(np.prod(shape))
    a = np.linspace(lo, hi, n) + rng.normal(0, (hi - lo) / 50, n)
    return np.clip(np.round(a) if np.dtype(dtype).kind in "iu" else a, lo, hi).astype(dtype).reshape(shape)


def write(name, hdus):
    fits.HDUList(hdus).writeto(os.path.join(HERE, name), overwrite=True)


def raw_primary(data, **cards):
    """A primary HDU holding `data` as stored, with `cards` written verbatim."""
    h = fits.PrimaryHDU(data)
    for k, v in cards.items():
        h.header[k] = v
    return h


def generated():
    i16 = ramp((6, 9), "i2", -30000, 30000)
    write("u8.fits", [fits.PrimaryHDU(ramp((5, 7), "u1", 0, 255))])
    write("i16.fits", [fits.PrimaryHDU(i16)])
    write("i32.fits", [fits.PrimaryHDU(ramp((4, 6), "i4", -2_000_000_000, 2_000_000_000))])
    write("i64.fits", [fits.PrimaryHDU(ramp((3, 5), "i8", -(2**62), 2**62) * 3)])
    f32 = ramp((5, 6), "f4", -1e3, 1e3)
    f32[0, 0], f32[0, 1], f32[1, 0] = np.nan, np.inf, -0.0
    write("f32.fits", [fits.PrimaryHDU(f32)])
    write("f64.fits", [fits.PrimaryHDU(ramp((4, 7), "f8", -1e-3, 1e300))])
    write("i16_3d.fits", [fits.PrimaryHDU(ramp((3, 4, 5), "i2", -500, 500))])
    write("f32_4d.fits", [fits.PrimaryHDU(ramp((2, 3, 4, 5), "f4", 0, 1))])
    write("line.fits", [fits.PrimaryHDU(ramp((17,), "i4", -5, 5))])

    # An empty primary, two image extensions around a table, an empty image.
    table = fits.BinTableHDU.from_columns([fits.Column(name="x", format="J", array=np.arange(5))])
    write(
        "mef.fits",
        [
            fits.PrimaryHDU(),
            fits.ImageHDU(ramp((6, 8), "i2", -100, 100), name="SCI"),
            table,
            fits.ImageHDU(ramp((3, 4, 5), "f4", -1, 1), name="ERR"),
            fits.ImageHDU(name="EMPTY"),
        ],
    )
    # A primary with data and two image extensions.
    write(
        "primary_ext.fits",
        [
            fits.PrimaryHDU(ramp((4, 6), "u1", 0, 255)),
            fits.ImageHDU(ramp((5, 3), "i4", -1000, 1000), name="A"),
            fits.ImageHDU(ramp((2, 3, 4), "f8", -1, 1), name="B"),
        ],
    )

    # BSCALE/BZERO/BLANK on every integer BITPIX and on floats.
    write("bscale_u8.fits", [raw_primary(ramp((4, 5), "u1", 0, 255), BSCALE=0.5, BZERO=-3.0)])
    write("bscale_i16.fits", [raw_primary(i16, BSCALE=0.25, BZERO=100.0)])
    write("bzero_i16.fits", [raw_primary(i16, BZERO=7)])
    write("bscale_i32.fits", [raw_primary(ramp((4, 5), "i4", -10**9, 10**9), BSCALE=1e-3, BZERO=0.5)])
    write("bscale_i64.fits", [raw_primary(ramp((3, 4), "i8", -10**12, 10**12), BSCALE=3.0, BZERO=-1.0)])
    write("bscale_f32.fits", [raw_primary(ramp((3, 4), "f4", -1, 1), BSCALE=2.5, BZERO=1.0)])
    write("bscale_f64.fits", [raw_primary(ramp((3, 4), "f8", -1, 1), BSCALE=2.5, BZERO=1.0)])
    blank = i16.copy()
    blank[1, 2] = blank[4, 4] = -32768
    write("blank_i16.fits", [raw_primary(blank, BLANK=-32768)])
    bi32 = ramp((4, 5), "i4", -1000, 1000)
    bi32[0, 3] = 999999
    write("blank_i32_scaled.fits", [raw_primary(bi32, BLANK=999999, BSCALE=0.5, BZERO=2.0)])

    # BLANK on bytes (f32 with NaN), on floats (ignored), with the unsigned
    # convention (ignored: astropy returns u16).
    bu8 = ramp((3, 4), "u1", 0, 255)
    bu8[1, 1] = 7
    write("blank_u8.fits", [raw_primary(bu8, BLANK=7)])
    write("blank_f32.fits", [raw_primary(ramp((3, 4), "f4", -1, 1), BLANK=7)])
    write("blank_uint16.fits", [raw_primary(i16, BZERO=32768, BLANK=int(i16[0, 0]))])

    # The unsigned (and signed-byte) conventions: astropy writes these
    # dtypes with BZERO = 2^(n-1) (-128 for int8).
    write("uint16.fits", [fits.PrimaryHDU(ramp((5, 6), "u2", 0, 65535))])
    write("uint32.fits", [fits.PrimaryHDU(ramp((4, 5), "u4", 0, 2**32 - 1))])
    write("uint64.fits", [fits.PrimaryHDU(np.array([[0, 1, 2**63, 2**64 - 1]], dtype="u8"))])
    write("int8.fits", [fits.PrimaryHDU(ramp((4, 5), "i1", -128, 127))])

    # Header cards of every type, a long string, HIERARCH, commentary.
    h = fits.PrimaryHDU(ramp((2, 3), "u1", 0, 255))
    h.header["STRKEY"] = ("It's a string", "a comment")
    h.header["INTKEY"] = -42
    h.header["BIGINT"] = 2**40
    h.header["FLTKEY"] = 1.5e-7
    h.header["BOOLT"] = True
    h.header["BOOLF"] = False
    h.header["LONGSTR"] = "a long string " * 12
    h.header["HIERARCH ESO DET NAME"] = "detector"
    h.header["COMMENT"] = "first comment"
    h.header["COMMENT"] = "second comment"
    h.header["HISTORY"] = "made by make.py"
    write("cards.fits", [h])


def references():
    for name in sorted(os.listdir(HERE)):
        if not name.endswith(".fits"):
            continue
        stem = name[: -len(".fits")]
        with fits.open(os.path.join(HERE, name)) as hdul, fits.open(
            os.path.join(HERE, name), do_not_scale_image_data=True
        ) as raw:
            k = 0
            for hdu, rhdu in zip(hdul, raw):
                # Random groups (GroupsHDU, a PrimaryHDU to astropy) are
                # records, not an image: the plugin skips them.
                image = isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU))
                if not image or isinstance(hdu, fits.GroupsHDU) or hdu.size == 0:
                    continue
                for suffix, data in (("", hdu.data), (".raw", rhdu.data)):
                    a = np.ascontiguousarray(data)
                    a = a.astype(a.dtype.newbyteorder("="))
                    np.save(os.path.join(HERE, f"{stem}.{k}{suffix}.npy"), a)
                if stem not in HEADER_REFS:
                    k += 1
                    continue
                cards = {}
                # The header as stored (astropy rewrites BITPIX/BSCALE once
                # it has scaled the data).
                for key, value in rhdu.header.items():
                    if key == "" and str(value).strip() == "":
                        continue  # blank cards
                    if key in ("COMMENT", "HISTORY", ""):
                        # Text under a blank keyword goes with COMMENT.
                        cards.setdefault(key or "COMMENT", []).append(str(value))
                    elif isinstance(value, (bool, int, float, str)):
                        cards[key] = value
                with open(os.path.join(HERE, f"{stem}.{k}.json"), "w") as f:
                    json.dump(cards, f, indent=1)
                k += 1


if __name__ == "__main__":
    if len(sys.argv) > 1:
        for f in ASTROPY_FILES:
            shutil.copy(os.path.join(sys.argv[1], f), os.path.join(HERE, "astropy_" + f))
    generated()
    references()
