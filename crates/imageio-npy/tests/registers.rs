//! The plugin registers itself on the plugin contract (one read and one
//! write entry claiming NPY and NPZ as their dedicated plugin), and the
//! verbs reach it through that registration.

use imageio_core::plugin::{plugin_by_name, Rank, ReadRequest, Reader, WriteRequest, Writer};
use imageio_core::{imdecode_with, imencode_with, NdImage, ReadOptions, Result, WriteOptions};

#[test]
fn registers_read_and_write_entries_for_npy_and_npz() {
    // Naming the crate links it, and with it its `inventory` registration.
    let open_read: fn(&mut ReadRequest) -> Result<Box<dyn Reader>> = imageio_npy::open_read;
    let open_write: fn(&mut WriteRequest) -> Result<Box<dyn Writer>> = imageio_npy::open_write;
    let info = plugin_by_name("npy").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-npy");

    let read = info.read.as_ref().expect("a read entry");
    let write = info.write.as_ref().expect("a write entry");
    for formats in [read.formats, write.formats] {
        let got: Vec<(&str, &[&str], Rank)> = formats
            .iter()
            .map(|c| (c.format.name, c.format.extensions, c.rank))
            .collect();
        assert_eq!(
            got,
            [
                ("NPY", &[".npy"][..], Rank::DEDICATED),
                ("NPZ", &[".npz"][..], Rank::DEDICATED)
            ]
        );
    }
    assert_eq!(info.read_extensions(), [".npy", ".npz"]);
    assert_eq!(info.write_extensions(), [".npy", ".npz"]);
    // The signatures: the NPY magic; a zip archive, empty or not.
    let (npy, npz) = (read.formats[0].format, read.formats[1].format);
    assert!(npy.sniff(b"\x93NUMPY\x01\x00") && !npy.sniff(b"PK\x03\x04"));
    assert!(npz.sniff(b"PK\x03\x04") && npz.sniff(b"PK\x05\x06") && !npz.sniff(b"\x93NUMPY"));
    assert_eq!(read.options.len(), imageio_npy::READ_OPTIONS.len());
    assert_eq!(write.options.len(), imageio_npy::WRITE_OPTIONS.len());
    assert!(std::ptr::fn_addr_eq(read.open, open_read));
    assert!(std::ptr::fn_addr_eq(write.open, open_write));
}

#[test]
fn the_verbs_open_it_through_the_registration() {
    let img = NdImage::from_shape_vec(&[2, 3], vec![1.5f32, 2.0, -3.0, 0.0, 7.25, 9.0]).unwrap();
    for (ext, magic) in [(".npy", &b"\x93NUMPY"[..]), (".npz", &b"PK\x03\x04"[..])] {
        let bytes = imencode_with(&img, ext, &WriteOptions::new()).unwrap();
        assert!(bytes.starts_with(magic), "{ext}");
        // Routed by the signature alone, without a name.
        let back = imdecode_with(&bytes, &ReadOptions::new()).unwrap();
        assert_eq!(back, img, "{ext}");
    }
}
