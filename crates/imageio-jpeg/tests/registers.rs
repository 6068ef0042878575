//! The plugin registers itself and declines what is not its own.

use imageio_core::{
    imdecode_with, plugin_by_name, ErrorKind, Plugin, ReadOptions, Request, Result,
};

#[test]
fn registers() {
    // Naming the crate links it, and with it its `inventory` registration.
    let open: fn(&mut Request) -> Result<Box<dyn Plugin>> = imageio_jpeg::open;
    let info = plugin_by_name("jpeg").expect("the plugin registers");
    assert_eq!(info.crate_name, "imageio-jpeg");
    assert_eq!(info.read_options.len(), imageio_jpeg::READ_OPTIONS.len());
    assert!(std::ptr::fn_addr_eq(info.open, open));
}

#[test]
fn declines_what_is_not_its_own() {
    let e = imdecode_with(b"not an image", &ReadOptions::new().plugin("jpeg")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
}
