//! The public API promised in the foundation issue, exercised exactly as
//! external code writes it, with values checked.

use imageio::{
    imdecode, imencode, imiter, immeta, imopen, improps, imread, imread_with, imwrite,
    imwrite_with, DType, Error, ErrorKind, ImageProperties, Index, IoMode, Metadata, NdImage,
    ReadOptions, Value, WriteOptions,
};

fn assert_traits<T: Clone + std::fmt::Debug + PartialEq + Send>() {}
fn assert_send<T: Send>() {}

#[test]
fn the_promised_api_works() -> Result<(), Error> {
    assert_traits::<NdImage>();
    assert_send::<imageio::ImageFile>();
    assert_send::<Error>();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.png");
    let anim = dir.path().join("anim.gif");
    imwrite(&photo, &imread("imageio:testpattern")?)?;
    let frames = imread_with("imageio:animation", &ReadOptions::new().index(Index::All))?;
    imwrite(&anim, &frames)?;

    let img: NdImage = imread(&photo)?;
    assert_eq!(img.shape(), &[256, 384, 3]);
    assert_eq!(img.dtype(), DType::U8);
    let a: imageio::ndarray::ArrayD<u8> = img.clone().into_array::<u8>()?;
    assert_eq!(a[[0, 0, 0]], 255);
    let img = NdImage::from(a);
    let from2 = NdImage::from(imageio::ndarray::Array2::<u16>::zeros((2, 3)));
    assert_eq!(from2.shape(), &[2, 3]);
    let from_path = imread(photo.as_path())?;
    let from_pathbuf = imread(photo.clone())?;
    let bytes = std::fs::read(&photo).unwrap();
    let from_slice = imread(&bytes[..])?;
    let from_vec = imread(bytes)?;
    assert!([from_path, from_pathbuf, from_slice, from_vec]
        .iter()
        .all(|x| *x == img));

    let all = imread_with(
        &anim,
        &ReadOptions::new().index(Index::All).plugin("pillowlike"),
    )?;
    assert_eq!(
        all, frames,
        "few colours: the GIF palette keeps them exactly"
    );
    let props: ImageProperties = improps(&anim)?;
    assert_eq!(
        (
            props.shape.clone(),
            props.dtype,
            props.n_images,
            props.is_batch
        ),
        (vec![64, 64, 3], DType::U8, Some(8), false)
    );
    assert!(props.spacing.is_none());
    let meta: Metadata = immeta(&anim)?;
    assert_eq!(meta.get("duration").and_then(Value::as_float), Some(100.0));
    let mut n = 0;
    for frame in imiter(&anim)? {
        let frame: NdImage = frame?;
        assert_eq!(frame, frames.frame(n)?);
        n += 1;
    }
    assert_eq!(n, 8);

    imwrite(dir.path().join("out.tif"), &img)?;
    assert_eq!(imread(dir.path().join("out.tif"))?, img);
    let jpg = dir.path().join("out.jpg");
    imwrite_with(
        &jpg,
        &img,
        &WriteOptions::new().option("quality", 90).overwrite(false),
    )?;
    let err = imwrite_with(
        &jpg,
        &img,
        &WriteOptions::new().option("quality", 90).overwrite(false),
    )
    .unwrap_err();
    let bytes: Vec<u8> = imencode(&img, ".png")?;
    let back = imdecode(&bytes)?;
    assert_eq!(back, img);
    let out = dir.path().join("out.gif");
    let mut w = imopen(&out, IoMode::Write)?;
    for frame in imiter("imageio:animation")? {
        w.write(&frame?)?;
    }
    w.close()?;
    assert_eq!(improps(&out)?.n_images, Some(8));

    let which = match err.kind() {
        ErrorKind::NoPlugin | ErrorKind::PluginNotLinked => "plugin",
        ErrorKind::AlreadyExists => "exists",
        _ => "other",
    };
    assert_eq!(which, "exists");
    assert_eq!(err.code(), 11);
    Ok(())
}
