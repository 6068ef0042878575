//! The plugin registers itself on the plugin contract (one read and one
//! write entry claiming the shared JPEG format as its dedicated plugin),
//! the verbs reach it through that registration, and content that is not
//! JPEG is not routed to it.

use imageio_core::plugin::{plugin_by_name, Rank, ReadRequest, Reader, WriteRequest, Writer, JPEG};
use imageio_core::{
    imdecode_with, imencode_with, ErrorKind, NdImage, ReadOptions, Result, WriteOptions,
};

const EXTENSIONS: [&str; 4] = [".jpg", ".jpeg", ".jpe", ".jfif"];

#[test]
fn registers_read_and_write_entries_for_jpeg() {
    // Naming the crate links it, and with it its `inventory` registration.
    let open_read: fn(&mut ReadRequest) -> Result<Box<dyn Reader>> = imageio_jpeg::open_read;
    let open_write: fn(&mut WriteRequest) -> Result<Box<dyn Writer>> = imageio_jpeg::open_write;
    let info = plugin_by_name("jpeg").expect("the plugin registers");
    assert_eq!(info.name, imageio_jpeg::NAME);
    assert_eq!(info.crate_name, "imageio-jpeg");

    let read = info.read.as_ref().expect("a read entry");
    assert_eq!(read.formats.len(), 1);
    assert_eq!(read.formats[0].format.name, "JPEG");
    assert_eq!(read.formats[0].format.extensions, EXTENSIONS);
    assert_eq!(read.formats[0].rank, Rank::DEDICATED);
    // The shared format, with its signature: not a copy of it.
    assert_eq!(
        read.formats[0].format.signatures.len(),
        JPEG.signatures.len()
    );
    assert!(read.formats[0].format.sniff(b"\xFF\xD8\xFF\xE0"));
    assert_eq!(read.options.len(), imageio_jpeg::READ_OPTIONS.len());
    assert!(std::ptr::fn_addr_eq(read.open, open_read));

    let write = info.write.as_ref().expect("a write entry");
    assert_eq!(write.formats.len(), 1);
    assert_eq!(write.formats[0].format.extensions, EXTENSIONS);
    assert_eq!(write.formats[0].rank, Rank::DEDICATED);
    assert_eq!(write.options.len(), imageio_jpeg::WRITE_OPTIONS.len());
    assert!(std::ptr::fn_addr_eq(write.open, open_write));

    assert_eq!(info.read_extensions(), EXTENSIONS);
    assert_eq!(info.write_extensions(), EXTENSIONS);
    assert_eq!(imageio_jpeg::EXTENSIONS, EXTENSIONS);
}

#[test]
fn the_verbs_open_it_through_the_registration() {
    let img = NdImage::from_shape_vec(&[8, 16], vec![90u8; 128]).unwrap();
    for ext in EXTENSIONS {
        let bytes = imencode_with(&img, ext, &WriteOptions::new().plugin("jpeg")).unwrap();
        assert_eq!(&bytes[..3], b"\xFF\xD8\xFF", "{ext}");
        let back = imdecode_with(&bytes, &ReadOptions::new().plugin("jpeg")).unwrap();
        assert_eq!(back.shape(), &[8, 16], "{ext}");
        // Routed by the signature alone, without naming the plugin.
        let back = imdecode_with(&bytes, &ReadOptions::new()).unwrap();
        assert_eq!(back.into_array::<u8>().unwrap()[[4, 8]], 90, "{ext}");
    }
}

#[test]
fn content_that_is_not_jpeg_is_not_routed_to_it() {
    let e = imdecode_with(b"not an image", &ReadOptions::new().plugin("jpeg")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    // Named .jpg, but the content is not JPEG: no plugin reads it.
    let e = imdecode_with(
        b"not an image",
        &ReadOptions::new().extension(".jpg").plugin("jpeg"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
}
