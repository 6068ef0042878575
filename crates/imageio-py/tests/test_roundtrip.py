"""Every format a linked plugin writes, round-tripped through the binding:
written to a file with ``plugin=`` that plugin, read back, and compared with
what was written (exactly for lossless formats, within a stated tolerance for
lossy ones). The (plugin, extension) pairs come from the plugins' own write
tables, so a plugin that starts writing a new format is tested here."""

import numpy as np
import pytest

import imageio_rs
import imageio_rs.v3 as iio

VIDEO = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts"}
#: Lossy encodings: (plugin or None for any, extension) -> largest mean |diff|.
LOSSY = {".jpg": 3.0, ".jpeg": 3.0, ".jpe": 3.0, ".jfif": 3.0, ".avif": 6.0}


def _pairs():
    out = []
    for p in imageio_rs.plugins():
        for ext in p["write_extensions"]:
            out.append(pytest.param(p["name"], ext, id=f"{p['name']}{ext}"))
    return out


def _gradient(h=48, w=64, channels=3, dtype=np.uint8):
    """A smooth image (friendly to lossy codecs) with every channel distinct."""
    y, x = np.mgrid[0:h, 0:w]
    chans = [(x * 3 + y) % 256, (y * 5) % 256, ((x + y) * 2) % 256, 255 - (x % 7) * 10]
    img = np.stack(chans[:channels], axis=-1).astype(np.float64)
    if np.dtype(dtype) == np.uint16:
        img = img * 257
    elif np.dtype(dtype).kind == "f":
        img = img / 255.0
    return img.astype(dtype)


def _palette_image(h=40, w=56):
    """An RGB image of 8 colours: exact through a palette format."""
    colours = np.array(
        [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255],
         [255, 0, 255], [255, 255, 255]],
        dtype=np.uint8,
    )
    y, x = np.mgrid[0:h, 0:w]
    return colours[((x // 7) + (y // 5)) % 8]


def _case(plugin, ext):
    """(image, is_batch, read index, tolerance: None exact, float mean |diff|)."""
    if ext in VIDEO or (plugin == "ffmpeg" and ext == ".gif"):
        frames = np.stack([np.roll(_gradient(64, 64), 4 * i, axis=1) for i in range(6)])
        # FFmpeg's GIF encoder quantizes to a fixed 8-bit palette (rgb8).
        return frames, True, ..., 24.0 if ext == ".gif" else 12.0
    if ext == ".apng":
        return np.stack([_palette_image(), _palette_image()[::-1]]), True, ..., None
    if ext == ".gif":
        return np.stack([_palette_image(), _palette_image()[:, ::-1]]), True, ..., None
    if ext == ".pbm":
        return (_palette_image()[..., 0] > 0).astype(np.uint8) * 255, False, 0, None
    if ext == ".pgm":
        return _gradient(channels=1)[..., 0], False, 0, None
    if ext in (".ff", ".farbfeld"):
        return _gradient(channels=4, dtype=np.uint16), False, 0, None
    if ext == ".exr":
        return _gradient(dtype=np.float32), False, 0, None
    if ext == ".hdr":
        # RGBE: an 8-bit mantissa shared by the channels (values <= 1.01).
        return _gradient(dtype=np.float32) + np.float32(0.01), False, 0, "abs0.008"
    if ext == ".ico":
        return _gradient(32, 32, channels=4), False, 0, None
    if ext in (".npy", ".npz"):
        return (np.arange(2 * 3 * 5, dtype=np.int16).reshape(2, 3, 5) - 7), False, 0, None
    if ext in (".tif", ".tiff") and plugin == "tiff":
        return _gradient(dtype=np.uint16), False, 0, None
    if ext == ".png" and plugin == "png":
        return _gradient(dtype=np.uint16), False, 0, None
    if ext == ".pdf":
        return _gradient(), False, 0, 3.0
    if plugin == "webp":  # lossy by default (libwebp)
        return _gradient(), False, 0, 3.0
    return _gradient(), False, 0, LOSSY.get(ext)


@pytest.mark.parametrize("plugin,ext", _pairs())
def test_every_writable_format_round_trips(plugin, ext, tmp_path):
    image, is_batch, index, tol = _case(plugin, ext)
    # ".gz" is written as gzipped NIfTI, which must be named NAME.nii.gz.
    path = tmp_path / (f"out.nii{ext}" if (plugin, ext) == ("nifti", ".gz") else f"out{ext}")
    try:
        iio.imwrite(path, image, plugin=plugin, is_batch=is_batch)
    except ValueError as e:
        if "not built" in str(e) or "feature" in str(e):
            pytest.skip(f"{plugin} writes {ext} only with a feature this build leaves out: {e}")
        raise
    assert path.stat().st_size > 0
    back = iio.imread(path, index=index)
    if ext in (".pgm", ".pbm") and back.ndim == 3:
        back = back[..., 0]
    assert back.shape == image.shape, (back.shape, image.shape)
    if tol is None:
        assert back.dtype == image.dtype
        np.testing.assert_array_equal(back, image)
    elif isinstance(tol, str):
        np.testing.assert_allclose(back, image, rtol=0, atol=float(tol[3:]))
    else:
        diff = np.abs(back.astype(np.float64) - image.astype(np.float64)).mean()
        assert diff <= tol, f"mean |diff| {diff:.2f} > {tol}"


@pytest.mark.parametrize("ext", [".png", ".tif", ".npy", ".gif", ".jpg", ".webp", ".bmp"])
def test_bytes_target_returns_what_a_file_would_hold(ext, tmp_path):
    image = _palette_image()
    data = iio.imwrite("<bytes>", image, extension=ext)
    assert isinstance(data, bytes) and len(data) > 0
    iio.imwrite(tmp_path / f"a{ext}", image)
    assert data == (tmp_path / f"a{ext}").read_bytes()
