//! Hostile inputs of the psd plugin for the mutation run (`seeds`) and the
//! bomb test (`bombs`), included by `tests/tests/mutation.rs` and
//! `tests/tests/bombs.rs` (see `tests/tests/formats/mod.rs`).

/// A PSD file of the psd plugin's test data (psd-tools wrote it).
macro_rules! data {
    ($name:literal) => {
        include_bytes!(concat!("../../../crates/imageio-psd/tests/data/", $name)).to_vec()
    };
}

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    vec![
        // An RGB composite and four layers (PackBits, raw, ZIP with prediction), 2.4 KB.
        (".psd".into(), data!("layers_rgb.psd")),
        // 16-bit RGB, PackBits.
        (".psd".into(), data!("rgb16_rle.psd")),
        // Indexed (the palette in the color mode data), raw.
        (".psd".into(), data!("indexed8_raw.psd")),
        // Bitmap, PackBits.
        (".psd".into(), data!("bitmap_rle.psd")),
    ]
}

/// A minimal RGB file of `height` x `width` pixels and `channels`
/// channels whose data is `data` (compression first), with no resources
/// and, when `layers` is not empty, that layer-info block.
fn psd(height: u32, width: u32, channels: u16, layers: &[u8], data: &[u8]) -> Vec<u8> {
    let mut b = b"8BPS\0\x01\0\0\0\0\0\0".to_vec();
    b.extend_from_slice(&channels.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&[0, 8, 0, 3]); // 8-bit RGB
    b.extend_from_slice(&[0; 8]); // no color mode data, no resources
    if layers.is_empty() {
        b.extend_from_slice(&[0; 4]);
    } else {
        let len = layers.len() as u32 + 4;
        b.extend_from_slice(&len.to_be_bytes());
        b.extend_from_slice(&(layers.len() as u32).to_be_bytes());
        b.extend_from_slice(layers);
    }
    b.extend_from_slice(data);
    b
}

/// A layer-info block with one layer record of the given bounds whose
/// three channels each claim `len` bytes (the data is not there).
fn huge_layer(bottom: i32, right: i32, len: u32) -> Vec<u8> {
    let mut l = 1i16.to_be_bytes().to_vec();
    for v in [0, 0, bottom, right] {
        l.extend_from_slice(&v.to_be_bytes());
    }
    l.extend_from_slice(&3u16.to_be_bytes());
    for id in 0i16..3 {
        l.extend_from_slice(&id.to_be_bytes());
        l.extend_from_slice(&len.to_be_bytes());
    }
    l.extend_from_slice(b"8BIMnorm\xff\0\0\0");
    l.extend_from_slice(&12u32.to_be_bytes());
    l.extend_from_slice(&[0; 8]); // no mask, no blending ranges
    l.extend_from_slice(&[1, b'x', 0, 0]); // name "x", padded to 4
    l
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        // 30000 x 30000 RGB (2.7 GB): refused from the header.
        (
            "psd 30000x30000 composite",
            ".psd",
            psd(30000, 30000, 3, &[], &[0, 1]),
        ),
        // A 1x1 canvas with a layer whose record says 2^31 x 2^31 pixels
        // and 4 GB channels: refused when the layer data runs out.
        (
            "psd 2^31 x 2^31 layer",
            ".psd",
            psd(
                1,
                1,
                3,
                &huge_layer(i32::MAX, i32::MAX, u32::MAX),
                &[0, 0, 1, 2, 3],
            ),
        ),
        // PackBits whose row-length table promises 65535 bytes per row of
        // a 30000-row image with 56 channels.
        ("psd 56-channel packbits table", ".psd", {
            let mut b = psd(30000, 1, 56, &[], &[0, 1]);
            b.extend_from_slice(&[0xff; 64]);
            b
        }),
    ]
}
