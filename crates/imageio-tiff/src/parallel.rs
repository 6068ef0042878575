//! LZW and Deflate pages decoded here, chunk by chunk in parallel (rayon),
//! without the `tiff` crate's chunk reader: every strip or tile of a page
//! (every plane of a planar-separate page) is decompressed straight from the
//! file's bytes, its predictor undone, and its rows placed into the array.
//! The pages of a stack already decode in parallel (`Reader::decode_stack`);
//! the chunks of each page then run as nested rayon tasks, so one large page
//! and many small ones both keep every core busy.
//!
//! Why not a `tiff` decoder per thread: its LZW path reads through a
//! `BufReader` and `weezl`'s streaming state machine, which runs at about
//! half of libtiff's speed on photographic strips (BENCHMARKS.md). A TIFF LZW
//! string is always the previous string plus one byte, and the previous
//! string was just written to the output, so when a whole chunk is decoded
//! into one buffer every code's string is a slice of what is already there:
//! the decoder here ([`lzw`]) keeps a length, the first 8 bytes and a start
//! per code, stores a short string with one 8-byte write and copies a longer
//! one from the output, as an LZ77 decoder does (4K RGB LZW page: 169 ms of
//! CPU through the `tiff` crate, 78 ms here, libtiff 117 ms). Deflate goes
//! through libdeflate (the `libdeflater` crate; feature `libdeflate`, on by
//! default, without which `flate2` alone gives the same results), which
//! inflates a whole chunk in one call straight into its rows (no intermediate
//! buffer) given the exact size, which a chunk has (a 4K RGB Deflate page
//! with the predictor: 40 ms of CPU per read, 58 ms through zlib-rs's
//! streaming inflate). A stream that does not fill its chunk exactly (one
//! that holds more, as a last strip written with full rows does, or less), or
//! whose checksum is wrong, is decoded again by `flate2`'s streaming
//! `Decompress`, which stops once the chunk is full, so every file decodes
//! (or fails) as it did before. The predictor is undone in the same task as
//! the inflate, while the chunk is still in cache. The samples come out
//! exactly as the `tiff` crate gives them (native byte order, the horizontal
//! or floating-point predictor undone per chunk row), which the tests hold
//! against its chunk decoder on strips, tiles, planes, u8, u16 and f32,
//! predictors 1, 2 and 3.
//!
//! What is decoded here: LZW and Deflate (both codes) pages of whole-byte
//! samples (8, 16, 32, 64 bits; [`Mode::Bytes`]), no subsampled YCbCr, fill
//! order 1, predictor none, horizontal (integers) or floating point (f32,
//! f64). Everything else, and any page on which this path fails (so that the
//! error, or the backend's tolerance, is the `tiff` crate's), takes the
//! general path in `read.rs`.

use std::ops::Range;

use imageio_core::{Error, Limits, Result};
use rayon::prelude::*;
use tiff::decoder::Decoder;
use tiff::tags::{CompressionMethod, Predictor, SampleFormat, Tag};

use crate::ifd::{AccessLog, Overlay};
use crate::page::{Mode, Page, Plan};

/// Whether [`decode`] handles `page`.
pub(crate) fn applies(page: &Page, plan: &Plan) -> bool {
    let es = plan.raw.size();
    let codec = matches!(
        page.compression,
        CompressionMethod::LZW | CompressionMethod::Deflate | CompressionMethod::OldDeflate
    );
    let predictor = match page.predictor {
        1 => true,
        2 => page.sample_format != SampleFormat::IEEEFP,
        3 => page.sample_format == SampleFormat::IEEEFP && matches!(es, 4 | 8),
        _ => false,
    };
    codec
        && predictor
        && plan.mode == Mode::Bytes
        && !plan.byte_trick
        && plan.ycc.is_none()
        && page.fill_order == 1
        && page.bits as usize == es * 8
        && page.spp > 0
}

/// How the page's chunks cover its array.
struct Grid {
    /// A full chunk: the tile, or the page width by the strip's rows.
    cw: usize,
    ch: usize,
    across: usize,
    down: usize,
    planes: usize,
    /// Samples per pixel in a chunk, and in the array.
    chunk_spp: usize,
    spp: usize,
    /// Bytes per sample.
    es: usize,
    w: usize,
    h: usize,
    tiled: bool,
    big_endian: bool,
    predictor: u16,
    lzw: bool,
}

impl Grid {
    fn per_plane(&self) -> usize {
        self.across * self.down
    }

    /// Bytes of one decoded row of a chunk (a tile row keeps its padding).
    fn chunk_row(&self) -> usize {
        self.cw * self.chunk_spp * self.es
    }

    /// Bytes of one row of the array.
    fn out_row(&self) -> usize {
        self.w * self.spp * self.es
    }

    /// Rows decoded for a chunk of band `band`: a tile is always whole; the
    /// last strip stops at the page's end.
    fn chunk_rows(&self, band: usize) -> usize {
        if self.tiled {
            self.ch
        } else {
            self.ch.min(self.h - band * self.ch)
        }
    }
}

/// Decodes `page` (for which [`applies`] holds) into `out`, its samples as
/// stored (`page.raw_shape()`, native byte order): the chunks decoded, or
/// `None` when this path could not decode the page (the caller takes the
/// general path, which reports the error if there is one).
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode(
    data: &[u8],
    big_endian: bool,
    page: &Page,
    plan: &Plan,
    dec: &mut Decoder<Overlay>,
    limits: &Limits,
    log: Option<&AccessLog>,
    out: &mut [u8],
) -> Result<Option<usize>> {
    let (cw, ch) = page.chunk_size();
    let tiled = page.tile.is_some();
    let g = Grid {
        cw: cw as usize,
        ch: ch as usize,
        across: page.width.div_ceil(cw) as usize,
        down: page.height.div_ceil(ch) as usize,
        planes: if page.planar { page.channels() } else { 1 },
        chunk_spp: page.chunk_spp(),
        spp: page.channels(),
        es: plan.raw.size(),
        w: page.width as usize,
        h: page.height as usize,
        tiled,
        big_endian,
        predictor: page.predictor,
        lzw: page.compression == CompressionMethod::LZW,
    };
    let n = g.planes * g.per_plane();
    // Code positions in the LZW decoder are 32-bit.
    let chunk_too_big = g.chunk_row().saturating_mul(g.ch) > u32::MAX as usize;
    if out.len() != g.h * g.out_row() || g.cw == 0 || g.ch == 0 || chunk_too_big {
        return Ok(None);
    }
    let (offsets, counts) = if tiled {
        (Tag::TileOffsets, Tag::TileByteCounts)
    } else {
        (Tag::StripOffsets, Tag::StripByteCounts)
    };
    let (Ok(offsets), Ok(counts)) = (dec.get_tag_u64_vec(offsets), dec.get_tag_u64_vec(counts))
    else {
        return Ok(None);
    };
    let Some(ranges) = ranges(data.len(), &offsets, &counts, n) else {
        return Ok(None);
    };
    // The largest buffer of decoded chunks a band holds at once.
    let band_bytes = (g.chunk_row() as u64)
        .saturating_mul(g.ch as u64)
        .saturating_mul((g.across * g.planes) as u64);
    limits.check_alloc(band_bytes)?;
    if let Some(log) = log {
        let mut log = log
            .lock()
            .map_err(|_| Error::internal("access log poisoned"))?;
        log.extend(ranges.iter().map(|r| (r.start as u64, r.end as u64)));
    }
    let ok = out
        .par_chunks_mut(g.ch.saturating_mul(g.out_row()))
        .enumerate()
        .all(|(band, rows)| decode_band(data, &ranges, &g, band, rows));
    Ok(ok.then_some(n))
}

/// The byte ranges of the first `n` chunks, when they all lie in the file.
fn ranges(len: usize, offsets: &[u64], counts: &[u64], n: usize) -> Option<Vec<Range<usize>>> {
    if offsets.len() < n || counts.len() < n {
        return None;
    }
    (0..n)
        .map(|k| {
            let end = offsets[k].checked_add(counts[k])?;
            (end <= len as u64).then(|| offsets[k] as usize..end as usize)
        })
        .collect()
}

/// One band of the array (the rows of one strip, or of one row of tiles):
/// `false` when a chunk fails to decode.
fn decode_band(
    data: &[u8],
    ranges: &[Range<usize>],
    g: &Grid,
    band: usize,
    rows: &mut [u8],
) -> bool {
    let n_rows = rows.len() / g.out_row();
    let dec_rows = g.chunk_rows(band);
    if g.planes == 1 && g.across == 1 && !g.tiled {
        // A chunky strip: decoded straight into its rows.
        let src = &data[ranges[band].clone()];
        return inflate_or_lzw(g.lzw, src, rows) && unpredict(g, rows);
    }
    // Tiles and planes: each chunk of the band decoded into a buffer of its
    // own (in parallel), then placed.
    let chunk_bytes = g.chunk_row() * dec_rows;
    let ids: Vec<(usize, usize)> = (0..g.planes)
        .flat_map(|p| (0..g.across).map(move |c| (p, c)))
        .collect();
    let decoded: Option<Vec<Vec<u8>>> = ids
        .par_iter()
        .map(|&(p, c)| {
            let k = p * g.per_plane() + band * g.across + c;
            let mut buf = vec![0u8; chunk_bytes];
            let ok =
                inflate_or_lzw(g.lzw, &data[ranges[k].clone()], &mut buf) && unpredict(g, &mut buf);
            ok.then_some(buf)
        })
        .collect();
    let Some(decoded) = decoded else {
        return false;
    };
    let (es, spp) = (g.es, g.spp);
    for (&(p, c), buf) in ids.iter().zip(&decoded) {
        let x0 = c * g.cw;
        let width = g.cw.min(g.w - x0);
        for r in 0..n_rows {
            let src = &buf[r * g.chunk_row()..][..width * g.chunk_spp * es];
            let dst = &mut rows[r * g.out_row() + x0 * spp * es..][..width * spp * es];
            if g.chunk_spp == spp {
                dst.copy_from_slice(src);
            } else {
                for (d, s) in dst.chunks_exact_mut(spp * es).zip(src.chunks_exact(es)) {
                    d[p * es..(p + 1) * es].copy_from_slice(s);
                }
            }
        }
    }
    true
}

fn inflate_or_lzw(lzw: bool, src: &[u8], out: &mut [u8]) -> bool {
    if lzw {
        self::lzw::decode(src, out).is_ok()
    } else {
        inflate(src, out)
    }
}

/// A zlib stream decompressed into `out`, which it must fill (data beyond
/// is ignored, as the `tiff` crate's reader does).
///
/// libdeflate decodes the whole stream in one call and wants the exact
/// output size, which a chunk has: when the stream fills `out` exactly (and
/// its checksum holds) that is the answer. Any other outcome (a stream that
/// decodes to more bytes than the chunk, to fewer, a bad checksum, bad data)
/// goes through [`inflate_stream`], the streaming decoder this path used
/// before, so the outcome on every file stays what it was.
#[cfg(feature = "libdeflate")]
fn inflate(src: &[u8], out: &mut [u8]) -> bool {
    let mut d = libdeflater::Decompressor::new();
    match d.zlib_decompress(src, out) {
        Ok(n) if n == out.len() => true,
        _ => inflate_stream(src, out),
    }
}

/// [`inflate`] without libdeflate (feature `libdeflate` off): the streaming
/// decoder alone.
#[cfg(not(feature = "libdeflate"))]
fn inflate(src: &[u8], out: &mut [u8]) -> bool {
    inflate_stream(src, out)
}

/// [`inflate`] through `flate2`'s streaming `Decompress`: stops as soon as
/// `out` is full, so trailing data (and the checksum after it) is ignored.
fn inflate_stream(src: &[u8], out: &mut [u8]) -> bool {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut z = Decompress::new(true);
    loop {
        let (i, o) = (z.total_in() as usize, z.total_out() as usize);
        if o == out.len() {
            return true;
        }
        match z.decompress(&src[i..], &mut out[o..], FlushDecompress::Finish) {
            Ok(Status::Ok) if z.total_in() as usize != i || z.total_out() as usize != o => {}
            _ if z.total_out() as usize == out.len() => return true,
            _ => return false,
        }
    }
}

/// The samples of decoded chunk rows in native byte order with the
/// predictor undone, row by row, as the `tiff` crate does.
fn unpredict(g: &Grid, buf: &mut [u8]) -> bool {
    let (es, n) = (g.es, g.chunk_spp);
    let swap = es > 1 && g.big_endian != cfg!(target_endian = "big");
    let row = g.chunk_row();
    if g.predictor == Predictor::FloatingPoint.to_u16() {
        let mut tmp = vec![0u8; row];
        for r in buf.chunks_exact_mut(row) {
            tmp.copy_from_slice(r);
            for i in n..tmp.len() {
                tmp[i] = tmp[i].wrapping_add(tmp[i - n]);
            }
            // Byte planes, most significant first.
            let count = row / es;
            for (i, s) in r.chunks_exact_mut(es).enumerate() {
                let mut v = [0u8; 8];
                for (b, x) in v[..es].iter_mut().enumerate() {
                    *x = tmp[b * count + i];
                }
                if cfg!(target_endian = "little") {
                    v[..es].reverse();
                }
                s.copy_from_slice(&v[..es]);
            }
        }
        return true;
    }
    if swap {
        buf.chunks_exact_mut(es).for_each(<[u8]>::reverse);
    }
    if g.predictor == Predictor::Horizontal.to_u16() {
        for r in buf.chunks_exact_mut(row) {
            match es {
                1 => accumulate_u8(r, n),
                2 => accumulate::<2>(r, n, |a, b| {
                    u16::from_ne_bytes(a)
                        .wrapping_add(u16::from_ne_bytes(b))
                        .to_ne_bytes()
                }),
                4 => accumulate::<4>(r, n, |a, b| {
                    u32::from_ne_bytes(a)
                        .wrapping_add(u32::from_ne_bytes(b))
                        .to_ne_bytes()
                }),
                _ => accumulate::<8>(r, n, |a, b| {
                    u64::from_ne_bytes(a)
                        .wrapping_add(u64::from_ne_bytes(b))
                        .to_ne_bytes()
                }),
            }
        }
    }
    true
}

/// Horizontal differencing undone on bytes, `n` samples per pixel.
fn accumulate_u8(r: &mut [u8], n: usize) {
    match n {
        3 => {
            // The common RGB case, with the running pixel in registers.
            let (mut a, mut b, mut c) = (0u8, 0u8, 0u8);
            for px in r.chunks_exact_mut(3) {
                a = a.wrapping_add(px[0]);
                b = b.wrapping_add(px[1]);
                c = c.wrapping_add(px[2]);
                px.copy_from_slice(&[a, b, c]);
            }
        }
        _ => {
            for i in n..r.len() {
                r[i] = r[i].wrapping_add(r[i - n]);
            }
        }
    }
}

/// Horizontal differencing undone on `E`-byte samples, `n` per pixel.
fn accumulate<const E: usize>(r: &mut [u8], n: usize, add: impl Fn([u8; E], [u8; E]) -> [u8; E]) {
    let step = n * E;
    for i in (step..r.len().saturating_sub(E - 1)).step_by(E) {
        let a: [u8; E] = r[i..i + E].try_into().expect("E bytes");
        let b: [u8; E] = r[i - step..i - step + E].try_into().expect("E bytes");
        r[i..i + E].copy_from_slice(&add(a, b));
    }
}

/// TIFF's LZW (most significant bit first, codes widened one code early),
/// decoded into a buffer that holds the whole chunk.
pub(crate) mod lzw {
    const CLEAR: usize = 256;
    const EOI: usize = 257;
    const FIRST: usize = 258;
    const MAX_CODES: usize = 4096;

    /// Why a chunk did not decode.
    #[derive(Debug, PartialEq, Eq)]
    pub enum Fault {
        /// The data (or its end code) ends before `out` is full.
        Short,
        /// A code names no string yet.
        BadCode,
    }

    /// The bits of the stream, most significant first.
    struct Bits<'a> {
        src: &'a [u8],
        at: usize,
        /// Valid bits at the top; below them, the stream's next bits or zeros.
        buf: u64,
        n: u32,
    }

    impl Bits<'_> {
        #[inline(always)]
        fn refill(&mut self) {
            if let Some(b) = self.src.get(self.at..self.at + 8) {
                let v = u64::from_be_bytes(b.try_into().expect("8 bytes"));
                self.buf |= v >> self.n;
                let take = (63 - self.n) / 8;
                self.at += take as usize;
                self.n += take * 8;
            } else {
                while self.n <= 56 {
                    let Some(&b) = self.src.get(self.at) else {
                        break;
                    };
                    self.buf |= (b as u64) << (56 - self.n);
                    self.at += 1;
                    self.n += 8;
                }
            }
        }

        #[inline(always)]
        fn code(&mut self, width: u32) -> Option<usize> {
            if self.n < width {
                self.refill();
                if self.n < width {
                    return None;
                }
            }
            let c = (self.buf >> (64 - width)) as usize;
            self.buf <<= width;
            self.n -= width;
            Some(c)
        }
    }

    /// Decodes `src` until `out` is full (later codes are ignored, as
    /// libtiff and the `tiff` crate do).
    pub fn decode(src: &[u8], out: &mut [u8]) -> Result<(), Fault> {
        // Code k: its string's length (0 for the clear and end codes), its
        // first 8 bytes (little-endian order, zeros past the length), and,
        // for codes >= FIRST, where it was written in `out`: a string of up
        // to 8 bytes is one 8-byte store, a longer one a copy from `out`.
        let mut len = [0u32; MAX_CODES];
        let mut head = [0u64; MAX_CODES];
        let mut start = [0u32; MAX_CODES];
        for b in 0..CLEAR {
            len[b] = 1;
            head[b] = b as u64;
        }
        let mut bits = Bits {
            src,
            at: 0,
            buf: 0,
            n: 0,
        };
        let end = out.len();
        let (mut next, mut width) = (FIRST, 9u32);
        // The previous code and where its string starts (NONE: none since
        // a clear).
        const NONE: usize = usize::MAX;
        let (mut prev, mut prev_at) = (NONE, 0usize);
        let mut pos = 0usize;
        while pos < end {
            let code = bits.code(width).ok_or(Fault::Short)?;
            let (l, h, s, defining) = if code < next {
                let l = len[code] as usize;
                if l == 0 {
                    if code == EOI {
                        return Err(Fault::Short);
                    }
                    next = FIRST;
                    width = 9;
                    prev = NONE;
                    continue;
                }
                (l, head[code], start[code] as usize, false)
            } else if code == next && prev != NONE {
                // The string being defined: the previous one and its first
                // byte.
                let pl = len[prev] as usize;
                let h = if pl < 8 {
                    head[prev] | (head[prev] & 0xff) << (8 * pl)
                } else {
                    head[prev]
                };
                (pl + 1, h, prev_at, true)
            } else {
                return Err(Fault::BadCode);
            };
            let room = end - pos;
            if l <= 8 {
                if room >= 8 {
                    // Over-store: the bytes past `l` are rewritten later.
                    out[pos..pos + 8].copy_from_slice(&h.to_le_bytes());
                } else {
                    let k = l.min(room);
                    out[pos..pos + k].copy_from_slice(&h.to_le_bytes()[..k]);
                }
            } else if defining {
                // The previous string (which ends at `pos`), then its first byte.
                out.copy_within(s..s + (l - 1).min(room), pos);
                if room >= l {
                    out[pos + l - 1] = out[s];
                }
            } else {
                out.copy_within(s..s + l.min(room), pos);
            }
            if prev != NONE && next < MAX_CODES {
                let pl = len[prev] as usize;
                len[next] = (pl + 1) as u32;
                head[next] = if pl < 8 {
                    head[prev] | (h & 0xff) << (8 * pl)
                } else {
                    head[prev]
                };
                start[next] = prev_at as u32;
                next += 1;
                if next + 1 >= 1 << width && width < 12 {
                    width += 1;
                }
            }
            prev = code;
            prev_at = pos;
            pos += l;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::inflate;
    use std::io::Write;

    /// `data` as a zlib stream (flate2, an independent encoder).
    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| ((i * 7) ^ (i >> 5)) as u8).collect()
    }

    #[test]
    fn inflate_fills_the_chunk_exactly() {
        let want = pattern(10_000);
        let mut out = vec![0u8; want.len()];
        assert!(inflate(&zlib(&want), &mut out));
        assert_eq!(out, want);
    }

    /// A stream that decodes to more than the chunk (libdeflate: no room):
    /// the chunk's bytes, the rest ignored.
    #[test]
    fn inflate_longer_stream_keeps_the_chunk() {
        let data = pattern(10_000);
        let mut out = vec![0u8; 6_000];
        assert!(inflate(&zlib(&data), &mut out));
        assert_eq!(out, data[..6_000]);
    }

    /// Bytes after the end of the stream, and a stream whose checksum is
    /// wrong (libdeflate refuses it; the streaming decoder stops before the
    /// checksum, as the `tiff` crate's reader does).
    #[test]
    fn inflate_ignores_trailing_bytes_and_the_checksum() {
        let want = pattern(5_000);
        let mut z = zlib(&want);
        z.extend_from_slice(&[0xAB; 37]);
        let mut out = vec![0u8; want.len()];
        assert!(inflate(&z, &mut out));
        assert_eq!(out, want);
        let mut z = zlib(&want);
        let n = z.len();
        z[n - 1] ^= 0xff;
        let mut out = vec![0u8; want.len()];
        assert!(inflate(&z, &mut out));
        assert_eq!(out, want);
    }

    /// A stream shorter than the chunk, a truncated one, garbage, nothing:
    /// refused (the general path then decides), never a panic.
    #[test]
    fn inflate_refuses_short_and_damaged_streams() {
        let data = pattern(4_000);
        let z = zlib(&data);
        let mut out = vec![0u8; 4_001];
        assert!(!inflate(&z, &mut out));
        let mut out = vec![0u8; 4_000];
        assert!(!inflate(&z[..z.len() / 2], &mut out));
        assert!(!inflate(&[0x78, 0x9c, 0xff, 0xff, 0xff], &mut out));
        assert!(!inflate(&[], &mut out));
        // An empty chunk needs no data.
        assert!(inflate(&z, &mut []));
    }
}
