//! The libjpeg-turbo backend (cargo feature `turbo`), through the
//! `turbojpeg` crate (libjpeg-turbo 3.1 built from source with its SIMD
//! code): full-size and DCT-scaled decoding of 8-bit Huffman frames straight
//! into a new array's buffer (not zero-filled first), and encoding from the
//! array's buffer.
//!
//! The decoder is called through `turbojpeg`'s raw bindings (the crate's
//! safe `Decompressor` writes only into initialised `&mut [u8]`, which
//! would cost a 24 MiB memset per 4K read, 13% of the decode in the
//! profile); the `unsafe` blocks are here only, each with its reasoning.
//!
//! Decoding keeps libjpeg-turbo's defaults (the accurate integer IDCT and
//! "fancy" smooth chroma upsampling), which are also Pillow's and OpenCV's,
//! so the pixels are theirs. Encoding keeps its defaults too (accurate
//! integer DCT, baseline Huffman tables, the IJG quality scaling), which are
//! Pillow's: the same quality setting gives the same file.

use std::ffi::{c_int, CStr};

use imageio_core::{Error, Limits, NdImage, Result};
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use crate::markers::Header;

/// The most scans a progressive file may have before libjpeg-turbo stops:
/// a hostile file can repeat scans over the whole image to make decoding
/// quadratic. Ordinary encoders write about ten.
const SCAN_LIMIT: u32 = 1000;

/// A `turbojpeg` encoding error as ours.
fn tj_enc_err(e: turbojpeg::Error) -> Error {
    Error::encode(format!("JPEG: libjpeg-turbo: {e}"))
}

/// True when libjpeg-turbo decodes `h` through this backend: 8-bit DCT
/// frames with Huffman coding and 1, 3 or 4 components.
pub(crate) fn decodes(h: &Header<'_>) -> bool {
    h.precision == 8 && matches!(h.sof, 0xC0..=0xC2) && matches!(h.components.len(), 1 | 3 | 4)
}

/// The bytes libjpeg-turbo keeps for the whole frame's coefficients when it
/// buffers them (progressive frames): 128 bytes per 8x8 block of every
/// component, the blocks padded to whole MCUs.
fn coefficient_bytes(h: &Header<'_>) -> u64 {
    let hmax = h.components.iter().map(|c| c.h.max(1)).max().unwrap_or(1) as u64;
    let vmax = h.components.iter().map(|c| c.v.max(1)).max().unwrap_or(1) as u64;
    let mcux = (h.width as u64).div_ceil(8 * hmax);
    let mcuy = (h.height as u64).div_ceil(8 * vmax);
    h.components
        .iter()
        .map(|c| mcux * c.h as u64 * mcuy * c.v as u64 * 128)
        .sum()
}

/// A libjpeg-turbo decompressor handle, destroyed on drop.
struct Handle(turbojpeg::raw::tjhandle);

impl Handle {
    fn decompressor() -> Result<Handle> {
        // SAFETY: tj3Init takes no pointers; it returns a new handle or NULL.
        let h =
            unsafe { turbojpeg::raw::tj3Init(turbojpeg::raw::TJINIT_TJINIT_DECOMPRESS as c_int) };
        if h.is_null() {
            return Err(Error::internal(
                "JPEG: libjpeg-turbo could not make a decompressor",
            ));
        }
        Ok(Handle(h))
    }

    /// The handle's last error message.
    fn error(&self) -> Error {
        // SAFETY: the handle is live; tj3GetErrorStr returns a NUL-terminated
        // string owned by the handle (or a static one), read before any other
        // call on it.
        let msg = unsafe { CStr::from_ptr(turbojpeg::raw::tj3GetErrorStr(self.0)) };
        Error::decode(format!("JPEG: libjpeg-turbo: {}", msg.to_string_lossy()))
    }

    /// True when the last call raised a warning (a truncated file, padded
    /// with zeros, say); it may also have stopped at a fatal error after it.
    fn warning_only(&self) -> bool {
        // SAFETY: the handle is live.
        let code = unsafe { turbojpeg::raw::tj3GetErrorCode(self.0) };
        code == turbojpeg::raw::TJERR_TJERR_WARNING as c_int
    }

    fn set(&mut self, param: turbojpeg::raw::TJPARAM, value: c_int) -> Result<()> {
        // SAFETY: the handle is live; tj3Set takes no pointers.
        match unsafe { turbojpeg::raw::tj3Set(self.0, param as c_int, value) } {
            0 => Ok(()),
            _ => Err(self.error()),
        }
    }

    fn get(&self, param: turbojpeg::raw::TJPARAM) -> c_int {
        // SAFETY: the handle is live; tj3Get takes no pointers.
        unsafe { turbojpeg::raw::tj3Get(self.0, param as c_int) }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from tj3Init and is destroyed once.
        unsafe { turbojpeg::raw::tj3Destroy(self.0) }
    }
}

/// Decodes `data` (whose header is `h`) at 1/`scale` of its size into a new
/// array of `shape`: gray `(H, W)`, RGB `(H, W, 3)`; CMYK is converted to
/// RGB as the other backends do. The array is not zero-filled first:
/// libjpeg-turbo writes every byte of it when it succeeds; after a warning
/// (a damaged file) the file is decoded again into a zero-filled array.
pub(crate) fn decode(
    data: &[u8],
    h: &Header<'_>,
    shape: &[usize],
    scale: u32,
    limits: &Limits,
) -> Result<NdImage> {
    use turbojpeg::raw;
    if h.progressive() {
        limits.check_alloc(coefficient_bytes(h))?;
    }
    let mut dec = Handle::decompressor()?;
    dec.set(raw::TJPARAM_TJPARAM_SCANLIMIT, SCAN_LIMIT as c_int)?;
    // libjpeg-turbo's own buffers (a progressive frame's coefficients), in MiB.
    let max_mib = (limits.max_alloc >> 20).clamp(1, c_int::MAX as u64) as c_int;
    dec.set(raw::TJPARAM_TJPARAM_MAXMEMORY, max_mib)?;
    let len = raw::size_t::try_from(data.len())
        .map_err(|_| Error::limit("JPEG: the file is too large for libjpeg-turbo"))?;
    // SAFETY: the handle is live; `data` is valid for `len` bytes and only read.
    if unsafe { raw::tj3DecompressHeader(dec.0, data.as_ptr(), len) } != 0 {
        return Err(dec.error());
    }
    if scale > 1 {
        let f = raw::tjscalingfactor {
            num: 1,
            denom: scale as c_int,
        };
        // SAFETY: the handle is live; the factor is passed by value.
        if unsafe { raw::tj3SetScalingFactor(dec.0, f) } != 0 {
            return Err(dec.error());
        }
    }
    let s = scale as u64;
    let full = (
        dec.get(raw::TJPARAM_TJPARAM_JPEGWIDTH),
        dec.get(raw::TJPARAM_TJPARAM_JPEGHEIGHT),
    );
    let (hh, w) = (shape[0], shape[1]);
    let scaled = (
        (full.0.max(0) as u64).div_ceil(s) as usize,
        (full.1.max(0) as u64).div_ceil(s) as usize,
    );
    if scaled != (w, hh) {
        return Err(Error::decode(format!(
            "JPEG: libjpeg-turbo reads a {}x{} frame where the header gives {w}x{hh}",
            scaled.0, scaled.1
        )));
    }
    let cmyk = h.components.len() == 4;
    let (format, channels) = match (shape.len(), cmyk) {
        (2, _) => (raw::TJPF_TJPF_GRAY, 1),
        (_, false) => (raw::TJPF_TJPF_RGB, 3),
        (_, true) => (raw::TJPF_TJPF_CMYK, 4),
    };
    let n = hh * w * channels;
    limits.check_alloc(n as u64)?;
    let pitch = c_int::try_from(w * channels)
        .map_err(|_| Error::limit("JPEG: a row is too long for libjpeg-turbo"))?;
    let mut px: Vec<u8> = Vec::with_capacity(n);
    advise_huge_pages(&mut px);
    // SAFETY: the handle is live; `data` is valid for `len` bytes; `px` has
    // capacity for `n` = pitch x height bytes, the exact size of the
    // (scaled) image in `format`, which tj3Decompress8 writes through the
    // raw pointer and never reads.
    let res = unsafe {
        raw::tj3Decompress8(
            dec.0,
            data.as_ptr(),
            len,
            px.as_mut_ptr(),
            pitch,
            format as c_int,
        )
    };
    if res == 0 {
        // SAFETY: the decode succeeded, so it wrote every row: all `n` bytes.
        unsafe { px.set_len(n) };
    } else if dec.warning_only() {
        // A warning (data cut short, stray bytes) does not stop the decode,
        // but the warning flag also hides a fatal error that came after it
        // (TurboJPEG reports the first): so decode again into zeros, which
        // are initialised whatever was written. Damaged files only.
        px = vec![0u8; n];
        // SAFETY: as above; `px` now holds `n` initialised bytes.
        let res = unsafe {
            raw::tj3Decompress8(
                dec.0,
                data.as_ptr(),
                len,
                px.as_mut_ptr(),
                pitch,
                format as c_int,
            )
        };
        if res != 0 && !dec.warning_only() {
            return Err(dec.error());
        }
    } else {
        return Err(dec.error());
    }
    if !cmyk {
        return NdImage::from_shape_vec(shape, px);
    }
    // CMYK: R = C'K'/255 on the stored values of an Adobe file (stored
    // inverted), (255-C)(255-K)/255 otherwise.
    let inverted = h.adobe_transform.is_some();
    let v: Vec<u8> = px
        .chunks_exact(4)
        .flat_map(|q| {
            let f = |c: u8| if inverted { c as u32 } else { 255 - c as u32 };
            let k = f(q[3]);
            [q[0], q[1], q[2]].map(|c| ((f(c) * k + 127) / 255) as u8)
        })
        .collect();
    NdImage::from_shape_vec(shape, v)
}

/// Asks Linux to back the spare capacity of a fresh, large `v` with huge
/// pages (as the core does for arrays it reads into): filling it then takes
/// one page fault per 2 MiB instead of per 4 KiB. Content is unaffected and
/// a failure harmless.
fn advise_huge_pages(v: &mut Vec<u8>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let spare = v.spare_capacity_mut();
        let start = spare.as_mut_ptr() as usize;
        let (first, end) = (
            start.next_multiple_of(HUGE),
            (start + spare.len()) / HUGE * HUGE,
        );
        if end > first {
            // SAFETY: [first, end) lies inside the vector's allocation;
            // MADV_HUGEPAGE changes how the kernel backs the pages, not
            // their content, and its result is ignored.
            let _ = unsafe {
                turbojpeg::libc::madvise(
                    first as *mut std::ffi::c_void,
                    end - first,
                    turbojpeg::libc::MADV_HUGEPAGE,
                )
            };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// What to encode: the samples (gray or RGB rows, `w * c` bytes each), the
/// size and the settings.
pub(crate) struct EncodeJob<'a> {
    /// Gray (`c` = 1) or RGB (`c` = 3) samples, row after row.
    pub(crate) data: &'a [u8],
    /// Width in pixels.
    pub(crate) width: usize,
    /// Height in pixels.
    pub(crate) height: usize,
    /// 1 or 3.
    pub(crate) channels: usize,
    /// 1..=100.
    pub(crate) quality: u8,
    /// `"4:4:4"`, `"4:2:2"`, `"4:2:0"`, `"4:1:1"` or `"4:4:0"`.
    pub(crate) subsampling: &'static str,
    /// A progressive file.
    pub(crate) progressive: bool,
    /// Optimized Huffman tables.
    pub(crate) optimize: bool,
}

/// Images from this many pixels on are encoded in strips on several
/// threads ([`encode_strips`]); below, a thread costs more than it saves.
const STRIPS_FROM_PIXELS: usize = 1 << 20;

/// Encodes `job` with libjpeg-turbo: SOI, a JFIF APP0 segment, the frame.
/// A large baseline image (not progressive, standard Huffman tables) is
/// encoded in horizontal strips on the machine's cores and the strips
/// joined with restart markers: the same pixels as one call makes, a few
/// bytes more.
pub(crate) fn encode(job: &EncodeJob<'_>) -> Result<Vec<u8>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads > 1
        && !job.progressive
        && !job.optimize
        && job.width * job.height >= STRIPS_FROM_PIXELS
    {
        if let Some(out) = encode_strips(job, threads.min(8))? {
            return Ok(out);
        }
    }
    encode_one(job)
}

/// The size of an MCU in pixels, (width, height), for `job`'s sampling.
fn mcu_size(job: &EncodeJob<'_>) -> (usize, usize) {
    if job.channels == 1 {
        return (8, 8);
    }
    match job.subsampling {
        "4:4:4" => (8, 8),
        "4:2:2" => (16, 8),
        "4:1:1" => (32, 8),
        "4:4:0" => (8, 16),
        _ => (16, 16),
    }
}

/// Encodes `job` in strips of whole MCU rows, one libjpeg-turbo call each on
/// up to `threads` threads, and joins them into one file: the first strip's
/// header with the full height in its SOF and a DRI segment (one restart
/// interval per strip) before its SOS, then each strip's entropy-coded data
/// followed by a restart marker, then EOI. A restart resets the DC
/// predictions and starts on a byte boundary, exactly as each strip began
/// on its own, and every strip uses the same tables (the standard Huffman
/// tables, the quality's quantization tables), so the file decodes to the
/// pixels one call would give. `None` when the image is too short to split
/// or a strip's file is not laid out as expected (then one call encodes).
fn encode_strips(job: &EncodeJob<'_>, threads: usize) -> Result<Option<Vec<u8>>> {
    let (mw, mh) = mcu_size(job);
    let mcu_cols = job.width.div_ceil(mw);
    let mcu_rows = job.height.div_ceil(mh);
    // Four strips a thread, taken in turn from a queue: when another
    // process holds a core, the thread on the free one takes more strips
    // (one strip a thread ran 40% slower than one call then). Every interval
    // but the last holds the same number of MCUs, at most 65535 (the DRI
    // field).
    let rows = mcu_rows.div_ceil(threads * 4).min(65535 / mcu_cols);
    if rows == 0 || rows >= mcu_rows {
        return Ok(None);
    }
    let strips = mcu_rows.div_ceil(rows);
    if strips > 16 * threads {
        return Ok(None);
    }
    let row_bytes = job.width * job.channels;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parts: Vec<Option<Result<Vec<u8>>>> = (0..strips).map(|_| None).collect();
    let done = std::sync::Mutex::new(&mut parts);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(strips) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= strips {
                    break;
                }
                let y0 = i * rows * mh;
                let y1 = ((i + 1) * rows * mh).min(job.height);
                let strip = EncodeJob {
                    data: &job.data[y0 * row_bytes..y1 * row_bytes],
                    height: y1 - y0,
                    ..*job
                };
                let r = encode_one(&strip);
                if let Ok(mut d) = done.lock() {
                    d[i] = Some(r);
                }
            });
        }
    });
    let mut files = Vec::with_capacity(strips);
    for p in parts {
        match p {
            Some(r) => files.push(r?),
            None => return Err(Error::internal("JPEG: a strip was not encoded")),
        }
    }
    Ok(join_strips(&files, job.height, rows * mcu_cols))
}

/// The parts of a libjpeg-turbo file: (the segments before SOS, the SOS
/// segment, the entropy-coded data before EOI); `None` if not so laid out.
fn split_file(f: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let mut pos = 2;
    loop {
        let &[0xFF, m, a, b] = f.get(pos..pos + 4)? else {
            return None;
        };
        let end = pos + 2 + u16::from_be_bytes([a, b]) as usize;
        if m == 0xDA {
            let body = f.get(end..f.len().checked_sub(2)?)?;
            return (f.ends_with(&[0xFF, 0xD9])).then_some((&f[..pos], &f[pos..end], body));
        }
        pos = end;
    }
}

/// Joins strip files into one (see [`encode_strips`]); `None` if a file is
/// not laid out as expected.
fn join_strips(files: &[Vec<u8>], height: usize, interval: usize) -> Option<Vec<u8>> {
    let (head, sos, _) = split_file(files.first()?)?;
    let mut out = Vec::with_capacity(files.iter().map(Vec::len).sum::<usize>() + 64);
    out.extend_from_slice(head);
    // The baseline SOF0: FF C0, length, precision, height, width, ...
    let sof =
        (2..head.len().saturating_sub(7)).find(|&i| head[i] == 0xFF && head[i + 1] == 0xC0)?;
    out[sof + 5..sof + 7].copy_from_slice(&u16::try_from(height).ok()?.to_be_bytes());
    out.extend([0xFF, 0xDD, 0, 4]);
    out.extend(u16::try_from(interval).ok()?.to_be_bytes());
    out.extend_from_slice(sos);
    for (i, f) in files.iter().enumerate() {
        let (_, s, data) = split_file(f)?;
        if s != sos {
            return None;
        }
        out.extend_from_slice(data);
        if i + 1 < files.len() {
            out.extend([0xFF, 0xD0 + (i % 8) as u8]);
        }
    }
    out.extend([0xFF, 0xD9]);
    Some(out)
}

/// Encodes `job` in one libjpeg-turbo call.
fn encode_one(job: &EncodeJob<'_>) -> Result<Vec<u8>> {
    let mut c = Compressor::new().map_err(tj_enc_err)?;
    c.set_quality(job.quality as i32).map_err(tj_enc_err)?;
    let (format, sub) = if job.channels == 1 {
        (PixelFormat::GRAY, Subsamp::Gray)
    } else {
        let s = match job.subsampling {
            "4:4:4" => Subsamp::None,
            "4:2:2" => Subsamp::Sub2x1,
            "4:1:1" => Subsamp::Sub4x1,
            "4:4:0" => Subsamp::Sub1x2,
            _ => Subsamp::Sub2x2,
        };
        (PixelFormat::RGB, s)
    };
    c.set_subsamp(sub).map_err(tj_enc_err)?;
    c.set_progressive(job.progressive).map_err(tj_enc_err)?;
    c.set_optimize(job.optimize).map_err(tj_enc_err)?;
    let image = Image {
        pixels: job.data,
        width: job.width,
        pitch: job.width * job.channels,
        height: job.height,
        format,
    };
    c.compress_to_vec(image).map_err(tj_enc_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markers::Component;

    /// A photo-like RGB or gray image with hard edges and noise.
    fn image(w: usize, h: usize, c: usize) -> Vec<u8> {
        let mut s: u32 = 3;
        (0..w * h * c)
            .map(|i| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let (x, y) = ((i / c) % w, i / c / w);
                let v = (x * 3 + y * 2 + (i % c) * 50) % 256;
                let edge = if (x / 37 + y / 29) % 2 == 0 { 60 } else { 0 };
                (v as u32 / 2 + edge + (s >> 29)) as u8
            })
            .collect()
    }

    /// Strips joined with restart markers decode to the pixels of one call,
    /// for every sampling, gray, sizes that are not whole MCUs, and more
    /// strips than threads.
    #[test]
    fn strips_decode_as_one_call() {
        for (c, sub, w, h, threads) in [
            (3, "4:2:0", 301, 203, 2),
            (3, "4:2:0", 320, 240, 3),
            (3, "4:4:4", 133, 77, 4),
            (3, "4:2:2", 250, 100, 2),
            (3, "4:1:1", 250, 100, 3),
            (3, "4:4:0", 250, 100, 2),
            (1, "4:2:0", 99, 130, 5),
        ] {
            let px = image(w, h, c);
            let job = EncodeJob {
                data: &px,
                width: w,
                height: h,
                channels: c,
                quality: 90,
                subsampling: sub,
                progressive: false,
                optimize: false,
            };
            let one = encode_one(&job).unwrap();
            let joined = encode_strips(&job, threads).unwrap().expect("splits");
            assert!(
                joined.windows(2).any(|p| p == [0xFF, 0xDD]),
                "a DRI segment"
            );
            let dec = |b: &[u8]| jpeg_decoder::Decoder::new(b).decode().unwrap();
            assert_eq!(dec(&joined), dec(&one), "{c} {sub} {w}x{h} on {threads}");
            // A DRI segment, then per strip a restart marker, the padding to a
            // byte and a DC coded afresh: a few bytes each.
            let (a, b) = (joined.len(), one.len());
            assert!(a < b + 100, "{c} {sub} {w}x{h}: {a} vs {b} bytes");
        }
        // Too short to split: one MCU row.
        let px = image(64, 16, 3);
        let job = EncodeJob {
            data: &px,
            width: 64,
            height: 16,
            channels: 3,
            quality: 75,
            subsampling: "4:2:0",
            progressive: false,
            optimize: false,
        };
        assert!(encode_strips(&job, 2).unwrap().is_none());
    }

    #[test]
    fn coefficient_memory_of_a_420_frame() {
        let h = Header {
            sof: 0xC2,
            precision: 8,
            width: 17,
            height: 16,
            components: vec![
                Component { h: 2, v: 2 },
                Component { h: 1, v: 1 },
                Component { h: 1, v: 1 },
            ],
            ..Header::default()
        };
        // 2x1 MCUs of 16x16: 8 luma blocks and 2 of each chroma.
        assert_eq!(coefficient_bytes(&h), (8 + 2 + 2) * 128);
    }
}
