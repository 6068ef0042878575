//! Hostile inputs of the dicom plugin for the mutation run (`seeds`) and the
//! bomb test (`bombs`), included by `tests/tests/mutation.rs` and
//! `tests/tests/bombs.rs` (see `tests/tests/formats/mod.rs`). The seeds are
//! pydicom's small test files checked in under
//! `crates/imageio-dicom/tests/data` (one per transfer syntax family) and
//! files built here; the bombs are built here.

/// A DICOM file (explicit VR little endian dataset unless `ts` says
/// otherwise): the meta group with transfer syntax `ts`, a gray image of
/// `rows` x `cols` with `bits` bits and `frames` frames, then `pixels` as
/// the Pixel Data value (`None`: encapsulated, with `fragments`).
#[allow(dead_code)]
fn dicom(
    ts: &str,
    rows: u16,
    cols: u16,
    bits: u16,
    frames: &str,
    pixels: Option<&[u8]>,
    fragments: &[&[u8]],
) -> Vec<u8> {
    fn el(out: &mut Vec<u8>, g: u16, e: u16, vr: &[u8; 2], v: &[u8]) {
        let mut v = v.to_vec();
        if v.len() % 2 == 1 {
            v.push(if vr == b"UI" { 0 } else { b' ' });
        }
        out.extend_from_slice(&g.to_le_bytes());
        out.extend_from_slice(&e.to_le_bytes());
        out.extend_from_slice(vr);
        if matches!(vr, b"OB" | b"OW" | b"SQ" | b"UN" | b"UT") {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(v.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(&v);
    }
    let mut f = vec![0u8; 128];
    f.extend_from_slice(b"DICM");
    el(&mut f, 0x0002, 0x0010, b"UI", ts.as_bytes());
    el(&mut f, 0x0028, 0x0002, b"US", &1u16.to_le_bytes());
    el(&mut f, 0x0028, 0x0004, b"CS", b"MONOCHROME2");
    el(&mut f, 0x0028, 0x0008, b"IS", frames.as_bytes());
    el(&mut f, 0x0028, 0x0010, b"US", &rows.to_le_bytes());
    el(&mut f, 0x0028, 0x0011, b"US", &cols.to_le_bytes());
    el(&mut f, 0x0028, 0x0100, b"US", &bits.to_le_bytes());
    el(&mut f, 0x0028, 0x0101, b"US", &bits.to_le_bytes());
    el(&mut f, 0x0028, 0x0102, b"US", &(bits - 1).to_le_bytes());
    el(&mut f, 0x0028, 0x0103, b"US", &0u16.to_le_bytes());
    match pixels {
        Some(p) => el(&mut f, 0x7FE0, 0x0010, b"OW", p),
        None => {
            f.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
            f.extend_from_slice(b"OB\0\0");
            f.extend_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
            let mut item = |data: &[u8]| {
                f.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
                f.extend_from_slice(&(data.len() as u32).to_le_bytes());
                f.extend_from_slice(data);
            };
            item(&[]);
            for frag in fragments {
                item(frag);
            }
            f.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        }
    }
    f
}

const EXPLICIT: &str = "1.2.840.10008.1.2.1";
const RLE: &str = "1.2.840.10008.1.2.5";
const JPEG_LOSSLESS: &str = "1.2.840.10008.1.2.4.70";
const J2K: &str = "1.2.840.10008.1.2.4.90";

/// An RLE fragment of one 8-bit segment: `n` literal bytes.
#[allow(dead_code)]
fn rle_fragment(n: usize) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[0] = 1;
    f[4] = 64;
    let mut left = n;
    while left > 0 {
        let k = left.min(128);
        f.push((k - 1) as u8);
        f.extend((0..k).map(|i| (i * 7) as u8));
        left -= k;
    }
    f
}

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    macro_rules! data {
        ($name:literal) => {
            include_bytes!(concat!("../../../crates/imageio-dicom/tests/data/", $name)).to_vec()
        };
    }
    let gray: Vec<u8> = (0..48u8).map(|i| i * 5).collect();
    vec![
        (".dcm".into(), data!("MR_small_RLE.dcm")),
        (".dcm".into(), data!("SC_rgb_rle_2frame.dcm")),
        (".dcm".into(), data!("SC_rgb_jpeg_dcmtk.dcm")),
        (".dcm".into(), data!("SC_rgb_jpeg_gdcm.dcm")),
        (".dcm".into(), data!("MR_small_jp2klossless.dcm")),
        (".dcm".into(), data!("SC_rgb_gdcm_KY.dcm")),
        (".dcm".into(), data!("SC_rgb_small_odd.dcm")),
        (".dcm".into(), data!("SC_rgb_small_odd_big_endian.dcm")),
        (".dcm".into(), data!("rtdose.dcm")),
        (".dcm".into(), data!("image_dfl.dcm")),
        (".dcm".into(), data!("MR_small_implicit.dcm")),
        (".dcm".into(), data!("SC_ybr_full_422_uncompressed.dcm")),
        // Built here: 2 frames of 4x6 u8, native and RLE.
        (
            ".dcm".into(),
            dicom(EXPLICIT, 4, 6, 8, "2", Some(&gray), &[]),
        ),
        (
            ".dcm".into(),
            dicom(
                RLE,
                4,
                6,
                8,
                "2",
                None,
                &[&rle_fragment(24), &rle_fragment(24)],
            ),
        ),
    ]
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    // A JPEG lossless frame header (SOF3) of 65535 x 65535 with no scan.
    let mut jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xC3, 0, 11, 16, 0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 0x11, 0,
    ];
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    // A JPEG 2000 codestream (SOC, SIZ) of 60000 x 60000.
    let mut j2k = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
    for v in [60000u32, 60000, 0, 0, 60000, 60000, 0, 0] {
        j2k.extend_from_slice(&v.to_be_bytes());
    }
    j2k.extend_from_slice(&[0, 1, 15, 1, 1, 0xFF, 0xD9]);
    let mut jpeg16k = jpeg.clone();
    jpeg16k[7..11].copy_from_slice(&[0x40, 0, 0x40, 0]);
    // A 16-bit RLE frame of two empty segments.
    let mut rle16 = [0u8; 64];
    rle16[0] = 2;
    rle16[4] = 64;
    rle16[8] = 64;
    vec![
        (
            "dicom: 65535 x 65535 x 16-bit, 4 bytes of pixels",
            ".dcm",
            dicom(EXPLICIT, 65535, 65535, 16, "1", Some(&[0; 4]), &[]),
        ),
        (
            "dicom: a billion frames of 16 x 16",
            ".dcm",
            dicom(EXPLICIT, 16, 16, 8, "999999999", Some(&[0; 256]), &[]),
        ),
        (
            "dicom: 16384 x 16384 x 16-bit RLE from one 64-byte fragment",
            ".dcm",
            dicom(RLE, 16384, 16384, 16, "1", None, &[&rle_fragment(0)]),
        ),
        (
            "dicom: JPEG lossless frame header of 65535 x 65535",
            ".dcm",
            dicom(JPEG_LOSSLESS, 65535, 65535, 16, "1", None, &[&jpeg]),
        ),
        (
            "dicom: JPEG 2000 codestream of 60000 x 60000",
            ".dcm",
            dicom(J2K, 60000, 60000, 16, "1", None, &[&j2k]),
        ),
        (
            "dicom: 2000 frames of 1024 x 1024 u16, 2000 RLE fragments",
            ".dcm",
            dicom(RLE, 1024, 1024, 16, "2000", None, &vec![&rle16[..]; 2000]),
        ),
        (
            "dicom: 8192 x 8192 header, JPEG frame header of 65535 x 65535",
            ".dcm",
            dicom(JPEG_LOSSLESS, 8192, 8192, 16, "1", None, &[&jpeg]),
        ),
        (
            "dicom: 16384 x 16384 header and JPEG frame header, no scan",
            ".dcm",
            dicom(JPEG_LOSSLESS, 16384, 16384, 16, "1", None, &[&jpeg16k]),
        ),
        (
            "dicom: 8192 x 8192 header, JPEG 2000 codestream of 60000 x 60000",
            ".dcm",
            dicom(J2K, 8192, 8192, 16, "1", None, &[&j2k]),
        ),
    ]
}
