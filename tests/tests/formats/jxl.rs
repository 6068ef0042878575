//! Hostile inputs of the jxl plugin for the mutation run (`seeds`) and the
//! bomb test (`bombs`), included by `tests/tests/mutation.rs` and
//! `tests/tests/bombs.rs` (see `tests/tests/formats/mod.rs`). The seeds are
//! the plugin's own test files (made by libjxl: imagecodecs and cjxl; see
//! `crates/imageio-jxl/tests/data/README.md`); the bombs are image headers
//! built here bit by bit.

/// Bits packed least significant first, as a JPEG XL codestream holds them.
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    /// A codestream: its signature `FF 0A`.
    fn codestream() -> Bits {
        Bits {
            bytes: vec![0xff, 0x0a],
            len: 16,
        }
    }

    /// Appends the `n` low bits of `v`.
    fn put(&mut self, n: usize, v: u64) -> &mut Bits {
        for i in 0..n {
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if v >> i & 1 == 1 {
                *self.bytes.last_mut().unwrap() |= 1 << (self.len % 8);
            }
            self.len += 1;
        }
        self
    }

    /// A dimension in the size header's U32(1 + u(9), 1 + u(13), 1 + u(18),
    /// 1 + u(30)) coding, with the largest selector that fits.
    fn dim(&mut self, d: u64) -> &mut Bits {
        let (sel, bits) = match d - 1 {
            v if v < 1 << 9 => (0, 9),
            v if v < 1 << 13 => (1, 13),
            v if v < 1 << 18 => (2, 18),
            _ => (3, 30),
        };
        self.put(2, sel).put(bits, d - 1)
    }

    /// The size header: `height` x `width`, not multiples of 8.
    fn size(&mut self, height: u64, width: u64) -> &mut Bits {
        self.put(1, 0).dim(height).put(3, 0).dim(width)
    }

    /// The bytes, then `tail` zero bytes (where frames would follow).
    fn finish(&self, tail: usize) -> Vec<u8> {
        let mut b = self.bytes.clone();
        b.resize(b.len() + tail, 0);
        b
    }
}

/// A codestream whose header says `height` x `width`, default metadata
/// (8-bit RGB), and no frame.
fn header_only(height: u64, width: u64) -> Vec<u8> {
    // all_default metadata, then default_m (default transforms).
    Bits::codestream()
        .size(height, width)
        .put(1, 1)
        .put(1, 1)
        .finish(16)
}

/// `codestream` in the ISO BMFF container: the signature box, `ftyp`, and
/// one `jxlc` box.
fn in_container(codestream: &[u8]) -> Vec<u8> {
    let mut b = b"\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x14ftypjxl \0\0\0\0jxl ".to_vec();
    b.extend_from_slice(&(8 + codestream.len() as u32).to_be_bytes());
    b.extend_from_slice(b"jxlc");
    b.extend_from_slice(codestream);
    b
}

/// A codestream whose 8192 x 8192 RGB header names 256 extra channels (the
/// most the decoder takes; each an 8-bit alpha, the default extra channel):
/// one image is 256 MiB of RGBA u8, but jxl-oxide would render 259 planes
/// of f32, 64 GiB.
fn many_extra_channels() -> Vec<u8> {
    let mut b = Bits::codestream();
    b.size(8192, 8192);
    b.put(1, 0); // all_default = false
    b.put(1, 0); // extra_fields = false
    b.put(1, 0).put(2, 0); // bit depth: integer, U32 selector 0 = 8 bits
    b.put(1, 1); // modular_16bit_buffers
    b.put(2, 3).put(12, 255); // num_extra = 1 + 255
    for _ in 0..256 {
        b.put(1, 1); // an all-default extra channel (alpha, 8-bit)
    }
    b.put(1, 1); // xyb_encoded
    b.put(1, 1); // colour encoding: all default (sRGB)
    b.put(2, 0); // extensions: none
    b.put(1, 1); // default_m
    b.finish(16)
}

/// The plugin's test files, by name.
macro_rules! data {
    ($name:literal) => {
        include_bytes!(concat!("../../../crates/imageio-jxl/tests/data/", $name)).to_vec()
    };
}

/// Seed files for the mutation run: (extension, bytes). Each is read
/// unmutated with every read variant, then mutated.
#[allow(dead_code)]
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    vec![
        (".jxl".into(), data!("rgb8.jxl")),
        (".jxl".into(), data!("graya8.jxl")),
        (".jxl".into(), data!("rgba8_container.jxl")),
        (".jxl".into(), data!("gray12.jxl")),
        (".jxl".into(), data!("grayf16.jxl")),
        (".jxl".into(), data!("rgb8_lossy.jxl")),
        (".jxl".into(), data!("anim_crop.jxl")),
        (".jxl".into(), data!("orient6.jxl")),
    ]
}

/// Bombs: files whose headers promise more than the default limits allow,
/// as (name, extension, bytes); each must be refused fast and small with a
/// `LimitExceeded` error or a clean decode error.
#[allow(dead_code)]
pub fn bombs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let huge = header_only(1 << 30, 1 << 30);
    vec![
        ("jxl 2^30 x 2^30 codestream header", ".jxl", huge.clone()),
        (
            "jxl 2^30 x 2^30 header in a container",
            ".jxl",
            in_container(&huge),
        ),
        (
            "jxl 200000 x 200000 header",
            ".jxl",
            header_only(200_000, 200_000),
        ),
        (
            "jxl 8192 x 8192 with 256 extra channels",
            ".jxl",
            many_extra_channels(),
        ),
    ]
}
