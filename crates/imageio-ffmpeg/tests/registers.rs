//! The plugin registers itself with the formats it claims (extensions, rank,
//! signatures), the core routes requests to it from those claims, and it
//! declines what is not its own. With the `device` feature a second plugin,
//! `camera`, claims the `device` URI scheme.

use imageio_core::plugin::{
    plugin_by_name, read_candidates, Rank, ReadRequest, WriteRequest, FIRST_BYTES,
};
use imageio_core::{
    imdecode_with, imencode_with, ErrorKind, Index, Limits, NdImage, ReadOptions, Uri, WriteOptions,
};
use imageio_ffmpeg::formats::{SIGNATURES, SNIFFED};

/// The names of the plugins a read of `bytes` (with `ext`) is routed to.
fn routed(bytes: &[u8], ext: Option<&str>) -> Vec<&'static str> {
    let req = ReadRequest::new(Uri::from(bytes.to_vec()), ext, Limits::default()).unwrap();
    read_candidates(&req)
        .unwrap()
        .iter()
        .map(|p| p.name)
        .collect()
}

#[test]
fn registers_its_formats() {
    // Naming the crate links it, and with it its `inventory` registration.
    let open = imageio_ffmpeg::open_read;
    let info = plugin_by_name(imageio_ffmpeg::NAME).expect("the plugin registers");
    assert_eq!(info.name, "ffmpeg");
    assert_eq!(info.crate_name, "imageio-ffmpeg");
    let read = info.read.as_ref().expect("it reads");
    let write = info.write.as_ref().expect("it writes");
    assert!(std::ptr::fn_addr_eq(read.open, open as fn(_) -> _));
    assert!(std::ptr::fn_addr_eq(
        write.open,
        imageio_ffmpeg::open_write as fn(_) -> _
    ));
    assert_eq!(info.read_extensions(), imageio_ffmpeg::READ_EXTENSIONS);
    assert_eq!(info.write_extensions(), imageio_ffmpeg::WRITE_EXTENSIONS);
    assert_eq!(
        info.read_options().len(),
        imageio_ffmpeg::READ_OPTIONS.len()
    );
    assert_eq!(
        info.write_options().len(),
        imageio_ffmpeg::WRITE_OPTIONS.len()
    );
    // Video containers as the plugin made for them; GIF as a last resort.
    for claims in [info.read_formats(), info.write_formats()] {
        for c in claims {
            let want = if c.format.extensions == [".gif"] {
                Rank::FALLBACK
            } else {
                Rank::DEDICATED
            };
            assert_eq!(c.rank, want, "{}", c.format.name);
            assert!(c.format.schemes.is_empty(), "{}", c.format.name);
        }
    }
    // Only the sniffed format carries signatures, and it has no extension:
    // a file named .mp4 reaches the plugin whatever its first bytes.
    let signed: Vec<_> = info
        .read_formats()
        .iter()
        .filter(|c| !c.format.signatures.is_empty() && c.format.name != "GIF")
        .collect();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].format.name, SNIFFED.name);
    assert!(signed[0].format.extensions.is_empty());
    assert_eq!(signed[0].format.signatures.len(), SIGNATURES.len());
}

#[test]
fn the_signatures_fit_in_the_first_bytes() {
    for s in SIGNATURES {
        assert!(s.offset + s.magic.len() <= FIRST_BYTES, "{s:?}");
        assert!(s.mask.is_none_or(|m| m.len() == s.magic.len()), "{s:?}");
    }
    // MPEG-TS: 0x47 at 0, 188 and 376, whatever lies between.
    let mut ts = vec![0xAAu8; 600];
    for k in [0, 188, 376] {
        ts[k] = 0x47;
    }
    assert!(SNIFFED.sniff(&ts));
    assert!(!SNIFFED.sniff(&ts[..376]), "three sync bytes are needed");
    ts[188] = 0x48;
    assert!(!SNIFFED.sniff(&ts));
    assert!(SNIFFED.sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"));
    assert!(SNIFFED.sniff(b"\x1A\x45\xDF\xA3\x9F"));
    assert!(SNIFFED.sniff(b"RIFF\x10\0\0\0AVI LIST"));
    assert!(!SNIFFED.sniff(b"RIFF\x10\0\0\0WEBPVP8 "));
}

#[test]
fn routing_follows_the_claims() {
    // By extension whatever the content (FFmpeg probes it).
    assert_eq!(routed(&[0u8; 1000], Some(".mp4")), ["ffmpeg"]);
    assert_eq!(routed(&[0u8; 1000], Some(".m2ts")), ["ffmpeg"]);
    // By content whatever the name.
    let mp4 = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2";
    assert_eq!(routed(mp4, None), ["ffmpeg"]);
    assert_eq!(routed(mp4, Some(".png")), ["ffmpeg"]);
    // Neither: not routed here.
    assert!(routed(b"not a video at all", None).is_empty());
    assert!(routed(b"not a video at all", Some(".png")).is_empty());
    // GIF: only content that is GIF, at the fallback rank.
    assert_eq!(routed(b"GIF89a\x01\0\x01\0", Some(".gif")), ["ffmpeg"]);
    assert!(routed(b"plain text", Some(".gif")).is_empty());
    // Writing: the write extensions only.
    let writes = |ext: &str| {
        let req = WriteRequest::new(Uri::memory(ext), None, true).unwrap();
        imageio_core::plugin::write_candidates(&req)
            .unwrap()
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(writes(".webm"), ["ffmpeg"]);
    assert_eq!(writes(".gif"), ["ffmpeg"]);
    assert!(writes(".mpg").is_empty());
    assert!(writes(".3gp").is_empty());
}

#[test]
fn opens_through_the_verbs() {
    let frames: Vec<u8> = (0..3 * 16 * 32 * 3).map(|i| (i % 251) as u8).collect();
    let stack = NdImage::from_shape_vec(&[3, 16, 32, 3], frames).unwrap();
    let opts = WriteOptions::new().is_batch(true);
    for ext in [".mkv", ".ts"] {
        let bytes = imencode_with(&stack, ext, &opts).unwrap();
        // No name: the content routes it (EBML header, TS sync bytes).
        let all = imdecode_with(&bytes, &ReadOptions::new().index(Index::All)).unwrap();
        assert_eq!(all.shape(), &[3, 16, 32, 3], "{ext}");
        let named = ReadOptions::new().plugin("ffmpeg").index(Index::At(2));
        let last = imdecode_with(&bytes, &named).unwrap();
        assert_eq!(last.shape(), &[16, 32, 3], "{ext}");
    }
}

#[test]
fn declines_what_is_not_its_own() {
    let e = imdecode_with(b"not an image", &ReadOptions::new().plugin("ffmpeg")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
}

#[cfg(feature = "device")]
#[test]
fn the_camera_plugin_claims_the_device_scheme() {
    let info = plugin_by_name(imageio_ffmpeg::CAMERA_NAME).expect("the camera registers");
    assert_eq!(info.crate_name, "imageio-ffmpeg");
    assert!(info.write.is_none());
    let read = info.read.as_ref().unwrap();
    assert!(std::ptr::fn_addr_eq(
        read.open,
        imageio_ffmpeg::open_camera as fn(_) -> _
    ));
    assert_eq!(read.formats.len(), 1);
    let c = read.formats[0];
    assert_eq!(c.rank, Rank::DEDICATED);
    assert_eq!(c.format.schemes, ["device"]);
    assert!(c.format.extensions.is_empty() && c.format.signatures.is_empty());
    let req = ReadRequest::new(Uri::from("<video3>"), None, Limits::default()).unwrap();
    let names: Vec<_> = read_candidates(&req)
        .unwrap()
        .iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["camera"]);
}

#[cfg(not(feature = "device"))]
#[test]
fn no_camera_plugin_without_the_device_feature() {
    let _ = imageio_ffmpeg::open_read;
    let e = plugin_by_name(imageio_ffmpeg::CAMERA_NAME).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPlugin, "{e}");
    let req = ReadRequest::new(Uri::from("<video3>"), None, Limits::default()).unwrap();
    assert!(read_candidates(&req).unwrap().is_empty());
}

#[test]
fn a_writer_chosen_by_name_still_needs_a_video_extension() {
    let img = NdImage::from_shape_vec(&[16, 16, 3], vec![9u8; 16 * 16 * 3]).unwrap();
    let e = imencode_with(&img, ".png", &WriteOptions::new().plugin("ffmpeg")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Declined, "{e}");
    assert!(e.to_string().contains("does not write .png"), "{e}");
    let ok = imencode_with(&img, ".mkv", &WriteOptions::new().plugin("ffmpeg")).unwrap();
    assert!(ok.starts_with(b"\x1A\x45\xDF\xA3"));
}
