//! What a plugin registers: [`PluginInfo`] with one entry per direction, the
//! [`Claim`]s on [`Format`]s that route resources to it, and the
//! [`KnownPlugin`] hints the facade registers for plugins that may not be
//! linked. Everything is `'static` and const-constructible.

use crate::request::{ReadRequest, WriteRequest};
use crate::value::OptionSpec;
use crate::Result;

use super::{Reader, Writer};

/// A magic-byte signature: `magic` at `offset` (or anywhere in the first
/// bytes, see [`Signature::anywhere`]), each byte compared under `mask` when
/// one is given.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// Where the magic starts.
    pub offset: usize,
    /// The expected bytes.
    pub magic: &'static [u8],
    /// Bits that count, per byte (`None`: all).
    pub mask: Option<&'static [u8]>,
    /// Match at any offset within the first bytes
    /// ([`FIRST_BYTES`](crate::plugin::FIRST_BYTES)); `offset` is ignored.
    pub anywhere: bool,
}

impl Signature {
    /// `magic` at offset 0.
    pub const fn new(magic: &'static [u8]) -> Self {
        Self::at(0, magic)
    }
    /// `magic` at `offset`.
    pub const fn at(offset: usize, magic: &'static [u8]) -> Self {
        Signature {
            offset,
            magic,
            mask: None,
            anywhere: false,
        }
    }
    /// `magic` at `offset`, compared under `mask`.
    pub const fn masked(offset: usize, magic: &'static [u8], mask: &'static [u8]) -> Self {
        Signature {
            offset,
            magic,
            mask: Some(mask),
            anywhere: false,
        }
    }
    /// `magic` anywhere in the first bytes (PDF allows bytes before `%PDF`).
    pub const fn anywhere(magic: &'static [u8]) -> Self {
        Signature {
            offset: 0,
            magic,
            mask: None,
            anywhere: true,
        }
    }
    /// True when `bytes` carries this signature.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        if self.anywhere {
            return !self.magic.is_empty()
                && bytes.windows(self.magic.len()).any(|w| w == self.magic);
        }
        let Some(window) = self
            .offset
            .checked_add(self.magic.len())
            .and_then(|end| bytes.get(self.offset..end))
        else {
            return false;
        };
        match self.mask {
            None => window == self.magic,
            Some(mask) => window
                .iter()
                .zip(self.magic)
                .enumerate()
                .all(|(i, (b, m))| {
                    let k = mask.get(i).copied().unwrap_or(0xFF);
                    b & k == m & k
                }),
        }
    }
}

/// A file format as routing sees it: a name for messages, its extensions
/// (lower case with the dot), its magic numbers, and the URI schemes that
/// name resources of it (`imageio` for `imageio:NAME`, `device` for
/// `<videoN>`). Formats shared by several plugins are defined once in this
/// module ([`PNG`](super::PNG), [`TIFF`](super::TIFF), ...).
#[derive(Clone, Copy, Debug)]
pub struct Format {
    /// The format's name (`"TIFF"`).
    pub name: &'static str,
    /// Its extensions (`".tif"`, `".tiff"`).
    pub extensions: &'static [&'static str],
    /// Its magic numbers. Empty: the content cannot tell (TGA, MPEG-TS);
    /// the extension decides and the opener looks closer.
    pub signatures: &'static [Signature],
    /// URI schemes whose resources are of this format (no bytes behind
    /// them; the reader finds them by [`ReadRequest::target`]).
    pub schemes: &'static [&'static str],
}

impl Format {
    /// A format with these extensions and no signature.
    pub const fn new(name: &'static str, extensions: &'static [&'static str]) -> Format {
        Format {
            name,
            extensions,
            signatures: &[],
            schemes: &[],
        }
    }
    /// The same format with these magic numbers.
    pub const fn signatures(mut self, signatures: &'static [Signature]) -> Format {
        self.signatures = signatures;
        self
    }
    /// The same format, named by these URI schemes.
    pub const fn schemes(mut self, schemes: &'static [&'static str]) -> Format {
        self.schemes = schemes;
        self
    }
    /// True when the content `first` carries one of the signatures.
    pub fn sniff(&self, first: &[u8]) -> bool {
        self.signatures.iter().any(|s| s.matches(first))
    }
    /// True when content `first` may be of this format: a signature
    /// matches, or the format has none.
    pub fn may_be(&self, first: &[u8]) -> bool {
        self.signatures.is_empty() || self.sniff(first)
    }
}

/// How strongly a plugin claims a format: among the linked plugins that
/// claim it, the highest rank is tried first. No two plugins may claim one
/// extension, scheme or signature-matched format at the same rank in the
/// same direction ([`conflicts`](crate::plugin::conflicts) lists those).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rank(pub u8);

impl Rank {
    /// A plugin made for this format (`png` for PNG).
    pub const DEDICATED: Rank = Rank(200);
    /// A general-purpose plugin that serves many formats (`pillowlike`).
    pub const GENERAL: Rank = Rank(100);
    /// A last resort that can serve the format in some way (`ffmpeg` for GIF).
    pub const FALLBACK: Rank = Rank(50);
}

/// A plugin's claim on a format, for one direction.
#[derive(Clone, Copy, Debug)]
pub struct Claim {
    /// The format.
    pub format: Format,
    /// How strongly.
    pub rank: Rank,
}

impl Claim {
    /// Claims `format` at `rank`.
    pub const fn new(format: Format, rank: Rank) -> Claim {
        Claim { format, rank }
    }
}

/// The read side of a plugin.
#[derive(Debug)]
pub struct ReadEntry {
    /// The formats it reads.
    pub formats: &'static [Claim],
    /// The options its reader accepts (checked by the core before `open`).
    pub options: &'static [OptionSpec],
    /// Opens a reader. Routing already matched the request against
    /// `formats`; [`Error::declined`](crate::Error::declined) still moves
    /// selection on when a closer look says "not mine".
    pub open: fn(&mut ReadRequest) -> Result<Box<dyn Reader>>,
}

/// The write side of a plugin.
#[derive(Debug)]
pub struct WriteEntry {
    /// The formats it writes (extensions count; signatures do not).
    pub formats: &'static [Claim],
    /// The options its writer accepts (checked by the core before `open`).
    pub options: &'static [OptionSpec],
    /// Opens a writer on the request's [`Output`](crate::plugin::Output).
    pub open: fn(&mut WriteRequest) -> Result<Box<dyn Writer>>,
}

/// What a plugin registers with `imageio_core::inventory::submit!` (see the
/// [module docs](crate::plugin) for an example).
#[derive(Debug)]
pub struct PluginInfo {
    /// The plugin's name, unique in a program (`"png"`, `"pillowlike"`).
    pub name: &'static str,
    /// The crate that provides it (`env!("CARGO_PKG_NAME")`).
    pub crate_name: &'static str,
    /// One line: formats and backend.
    pub summary: &'static str,
    /// Reading, when the plugin reads.
    pub read: Option<ReadEntry>,
    /// Writing, when the plugin writes.
    pub write: Option<WriteEntry>,
}

impl PluginInfo {
    /// True when the plugin reads anything.
    pub fn can_read(&self) -> bool {
        self.read.is_some()
    }
    /// True when the plugin writes anything.
    pub fn can_write(&self) -> bool {
        self.write.is_some()
    }
    /// The formats it reads.
    pub fn read_formats(&self) -> &'static [Claim] {
        self.read.as_ref().map_or(&[], |r| r.formats)
    }
    /// The formats it writes.
    pub fn write_formats(&self) -> &'static [Claim] {
        self.write.as_ref().map_or(&[], |w| w.formats)
    }
    /// The extensions it reads, in declaration order, without repeats.
    pub fn read_extensions(&self) -> Vec<&'static str> {
        extensions_of(self.read_formats())
    }
    /// The extensions it writes.
    pub fn write_extensions(&self) -> Vec<&'static str> {
        extensions_of(self.write_formats())
    }
    /// The options its reader accepts.
    pub fn read_options(&self) -> &'static [OptionSpec] {
        self.read.as_ref().map_or(&[], |r| r.options)
    }
    /// The options its writer accepts.
    pub fn write_options(&self) -> &'static [OptionSpec] {
        self.write.as_ref().map_or(&[], |w| w.options)
    }
}

fn extensions_of(claims: &[Claim]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in claims.iter().flat_map(|c| c.format.extensions) {
        if !out.contains(e) {
            out.push(e);
        }
    }
    out
}

crate::inventory::collect!(PluginInfo);

/// A plugin that a program may not have linked, and how to link it: the
/// facade registers one per first-party plugin, so that "no plugin reads
/// .tif" can say "enable the `tiff` feature". The core itself names no
/// plugin.
#[derive(Debug)]
pub struct KnownPlugin {
    /// The plugin's name.
    pub plugin: &'static str,
    /// The crate that provides it.
    pub crate_name: &'static str,
    /// The facade feature that links it.
    pub feature: &'static str,
    /// Extensions it reads.
    pub reads: &'static [&'static str],
    /// Extensions it writes.
    pub writes: &'static [&'static str],
    /// URI schemes it reads (`"device"`).
    pub schemes: &'static [&'static str],
}

crate::inventory::collect!(KnownPlugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert!(Signature::new(b"\x89PNG").matches(b"\x89PNG\r\n"));
        assert!(!Signature::new(b"\x89PNG").matches(b"\x89PN"));
        assert!(Signature::at(8, b"WEBP").matches(b"RIFF\0\0\0\0WEBPVP8 "));
        assert!(!Signature::at(usize::MAX, b"WEBP").matches(b"RIFF"));
        let s = Signature::masked(0, b"P1", b"\xFF\xF0");
        assert!(s.matches(b"P6"));
        assert!(!s.matches(b"Q6"));
        assert!(Signature::anywhere(b"%PDF").matches(b"junk\n%PDF-1.4"));
        assert!(!Signature::anywhere(b"%PDF").matches(b"%PD"));
    }

    #[test]
    fn formats_without_signatures_may_be_anything() {
        let f = Format::new("TGA", &[".tga"]);
        assert!(f.may_be(b"whatever") && !f.sniff(b"whatever"));
        const GIF8: &[Signature] = &[Signature::new(b"GIF8")];
        let g = Format::new("GIF", &[".gif"]).signatures(GIF8);
        assert!(g.may_be(b"GIF89a") && !g.may_be(b"\x89PNG"));
    }
}
