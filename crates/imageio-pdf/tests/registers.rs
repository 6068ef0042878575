//! The plugin registers itself with the format it claims (`.pdf`, `%PDF-`
//! anywhere in the first bytes, dedicated both ways), the core routes
//! requests to it from that claim, and it declines what is not its own.

use imageio::plugin::{plugin_by_name, read_candidates, Rank, ReadRequest, FIRST_BYTES};
use imageio::{
    imdecode_with, imencode_with, ErrorKind, Limits, NdImage, ReadOptions, Uri, WriteOptions,
};

/// The names of the plugins a read of `bytes` (with `ext`) is routed to.
fn routed(bytes: &[u8], ext: Option<&str>) -> Vec<&'static str> {
    let req = ReadRequest::new(Uri::from(bytes.to_vec()), ext, Limits::default()).unwrap();
    read_candidates(&req)
        .unwrap()
        .iter()
        .map(|p| p.name)
        .collect()
}

#[test]
fn registers_its_format() {
    let info = plugin_by_name(imageio_pdf::NAME).expect("the plugin registers");
    assert_eq!(info.name, "pdf");
    assert_eq!(info.crate_name, "imageio-pdf");
    let read = info.read.as_ref().expect("it reads");
    let write = info.write.as_ref().expect("it writes");
    assert!(std::ptr::fn_addr_eq(
        read.open,
        imageio_pdf::open_read as fn(_) -> _
    ));
    assert!(std::ptr::fn_addr_eq(
        write.open,
        imageio_pdf::open_write as fn(_) -> _
    ));
    assert_eq!(info.read_extensions(), [".pdf"]);
    assert_eq!(info.write_extensions(), [".pdf"]);
    assert_eq!(read.options.len(), imageio_pdf::READ_OPTIONS.len());
    assert_eq!(write.options.len(), imageio_pdf::WRITE_OPTIONS.len());
    for claims in [info.read_formats(), info.write_formats()] {
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].rank, Rank::DEDICATED);
        assert_eq!(claims[0].format.name, "PDF");
        assert!(claims[0].format.signatures.iter().all(|s| s.anywhere));
    }
}

#[test]
fn routing_follows_the_claim() {
    // By content, whatever the name, with junk before the header.
    assert_eq!(routed(b"%PDF-1.7\n", None), ["pdf"]);
    assert_eq!(routed(b"junk\r\n%PDF-1.4\n", Some(".png")), ["pdf"]);
    let mut late = vec![b' '; FIRST_BYTES - 5];
    late.extend_from_slice(b"%PDF-1.4\n");
    assert_eq!(
        routed(&late, Some(".pdf")),
        ["pdf"],
        "header ending at byte 512"
    );
    // A `.pdf` without the header is not offered to it.
    assert!(!routed(b"not a pdf", Some(".pdf")).contains(&"pdf"));
    let mut too_late = vec![b' '; FIRST_BYTES];
    too_late.extend_from_slice(b"%PDF-1.4\n");
    assert!(!routed(&too_late, Some(".pdf")).contains(&"pdf"));
}

#[test]
fn opens_through_the_verbs() {
    let img = NdImage::from_shape_vec(&[4, 6, 3], (0..72).collect::<Vec<u8>>()).unwrap();
    let pdf = imencode_with(&img, ".pdf", &WriteOptions::new()).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    assert_eq!(imdecode_with(&pdf, &ReadOptions::new()).unwrap(), img);
    // Junk before the header (within the first bytes) still reads.
    let mut junk = b"junk before the header\n".to_vec();
    junk.extend_from_slice(&pdf);
    let back = imdecode_with(&junk, &ReadOptions::new().plugin("pdf")).unwrap();
    assert_eq!(back, img);
}

#[test]
fn declines_what_is_not_its_own() {
    let e = imdecode_with(b"not an image", &ReadOptions::new().plugin("pdf")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    // A writer chosen by name still writes only .pdf.
    let img = NdImage::from_shape_vec(&[2, 2], vec![1u8, 2, 3, 4]).unwrap();
    let e = imencode_with(&img, ".png", &WriteOptions::new().plugin("pdf")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    assert!(e.to_string().contains("does not write .png"), "{e}");
}
