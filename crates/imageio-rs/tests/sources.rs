//! Where the bytes live, with real codecs: a PNG read over `http://` from a
//! loopback server of the test's own (127.0.0.1 only; with and without an
//! extension in the URL path), PNGs written into and read from a zip archive
//! member, and the pixels compared with the `image` crate's own encoding.

use std::io::Cursor;

use imageio::{imread, imwrite, ErrorKind, NdImage};

/// A 3-channel u8 test image and its PNG encoded by the `image` crate.
fn png_sample() -> (Vec<u8>, Vec<u8>) {
    let (w, h) = (37u32, 23u32);
    let px: Vec<u8> = (0..w * h * 3).map(|i| (i * 13 % 251) as u8).collect();
    let img = image::RgbImage::from_raw(w, h, px.clone()).unwrap();
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    (px, png)
}

#[cfg(feature = "http")]
#[test]
fn png_over_http() {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    let (px, png) = png_sample();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut s, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
                head.push(b[0]);
            }
            write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                png.len()
            )
            .unwrap();
            s.write_all(&png).unwrap();
        }
    });
    for url in [format!("{base}/img/photo.png?v=2"), format!("{base}/blob")] {
        let img = imread(url.as_str()).unwrap();
        assert_eq!(img.shape(), &[23, 37, 3], "{url}");
        assert_eq!(img.as_bytes().unwrap(), &px[..], "{url}");
    }
    server.join().unwrap();
}

#[cfg(not(feature = "http"))]
#[test]
fn urls_name_the_feature() {
    let e = imread("http://127.0.0.1:9/a.png").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("`http` feature"), "{e}");
}

#[test]
fn png_members_of_a_zip_archive() {
    let (px, _) = png_sample();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("album.zip");
    let img = NdImage::from_shape_vec(&[23, 37, 3], px.clone()).unwrap();
    // A new archive, then a second member: both read back exactly.
    imwrite(zip.join("2024/a.png"), &img).unwrap();
    let flipped: Vec<u8> = px.iter().map(|v| 255 - v).collect();
    let img2 = NdImage::from_shape_vec(&[23, 37, 3], flipped.clone()).unwrap();
    imwrite(zip.join("2024/b.png"), &img2).unwrap();
    assert_eq!(
        imread(zip.join("2024/a.png")).unwrap().as_bytes().unwrap(),
        &px[..]
    );
    assert_eq!(
        imread(zip.join("2024/b.png")).unwrap().as_bytes().unwrap(),
        &flipped[..]
    );
    // The member's bytes (taken through a ReadRequest, no zip crate here) are a
    // PNG that the image crate decodes to the same pixels.
    let mut r = imageio::plugin::ReadRequest::new(
        zip.join("2024/a.png").into(),
        None,
        imageio::Limits::default(),
    )
    .unwrap();
    let member = r.bytes().unwrap();
    assert!(member.starts_with(b"\x89PNG"));
    let decoded = image::load_from_memory(&member).unwrap().to_rgb8();
    assert_eq!(decoded.into_raw(), px);
    let e = imread(zip.join("2024/missing.png")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}
