//! CCITT bi-level pages the `tiff` crate does not decode, decoded here with
//! [`hayro_ccitt`]: modified Huffman (Compression 2), Group 3 (Compression
//! 3, 1-D and 2-D per T4Options) and Group 4 stored with the reversed bit
//! order (FillOrder 2, which tiff 0.11 ignores).
//!
//! Each strip or tile is read as stored, its bits reversed for FillOrder 2,
//! and its rows written straight into the page's array as 0 (a white run)
//! and 1 (a black run), as libtiff does whatever the photometric
//! interpretation; [`finish`](crate::samples::finish) then applies it
//! (min-is-white inverted) and scales the bits to 0/255.

use imageio_core::{Error, Limits, Result, SharedBytes};
use tiff::tags::{CompressionMethod, Tag};

use crate::page::Page;

/// The Group 3 options tag (T4Options), which the `tiff` crate does not name.
pub(crate) const T4_OPTIONS: Tag = Tag::Unknown(292);
/// T4Options bit 0: rows may be 2-D coded (each EOL followed by a tag bit).
const T4_2D: u32 = 1;
/// T4Options bit 1: uncompressed mode may occur.
const T4_UNCOMPRESSED: u32 = 2;
/// T4Options bit 2: fill bits align each EOL to end on a byte boundary.
const T4_FILL: u32 = 4;
/// FillOrder 2: the first pixel is the least significant bit of a byte.
pub(crate) const LSB_FIRST: u16 = 2;

/// Whether this module decodes the page, rather than the `tiff` crate.
pub(crate) fn decodes(page: &Page) -> bool {
    use CompressionMethod as C;
    match page.compression {
        C::Huffman | C::Fax3 => true,
        C::Fax4 => page.fill_order == LSB_FIRST,
        _ => false,
    }
}

/// Why such a page cannot be decoded, if it cannot: CCITT codes one
/// bi-level sample per pixel, and hayro-ccitt has no uncompressed mode.
pub(crate) fn check(page: &Page) -> Result<()> {
    if page.bits != 1 || page.spp != 1 {
        return Err(Error::decode(format!(
            "TIFF: CCITT compression with {} samples of {} bits (it codes one 1-bit sample)",
            page.spp, page.bits
        )));
    }
    if page.compression == CompressionMethod::Fax3 && page.t4_options & T4_UNCOMPRESSED != 0 {
        return Err(Error::unsupported(
            "TIFF: CCITT Group 3 with uncompressed mode (T4Options bit 1) is not supported",
        ));
    }
    Ok(())
}

/// The decoder settings for a chunk `columns` pixels wide of `rows` rows.
fn settings(page: &Page, columns: u32, rows: u32) -> hayro_ccitt::DecodeSettings {
    use hayro_ccitt::EncodingMode as M;
    let (encoding, eol, aligned) = match page.compression {
        // Modified Huffman: 1-D rows, each starting on a byte, no EOLs.
        CompressionMethod::Huffman => (M::Group3_1D, false, true),
        CompressionMethod::Fax3 if page.t4_options & T4_2D != 0 => {
            (M::Group3_2D, true, page.t4_options & T4_FILL != 0)
        }
        CompressionMethod::Fax3 => (M::Group3_1D, true, page.t4_options & T4_FILL != 0),
        _ => (M::Group4, false, false),
    };
    hayro_ccitt::DecodeSettings {
        columns,
        rows,
        end_of_block: true,
        end_of_line: eol,
        rows_are_byte_aligned: aligned,
        encoding,
        strict: false,
    }
}

/// Writes the decoded rows into a window of the page's array: 1 for the
/// pixels of black runs (the array starts all 0, white).
struct Rows<'a> {
    out: &'a mut [u8],
    /// The page width (the array's row length).
    stride: usize,
    /// The window: first pixel of its first row, its width and rows.
    start: usize,
    width: usize,
    rows: usize,
    /// Rows pushed so far (beyond `rows`, e.g. a tile's padding: dropped).
    done: usize,
}

impl hayro_ccitt::Decoder for Rows<'_> {
    fn push_row(&mut self, changes: &[u32]) {
        if self.done < self.rows {
            let at = self.start + self.done * self.stride;
            let line = &mut self.out[at..at + self.width];
            for pair in changes.chunks(2) {
                let from = (pair[0] as usize).min(self.width);
                let to = pair.get(1).map_or(self.width, |&e| e as usize);
                line[from..to.clamp(from, self.width)].fill(1);
            }
        }
        self.done += 1;
    }
}

/// One chunk to decode: its stored bytes and where it goes.
pub(crate) struct Chunk {
    /// The stored bytes' range in the file.
    pub range: std::ops::Range<usize>,
    /// The pixels coded per row and the rows coded (a whole tile, or the
    /// strip's rows).
    pub columns: u32,
    pub coded_rows: u32,
    /// The window of the array it fills.
    pub start: usize,
    pub width: usize,
    pub rows: usize,
}

/// The byte ranges of the chunks, checked against the file.
pub(crate) fn ranges(
    data: &[u8],
    offsets: &[u64],
    counts: &[u64],
    n: usize,
) -> Result<Vec<std::ops::Range<usize>>> {
    if offsets.len() < n || counts.len() < n {
        return Err(Error::decode(format!(
            "TIFF: the page has {} chunk offsets and {} byte counts for {n} chunks",
            offsets.len(),
            counts.len()
        )));
    }
    (0..n)
        .map(|k| {
            let end = offsets[k].checked_add(counts[k]);
            match end {
                Some(end) if end <= data.len() as u64 => Ok(offsets[k] as usize..end as usize),
                _ => Err(Error::decode(format!(
                    "TIFF: CCITT chunk {k} ({} bytes at {}) lies beyond the end of the file: \
                     the file is truncated",
                    counts[k], offsets[k]
                ))),
            }
        })
        .collect()
}

/// Decodes one chunk into `out` (the page's array, or the rows of a strip
/// with `start` relative to them).
pub(crate) fn decode_chunk(
    data: &SharedBytes,
    page: &Page,
    chunk: &Chunk,
    k: usize,
    out: &mut [u8],
    limits: &Limits,
) -> Result<()> {
    let stored = &data[chunk.range.clone()];
    let reversed: Vec<u8>;
    let bytes = if page.fill_order == LSB_FIRST {
        limits.check_alloc(stored.len() as u64)?;
        reversed = stored.iter().map(|b| b.reverse_bits()).collect();
        &reversed[..]
    } else {
        stored
    };
    let mut rows = Rows {
        out,
        stride: page.width as usize,
        start: chunk.start,
        width: chunk.width,
        rows: chunk.rows,
        done: 0,
    };
    let mut ctx = hayro_ccitt::DecoderContext::new(settings(page, chunk.columns, chunk.coded_rows));
    match hayro_ccitt::decode(bytes, &mut rows, &mut ctx) {
        Ok(_) if rows.done >= chunk.rows => Ok(()),
        Ok(_) => Err(Error::decode(format!(
            "TIFF: CCITT chunk {k} ends after {} of its {} rows: the data is truncated",
            rows.done, chunk.rows
        ))),
        Err(e) => Err(Error::decode(format!(
            "TIFF: CCITT chunk {k}, row {}: {e}",
            rows.done
        ))),
    }
}
