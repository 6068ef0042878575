"""Makes the NIfTI test files and their references with nibabel.

Run from this folder: python make.py (nibabel 5.4.2, numpy; see README.md).
Each NAME.nii / NAME.nii.gz gets:
  NAME.npy         the stored values in our (z, y, x) order: the transpose
                   of nibabel's np.asarray(img.dataobj.get_unscaled());
  NAME.scaled.npy  (scaled files only) nibabel's img.get_fdata(), transposed;
and expected.json holds, per file, nibabel's shape, zooms, affine,
slope/inter, units and NIfTI version.
The nibabel_*.nii* files are copies of files nibabel ships in
nibabel/tests/data (MIT licence), listed in SHIPPED.
"""
import json
import os
import shutil

import nibabel as nib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(23)

# nibabel's own test files that are small: (name in nibabel, name here)
SHIPPED = [
    ("standard.nii.gz", "nibabel_standard.nii.gz"),
    ("resampled_anat_moved.nii", "nibabel_resampled_anat_moved.nii"),
    ("row_major.dconn.nii", "nibabel_row_major_dconn.nii"),
]

SFORM = np.array(
    [[-0.5, 0.01, 0.0, 12.5], [0.02, 0.75, 0.1, -30.25], [0.0, -0.05, 2.0, 4.0], [0, 0, 0, 1]]
)


def values(dtype, shape):
    """Values spanning the dtype's range, extremes included."""
    n = int(np.prod(shape))
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        v = rng.integers(info.min, info.max, size=n, dtype=dtype, endpoint=True)
        v[0], v[-1] = info.min, info.max
    else:
        v = (rng.standard_normal(n) * 1000).astype(dtype)
        v[0], v[-1] = np.finfo(dtype).min, np.finfo(dtype).max
    return v.reshape(shape)


def save(img, name):
    path = os.path.join(HERE, name)
    nib.save(img, path)
    return path


def load(path):
    """The file as a plain NIfTI image (not CIFTI-2)."""
    img = nib.load(path)
    if type(img) not in (nib.Nifti1Image, nib.Nifti2Image):
        img = nib.Nifti2Image.load(path)
    return img


def reference(path, name):
    img = load(path)
    stem = name.split(".nii")[0]
    raw = np.asarray(img.dataobj.get_unscaled())
    if raw.dtype.names:  # RGB / RGBA: a structured dtype
        raw = np.stack([raw[f] for f in raw.dtype.names], axis=-1)
        ours = np.ascontiguousarray(np.transpose(raw, list(range(raw.ndim - 1))[::-1] + [raw.ndim - 1]))
    else:
        ours = np.ascontiguousarray(raw.T)
    ours = ours.astype(ours.dtype.newbyteorder("="))
    np.save(os.path.join(HERE, stem + ".npy"), ours)
    hdr = img.header
    # nibabel moves the scaling from the header into the array proxy on load
    slope, inter = float(img.dataobj.slope), float(img.dataobj.inter)
    entry = {
        "file": name,
        "version": 2 if isinstance(hdr, nib.Nifti2Header) else 1,
        "shape": list(ours.shape),
        "dtype": str(ours.dtype),
        "zooms": [float(z) for z in hdr.get_zooms()],
        "affine": img.affine.tolist(),
        "sform_code": int(hdr["sform_code"]),
        "qform_code": int(hdr["qform_code"]),
        "units": list(hdr.get_xyzt_units()),
        "slope": slope,
        "inter": inter,
        "scaled": None,
    }
    if (slope, inter) != (1.0, 0.0) and not raw.dtype.names:
        np.save(os.path.join(HERE, stem + ".scaled.npy"), np.ascontiguousarray(img.get_fdata().T))
        entry["scaled"] = stem + ".scaled.npy"
    return entry


def made():
    """(image, file name) for every generated file."""
    out = []
    shape3 = (5, 4, 3)  # nibabel's (x, y, z)
    for dt in ["u1", "i1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]:
        data = values(np.dtype(dt), shape3)
        img = nib.Nifti1Image(data, SFORM, dtype=np.dtype(dt))
        img.header.set_xyzt_units("mm", "sec")
        out.append((img, f"v1_{np.dtype(dt).name}.nii"))
    # 4-D, gzip, NIfTI-1, with a time step
    data = values(np.dtype("f4"), (4, 3, 2, 3))
    img = nib.Nifti1Image(data, SFORM)
    img.header.set_zooms((0.5, 0.75, 2.0, 2.5))
    img.header.set_xyzt_units("mm", "msec")
    out.append((img, "v1_4d_float32.nii.gz"))
    # scaled files: float data stored as integers, nibabel choosing
    # scl_slope and scl_inter; .nii and .nii.gz, NIfTI-1 and NIfTI-2, 3-D, 4-D
    data = rng.standard_normal(shape3) * 100 + 20
    for name in ["v1_scaled_int16.nii", "v1_scaled_int16.nii.gz"]:
        out.append((nib.Nifti1Image(data, SFORM, dtype=np.int16), name))
    data = rng.uniform(-50, 300, size=(3, 4, 2, 2))
    out.append((nib.Nifti2Image(data, SFORM, dtype=np.uint8), "v2_scaled_uint8_4d.nii.gz"))
    # NIfTI-2, every dtype family, .nii and .nii.gz
    for dt, ext in [("i2", ".nii"), ("f8", ".nii.gz"), ("u2", ".nii.gz"), ("i8", ".nii")]:
        data = values(np.dtype(dt), shape3)
        img = nib.Nifti2Image(data, SFORM, dtype=np.dtype(dt))
        out.append((img, f"v2_{np.dtype(dt).name}{ext}"))
    # big-endian files (NIfTI-1 and NIfTI-2)
    data = values(np.dtype("i4"), shape3)
    hdr = nib.Nifti1Header(endianness=">")
    out.append((nib.Nifti1Image(data, SFORM, header=hdr, dtype=np.int32), "v1_bigendian_int32.nii"))
    data = values(np.dtype("f4"), shape3)
    hdr = nib.Nifti2Header(endianness=">")
    out.append((nib.Nifti2Image(data, SFORM, header=hdr, dtype=np.float32), "v2_bigendian_float32.nii.gz"))
    # RGB24 and RGBA32
    for fields, name in [("RGB", "v1_rgb24.nii"), ("RGBA", "v1_rgba32.nii.gz")]:
        dt = np.dtype([(c, "u1") for c in fields])
        data = np.zeros(shape3, dtype=dt)
        for c in fields:
            data[c] = rng.integers(0, 255, size=shape3, dtype=np.uint8, endpoint=True)
        out.append((nib.Nifti1Image(data, SFORM), name))
    # qform only (a rotation), no sform
    data = values(np.dtype("i2"), shape3)
    img = nib.Nifti1Image(data, None, dtype=np.int16)
    c, s = np.cos(0.3), np.sin(0.3)
    q = np.array([[c, -s, 0, 1.0], [s, c, 0, 2.0], [0, 0, -1.5, 3.0], [0, 0, 0, 1]])
    img.header.set_qform(q, code="scanner")
    img.header.set_sform(None, code="unknown")
    out.append((img, "v1_qform_only.nii"))
    # no transform at all: nibabel's default affine from pixdim
    data = values(np.dtype("u1"), shape3)
    img = nib.Nifti1Image(data, None, dtype=np.uint8)
    img.header.set_zooms((1.5, 2.0, 3.0))
    img.header.set_qform(None, code="unknown")
    img.header.set_sform(None, code="unknown")
    out.append((img, "v1_no_xform.nii"))
    # a 2-D image, and a file with a header extension (vox_offset > 352)
    data = values(np.dtype("u2"), (7, 6))
    out.append((nib.Nifti1Image(data, np.eye(4), dtype=np.uint16), "v1_2d_uint16.nii"))
    data = values(np.dtype("f4"), shape3)
    img = nib.Nifti1Image(data, SFORM, dtype=np.float32)
    img.header.extensions.append(nib.nifti1.Nifti1Extension("comment", b"made by make.py " * 5))
    out.append((img, "v1_extension_float32.nii.gz"))
    return out


def main():
    expected = []
    for img, name in made():
        expected.append(reference(save(img, name), name))
    src = os.path.join(os.path.dirname(nib.__file__), "tests", "data")
    for theirs, ours in SHIPPED:
        shutil.copyfile(os.path.join(src, theirs), os.path.join(HERE, ours))
        expected.append(reference(os.path.join(HERE, ours), ours))
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"nibabel": nib.__version__, "files": expected}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
