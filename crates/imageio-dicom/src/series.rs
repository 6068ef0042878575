//! A directory of slices read as one volume, as Python imageio's DICOM
//! plugin reads a directory: the core routes files, not directories, so
//! this is a public function of the plugin rather than a read of the
//! directory's path.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use imageio_core::plugin::Reader;
use imageio_core::{
    DType, Error, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes, Value,
};

use crate::header::{self, Geometry, Parsed};
use crate::{apply_rescale, image_geometry, pixels, rescale_for};

/// The most files a directory walk looks at.
const MAX_FILES: usize = 1 << 16;

/// How [`read_series`] reads.
#[derive(Clone, Debug)]
pub struct SeriesOptions {
    /// Apply RescaleSlope/RescaleIntercept, as a file's `rescale` option
    /// (default true).
    pub rescale: bool,
    /// The limits of the read (the volume is checked against them whole).
    pub limits: Limits,
    /// The SeriesInstanceUID to read; `None`: the first in sort order.
    pub series_uid: Option<String>,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            rescale: true,
            limits: Limits::default(),
            series_uid: None,
        }
    }
}

/// A series read as a volume.
#[derive(Clone, Debug)]
pub struct Series {
    /// The slices stacked, `(Z, H, W)` (`(Z, H, W, 3)` for colour), in the
    /// dtype a single file's read gives (f64 if the slices disagree).
    pub volume: NdImage,
    /// `(dz, dy, dx)`: the mean distance between consecutive slices along
    /// their normal, and PixelSpacing (1.0 where the files say nothing).
    pub spacing: Vec<f64>,
    /// The files, in slice order.
    pub files: Vec<PathBuf>,
    /// The SeriesInstanceUID.
    pub series_uid: String,
    /// Every SeriesInstanceUID found in the directory, sorted.
    pub all_series: Vec<String>,
    /// The first slice's metadata (see the crate documentation).
    pub metadata: Metadata,
}

/// One slice found in the directory.
struct Slice {
    path: PathBuf,
    parsed: Parsed,
    geo: Geometry,
    instance: i64,
    position: Option<[f64; 3]>,
    normal: [f64; 3],
}

/// Reads the DICOM files under `dir` (recursively) as one volume: the
/// files are grouped by SeriesInstanceUID; the series asked for (or the
/// first UID in sort order) is sorted by ImagePositionPatient along the
/// slice normal (from ImageOrientationPatient; the z coordinate without
/// it), or by InstanceNumber when a slice has no position, and stacked.
/// Files that are not DICOM, have no pixel data or no SeriesInstanceUID
/// are skipped (as imageio does), as are DICOMDIR files.
///
/// Every slice must be single-frame and have the same size and samples.
/// Python imageio sorts by InstanceNumber first, which orders ordinary
/// scanner series the same way; it also splits a series at large gaps,
/// which this function does not.
pub fn read_series(dir: impl AsRef<Path>, options: &SeriesOptions) -> Result<Series> {
    series_of(dir.as_ref(), options, false)
}

/// [`read_series`]; `decline` answers "not mine" for a directory without
/// DICOM images (the verbs' route, so that the core's own message stands).
pub(crate) fn series_of(dir: &Path, options: &SeriesOptions, decline: bool) -> Result<Series> {
    let name = dir.display().to_string();
    if !dir.is_dir() {
        return Err(Error::invalid_input("DICOM series: not a directory").with_resource(&name));
    }
    let mut files = Vec::new();
    list_files(dir, &mut files, 0)?;
    files.sort();
    let limits = options.limits;
    let mut slices: Vec<(String, Slice)> = Vec::new();
    for path in files {
        let is_dicomdir = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("DICOMDIR"));
        if is_dicomdir {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.len() < 132 || meta.len() > limits.max_alloc {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(parsed) = header::parse(SharedBytes::from(bytes), &limits) else {
            continue;
        };
        let Some(uid) = header::string(&parsed.obj, tags::SERIES_INSTANCE_UID) else {
            continue;
        };
        let geo = match image_geometry(&parsed, &limits) {
            Ok(Some(g)) => g,
            Ok(None) => continue,
            Err(e) => return Err(e.with_resource(&path.display().to_string())),
        };
        let position = header::floats(&parsed.obj, tags::IMAGE_POSITION_PATIENT)
            .filter(|v| v.len() == 3)
            .map(|v| [v[0], v[1], v[2]]);
        let normal = header::floats(&parsed.obj, tags::IMAGE_ORIENTATION_PATIENT)
            .filter(|v| v.len() == 6)
            .map(|o| {
                [
                    o[1] * o[5] - o[2] * o[4],
                    o[2] * o[3] - o[0] * o[5],
                    o[0] * o[4] - o[1] * o[3],
                ]
            })
            .unwrap_or([0.0, 0.0, 1.0]);
        let instance = header::int(&parsed.obj, tags::INSTANCE_NUMBER).unwrap_or(0);
        slices.push((
            uid,
            Slice {
                path,
                parsed,
                geo,
                instance,
                position,
                normal,
            },
        ));
    }
    let mut all: Vec<String> = slices.iter().map(|(u, _)| u.clone()).collect();
    all.sort();
    all.dedup();
    let uid = match &options.series_uid {
        Some(u) if all.contains(u) => u.clone(),
        Some(u) => {
            return Err(Error::invalid_input(format!(
                "DICOM series: no series {u} in the directory (found: {})",
                all.join(", ")
            ))
            .with_resource(&name))
        }
        None => match all.first() {
            Some(u) => u.clone(),
            None if decline => {
                return Err(Error::declined("no DICOM image in the directory"));
            }
            None => {
                return Err(
                    Error::invalid_input("DICOM series: no DICOM image in the directory")
                        .with_resource(&name),
                )
            }
        },
    };
    let mut chosen: Vec<Slice> = slices
        .into_iter()
        .filter(|(u, _)| *u == uid)
        .map(|(_, s)| s)
        .collect();
    let by_position = chosen.iter().all(|s| s.position.is_some());
    let along = |s: &Slice| {
        let p = s.position.unwrap_or([0.0; 3]);
        p[0] * s.normal[0] + p[1] * s.normal[1] + p[2] * s.normal[2]
    };
    if by_position {
        chosen.sort_by(|a, b| {
            along(a)
                .total_cmp(&along(b))
                .then(a.instance.cmp(&b.instance))
                .then(a.path.cmp(&b.path))
        });
    } else {
        chosen.sort_by(|a, b| a.instance.cmp(&b.instance).then(a.path.cmp(&b.path)));
    }
    let first = &chosen[0];
    for s in &chosen {
        if s.geo.frames != 1 {
            return Err(Error::unsupported(format!(
                "DICOM series: {} has {} frames; a series is read from single-frame slices",
                s.path.display(),
                s.geo.frames
            )));
        }
        if (s.geo.rows, s.geo.cols, s.geo.spp, s.geo.dtype())
            != (
                first.geo.rows,
                first.geo.cols,
                first.geo.spp,
                first.geo.dtype(),
            )
        {
            return Err(Error::decode(format!(
                "DICOM series: {} is {}x{}x{} {}, {} is {}x{}x{} {}: the slices differ",
                s.path.display(),
                s.geo.cols,
                s.geo.rows,
                s.geo.spp,
                s.geo.dtype(),
                first.path.display(),
                first.geo.cols,
                first.geo.rows,
                first.geo.spp,
                first.geo.dtype()
            )));
        }
    }
    let mut shape = first.geo.frame_shape();
    shape.insert(0, chosen.len());
    limits.check_shape(&shape, first.geo.dtype())?;
    let mut images = Vec::with_capacity(chosen.len());
    for s in &chosen {
        let img = pixels::read_frames(&s.parsed, &s.geo, 0, 1, false, &limits)
            .map_err(|e| e.with_resource(&s.path.display().to_string()))?;
        let img = match rescale_for(&s.parsed.obj, &s.geo, options.rescale) {
            Some(r) => apply_rescale(img, r, &limits)?,
            None => img,
        };
        images.push(img);
    }
    let dtype = images[0].dtype();
    if images.iter().any(|i| i.dtype() != dtype) {
        for img in &mut images {
            *img = img.cast(DType::F64);
        }
    }
    let volume = NdImage::stack(&images)?;
    let dz = if by_position && chosen.len() > 1 {
        let sum: f64 = chosen
            .windows(2)
            .map(|w| (along(&w[1]) - along(&w[0])).abs())
            .sum();
        sum / (chosen.len() - 1) as f64
    } else {
        1.0
    };
    let dydx = header::floats(&first.parsed.obj, tags::PIXEL_SPACING)
        .filter(|v| v.len() >= 2)
        .map_or(vec![1.0, 1.0], |v| v[..2].to_vec());
    let spacing = vec![dz, dydx[0], dydx[1]];
    let mut metadata = header::metadata(&first.parsed);
    metadata.insert(
        "sampling",
        Value::List(spacing.iter().map(|&v| Value::Float(v)).collect()),
    );
    Ok(Series {
        volume,
        spacing,
        files: chosen.iter().map(|s| s.path.clone()).collect(),
        series_uid: uid,
        all_series: all,
        metadata,
    })
}

/// The regular files under `dir`, recursively (symbolic links to
/// directories are not followed).
fn list_files(dir: &Path, out: &mut Vec<PathBuf>, depth: u32) -> Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(e).with_resource(&dir.display().to_string()))?;
    for entry in entries.flatten() {
        if out.len() >= MAX_FILES {
            return Err(Error::limit(format!(
                "DICOM series: more than {MAX_FILES} files under the directory"
            )));
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            list_files(&entry.path(), out, depth + 1)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// A series opened through the core's directory route: slice `i` is image
/// `i`, `Index::All` the volume; the metadata is the first slice's with
/// the volume's `sampling` `(dz, dy, dx)`.
pub(crate) struct SeriesReader {
    series: Series,
}

impl SeriesReader {
    pub(crate) fn new(series: Series) -> Self {
        SeriesReader { series }
    }

    fn slices(&self) -> usize {
        self.series.volume.shape()[0]
    }

    fn check(&self, index: usize) -> Result<()> {
        if index >= self.slices() {
            return Err(Error::index_out_of_range(index, Some(self.slices())));
        }
        Ok(())
    }
}

impl Reader for SeriesReader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        self.check(index)?;
        self.series.volume.frame(index)
    }

    fn read_all(&mut self, _options: &Options, _limits: Limits) -> Result<NdImage> {
        Ok(self.series.volume.clone())
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.slices()))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        self.check(index)?;
        let v = &self.series.volume;
        let mut p = ImageProperties::new(v.shape()[1..].to_vec(), v.dtype());
        p.n_images = Some(self.slices());
        p.spacing = Some(self.series.spacing[1..].to_vec());
        Ok(p)
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        if let Some(i) = index {
            self.check(i)?;
        }
        let mut m = self.series.metadata.clone();
        m.insert("series_files", self.slices());
        Ok(m)
    }
}
