//! The registration as the core sees it, through
//! `imageio_core::plugin::plugin_by_name`: the formats the plugin claims for
//! each direction and at which rank, and that the verbs reach its openers
//! through those claims (by magic number, by extension only, by name).

use imageio_core::plugin::{plugin_by_name, Rank};
use imageio_core::{imdecode, imdecode_with, imencode, imencode_with};
use imageio_core::{ErrorKind, NdImage, ReadOptions, WriteOptions};
use imageio_pillowlike::NAME;

#[test]
fn claims_its_formats_at_the_general_rank() {
    let p = plugin_by_name(NAME).unwrap();
    assert_eq!(p.name, "pillowlike");
    assert_eq!(p.crate_name, "imageio-pillowlike");
    for c in p.read_formats().iter().chain(p.write_formats()) {
        assert_eq!(c.rank, Rank::GENERAL, "{}", c.format.name);
    }
    let reads = p.read_extensions();
    let writes = p.write_extensions();
    assert_eq!(
        (reads.len(), writes.len()),
        (26, 23),
        "{reads:?} {writes:?}"
    );
    for e in [
        ".webp", ".bmp", ".dib", ".apng", ".tga", ".dds", ".pfm", ".tif",
    ] {
        assert!(reads.contains(&e), "{e} is read-claimed");
    }
    assert!(writes.contains(&".avif"), ".avif is write-claimed");
    for e in [".dds", ".pfm", ".apng", ".dib"] {
        assert!(!writes.contains(&e), "{e} is not write-claimed");
    }
    // Nothing here reads CUR or AVIF, so neither is routed here.
    for e in [".cur", ".avif"] {
        assert!(!reads.contains(&e), "{e} is not read-claimed");
    }
    let sniffs = |first: &[u8]| p.read_formats().iter().any(|c| c.format.sniff(first));
    assert!(
        sniffs(b"MM\0+\0\x08\0\0"),
        "BigTIFF, through the shared TIFF format"
    );
    assert!(sniffs(b"P7\nWIDTH 1\n") && sniffs(b"P4\n1 1\n"));
    assert!(sniffs(b"PF\t1 1 -1\n") && sniffs(b"Pf 1 1 -1\n"));
    assert!(!sniffs(b"\0\0\x02\0\x01\0"), "CUR");
    assert!(!sniffs(b"#?RGBE\n"), "the HDR variant `image` refuses");
    assert!(!sniffs(b"\0\0\0\x1cftypavif"), "AVIF is not read");
}

#[test]
fn the_verbs_reach_it_through_its_claims() {
    let img = NdImage::from_shape_vec(&[2, 3, 3], (0..18u8).collect()).unwrap();

    // BMP: written by extension, read back by its magic number alone.
    let bmp = imencode(&img, ".bmp").unwrap();
    assert_eq!(&bmp[..2], b"BM");
    assert_eq!(imdecode(&bmp).unwrap(), img);

    // TGA has no magic number: the extension routes it, the content alone does not.
    let tga = imencode(&img, ".tga").unwrap();
    let with_ext = ReadOptions::new().extension(".tga");
    assert_eq!(imdecode_with(&tga, &with_ext).unwrap(), img);
    assert_eq!(imdecode(&tga).unwrap_err().kind(), ErrorKind::NoPlugin);

    // PFM: any whitespace after the magic, routed by content.
    let mut pfm = b"Pf 2 1 -1.0\n".to_vec();
    for v in [0.5f32, -1.5] {
        pfm.extend_from_slice(&v.to_le_bytes());
    }
    let gray = imdecode(&pfm).unwrap().into_array::<f32>().unwrap();
    assert_eq!(gray.shape(), &[1, 2]);
    assert_eq!(gray.as_slice().unwrap(), &[0.5, -1.5]);

    // Chosen by name, it still writes only what it claims.
    let named = WriteOptions::new().plugin(NAME);
    let e = imencode_with(&img, ".dds", &named).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    assert!(e.message().contains("does not write .dds files"), "{e}");
    let png = imencode_with(&img, ".png", &named).unwrap();
    assert_eq!(imdecode(&png).unwrap(), img);

    // AVIF is write-claimed either way; without the feature it says which.
    let avif = imencode(&img, ".avif");
    if cfg!(feature = "avif") {
        assert!(avif.unwrap().get(4..8) == Some(b"ftyp".as_slice()));
    } else {
        let e = avif.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(
            e.message()
                .contains("the `avif` feature of the `imageio-rs` crate"),
            "{e}"
        );
    }
}

/// The `exif` write option (PNG eXIf, JPEG APP1) and the `rotate` read
/// option: a little-endian EXIF block with Orientation 6 (the stored image
/// is turned 90 degrees clockwise for display) written by hand.
#[test]
fn exif_is_written_and_rotate_applies_it() {
    use imageio_core::{immeta_with, Value};
    // TIFF header, one IFD entry: tag 274 (Orientation), SHORT, 1, value 6.
    let mut exif = b"II*\0\x08\0\0\0\x01\0".to_vec();
    exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    exif.extend_from_slice(&[0, 0, 0, 0]);
    let stored = NdImage::from(imageio_core::ndarray::arr2(&[[1u8, 2, 3], [4, 5, 6]]));
    let named = |ext: &str| {
        WriteOptions::new()
            .plugin(NAME)
            .extension(ext)
            .option("exif", exif.clone())
    };
    for ext in [".png", ".jpg"] {
        // "Exif\0\0" in front (Pillow's Exif.tobytes()) is taken off.
        let prefixed = [b"Exif\0\0".as_slice(), &exif].concat();
        for opts in [named(ext), named(ext).option("exif", prefixed)] {
            let bytes = imencode_with(&stored, ext, &opts).unwrap();
            let read = ReadOptions::new().plugin(NAME);
            let meta = immeta_with(bytes.as_slice(), &read).unwrap();
            assert_eq!(meta.get("orientation"), Some(&Value::Int(6)), "{ext}");
            assert_eq!(meta.get("exif"), Some(&Value::Bytes(exif.clone())), "{ext}");
            if ext == ".png" {
                assert_eq!(imdecode_with(&bytes, &read).unwrap(), stored);
                let upright = imdecode_with(&bytes, &read.clone().option("rotate", true)).unwrap();
                let want = imageio_core::ndarray::arr2(&[[4u8, 1], [5, 2], [6, 3]]);
                assert_eq!(upright, NdImage::from(want));
                let rotated = read.option("rotate", true);
                assert!(immeta_with(bytes.as_slice(), &rotated)
                    .unwrap()
                    .get("orientation")
                    .is_none());
            }
        }
    }
    let e = imencode_with(&stored, ".bmp", &named(".bmp")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidOption, "{e}");
    let e = imencode_with(
        &stored,
        ".png",
        &named(".png").option("exif", b"junk".to_vec()),
    );
    assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidOption);
}
