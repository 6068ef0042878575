"""Makes the reference data of the DICOM plugin's tests.

Copies small test files that pydicom 3 ships (pydicom/data/test_files, MIT
licence) into this directory, writes pydicom's `ds.pixel_array` of each as
member `ref` of `refs.npz` (pylibjpeg-libjpeg and pylibjpeg-openjpeg decode the JPEG and
JPEG 2000 ones), what the tests compare in `expected.json` (shape, dtype,
PixelSpacing, rescale, and Python imageio's rescaled read where its DICOM
plugin reads the file), and a small series made from MR_small.dcm under
`series/` with imageio's `volread` of it in `refs.npz` too.

Run: target/refvenv/bin/python crates/imageio-dicom/tests/data/make.py
(pip install pydicom pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg imageio numpy)
"""
import json
import os
import shutil

import imageio.v2 as iio
import numpy as np
import pydicom
from pydicom.uid import generate_uid

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")

FILES = [
    # native
    "CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm",
    "MR_small_padded.dcm", "SC_rgb_small_odd.dcm", "SC_rgb_small_odd_big_endian.dcm",
    "ExplVR_BigEnd.dcm", "SC_ybr_full_422_uncompressed.dcm", "rtdose.dcm",
    "rtdose_expb_1frame.dcm", "liver_1frame.dcm", "image_dfl.dcm",
    # RLE
    "MR_small_RLE.dcm", "SC_rgb_rle.dcm", "SC_rgb_rle_16bit.dcm", "SC_rgb_rle_2frame.dcm",
    "SC_rgb_rle_32bit_2frame.dcm", "rtdose_rle.dcm",
    # JPEG
    "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm", "SC_rgb_dcmtk_+eb+cr.dcm",
    "SC_rgb_jpeg_gdcm.dcm", "JPGExtended.dcm", "SC_rgb_small_odd_jpeg.dcm",
    "SC_jpeg_no_color_transform.dcm", "SC_rgb_jpeg.dcm",  # implicit VR under an explicit syntax
    # JPEG 2000
    "MR_small_jp2klossless.dcm", "693_J2KI.dcm", "JPEG2000.dcm", "SC_rgb_gdcm_KY.dcm",
    "GDCMJ2K_TextGBR.dcm",
]
# Files whose pixels the plugin refuses or that are broken.
ERRORS = ["MR_small_jpeg_ls_lossless.dcm", "MR_truncated.dcm", "rtplan.dcm"]


def num(v):
    return None if v is None else float(v)


def main():
    out = []
    refs = {}
    for name in FILES + ERRORS:
        shutil.copy(os.path.join(SRC, name), os.path.join(HERE, name))
    for name in FILES:
        path = os.path.join(HERE, name)
        ds = pydicom.dcmread(path)
        a = ds.pixel_array
        a = a.astype(a.dtype.newbyteorder("<"))
        stem = name[: -len(".dcm")]
        e_index = len(refs)
        refs[stem] = a
        e = {
            "file": name,
            "shape": list(a.shape),
            "dtype": a.dtype.name,
            "frames": int(ds.get("NumberOfFrames", 1) or 1),
            "transfer_syntax": str(ds.file_meta.TransferSyntaxUID),
            "lossy": ds.file_meta.TransferSyntaxUID in (
                "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.91"),
            "pixel_spacing": [float(x) for x in ds.PixelSpacing] if "PixelSpacing" in ds else None,
            "slope": num(ds.get("RescaleSlope")),
            "intercept": num(ds.get("RescaleIntercept")),
            "modality": ds.get("Modality"),
            "rows": int(ds.Rows),
            "ref": e_index,
        }
        try:
            im = iio.imread(path, format="DICOM")
            if "RescaleSlope" in ds or "RescaleIntercept" in ds:
                e["imageio_ref"] = len(refs)
                refs[stem + ".imageio"] = im
                e["imageio_dtype"] = im.dtype.name
        except Exception as err:  # compressed: imageio needs gdcm or dcmtk
            e["imageio_error"] = type(err).__name__
        out.append(e)

    # A series of three slices with shuffled names, plus another series and
    # a file that is not DICOM.
    sdir = os.path.join(HERE, "series")
    shutil.rmtree(sdir, ignore_errors=True)
    os.makedirs(os.path.join(sdir, "sub"))
    base = pydicom.dcmread(os.path.join(SRC, "MR_small.dcm"))
    uid = "1.2.826.0.1.3680043.8.498.1"
    names = {0: "c.dcm", 1: "a.dcm", 2: os.path.join("sub", "b.dcm")}
    for k in range(3):
        ds = pydicom.dcmread(os.path.join(SRC, "MR_small.dcm"))
        ds.SeriesInstanceUID = uid
        ds.SOPInstanceUID = generate_uid(entropy_srcs=[str(k)])
        ds.InstanceNumber = k + 1
        pos = [float(x) for x in base.ImagePositionPatient]
        pos[2] += 2.5 * k
        ds.ImagePositionPatient = pos
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        px = ds.pixel_array.astype(np.int16) // 2 + 100 * k
        ds.PixelData = px.tobytes()
        ds.save_as(os.path.join(sdir, names[k]))
    other = pydicom.dcmread(os.path.join(SRC, "MR_small.dcm"))
    other.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.2"
    other.save_as(os.path.join(sdir, "other.dcm"))
    with open(os.path.join(sdir, "notes.txt"), "w") as f:
        f.write("not a DICOM file\n")
    vol = iio.volread(sdir, format="DICOM")
    refs["series"] = np.asarray(vol)
    series = {
        "uid": uid,
        "ref": len(refs) - 1,
        "shape": list(vol.shape),
        "dtype": vol.dtype.name,
        "sampling": [float(x) for x in vol.meta["sampling"]],
    }
    # One compressed archive: member k is reference k, in this order.
    np.savez_compressed(os.path.join(HERE, "refs.npz"), *refs.values())
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"files": out, "errors": ERRORS, "series": series}, f, indent=1)


if __name__ == "__main__":
    main()
