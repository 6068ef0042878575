//! Hostile seed files for the container fuzz targets, built in code so that
//! no binary is committed: PDF forms that draw themselves, PDF JPEG 2000
//! images whose codestream claims a huge size, TIFF IFD chains
//! and loops, HLS and ffconcat playlists that name local files and URLs,
//! JPEG 2000 codestreams and JP2 files whose headers claim huge sizes or
//! millions of tiles.
//!
//! Dependency-free: `cargo xtask fuzz` writes them into
//! `fuzz/corpus/<target>/` (beside the shared corpus' files), and the
//! workspace test `tests/tests/fuzz_seeds.rs` replays them through the core.

/// The extension hints of the `video` target: its input's first byte picks
/// one (modulo the length), the rest is the file.
pub const VIDEO_EXTENSIONS: &[&str] = &[
    ".mp4", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mpg", ".flv", ".wmv", ".ogv", ".3gp", ".m2ts",
];

/// The container targets and the extension their files are read as (the
/// `video` target's depends on its first byte).
pub const CONTAINER_TARGETS: &[(&str, &str)] = &[
    ("pdf", ".pdf"),
    ("tiff", ".tif"),
    ("video", ""),
    ("jpeg2000", ".j2k"),
];

/// The seeds of `target` (`pdf`, `tiff`, `video`) as (name, fuzz input)
/// pairs: for `video` the input starts with its extension byte.
pub fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    match target {
        "pdf" => pdf_seeds(),
        "tiff" => tiff_seeds(),
        "video" => video_seeds(),
        "jpeg2000" => jpeg2000_seeds(),
        _ => Vec::new(),
    }
}

/// The file of a fuzz input of `target`, and the extension it is read as.
pub fn file_of<'a>(target: &str, input: &'a [u8]) -> Option<(&'a [u8], &'static str)> {
    match target {
        "pdf" => Some((input, ".pdf")),
        "tiff" => Some((input, ".tif")),
        "jpeg2000" => Some((input, ".j2k")),
        "video" => {
            let (&pick, file) = input.split_first()?;
            Some((
                file,
                VIDEO_EXTENSIONS[pick as usize % VIDEO_EXTENSIONS.len()],
            ))
        }
        _ => None,
    }
}

/// A fuzz input of `target` for a corpus file with extension `ext` (with
/// its dot), or `None` when the target does not read that extension.
pub fn input_for(target: &str, ext: &str, file: &[u8]) -> Option<Vec<u8>> {
    let ext = ext.to_ascii_lowercase();
    match target {
        "pdf" if ext == ".pdf" => Some(file.to_vec()),
        "tiff" if ext == ".tif" || ext == ".tiff" => Some(file.to_vec()),
        "jpeg2000" if [".jp2", ".j2k", ".j2c", ".jpx", ".jpf"].contains(&ext.as_str()) => {
            Some(file.to_vec())
        }
        "video" => {
            let i = VIDEO_EXTENSIONS.iter().position(|e| *e == ext)?;
            let mut v = vec![i as u8];
            v.extend_from_slice(file);
            Some(v)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- PDF

/// A PDF of numbered objects `objects[i]` (object i + 1), with a correct
/// cross-reference table and object 1 as the catalog.
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object with `dict` entries (without `/Length`) and `data`.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// Catalog, pages, one page (object 3) with resources `res` and content
/// object 4 drawing `content`; `extra` objects follow as objects 5, 6, ...
fn one_page(res: &str, content: &[u8], extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 8 8] /Resources {res} /Contents 4 0 R >>"
        )
        .into_bytes(),
        stream("", content),
    ];
    objects.extend(extra);
    pdf(&objects)
}

/// A 2x2 gray image XObject.
fn pdf_image() -> Vec<u8> {
    stream(
        "/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray \
         /BitsPerComponent 8",
        &[0, 64, 128, 255],
    )
}

/// A JPEG 2000 codestream (J2K) of one 8-bit gray `width` x `height` tile
/// whose one packet is empty: 82 bytes that OpenJPEG decodes to a mid-gray
/// (128) image, whatever size the SIZ marker claims (one resolution level,
/// one layer, reversible 5/3, no quantization).
pub fn j2k_codestream(width: u32, height: u32) -> Vec<u8> {
    let mut v = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
    for x in [width, height, 0, 0, width, height, 0, 0] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v.extend_from_slice(&[0, 1, 7, 1, 1]);
    v.extend_from_slice(&[0xFF, 0x52, 0, 12, 0, 0, 0, 1, 0, 0, 4, 4, 0, 1]);
    v.extend_from_slice(&[0xFF, 0x5C, 0, 4, 0x40, 8 << 3]);
    v.extend_from_slice(&[0xFF, 0x90, 0, 10, 0, 0, 0, 0, 0, 15, 0, 1]);
    v.extend_from_slice(&[0xFF, 0x93, 0x00, 0xFF, 0xD9]);
    v
}

/// A JP2 file around `codestream`: the signature and file type boxes, a
/// header box whose `ihdr` says `width` x `height` (which may disagree with
/// the codestream), one gray component, then the codestream box.
pub fn jp2_file(width: u32, height: u32, codestream: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 12, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];
    v.extend_from_slice(&[0, 0, 0, 20]);
    v.extend_from_slice(b"ftypjp2 \0\0\0\0jp2 ");
    // jp2h: ihdr (22 bytes) and colr (15 bytes).
    v.extend_from_slice(&(8u32 + 22 + 15).to_be_bytes());
    v.extend_from_slice(b"jp2h");
    v.extend_from_slice(&22u32.to_be_bytes());
    v.extend_from_slice(b"ihdr");
    v.extend_from_slice(&height.to_be_bytes());
    v.extend_from_slice(&width.to_be_bytes());
    v.extend_from_slice(&[0, 1, 7, 7, 0, 0]);
    v.extend_from_slice(&15u32.to_be_bytes());
    v.extend_from_slice(b"colr");
    v.extend_from_slice(&[1, 0, 0, 0, 0, 0, 17]);
    let len = u32::try_from(8 + codestream.len()).unwrap_or(u32::MAX);
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(b"jp2c");
    v.extend_from_slice(codestream);
    v
}

fn jpeg2000_seeds() -> Vec<(String, Vec<u8>)> {
    let tiled = |w: u32, h: u32, t: u32| {
        let mut c = j2k_codestream(w, h);
        // XTsiz and YTsiz.
        c[24..28].copy_from_slice(&t.to_be_bytes());
        c[28..32].copy_from_slice(&t.to_be_bytes());
        c
    };
    vec![
        ("j2k-16x12".into(), j2k_codestream(16, 12)),
        ("j2k-huge-siz".into(), j2k_codestream(1_000_000, 1_000_000)),
        ("j2k-tile-bomb".into(), tiled(4000, 4000, 1)),
        ("j2k-empty".into(), j2k_codestream(0, 0)),
        (
            "jp2-16x12".into(),
            jp2_file(16, 12, &j2k_codestream(16, 12)),
        ),
        (
            "jp2-ihdr-huge".into(),
            jp2_file(1_000_000, 1_000_000, &j2k_codestream(16, 12)),
        ),
        (
            "jp2-tile-bomb".into(),
            jp2_file(4000, 4000, &tiled(4000, 4000, 1)),
        ),
    ]
}

fn pdf_seeds() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    // A plain page with one image: the baseline the mutations start from.
    v.push((
        "pdf-image".into(),
        one_page(
            "<< /XObject << /Im 5 0 R >> >>",
            b"q 8 0 0 8 0 0 cm /Im Do Q",
            vec![pdf_image()],
        ),
    ));
    // A JPEG 2000 (JPXDecode) image, and one whose codestream claims
    // 1 000 000 x 1 000 000 pixels behind a 16 x 12 image dictionary.
    // And one of 4000 x 4000 pixels in one-pixel tiles: 16 million tiles
    // the JPEG 2000 decoder set up before decoding (4 GB, 20 s), in the
    // image walk and in rendering alike.
    for (name, w, h, tile) in [
        ("pdf-jpx-image", 16, 12, None),
        ("pdf-jpx-huge-siz", 1_000_000, 1_000_000, None),
        ("pdf-jpx-tile-bomb", 4000, 4000, Some(1u32)),
    ] {
        let mut codestream = j2k_codestream(w, h);
        if let Some(t) = tile {
            // XTsiz and YTsiz.
            codestream[24..28].copy_from_slice(&t.to_be_bytes());
            codestream[28..32].copy_from_slice(&t.to_be_bytes());
        }
        let jpx = stream(
            "/Type /XObject /Subtype /Image /Width 16 /Height 12 /ColorSpace /DeviceGray \
             /BitsPerComponent 8 /Filter /JPXDecode",
            &codestream,
        );
        v.push((
            name.into(),
            one_page(
                "<< /XObject << /Im 5 0 R >> >>",
                b"q 8 0 0 8 0 0 cm /Im Do Q",
                vec![jpx],
            ),
        ));
    }
    // A form that draws itself four times (and the image): k^depth work for
    // a walk that re-descends every `Do`.
    let res = "<< /XObject << /F 6 0 R /Im 5 0 R >> >>";
    v.push((
        "pdf-form-self-4".into(),
        one_page(
            res,
            b"/F Do",
            vec![
                pdf_image(),
                stream(
                    &format!("/Type /XObject /Subtype /Form /BBox [0 0 8 8] /Resources {res}"),
                    b"/F Do /F Do /F Do /F Do /Im Do",
                ),
            ],
        ),
    ));
    // Two forms that draw each other.
    let res2 = "<< /XObject << /A 6 0 R /B 7 0 R /Im 5 0 R >> >>";
    let form = |body: &[u8]| {
        stream(
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 8 8] /Resources {res2}"),
            body,
        )
    };
    v.push((
        "pdf-form-mutual".into(),
        one_page(
            res2,
            b"/A Do",
            vec![
                pdf_image(),
                form(b"/B Do /B Do /Im Do"),
                form(b"/A Do /A Do"),
            ],
        ),
    ));
    // A chain of 16 distinct forms, each drawing the next eight times.
    let n = 16;
    let mut extra = vec![pdf_image()];
    for i in 0..n {
        let next = if i + 1 < n { 6 + i + 1 } else { 6 };
        extra.push(stream(
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 8 8] /Resources << /XObject << \
                 /N {next} 0 R /Im 5 0 R >> >>"
            ),
            b"/N Do /N Do /N Do /N Do /N Do /N Do /N Do /N Do /Im Do",
        ));
    }
    v.push((
        "pdf-form-chain-16x8".into(),
        one_page("<< /XObject << /N 6 0 R >> >>", b"/N Do", extra),
    ));
    // A page tree whose Pages node lists itself.
    v.push((
        "pdf-pages-loop".into(),
        pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 8 8] /Contents 4 0 R \
              /Resources << /XObject << /Im 5 0 R >> >> >>"
                .to_vec(),
            stream("", b"/Im Do"),
            pdf_image(),
        ]),
    ));
    // An image whose length and size lie.
    v.push((
        "pdf-image-huge".into(),
        one_page(
            "<< /XObject << /Im 5 0 R >> >>",
            b"/Im Do",
            vec![stream(
                "/Type /XObject /Subtype /Image /Width 100000 /Height 100000 \
                 /ColorSpace /DeviceRGB /BitsPerComponent 16",
                &[1, 2, 3],
            )],
        ),
    ));
    v
}

// ---------------------------------------------------------------- TIFF

/// A little- or big-endian classic TIFF of `pages` IFDs (one 2x2 8-bit
/// gray strip each), where IFD i's next pointer is `next(i)` (an offset
/// from `ifd_offsets`, or any value).
fn tiff(big_endian: bool, pages: usize, next: impl Fn(usize, &[u32]) -> u32) -> Vec<u8> {
    let u16b = |x: u16| {
        if big_endian {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        }
    };
    let u32b = |x: u32| {
        if big_endian {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        }
    };
    // Header (8), then per page: pixels (4), IFD (2 + 8 * 12 + 4 = 102).
    let page_len = 4 + 2 + 8 * 12 + 4;
    let ifd_offsets: Vec<u32> = (0..pages).map(|i| (8 + i * page_len + 4) as u32).collect();
    let mut out = Vec::new();
    out.extend_from_slice(if big_endian { b"MM" } else { b"II" });
    out.extend_from_slice(&u16b(42));
    out.extend_from_slice(&u32b(ifd_offsets.first().copied().unwrap_or(0)));
    for i in 0..pages {
        let pixels = out.len() as u32;
        out.extend_from_slice(&[0, 85, 170, 255]);
        out.extend_from_slice(&u16b(8));
        let entry = |out: &mut Vec<u8>, tag: u16, ty: u16, value: u32| {
            out.extend_from_slice(&u16b(tag));
            out.extend_from_slice(&u16b(ty));
            out.extend_from_slice(&u32b(1));
            if ty == 3 {
                out.extend_from_slice(&u16b(value as u16));
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&u32b(value));
            }
        };
        entry(&mut out, 256, 3, 2); // ImageWidth
        entry(&mut out, 257, 3, 2); // ImageLength
        entry(&mut out, 258, 3, 8); // BitsPerSample
        entry(&mut out, 259, 3, 1); // Compression: none
        entry(&mut out, 262, 3, 1); // Photometric: min-is-black
        entry(&mut out, 273, 4, pixels); // StripOffsets
        entry(&mut out, 278, 3, 2); // RowsPerStrip
        entry(&mut out, 279, 4, 4); // StripByteCounts
        out.extend_from_slice(&u32b(next(i, &ifd_offsets)));
    }
    out
}

/// A BigTIFF header whose first IFD (one entry) points back at itself.
fn bigtiff_loop() -> Vec<u8> {
    let mut out = b"II\x2B\x00\x08\x00\x00\x00".to_vec();
    out.extend_from_slice(&16u64.to_le_bytes());
    // IFD at 16: count, one entry (ImageWidth LONG 2), next = 16.
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(&256u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(&2u64.to_le_bytes());
    out.extend_from_slice(&16u64.to_le_bytes());
    out
}

fn tiff_seeds() -> Vec<(String, Vec<u8>)> {
    let chain = |i: usize, o: &[u32]| o.get(i + 1).copied().unwrap_or(0);
    vec![
        ("tiff-2-pages".into(), tiff(false, 2, chain)),
        ("tiff-2-pages-be".into(), tiff(true, 2, chain)),
        ("tiff-chain-300".into(), tiff(false, 300, chain)),
        ("tiff-self-loop".into(), tiff(false, 1, |_, o| o[0])),
        (
            "tiff-loop-back".into(),
            tiff(false, 3, |i, o| if i == 2 { o[0] } else { o[i + 1] }),
        ),
        (
            "tiff-loop-back-be".into(),
            tiff(true, 3, |i, o| if i == 2 { o[1] } else { o[i + 1] }),
        ),
        (
            "tiff-next-past-end".into(),
            tiff(false, 2, |_, _| 0x7FFF_FFF0),
        ),
        ("tiff-next-max".into(), tiff(false, 1, |_, _| u32::MAX)),
        ("tiff-next-inside-header".into(), tiff(false, 1, |_, _| 2)),
        ("bigtiff-self-loop".into(), bigtiff_loop()),
    ]
}

// ---------------------------------------------------------------- video

/// `file` as an input of the `video` target read as `ext`.
fn video_input(ext: &str, file: &[u8]) -> Vec<u8> {
    input_for("video", ext, file).expect("a video extension")
}

fn video_seeds() -> Vec<(String, Vec<u8>)> {
    let hls = |entry: &str| {
        format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n\
             #EXTINF:1.0,\n{entry}\n#EXT-X-ENDLIST\n"
        )
    };
    let master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nvariant.m3u8\n".to_string();
    let concat = |entry: &str| format!("ffconcat version 1.0\nfile {entry}\nduration 1\n");
    let mut v = Vec::new();
    for (name, ext, text) in [
        ("hls-abs", ".mp4", hls("/etc/hostname.ts")),
        ("hls-file-url", ".mkv", hls("file:/etc/passwd.ts")),
        ("hls-rel", ".ts", hls("segment0.ts")),
        ("hls-http", ".mp4", hls("http://127.0.0.1:9/x.ts")),
        ("hls-master", ".mov", master),
        (
            "concat-rel",
            ".mp4",
            concat("tests/data/leak_side_data.mp4"),
        ),
        ("concat-abs", ".avi", concat("/etc/passwd")),
        ("concat-url", ".mp4", concat("http://127.0.0.1:9/x.mp4")),
        (
            "sdp",
            ".mp4",
            "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\n\
             m=video 9 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
                .to_string(),
        ),
    ] {
        v.push((format!("video-{name}"), video_input(ext, text.as_bytes())));
    }
    // An ISO-BMFF file with a data-reference box naming an external file.
    let mut mp4 = Vec::new();
    let boxed = |kind: &[u8], body: &[u8]| {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    };
    mp4.extend(boxed(b"ftyp", b"isom\0\0\x02\0isomiso2mp41"));
    let url = boxed(b"url ", b"\0\0\0\0file:///etc/passwd\0");
    let mut dref_body = vec![0, 0, 0, 0, 0, 0, 0, 1];
    dref_body.extend(url);
    let dinf = boxed(b"dinf", &boxed(b"dref", &dref_body));
    let minf = boxed(b"minf", &dinf);
    let mdia = boxed(b"mdia", &minf);
    let trak = boxed(b"trak", &mdia);
    mp4.extend(boxed(b"moov", &trak));
    v.push(("video-mp4-dref".into(), video_input(".mp4", &mp4)));
    v
}
