//! Hostile inputs of the TIFF plugin's series readers (OME-TIFF, ImageJ
//! hyperstacks) and its CCITT Group 3 decoder, for the mutation run
//! (`seeds`) and the bomb test (`bombs`), included by
//! `tests/tests/mutation.rs` and `tests/tests/bombs.rs` (see
//! `tests/tests/formats/mod.rs`). The seeds are fixtures of
//! `crates/imageio-tiff/tests/data` (how they were made: the README there);
//! the bombs are built here. The same bombs read with `series=0` are
//! refused in the plugin's own tests (`series_bombs_are_refused`).

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let data: [&[u8]; 3] = [
        // OME-TIFF, ZCYX u16 (six pages, OME-XML on the first).
        include_bytes!("../../../crates/imageio-tiff/tests/data/ome_zcyx_u16.ome.tif"),
        // ImageJ hyperstack, TZCYX u16.
        include_bytes!("../../../crates/imageio-tiff/tests/data/imagej_tzcyx_u16.tif"),
        // CCITT Group 3, 2-D coding.
        include_bytes!("../../../crates/imageio-tiff/tests/data/ccitt_g3_2d.tif"),
    ];
    data.iter()
        .map(|b| (".tif".to_owned(), b.to_vec()))
        .collect()
}

/// A little-endian classic TIFF of one 8x8 u8 page whose ImageDescription
/// is `description`.
pub fn tiff_with_description(description: &str) -> Vec<u8> {
    let mut desc = description.as_bytes().to_vec();
    desc.push(0);
    let pixels: Vec<u8> = (0..64u8).collect();
    // Header, then the pixels, the description, then the directory.
    let pix_at = 8u32;
    let desc_at = pix_at + pixels.len() as u32;
    let ifd_at = (desc_at + desc.len() as u32 + 1) & !1;
    let mut b = b"II*\0".to_vec();
    b.extend_from_slice(&ifd_at.to_le_bytes());
    b.extend_from_slice(&pixels);
    b.extend_from_slice(&desc);
    b.resize(ifd_at as usize, 0);
    // (tag, type, count, value): type 3 SHORT, 4 LONG, 2 ASCII.
    let entries: [(u16, u16, u32, u32); 10] = [
        (256, 4, 1, 8),
        (257, 4, 1, 8),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (270, 2, desc.len() as u32, desc_at),
        (273, 4, 1, pix_at),
        (277, 3, 1, 1),
        (278, 4, 1, 8),
        (279, 4, 1, 64),
    ];
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, count, value) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&ty.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&value.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b
}

/// An OME-XML naming one image of the given sizes, its planes from IFD 0.
pub fn ome_xml(size_z: u64, size_c: u64, size_t: u64) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" UUID="urn:uuid:0"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint8" SizeX="8" SizeY="8" SizeC="{size_c}" SizeZ="{size_z}" SizeT="{size_t}"><Channel ID="Channel:0:0" SamplesPerPixel="1"/><TiffData IFD="0" PlaneCount="{}"/></Pixels></Image></OME>"#,
        size_z.saturating_mul(size_c).saturating_mul(size_t)
    )
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        // 10^9 slices of 10^9 frames over one 8x8 page.
        (
            "ome-absurd-sizes",
            ".tif",
            tiff_with_description(&ome_xml(1_000_000_000, 1, 1_000_000_000)),
        ),
        // 2^40 planes, each a TiffData of its own page count.
        (
            "ome-huge-plane-count",
            ".tif",
            tiff_with_description(&ome_xml(1 << 20, 1 << 10, 1 << 10)),
        ),
        // An ImageJ description claiming 10^9 images in one page.
        (
            "imagej-billion-images",
            ".tif",
            tiff_with_description(
                "ImageJ=1.11a\nimages=1000000000\nslices=1000000000\nhyperstack=true\n",
            ),
        ),
    ]
}
