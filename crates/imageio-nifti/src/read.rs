//! Reading: the header first (from the file's first bytes, or the first
//! bytes of its gzip stream), checked against the limits; then the voxels,
//! decoded straight into the array's buffer, in the byte order of the file.

use std::io::Read;

use flate2::read::MultiGzDecoder;
use imageio_core::plugin::{ReadRequest, Reader};
use imageio_core::{
    keys, DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes,
    Value,
};

use crate::header::{datatype_name, unit_name, xform_name, Header, Kind, V2_LEN};

/// The two bytes a gzip stream begins with.
pub const GZIP_MAGIC: &[u8] = b"\x1f\x8b";

/// Opens a reader: the header is parsed and the volume's size checked
/// against the request's limits before any voxel is read.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let bytes = request.bytes()?;
    let limits = request.limits();
    let gz = bytes.starts_with(GZIP_MAGIC);
    let header = if gz {
        let mut first = Vec::with_capacity(V2_LEN);
        MultiGzDecoder::new(&bytes[..])
            .take(V2_LEN as u64)
            .read_to_end(&mut first)
            .map_err(|e| gz_error(&e))?;
        Header::parse(&first)?
    } else {
        Header::parse(&bytes)?
    };
    check(&header, &limits)?;
    if gz {
        // Everything up to the volume's end is decompressed (the bytes
        // before vox_offset are skipped, not kept): bounded like the array.
        let end = header
            .vox_offset
            .saturating_add(header.data_len().unwrap_or(u64::MAX));
        limits.check_alloc(end)?;
    } else {
        let end = header
            .vox_offset
            .checked_add(header.data_len().unwrap_or(u64::MAX));
        if end.is_none_or(|end| end > bytes.len() as u64) {
            return Err(Error::decode(format!(
                "NIfTI: the file is truncated: {} bytes, the header needs {}",
                bytes.len(),
                end.map_or_else(|| "more".to_string(), |e| e.to_string())
            )));
        }
    }
    Ok(Box::new(NiftiReader {
        bytes,
        gz,
        header,
        limits,
    }))
}

/// A gzip error as a decode error.
fn gz_error(e: &std::io::Error) -> Error {
    Error::decode(format!("NIfTI (gzip): {e}"))
}

/// The volume's size against `limits`: a slice's width and height, and the
/// bytes of the whole array (a scaled read checks its f64 copy when it reads).
fn check(header: &Header, limits: &Limits) -> Result<()> {
    let x = header.dims[0];
    let y = header.dims.get(1).copied().unwrap_or(1);
    limits.check_dimensions(x, y)?;
    limits.check_alloc(header.data_len().unwrap_or(u64::MAX))
}

/// The `scale` option (true when absent).
fn scale_option(options: &Options) -> bool {
    options
        .get("scale")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// A NIfTI file open for reading: one volume.
struct NiftiReader {
    bytes: SharedBytes,
    gz: bool,
    header: Header,
    limits: Limits,
}

impl NiftiReader {
    /// The shape a read returns: the stored axes reversed, `(.., z, y, x)`,
    /// with a channel axis for RGB and RGBA.
    fn shape(&self) -> Result<Vec<usize>> {
        let mut shape = self
            .header
            .dims
            .iter()
            .rev()
            .map(|&d| usize::try_from(d).map_err(|_| Error::limit("NIfTI: too large")))
            .collect::<Result<Vec<usize>>>()?;
        if let Kind::Color(n) = self.header.kind()? {
            shape.push(n);
        }
        Ok(shape)
    }

    /// The scaling a read applies: with `scale` (the default), the file's
    /// `scl_slope` and `scl_inter` when they change values (not for RGB).
    fn scaling(&self, options: &Options) -> Result<Option<(f64, f64)>> {
        if !scale_option(options) || matches!(self.header.kind()?, Kind::Color(_)) {
            return Ok(None);
        }
        Ok(self
            .header
            .slope_inter()?
            .filter(|&(s, i)| (s, i) != (1.0, 0.0)))
    }

    /// What a read returns: f64 when it scales, else the stored dtype.
    fn dtype(&self, options: &Options) -> Result<DType> {
        Ok(match self.header.kind()? {
            Kind::Color(_) => DType::U8,
            Kind::Scalar(_) if self.scaling(options)?.is_some() => DType::F64,
            Kind::Scalar(d) => d,
        })
    }

    /// Fills `out` with the voxel bytes (exactly `out.len()` of them).
    fn fill(&self, out: &mut [u8]) -> Result<()> {
        let start = self.header.vox_offset;
        if self.gz {
            let mut z = MultiGzDecoder::new(&self.bytes[..]);
            let skipped = std::io::copy(&mut (&mut z).take(start), &mut std::io::sink())
                .map_err(|e| gz_error(&e))?;
            let truncated = || Error::decode("NIfTI (gzip): the data ends before the volume does");
            if skipped < start {
                return Err(truncated());
            }
            z.read_exact(out).map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    truncated()
                } else {
                    gz_error(&e)
                }
            })
        } else {
            let start = start as usize;
            let src = self
                .bytes
                .get(start..start + out.len())
                .ok_or_else(|| Error::decode("NIfTI: the file is truncated"))?;
            out.copy_from_slice(src);
            Ok(())
        }
    }

    /// Reads the voxels as `T`, in the machine's byte order.
    fn voxels<T: bytemuck::Pod + imageio_core::Element>(&self, n: usize) -> Result<Vec<T>> {
        let mut v = vec![T::zeroed(); n];
        self.fill(bytemuck::cast_slice_mut(&mut v))?;
        let size = std::mem::size_of::<T>();
        if size > 1 && self.header.little_endian != cfg!(target_endian = "little") {
            for c in bytemuck::cast_slice_mut::<T, u8>(&mut v).chunks_exact_mut(size) {
                c.reverse();
            }
        }
        Ok(v)
    }
}

/// Stored values as f64 `v * slope + inter`, as nibabel's `get_fdata`.
fn scaled<T: Copy>(v: Vec<T>, (s, i): (f64, f64), f: fn(T) -> f64) -> Vec<f64> {
    v.into_iter().map(|x| f(x) * s + i).collect()
}

impl Reader for NiftiReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let shape = self.shape()?;
        let n: usize = shape.iter().product();
        let si = self.scaling(options)?;
        let kind = self.header.kind()?;
        if si.is_some() {
            // The stored values and their f64 copy exist together a moment.
            let f64_len = (n as u64).saturating_mul(8);
            let total = f64_len.saturating_add(self.header.data_len().unwrap_or(u64::MAX));
            self.limits.check_alloc(total)?;
        }
        let img = match (kind, si) {
            (Kind::Color(_), _) => NdImage::from_shape_vec(&shape, self.voxels::<u8>(n)?)?,
            (Kind::Scalar(d), Some(si)) => {
                let v = match d {
                    DType::U8 => scaled(self.voxels::<u8>(n)?, si, f64::from),
                    DType::I8 => scaled(self.voxels::<i8>(n)?, si, f64::from),
                    DType::U16 => scaled(self.voxels::<u16>(n)?, si, f64::from),
                    DType::I16 => scaled(self.voxels::<i16>(n)?, si, f64::from),
                    DType::U32 => scaled(self.voxels::<u32>(n)?, si, f64::from),
                    DType::I32 => scaled(self.voxels::<i32>(n)?, si, f64::from),
                    // As numpy converts them: to the nearest f64.
                    DType::U64 => scaled(self.voxels::<u64>(n)?, si, |x| x as f64),
                    DType::I64 => scaled(self.voxels::<i64>(n)?, si, |x| x as f64),
                    DType::F32 => scaled(self.voxels::<f32>(n)?, si, f64::from),
                    DType::F64 => scaled(self.voxels::<f64>(n)?, si, |x| x),
                };
                NdImage::from_shape_vec(&shape, v)?
            }
            (Kind::Scalar(d), None) => match d {
                DType::U8 => NdImage::from_shape_vec(&shape, self.voxels::<u8>(n)?)?,
                DType::I8 => NdImage::from_shape_vec(&shape, self.voxels::<i8>(n)?)?,
                DType::U16 => NdImage::from_shape_vec(&shape, self.voxels::<u16>(n)?)?,
                DType::I16 => NdImage::from_shape_vec(&shape, self.voxels::<i16>(n)?)?,
                DType::U32 => NdImage::from_shape_vec(&shape, self.voxels::<u32>(n)?)?,
                DType::I32 => NdImage::from_shape_vec(&shape, self.voxels::<i32>(n)?)?,
                DType::U64 => NdImage::from_shape_vec(&shape, self.voxels::<u64>(n)?)?,
                DType::I64 => NdImage::from_shape_vec(&shape, self.voxels::<i64>(n)?)?,
                DType::F32 => NdImage::from_shape_vec(&shape, self.voxels::<f32>(n)?)?,
                DType::F64 => NdImage::from_shape_vec(&shape, self.voxels::<f64>(n)?)?,
            },
        };
        Ok(img)
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(1))
    }

    fn properties(&mut self, index: usize, options: &Options) -> Result<ImageProperties> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        let mut props = ImageProperties::new(self.shape()?, self.dtype(options)?);
        props.n_images = Some(1);
        props.spacing = Some(self.spacing());
        Ok(props)
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        if let Some(i) = index.filter(|&i| i > 0) {
            return Err(Error::index_out_of_range(i, Some(1)));
        }
        let h = &self.header;
        let mut m = Metadata::new();
        let floats = |v: &[f64]| Value::List(v.iter().map(|&x| Value::Float(x)).collect());
        m.insert("nifti_version", Value::Int(i64::from(h.version)));
        m.insert("datatype", datatype_name(h.datatype));
        m.insert("byteorder", if h.little_endian { "little" } else { "big" });
        m.insert(
            "dim",
            Value::List(h.dims.iter().map(|&d| Value::Int(d as i64)).collect()),
        );
        m.insert("pixdim", floats(&h.pixdim));
        m.insert("spacing", floats(&self.spacing()));
        let (affine, source) = h.affine();
        m.insert(
            "affine",
            Value::List(affine.iter().map(|r| floats(r)).collect()),
        );
        m.insert("affine_source", source);
        m.insert("qform_code", xform_name(h.qform_code));
        m.insert("sform_code", xform_name(h.sform_code));
        m.insert("spatial_unit", unit_name(h.xyzt_units & 0x07));
        m.insert("time_unit", unit_name(h.xyzt_units & 0x38));
        m.insert("scl_slope", Value::Float(h.scl_slope));
        m.insert("scl_inter", Value::Float(h.scl_inter));
        m.insert("cal_min", Value::Float(h.cal[0]));
        m.insert("cal_max", Value::Float(h.cal[1]));
        m.insert("toffset", Value::Float(h.toffset));
        m.insert("intent_code", Value::Int(i64::from(h.intent_code)));
        if !h.intent_name.is_empty() {
            m.insert("intent_name", h.intent_name.clone());
        }
        m.insert("dim_info", Value::Int(i64::from(h.dim_info)));
        if !h.descrip.is_empty() {
            m.insert(keys::DESCRIPTION, h.descrip.clone());
        }
        if self.gz {
            m.insert(keys::COMPRESSION, "gzip");
        }
        Ok(m)
    }
}

impl NiftiReader {
    /// The voxel sizes in the order of the array's axes (`pixdim` reversed).
    fn spacing(&self) -> Vec<f64> {
        let n = self.header.dims.len();
        (1..=n).rev().map(|i| self.header.pixdim[i]).collect()
    }
}
