//! Rendering a whole page with hayro: RGB on white, or RGBA on transparent.

use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::{TRANSPARENT, WHITE};
use hayro::vello_cpu::peniko::ImageAlphaType;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use imageio_core::{DType, Error, Limits, NdImage, Options, Result, SharedBytes, Value};

/// The default resolution of a rendered page.
pub(crate) const DEFAULT_DPI: f64 = 150.0;

/// Renders page `index` as the options say (`dpi`, `background`).
pub(crate) fn render(
    bytes: &SharedBytes,
    index: usize,
    options: &Options,
    limits: &Limits,
) -> Result<NdImage> {
    let dpi = options
        .get("dpi")
        .and_then(Value::as_float)
        .unwrap_or(DEFAULT_DPI);
    if !(dpi.is_finite() && dpi > 0.0 && dpi <= 10_000.0) {
        return Err(Error::invalid_option(format!(
            "pdf: dpi must be a positive number up to 10000, not {dpi}"
        )));
    }
    let transparent = options
        .get("background")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("none"));
    let data: Arc<Vec<u8>> = Arc::new(bytes.to_vec());
    let pdf = Pdf::new(data).map_err(|e| {
        Error::decode(format!(
            "pdf: hayro cannot open the file for rendering ({e:?}); an encrypted file needs \
             an empty user password"
        ))
    })?;
    let pages = pdf.pages();
    let page = pages
        .get(index)
        .ok_or_else(|| Error::index_out_of_range(index, Some(pages.len())))?;
    let scale = (dpi / 72.0) as f32;
    let (pw, ph) = page.render_dimensions();
    let (w, h) = ((pw * scale) as u64, (ph * scale) as u64);
    if w == 0 || h == 0 || w > u16::MAX as u64 || h > u16::MAX as u64 {
        return Err(Error::limit(format!(
            "pdf: the page rendered at {dpi} dpi would be {w}x{h} pixels; hayro renders 1 to \
             65535 pixels a side: choose another dpi"
        )));
    }
    let c = if transparent { 4 } else { 3 };
    limits.check_shape(&[h as usize, w as usize, 4], DType::U8)?;
    crate::forms::check_render_work(page, index)?;
    let cache = RenderCache::new();
    let pixmap = hayro::render(
        page,
        &cache,
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: if transparent { TRANSPARENT } else { WHITE },
        },
    );
    let (rw, rh) = (pixmap.width() as usize, pixmap.height() as usize);
    let rgba = pixmap.take_rgba8(ImageAlphaType::Alpha);
    let data = if transparent {
        rgba
    } else {
        rgba.chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect()
    };
    NdImage::from_shape_vec(&[rh, rw, c], data)
}
