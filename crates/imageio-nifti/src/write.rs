//! Writing: one array per file, its axes reversed into the stored order
//! (an array `(z, y, x)` is stored with x fastest, as nibabel reads it
//! back as `(x, y, z)`), little-endian, gzip-compressed for `.nii.gz`. The
//! `nifti` crate's writer writes to file paths only, so the header is
//! serialised here ([`Header::to_bytes`]) onto the request's atomic output.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use imageio_core::plugin::{Output, WriteRequest, Writer};
use imageio_core::{Error, NdImage, Options, Result, Value};

use crate::header::{Header, Kind};

/// Opens a writer on the request's output; `.gz` and `.nii.gz` targets are
/// compressed (a path ending in `.gz` must end in `.nii.gz`).
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    let gz = matches!(request.extension(), Some(".gz" | ".nii.gz"));
    if gz {
        if let Some(p) = request.path() {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if !name.ends_with(".nii.gz") {
                return Err(Error::unsupported(format!(
                    "NIfTI: {} ends in .gz but not .nii.gz; name it NAME.nii.gz to write a \
                     gzipped NIfTI file",
                    request.name()
                )));
            }
        }
    }
    Ok(Box::new(NiftiWriter {
        output: request.output()?,
        gz,
        written: false,
    }))
}

/// A NIfTI file open for writing: one volume.
struct NiftiWriter {
    output: Output,
    gz: bool,
    written: bool,
}

/// The numbers of an option that is a number or a list of numbers.
fn floats(v: &Value, what: &str) -> Result<Vec<f64>> {
    let bad = || Error::invalid_option(format!("{what}: give numbers (got {v:?})"));
    match v {
        Value::List(l) => l
            .iter()
            .map(|x| match x {
                Value::List(_) => floats(x, what),
                _ => x.as_float().map(|f| vec![f]).ok_or_else(bad),
            })
            .collect::<Result<Vec<Vec<f64>>>>()
            .map(|v| v.concat()),
        _ => v.as_float().map(|f| vec![f]).ok_or_else(bad),
    }
}

/// The header for `image` and the write options.
fn header_for(image: &NdImage, options: &Options) -> Result<Header> {
    let shape = image.shape();
    if shape.is_empty() || shape.len() > 7 {
        return Err(Error::invalid_input(format!(
            "NIfTI stores 1 to 7 axes; the array has {}",
            shape.len()
        )));
    }
    if shape.contains(&0) {
        return Err(Error::invalid_input(
            "NIfTI: the array is empty (an axis of length 0)",
        ));
    }
    let code = Kind::code_of(image.dtype());
    let dims: Vec<u64> = shape.iter().rev().map(|&d| d as u64).collect();
    let needs_v2 = dims.iter().any(|&d| d > i16::MAX as u64);
    let version = match options.get("version").and_then(Value::as_int) {
        None if needs_v2 => 2,
        None => 1,
        Some(2) => 2,
        Some(1) if needs_v2 => {
            return Err(Error::invalid_input(
                "NIfTI-1 axes hold at most 32767 voxels: write version=2",
            ))
        }
        Some(1) => 1,
        Some(v) => return Err(Error::invalid_option(format!("version: 1 or 2 (got {v})"))),
    };
    let mut h = Header::new(version, dims, code);
    if let Some(v) = options.get("spacing") {
        let s = floats(v, "spacing")?;
        if s.len() != shape.len() {
            return Err(Error::invalid_option(format!(
                "spacing: give {} numbers, one per axis of the array (got {})",
                shape.len(),
                s.len()
            )));
        }
        for (i, &z) in s.iter().rev().enumerate() {
            h.pixdim[i + 1] = z;
        }
        h.xyzt_units = 2 | 8; // mm, s
    }
    if let Some(v) = options.get("affine") {
        let a = floats(v, "affine")?;
        if a.len() != 12 && a.len() != 16 {
            return Err(Error::invalid_option(format!(
                "affine: give the 3x4 or 4x4 voxel-to-world matrix for (x, y, z) indices \
                 ({} numbers given)",
                a.len()
            )));
        }
        for (j, row) in h.srow.iter_mut().enumerate() {
            row.copy_from_slice(&a[4 * j..4 * j + 4]);
        }
        h.sform_code = 2; // aligned
        if options.get("spacing").is_none() {
            // The voxel sizes are the lengths of the affine's columns.
            for i in 0..3.min(shape.len()) {
                let col = (0..3).map(|j| a[4 * j + i] * a[4 * j + i]).sum::<f64>();
                h.pixdim[i + 1] = col.sqrt();
            }
            h.xyzt_units = 2 | 8;
        }
    }
    if let Some(v) = options.get("description") {
        h.descrip = v.as_str().unwrap_or_default().to_string();
    }
    Ok(h)
}

impl Writer for NiftiWriter {
    fn write(&mut self, image: &NdImage, options: &Options) -> Result<()> {
        if self.written {
            return Err(Error::unsupported(
                "NIfTI holds one volume: write a single array (a 4-D array for a series)",
            ));
        }
        let header = header_for(image, options)?;
        let bytes = image.standard_bytes();
        let head = header.to_bytes();
        let size = image.dtype().size();
        if self.gz {
            let mut z = GzEncoder::new(&mut self.output, Compression::new(6));
            z.write_all(&head)?;
            write_le(&mut z, &bytes, size)?;
            z.finish()?;
        } else {
            self.output.write_all(&head)?;
            write_le(&mut self.output, &bytes, size)?;
        }
        self.written = true;
        Ok(())
    }

    /// A stack is one volume: `(z, y, x)` or `(t, z, y, x)` written whole.
    fn write_batch(&mut self, images: &NdImage, options: &Options) -> Result<()> {
        self.write(images, options)
    }
}

/// Writes native-order samples of `size` bytes as little-endian.
fn write_le(w: &mut impl Write, bytes: &[u8], size: usize) -> std::io::Result<()> {
    if cfg!(target_endian = "little") || size == 1 {
        return w.write_all(bytes);
    }
    for chunk in bytes.chunks(1 << 16) {
        let mut c = chunk.to_vec();
        for s in c.chunks_exact_mut(size) {
            s.reverse();
        }
        w.write_all(&c)?;
    }
    Ok(())
}
