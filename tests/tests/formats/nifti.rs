//! Hostile inputs of the nifti plugin for the mutation run (`seeds`) and the
//! bomb test (`bombs`), included by `tests/tests/mutation.rs` and
//! `tests/tests/bombs.rs` (see `tests/tests/formats/mod.rs`). Every file is
//! built here from the NIfTI-1 (348-byte) and NIfTI-2 (540-byte) header
//! layouts, little-endian, single file (`n+1` / `n+2`), no extensions.

/// The NIfTI `datatype` codes used here, with their bits per voxel.
const INT16: (i16, i16) = (4, 16);
const FLOAT32: (i16, i16) = (16, 32);
const FLOAT64: (i16, i16) = (64, 64);
const RGB24: (i16, i16) = (128, 24);

/// A NIfTI-1 file: header (`dims` x first, `pixdim` of each axis), the
/// four bytes saying "no extension", then `voxels` from byte 352.
fn nifti1(dims: &[i16], (datatype, bitpix): (i16, i16), pixdim: &[f32], voxels: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 348];
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    let mut dim = [1i16; 8];
    dim[0] = dims.len() as i16;
    dim[1..=dims.len()].copy_from_slice(dims);
    for (i, d) in dim.iter().enumerate() {
        h[40 + 2 * i..42 + 2 * i].copy_from_slice(&d.to_le_bytes());
    }
    h[70..72].copy_from_slice(&datatype.to_le_bytes());
    h[72..74].copy_from_slice(&bitpix.to_le_bytes());
    let mut pd = [1f32; 8];
    pd[1..=pixdim.len()].copy_from_slice(pixdim);
    for (i, p) in pd.iter().enumerate() {
        h[76 + 4 * i..80 + 4 * i].copy_from_slice(&p.to_le_bytes());
    }
    h[108..112].copy_from_slice(&352f32.to_le_bytes()); // vox_offset
    h[123] = 10; // xyzt_units: mm, s
    h[344..348].copy_from_slice(b"n+1\0");
    h.extend_from_slice(&[0; 4]);
    h.extend_from_slice(voxels);
    h
}

/// A NIfTI-2 file: the same in the 540-byte layout, voxels from byte 544.
fn nifti2(dims: &[i64], (datatype, bitpix): (i16, i16), voxels: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 540];
    h[0..4].copy_from_slice(&540i32.to_le_bytes());
    h[4..12].copy_from_slice(b"n+2\0\r\n\x1a\n");
    h[12..14].copy_from_slice(&datatype.to_le_bytes());
    h[14..16].copy_from_slice(&bitpix.to_le_bytes());
    let mut dim = [1i64; 8];
    dim[0] = dims.len() as i64;
    dim[1..=dims.len()].copy_from_slice(dims);
    for (i, d) in dim.iter().enumerate() {
        h[16 + 8 * i..24 + 8 * i].copy_from_slice(&d.to_le_bytes());
    }
    for i in 0..8 {
        h[104 + 8 * i..112 + 8 * i].copy_from_slice(&1f64.to_le_bytes()); // pixdim
    }
    h[168..176].copy_from_slice(&544i64.to_le_bytes()); // vox_offset
    h[500..504].copy_from_slice(&10i32.to_le_bytes()); // xyzt_units
    h.extend_from_slice(&[0; 4]);
    h.extend_from_slice(voxels);
    h
}

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    // A 6x5x4 int16 volume with anisotropic voxels.
    let i16s: Vec<u8> = (0..120i16)
        .flat_map(|i| (i * 37 - 2000).to_le_bytes())
        .collect();
    let v1 = nifti1(&[6, 5, 4], INT16, &[0.5, 0.5, 2.0], &i16s);
    // A 4x3x2x2 float32 series (x, y, z, t).
    let f32s: Vec<u8> = (0..48)
        .flat_map(|i| (i as f32 / 4.0).to_le_bytes())
        .collect();
    let v1_t = nifti1(&[4, 3, 2, 2], FLOAT32, &[1.0, 1.0, 1.5, 0.8], &f32s);
    // A 5x3 RGB24 slice.
    let rgb: Vec<u8> = (0..45u8).map(|i| i.wrapping_mul(29)).collect();
    let v1_rgb = nifti1(&[5, 3], RGB24, &[1.0, 1.0], &rgb);
    // NIfTI-2: a 7x3x2 float32 volume.
    let f32s: Vec<u8> = (0..42)
        .flat_map(|i| (i as f32 - 20.0).to_le_bytes())
        .collect();
    let v2 = nifti2(&[7, 3, 2], FLOAT32, &f32s);
    [v1, v1_t, v1_rgb, v2]
        .into_iter()
        .map(|b| (".nii".to_owned(), b))
        .collect()
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        // 32767^3 doubles (2.8e14 bytes) over 8 bytes of data.
        (
            "nifti1-dim-huge",
            ".nii",
            nifti1(&[32767, 32767, 32767], FLOAT64, &[1.0; 3], &[0; 8]),
        ),
        // Seven axes of 32767: the voxel count nears 2^105.
        (
            "nifti1-dim-seven-axes",
            ".nii",
            nifti1(&[32767; 7], INT16, &[1.0; 7], &[0; 8]),
        ),
        // NIfTI-2: 10^9 x 10^9 x 10^9 voxels (the count overflows 64 bits).
        (
            "nifti2-dim-huge",
            ".nii",
            nifti2(&[1_000_000_000; 3], FLOAT32, &[0; 8]),
        ),
    ]
}
