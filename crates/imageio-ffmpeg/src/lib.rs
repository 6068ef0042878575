//! The ffmpeg plugin of imageio-rs, on the [`ffmpeg-next`](https://crates.io/crates/ffmpeg-next) crate.
//! Registered as plugin `"ffmpeg"`.
//!
//! Scaffolded by `cargo xtask new-plugin`: it compiles, registers and declines
//! every request ("not mine") until [`open`] recognises its format. See
//! CONTRIBUTING.md for what a plugin returns.
//!
//! Most users want the `imageio` facade, which links this plugin with its
//! `ffmpeg` feature.
#![deny(missing_docs)]

use imageio_core::{
    Error, NdImage, OptionSpec, Options, Plugin, PluginInfo, Request, Result, SharedBytes,
};

/// The options `read` accepts.
pub const READ_OPTIONS: &[OptionSpec] = &[];

/// The options `write` accepts.
pub const WRITE_OPTIONS: &[OptionSpec] = &[];

imageio_core::inventory::submit! {
    PluginInfo {
        name: "ffmpeg",
        crate_name: env!("CARGO_PKG_NAME"),
        summary: "ffmpeg: scaffold, serves nothing yet",
        read_extensions: &[".ffmpeg"],
        write_extensions: &[],
        signatures: &[],
        read_options: READ_OPTIONS,
        write_options: WRITE_OPTIONS,
        open,
    }
}

/// Opens `request` when it is this plugin's; declines it otherwise.
pub fn open(request: &mut Request) -> Result<Box<dyn Plugin>> {
    if !sniff(request.first_bytes()) {
        return Err(Error::declined("not a ffmpeg resource"));
    }
    Ok(Box::new(FfmpegPlugin {
        bytes: request.bytes()?,
    }))
}

/// True when `first` (the first bytes of the resource) is this format.
fn sniff(first: &[u8]) -> bool {
    let _ = first;
    false
}

/// An open ffmpeg resource.
struct FfmpegPlugin {
    bytes: SharedBytes,
}

impl Plugin for FfmpegPlugin {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        // Decode image `index` of `self.bytes` with the backend here, straight
        // into the array's buffer, mapping the backend's errors with `decode_err`.
        let _ = (index, self.bytes.len());
        Err(decode_err(std::io::Error::other(
            "reading is not implemented yet",
        )))
    }

    fn write(&mut self, image: &NdImage, _options: &Options) -> Result<()> {
        let _ = image;
        Err(encode_err(std::io::Error::other(
            "writing is not implemented yet",
        )))
    }
}

/// Maps an error of the backend met while reading into ours.
fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::decode(format!("ffmpeg: {e}")).with_source(e)
}

/// Maps an error of the backend met while writing into ours.
fn encode_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::encode(format!("ffmpeg: {e}")).with_source(e)
}
