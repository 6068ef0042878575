//! The NIfTI-1 (348 bytes) and NIfTI-2 (540 bytes) headers, as one
//! [`Header`]: NIfTI-1 parsed by the `nifti` crate, NIfTI-2 (which that
//! crate does not read) by [`Header::parse_v2`]; both written by
//! [`Header::to_bytes`]. Also the affine (sform, else qform, else the
//! default from the voxel sizes) and the names of the codes.

use imageio_core::{DType, Error, Result};

/// The size of a NIfTI-1 header.
pub const V1_LEN: usize = 348;
/// The size of a NIfTI-2 header.
pub const V2_LEN: usize = 540;
/// The NIfTI-1 single-file magic, at byte 344.
pub const V1_MAGIC: &[u8] = b"n+1\0";
/// The NIfTI-2 single-file magic, at byte 4 (with the line-ending check).
pub const V2_MAGIC: &[u8] = b"n+2\0\r\n\x1a\n";

/// The most axes a NIfTI file has.
const MAX_DIMS: usize = 7;

/// What a voxel is stored as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One number of this dtype.
    Scalar(DType),
    /// `n` u8 channels (RGB24: 3, RGBA32: 4).
    Color(usize),
}

impl Kind {
    /// The kind of a NIfTI `datatype` code, or an error naming it.
    pub fn of(code: i32) -> Result<Kind> {
        Ok(match code {
            2 => Kind::Scalar(DType::U8),
            4 => Kind::Scalar(DType::I16),
            8 => Kind::Scalar(DType::I32),
            16 => Kind::Scalar(DType::F32),
            64 => Kind::Scalar(DType::F64),
            128 => Kind::Color(3),
            256 => Kind::Scalar(DType::I8),
            512 => Kind::Scalar(DType::U16),
            768 => Kind::Scalar(DType::U32),
            1024 => Kind::Scalar(DType::I64),
            1280 => Kind::Scalar(DType::U64),
            2304 => Kind::Color(4),
            1 | 32 | 1536 | 1792 | 2048 => {
                return Err(Error::unsupported(format!(
                    "NIfTI: datatype {} ({code}) is not supported (binary, complex and \
                     128-bit types are not read)",
                    datatype_name(code)
                )))
            }
            _ => {
                return Err(Error::decode(format!(
                    "NIfTI: unknown datatype code {code}"
                )))
            }
        })
    }

    /// The bytes of one voxel.
    pub fn size(self) -> usize {
        match self {
            Kind::Scalar(d) => d.size(),
            Kind::Color(n) => n,
        }
    }

    /// The `datatype` code of an array of `dtype`.
    pub fn code_of(dtype: DType) -> i32 {
        match dtype {
            DType::U8 => 2,
            DType::I16 => 4,
            DType::I32 => 8,
            DType::F32 => 16,
            DType::F64 => 64,
            DType::I8 => 256,
            DType::U16 => 512,
            DType::U32 => 768,
            DType::I64 => 1024,
            DType::U64 => 1280,
        }
    }
}

/// The name of a `datatype` code, as nibabel spells it.
pub fn datatype_name(code: i32) -> &'static str {
    match code {
        1 => "bool",
        2 => "uint8",
        4 => "int16",
        8 => "int32",
        16 => "float32",
        32 => "complex64",
        64 => "float64",
        128 => "RGB",
        256 => "int8",
        512 => "uint16",
        768 => "uint32",
        1024 => "int64",
        1280 => "uint64",
        1536 => "float128",
        1792 => "complex128",
        2048 => "complex256",
        2304 => "RGBA",
        _ => "unknown",
    }
}

/// The name of a spatial or temporal unit code (the bits of `xyzt_units`).
pub fn unit_name(code: i32) -> &'static str {
    match code {
        1 => "m",
        2 => "mm",
        3 => "um",
        8 => "s",
        16 => "ms",
        24 => "us",
        32 => "Hz",
        40 => "ppm",
        48 => "rad/s",
        _ => "unknown",
    }
}

/// The name of a qform or sform code.
pub fn xform_name(code: i32) -> &'static str {
    match code {
        0 => "unknown",
        1 => "scanner",
        2 => "aligned",
        3 => "talairach",
        4 => "mni",
        5 => "template",
        _ => "invalid",
    }
}

/// A NIfTI header, NIfTI-1 or NIfTI-2, in the widest types of either.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// 1 or 2.
    pub version: u8,
    /// The byte order of the header and the data.
    pub little_endian: bool,
    /// `dim[1..=dim[0]]`: the stored axes, x (fastest) first.
    pub dims: Vec<u64>,
    /// The `datatype` code.
    pub datatype: i32,
    /// `pixdim[0..8]` (`pixdim[0]` is the qform's `qfac`).
    pub pixdim: [f64; 8],
    /// Where the voxels start.
    pub vox_offset: u64,
    /// `scl_slope`.
    pub scl_slope: f64,
    /// `scl_inter`.
    pub scl_inter: f64,
    /// `cal_min`, `cal_max`.
    pub cal: [f64; 2],
    /// `toffset`.
    pub toffset: f64,
    /// `xyzt_units`.
    pub xyzt_units: i32,
    /// `intent_code`.
    pub intent_code: i32,
    /// `intent_name`.
    pub intent_name: String,
    /// `descrip`.
    pub descrip: String,
    /// `qform_code`, `sform_code`.
    pub qform_code: i32,
    /// `sform_code`.
    pub sform_code: i32,
    /// `quatern_b, c, d`, `qoffset_x, y, z`.
    pub quatern: [f64; 6],
    /// `srow_x`, `srow_y`, `srow_z`.
    pub srow: [[f64; 4]; 3],
    /// `dim_info`.
    pub dim_info: u8,
}

impl Header {
    /// A header for an array whose stored axes (x first) are `dims`.
    pub fn new(version: u8, dims: Vec<u64>, datatype: i32) -> Header {
        Header {
            version,
            little_endian: true,
            dims,
            datatype,
            pixdim: [1.0; 8],
            vox_offset: if version == 1 { 352 } else { 544 },
            scl_slope: f64::NAN,
            scl_inter: f64::NAN,
            cal: [0.0; 2],
            toffset: 0.0,
            xyzt_units: 0,
            intent_code: 0,
            intent_name: String::new(),
            descrip: String::new(),
            qform_code: 0,
            sform_code: 0,
            quatern: [0.0; 6],
            srow: [[0.0; 4]; 3],
            dim_info: 0,
        }
    }

    /// The NIfTI version of a header's first 4 bytes (`sizeof_hdr`, in
    /// either byte order), or `None` when it is neither 348 nor 540.
    pub fn version_of(first: &[u8]) -> Option<u8> {
        let b: [u8; 4] = first.get(..4)?.try_into().ok()?;
        match (i32::from_le_bytes(b), i32::from_be_bytes(b)) {
            (348, _) | (_, 348) => Some(1),
            (540, _) | (_, 540) => Some(2),
            _ => None,
        }
    }

    /// Parses a header from its first bytes (348 for NIfTI-1, 540 for
    /// NIfTI-2). Only single files (`n+1`, `n+2`) are accepted: a header of
    /// a `.hdr`/`.img` pair holds no voxels.
    pub fn parse(bytes: &[u8]) -> Result<Header> {
        let header = match Header::version_of(bytes) {
            Some(1) => Header::parse_v1(bytes)?,
            Some(2) => Header::parse_v2(bytes)?,
            _ => {
                return Err(Error::declined(
                    "not a NIfTI file: sizeof_hdr is not 348 or 540",
                ))
            }
        };
        header.validate()?;
        Ok(header)
    }

    /// A NIfTI-1 header, through the `nifti` crate (which finds the byte
    /// order from `dim[0]`).
    fn parse_v1(bytes: &[u8]) -> Result<Header> {
        let b = bytes
            .get(..V1_LEN)
            .ok_or_else(|| Error::decode("NIfTI-1: the header is truncated"))?;
        if &b[344..348] != V1_MAGIC {
            return Err(pair_or_not(&b[344..348]));
        }
        let h = nifti::NiftiHeader::from_reader(b)
            .map_err(|e| Error::decode(format!("NIfTI-1 header: {e}")))?;
        let ndim = usize::from(h.dim[0]);
        if !(1..=MAX_DIMS).contains(&ndim) {
            return Err(Error::decode(format!(
                "NIfTI-1: dim[0] is {}; 1 to 7 axes are valid",
                h.dim[0] as i16
            )));
        }
        // The crate reads the signed dims as u16: give them their sign back.
        let dims = h.dim[1..=ndim]
            .iter()
            .map(|&d| dim_value(i64::from(d as i16)))
            .collect::<Result<Vec<u64>>>()?;
        let vox = f64::from(h.vox_offset);
        if !(vox.is_finite() && vox >= 0.0 && vox.fract() == 0.0) {
            return Err(Error::decode(format!(
                "NIfTI-1: vox_offset {vox} is not a byte offset"
            )));
        }
        let f = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
        let row = |r: &[f32; 4]| [r[0], r[1], r[2], r[3]].map(f64::from);
        let mut pixdim = [0.0; 8];
        pixdim.copy_from_slice(&f(&h.pixdim));
        Ok(Header {
            version: 1,
            little_endian: h.endianness == nifti::Endianness::Little,
            dims,
            datatype: i32::from(h.datatype),
            pixdim,
            vox_offset: vox as u64,
            scl_slope: f64::from(h.scl_slope),
            scl_inter: f64::from(h.scl_inter),
            cal: [f64::from(h.cal_min), f64::from(h.cal_max)],
            toffset: f64::from(h.toffset),
            xyzt_units: i32::from(h.xyzt_units),
            intent_code: i32::from(h.intent_code),
            intent_name: text(&h.intent_name),
            descrip: text(&h.descrip),
            qform_code: i32::from(h.qform_code),
            sform_code: i32::from(h.sform_code),
            quatern: [
                h.quatern_b,
                h.quatern_c,
                h.quatern_d,
                h.quatern_x,
                h.quatern_y,
                h.quatern_z,
            ]
            .map(f64::from),
            srow: [row(&h.srow_x), row(&h.srow_y), row(&h.srow_z)],
            dim_info: h.dim_info,
        })
    }

    /// A NIfTI-2 header (540 bytes), read here: the `nifti` crate reads
    /// NIfTI-1 only. The byte order is the one that makes `sizeof_hdr` 540.
    pub fn parse_v2(bytes: &[u8]) -> Result<Header> {
        let b = bytes
            .get(..V2_LEN)
            .ok_or_else(|| Error::decode("NIfTI-2: the header is truncated"))?;
        if &b[4..12] != V2_MAGIC {
            return Err(pair_or_not(&b[4..8]));
        }
        let le = i32::from_le_bytes([b[0], b[1], b[2], b[3]]) == 540;
        let r = Fields { b, le };
        let ndim = r.i64(16);
        if !(1..=MAX_DIMS as i64).contains(&ndim) {
            return Err(Error::decode(format!(
                "NIfTI-2: dim[0] is {ndim}; 1 to 7 axes are valid"
            )));
        }
        let dims = (1..=ndim as usize)
            .map(|i| dim_value(r.i64(16 + 8 * i)))
            .collect::<Result<Vec<u64>>>()?;
        let vox = r.i64(168);
        let vox_offset = u64::try_from(vox)
            .map_err(|_| Error::decode(format!("NIfTI-2: vox_offset {vox} is negative")))?;
        let mut pixdim = [0.0; 8];
        for (i, p) in pixdim.iter_mut().enumerate() {
            *p = r.f64(104 + 8 * i);
        }
        let mut srow = [[0.0; 4]; 3];
        for (j, row) in srow.iter_mut().enumerate() {
            for (i, v) in row.iter_mut().enumerate() {
                *v = r.f64(400 + 32 * j + 8 * i);
            }
        }
        let mut quatern = [0.0; 6];
        for (i, q) in quatern.iter_mut().enumerate() {
            *q = r.f64(352 + 8 * i);
        }
        Ok(Header {
            version: 2,
            little_endian: le,
            dims,
            datatype: i32::from(r.i16(12)),
            pixdim,
            vox_offset,
            scl_slope: r.f64(176),
            scl_inter: r.f64(184),
            cal: [r.f64(200), r.f64(192)],
            toffset: r.f64(216),
            xyzt_units: r.i32(500),
            intent_code: r.i32(504),
            intent_name: text(&b[508..524]),
            descrip: text(&b[240..320]),
            qform_code: r.i32(344),
            sform_code: r.i32(348),
            quatern,
            srow,
            dim_info: b[524],
        })
    }

    /// Checks what both versions share: the datatype and where the voxels
    /// start.
    fn validate(&self) -> Result<()> {
        Kind::of(self.datatype)?;
        let min = self.header_len() as u64;
        if self.vox_offset < min {
            return Err(Error::decode(format!(
                "NIfTI-{}: vox_offset {} is inside the {min}-byte header",
                self.version, self.vox_offset
            )));
        }
        Ok(())
    }

    /// The size of the header.
    pub fn header_len(&self) -> usize {
        if self.version == 1 {
            V1_LEN
        } else {
            V2_LEN
        }
    }

    /// What a voxel is.
    pub fn kind(&self) -> Result<Kind> {
        Kind::of(self.datatype)
    }

    /// The number of voxels (`None` on overflow).
    pub fn n_voxels(&self) -> Option<u64> {
        self.dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d))
    }

    /// The bytes of voxel data (`None` on overflow).
    pub fn data_len(&self) -> Option<u64> {
        self.n_voxels()?
            .checked_mul(self.kind().ok()?.size() as u64)
    }

    /// The scaling a read with `scale` applies, as nibabel's `get_fdata`:
    /// none when `scl_slope` is 0 or not finite; an error when the slope
    /// is valid and the intercept is not.
    pub fn slope_inter(&self) -> Result<Option<(f64, f64)>> {
        let (s, i) = (self.scl_slope, self.scl_inter);
        if s == 0.0 || !s.is_finite() {
            return Ok(None);
        }
        if !i.is_finite() {
            return Err(Error::decode(format!(
                "NIfTI: scl_slope {s} with an invalid scl_inter {i}"
            )));
        }
        Ok(Some((s, i)))
    }

    /// The voxel-to-world affine (rows of a 4x4 matrix, for voxel indices
    /// in the stored (x, y, z) order) and where it came from: the sform
    /// when `sform_code > 0`, else the qform when `qform_code > 0`, else
    /// nibabel's default from the voxel sizes (centred, x flipped).
    pub fn affine(&self) -> ([[f64; 4]; 4], &'static str) {
        let last = [0.0, 0.0, 0.0, 1.0];
        if self.sform_code > 0 {
            let s = self.srow;
            return ([s[0], s[1], s[2], last], "sform");
        }
        let zoom = |i: usize| {
            if self.dims.len() >= i {
                self.pixdim[i]
            } else {
                1.0
            }
        };
        if self.qform_code > 0 {
            let [b, c, d, qx, qy, qz] = self.quatern;
            let a = (1.0 - (b * b + c * c + d * d)).max(0.0).sqrt();
            let r = [
                [
                    a * a + b * b - c * c - d * d,
                    2.0 * (b * c - a * d),
                    2.0 * (b * d + a * c),
                ],
                [
                    2.0 * (b * c + a * d),
                    a * a + c * c - b * b - d * d,
                    2.0 * (c * d - a * b),
                ],
                [
                    2.0 * (b * d - a * c),
                    2.0 * (c * d + a * b),
                    a * a + d * d - b * b - c * c,
                ],
            ];
            let qfac = if self.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
            let z = [zoom(1), zoom(2), zoom(3) * qfac];
            let t = [qx, qy, qz];
            let mut m = [[0.0; 4]; 4];
            for i in 0..3 {
                for j in 0..3 {
                    m[i][j] = r[i][j] * z[j];
                }
                m[i][3] = t[i];
            }
            m[3] = last;
            return (m, "qform");
        }
        let n = |i: usize| self.dims.get(i).copied().unwrap_or(1) as f64;
        let (zx, zy, zz) = (zoom(1), zoom(2), zoom(3));
        let o = [(n(0) - 1.0) / 2.0, (n(1) - 1.0) / 2.0, (n(2) - 1.0) / 2.0];
        (
            [
                [-zx, 0.0, 0.0, zx * o[0]],
                [0.0, zy, 0.0, -zy * o[1]],
                [0.0, 0.0, zz, -zz * o[2]],
                last,
            ],
            "pixdim",
        )
    }

    /// The header's bytes (348 or 540, little-endian), followed by the four
    /// zero bytes that say "no extensions"; `vox_offset` is set to their end.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Out(vec![0u8; self.header_len() + 4]);
        let ndim = self.dims.len();
        if self.version == 1 {
            w.i32(0, V1_LEN as i32);
            w.0[38] = b'r';
            w.0[39] = self.dim_info;
            w.i16(40, ndim as i16);
            for (i, &d) in self.dims.iter().enumerate() {
                w.i16(42 + 2 * i, d as i16);
            }
            for i in ndim + 1..8 {
                w.i16(40 + 2 * i, 1);
            }
            w.i16(68, self.intent_code as i16);
            w.i16(70, self.datatype as i16);
            w.i16(
                72,
                (Kind::of(self.datatype).map_or(0, Kind::size) * 8) as i16,
            );
            for (i, &p) in self.pixdim.iter().enumerate() {
                w.f32(76 + 4 * i, p);
            }
            w.f32(108, (V1_LEN + 4) as f64);
            w.f32(112, self.scl_slope);
            w.f32(116, self.scl_inter);
            w.0[123] = self.xyzt_units as u8;
            w.f32(124, self.cal[1]);
            w.f32(128, self.cal[0]);
            w.f32(136, self.toffset);
            w.text(148, 80, &self.descrip);
            w.i16(252, self.qform_code as i16);
            w.i16(254, self.sform_code as i16);
            for (i, &q) in self.quatern.iter().enumerate() {
                w.f32(256 + 4 * i, q);
            }
            for (j, row) in self.srow.iter().enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    w.f32(280 + 16 * j + 4 * i, v);
                }
            }
            w.text(328, 16, &self.intent_name);
            w.0[344..348].copy_from_slice(V1_MAGIC);
        } else {
            w.i32(0, V2_LEN as i32);
            w.0[4..12].copy_from_slice(V2_MAGIC);
            w.i16(12, self.datatype as i16);
            w.i16(
                14,
                (Kind::of(self.datatype).map_or(0, Kind::size) * 8) as i16,
            );
            w.i64(16, ndim as i64);
            for (i, &d) in self.dims.iter().enumerate() {
                w.i64(24 + 8 * i, d as i64);
            }
            for i in ndim + 1..8 {
                w.i64(16 + 8 * i, 1);
            }
            for (i, &p) in self.pixdim.iter().enumerate() {
                w.f64(104 + 8 * i, p);
            }
            w.i64(168, (V2_LEN + 4) as i64);
            w.f64(176, self.scl_slope);
            w.f64(184, self.scl_inter);
            w.f64(192, self.cal[1]);
            w.f64(200, self.cal[0]);
            w.f64(216, self.toffset);
            w.text(240, 80, &self.descrip);
            w.i32(344, self.qform_code);
            w.i32(348, self.sform_code);
            for (i, &q) in self.quatern.iter().enumerate() {
                w.f64(352 + 8 * i, q);
            }
            for (j, row) in self.srow.iter().enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    w.f64(400 + 32 * j + 8 * i, v);
                }
            }
            w.i32(500, self.xyzt_units);
            w.i32(504, self.intent_code);
            w.text(508, 16, &self.intent_name);
            w.0[524] = self.dim_info;
        }
        w.0
    }
}

/// The error for a header whose magic is not a single file's.
fn pair_or_not(magic: &[u8]) -> Error {
    if magic == b"ni1\0" || magic == b"ni2\0" {
        Error::unsupported(
            "NIfTI: this is the header of a .hdr/.img pair; only single files (.nii, .nii.gz) \
             are read",
        )
    } else {
        Error::declined("not a NIfTI file: no n+1 or n+2 magic")
    }
}

/// A stored axis length, which must be positive.
fn dim_value(d: i64) -> Result<u64> {
    if d < 1 {
        return Err(Error::decode(format!(
            "NIfTI: an axis of length {d}; lengths must be positive"
        )));
    }
    Ok(d as u64)
}

/// A NUL-padded text field.
fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Reads the fields of a NIfTI-2 header in its byte order.
struct Fields<'a> {
    b: &'a [u8],
    le: bool,
}

impl Fields<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&self.b[at..at + N]);
        if !self.le {
            a.reverse();
        }
        a
    }
    fn i16(&self, at: usize) -> i16 {
        i16::from_le_bytes(self.bytes(at))
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.bytes(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.bytes(at))
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.bytes(at))
    }
}

/// Writes little-endian fields into a header buffer.
struct Out(Vec<u8>);

impl Out {
    fn put(&mut self, at: usize, b: &[u8]) {
        self.0[at..at + b.len()].copy_from_slice(b);
    }
    fn i16(&mut self, at: usize, v: i16) {
        self.put(at, &v.to_le_bytes());
    }
    fn i32(&mut self, at: usize, v: i32) {
        self.put(at, &v.to_le_bytes());
    }
    fn i64(&mut self, at: usize, v: i64) {
        self.put(at, &v.to_le_bytes());
    }
    fn f32(&mut self, at: usize, v: f64) {
        self.put(at, &(v as f32).to_le_bytes());
    }
    fn f64(&mut self, at: usize, v: f64) {
        self.put(at, &v.to_le_bytes());
    }
    fn text(&mut self, at: usize, len: usize, s: &str) {
        let b = s.as_bytes();
        let n = b.len().min(len - 1);
        self.put(at, &b[..n]);
    }
}
