//! Hostile files built as an attacker would build them (issue #18), shared by
//! the bombs (`tests/tests/bombs.rs`) and the mutation run
//! (`tests/tests/mutation.rs`): PDF Form XObjects that draw themselves,
//! TIFF directory chains that are long or loop, progressive JPEGs with a
//! damaged scan header, playlists (HLS, ffconcat) that name other files, and
//! JPEG 2000 codestreams whose header claims any size.

use imageio::{imencode_with, NdImage, WriteOptions};

/// The pixels of the 2x2 RGB image every hostile PDF places: `0, 10, ...,
/// 110`.
pub const PDF_IMAGE: [u8; 12] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110];

pub use crate::seeds::pdf as pdf_of;
use crate::seeds::stream;

/// A one-page PDF whose page draws the Form XObject `/F0`, where each of the
/// `forms` Form XObjects (`/F0`, `/F1`, ...) has every form and the image
/// `/Im0` ([`PDF_IMAGE`]) in its resources and draws the image once and
/// each form four times, itself included. Walking every `Do` anew costs
/// `(4 * forms)^depth`.
pub fn pdf_self_drawing_forms(forms: usize) -> Vec<u8> {
    self_drawing_forms(forms, true)
}

/// [`pdf_self_drawing_forms`] whose forms have no `/Resources` of their
/// own: they draw themselves through the page's resources, which they
/// inherit (a mutation run found that rendering this one never ended).
pub fn pdf_self_drawing_forms_without_resources(forms: usize) -> Vec<u8> {
    self_drawing_forms(forms, false)
}

fn self_drawing_forms(forms: usize, own_resources: bool) -> Vec<u8> {
    let first_form = 5;
    let image = first_form + forms;
    let names: String = (0..forms)
        .map(|i| format!("/F{i} {} 0 R ", first_form + i))
        .collect();
    let resources = format!("<< /XObject << {names}/Im0 {image} 0 R >> >>");
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources {resources} \
             /Contents 4 0 R >>"
        )
        .into_bytes(),
        stream("", b"q /F0 Do Q"),
    ];
    let mut content = b"q 50 0 0 50 0 0 cm /Im0 Do Q".to_vec();
    for _ in 0..4 {
        for i in 0..forms {
            content.extend_from_slice(format!(" /F{i} Do").as_bytes());
        }
    }
    for _ in 0..forms {
        let own = if own_resources {
            format!(" /Resources {resources}")
        } else {
            String::new()
        };
        objs.push(stream(
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 100 100]{own}"),
            &content,
        ));
    }
    objs.push(stream(
        "/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceRGB \
         /BitsPerComponent 8",
        &PDF_IMAGE,
    ));
    pdf_of(&objs)
}

/// A little-endian TIFF of `n` 1x1 8-bit grey pages (page `i` holds the
/// value `i % 251`), each a minimal 9-entry directory of 114 bytes. The
/// next-directory link of page `i` goes to page `next(i)`, or ends the
/// chain with `None`: `|i| (i + 1 < n).then_some(i + 1)` is a plain chain,
/// `Some(i)` a page linking to itself, `Some(0)` a loop back to the start.
pub fn tiff_chain(n: usize, next: impl Fn(usize) -> Option<usize>) -> Vec<u8> {
    const PAGE: usize = 2 + 2 + 9 * 12 + 4; // pixel + pad, count, entries, link
    let ifd_at = |i: usize| (8 + i * PAGE + 2) as u32;
    let mut v = b"II*\0".to_vec();
    v.extend_from_slice(&ifd_at(0).to_le_bytes());
    for i in 0..n {
        let pixel_at = (8 + i * PAGE) as u32;
        v.extend_from_slice(&[(i % 251) as u8, 0]);
        let entries: [(u16, u16, u32); 9] = [
            (256, 3, 1),
            (257, 3, 1),
            (258, 3, 8),
            (259, 3, 1),
            (262, 3, 1),
            (273, 4, pixel_at),
            (277, 3, 1),
            (278, 3, 1),
            (279, 4, 1),
        ];
        v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, ty, value) in entries {
            v.extend_from_slice(&tag.to_le_bytes());
            v.extend_from_slice(&ty.to_le_bytes());
            v.extend_from_slice(&1u32.to_le_bytes());
            if ty == 3 {
                v.extend_from_slice(&(value as u16).to_le_bytes());
                v.extend_from_slice(&[0, 0]);
            } else {
                v.extend_from_slice(&value.to_le_bytes());
            }
        }
        let link = next(i).map_or(0, ifd_at);
        v.extend_from_slice(&link.to_le_bytes());
    }
    v
}

/// A progressive JPEG of `image`; `None` when no JPEG plugin writes
/// progressive files.
pub fn progressive_jpeg(image: &NdImage) -> Option<Vec<u8>> {
    let jpg = imencode_with(
        image,
        ".jpg",
        &WriteOptions::new().option("progressive", true),
    )
    .ok()?;
    assert!(
        jpg.windows(2).any(|w| w == [0xFF, 0xC2]),
        "a progressive frame (SOF2)"
    );
    Some(jpg)
}

/// A [`progressive_jpeg`] whose first scan header (SOS) declares the segment
/// length `sos_len` (0 and 1 are impossible: the length counts its own two
/// bytes).
pub fn progressive_jpeg_with_sos_len(image: &NdImage, sos_len: u16) -> Option<Vec<u8>> {
    let mut jpg = progressive_jpeg(image)?;
    let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA])?;
    jpg[sos + 2..sos + 4].copy_from_slice(&sos_len.to_be_bytes());
    Some(jpg)
}

/// An HLS playlist whose one segment is the file `target` (a path or URL).
pub fn hls_playlist(target: &str) -> Vec<u8> {
    format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n\
         #EXTINF:10.0,\n{target}\n#EXT-X-ENDLIST\n"
    )
    .into_bytes()
}

/// An ffconcat playlist of the file `target`.
pub fn ffconcat_playlist(target: &str) -> Vec<u8> {
    format!("ffconcat version 1.0\nfile '{target}'\n").into_bytes()
}

pub use crate::seeds::j2k_codestream;
