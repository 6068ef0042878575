//! Hostile inputs of the fits plugin for the mutation run (`seeds`) and the
//! bomb test (`bombs`), included by `tests/tests/mutation.rs` and
//! `tests/tests/bombs.rs` (see `tests/tests/formats/mod.rs`). Every file is
//! built here, card by card (FITS 4.0: 80-character cards in 2880-byte
//! blocks, big-endian data padded to a block).

/// One 80-character card: `KEY     = value` (or the bare `END`).
fn card(key: &str, value: &str) -> String {
    let c = if key == "END" {
        "END".to_owned()
    } else {
        format!("{key:<8}= {value:>20}")
    };
    format!("{c:<80}")
}

/// A header unit of `cards` (then `END`), padded with spaces to a block.
fn header(cards: &[(&str, String)]) -> Vec<u8> {
    let mut h: String = cards.iter().map(|(k, v)| card(k, v)).collect();
    h.push_str(&card("END", ""));
    let mut b = h.into_bytes();
    b.resize(b.len().div_ceil(2880) * 2880, b' ');
    b
}

/// A data unit: `data` padded with zeros to a block.
fn data_unit(mut data: Vec<u8>) -> Vec<u8> {
    data.resize(data.len().div_ceil(2880) * 2880, 0);
    data
}

/// An HDU: the primary (`SIMPLE`) or an `IMAGE` extension of `bitpix` and
/// `axes` (NAXIS1 first), extra cards, then `data`.
fn hdu(
    primary: bool,
    bitpix: i64,
    axes: &[u64],
    extra: &[(&str, String)],
    data: Vec<u8>,
) -> Vec<u8> {
    let mut cards: Vec<(&str, String)> = Vec::new();
    if primary {
        cards.push(("SIMPLE", "T".into()));
    } else {
        cards.push(("XTENSION", "'IMAGE   '".into()));
    }
    cards.push(("BITPIX", bitpix.to_string()));
    cards.push(("NAXIS", axes.len().to_string()));
    let names = ["NAXIS1", "NAXIS2", "NAXIS3", "NAXIS4"];
    for (name, n) in names.iter().zip(axes) {
        cards.push((name, n.to_string()));
    }
    if !primary {
        cards.push(("PCOUNT", "0".into()));
        cards.push(("GCOUNT", "1".into()));
    } else {
        cards.push(("EXTEND", "T".into()));
    }
    cards.extend(extra.iter().cloned());
    let mut b = header(&cards);
    b.extend(data_unit(data));
    b
}

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    // A primary 8x4 u16 image (i16 + BZERO 32768) with a BLANK-free header.
    let u16s: Vec<u8> = (0..32i16).flat_map(|i| (i * 997).to_be_bytes()).collect();
    let primary = hdu(
        true,
        16,
        &[8, 4],
        &[("BZERO", "32768".into()), ("BSCALE", "1".into())],
        u16s,
    );
    // An empty primary, then a 5x4x3 f32 cube and a 3x2 u8 image.
    let mut ext = hdu(true, 8, &[], &[], Vec::new());
    let f32s: Vec<u8> = (0..60)
        .flat_map(|i| (i as f32 * 0.25 - 3.0).to_be_bytes())
        .collect();
    ext.extend(hdu(false, -32, &[5, 4, 3], &[], f32s));
    ext.extend(hdu(
        false,
        8,
        &[3, 2],
        &[("BSCALE", "2.0".into())],
        (0..6u8).collect(),
    ));
    vec![(".fits".to_owned(), primary), (".fits".to_owned(), ext)]
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        // 10^6 x 10^6 doubles over no data.
        (
            "fits-naxis-huge",
            ".fits",
            hdu(true, -64, &[1_000_000, 1_000_000], &[], Vec::new()),
        ),
        // Four axes of 2^31 - 1: the sample count overflows 64 bits.
        (
            "fits-naxis-overflow",
            ".fits",
            hdu(true, 64, &[(1 << 31) - 1; 4], &[], vec![0; 8]),
        ),
        // An empty primary, then an extension of 65536^3 bytes (image 0).
        ("fits-extension-huge", ".fits", {
            let mut b = hdu(true, 8, &[], &[], Vec::new());
            b.extend(hdu(false, 8, &[65_536, 65_536, 65_536], &[], Vec::new()));
            b
        }),
    ]
}
