"""``imageio_rs.v3``'s API: imageio.v3's signatures and semantics (index
rules, plugin names, keyword options, inputs, errors, properties, metadata,
imopen), zero-copy arrays and the GIL released during decodes. Pixels are
checked against values the test makes or knows, not against our own reads
only."""

import io
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import imageio_rs
import imageio_rs.v3 as iio


def frames(n=4, h=24, w=32):
    """``n`` RGB frames of 8 colours (exact through GIF's palette)."""
    colours = np.array(
        [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255],
         [255, 0, 255], [255, 255, 255]],
        dtype=np.uint8,
    )
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([colours[((x // 4) + (y // 3) + i) % 8] for i in range(n)])


@pytest.fixture
def gif(tmp_path):
    path = tmp_path / "anim.gif"
    iio.imwrite(path, frames(), duration=70, loop=0)
    return path


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "img.png"
    iio.imwrite(path, frames(1)[0])
    return path


# -- the built-in standard images -----------------------------------------


def test_standard_images():
    img = iio.imread("imageio:testpattern")
    assert img.shape == (256, 384, 3) and img.dtype == np.uint8
    assert iio.imread("imageio:gradient16").dtype == np.uint16
    assert iio.imread("imageio:animation").shape == (8, 64, 64, 3)  # index None: every frame
    assert "testpattern" in imageio_rs._imageio_rs.standard_images()
    with pytest.raises(ValueError, match="no standard image"):
        iio.imread("imageio:nonexistant_standard_image.png")
    with pytest.raises(RuntimeError):
        iio.imwrite("imageio:chelsea.png", img)


# -- index ---------------------------------------------------------------


def test_index_rules(gif, png):
    want = frames()
    np.testing.assert_array_equal(iio.imread(gif), want)  # GIF: None -> all frames
    np.testing.assert_array_equal(iio.imread(gif, index=...), want)
    np.testing.assert_array_equal(iio.imread(gif, index=2), want[2])
    np.testing.assert_array_equal(iio.imread(gif, index=-1), want[-1])
    np.testing.assert_array_equal(iio.imread(gif, index=np.int64(1)), want[1])
    np.testing.assert_array_equal(iio.imread(png), want[0])  # PNG: None -> the image
    assert iio.imread(png, index=...).shape == (1, 24, 32, 3)
    with pytest.raises(IndexError):
        iio.imread(gif, index=4)
    with pytest.raises(IndexError):
        iio.imread(gif, index=-5)
    with pytest.raises(TypeError):
        iio.imread(gif, index="0")


def test_apng_reads_every_frame_by_default(tmp_path):
    path = tmp_path / "a.apng"
    iio.imwrite(path, frames(3), plugin="png")
    np.testing.assert_array_equal(iio.imread(path), frames(3))
    with open(path, "rb") as f:  # the same through bytes named .png
        np.testing.assert_array_equal(iio.imread(f.read(), extension=".png"), frames(3))


def test_imiter_is_lazy_and_complete(gif):
    it = iio.imiter(gif)
    got = list(it)
    assert len(got) == 4
    np.testing.assert_array_equal(np.stack(got), frames())
    lazy = iio.imiter("/no/such/file.gif")  # a generator, as imageio's: fails on next()
    with pytest.raises(FileNotFoundError):
        next(lazy)


# -- plugins, extension, format_hint, options -----------------------------


@pytest.mark.parametrize(
    "alias,ours", [("pillow", "pillowlike"), ("tifffile", "tiff"), ("pyav", "ffmpeg"), ("npz", "npy")]
)
def test_imageio_plugin_names(alias, ours):
    assert iio.PLUGIN_ALIASES[alias] == ours


def test_plugins_by_either_name(tmp_path, png):
    want = frames(1)[0]
    np.testing.assert_array_equal(iio.imread(png, plugin="pillow"), want)
    np.testing.assert_array_equal(iio.imread(png, plugin="png"), want)
    np.testing.assert_array_equal(iio.imread(png, plugin="opencv"), want)
    tif = tmp_path / "a.tif"
    iio.imwrite(tif, want, plugin="tifffile")
    np.testing.assert_array_equal(iio.imread(tif, plugin="tifffile"), want)
    npz = tmp_path / "a.npz"
    iio.imwrite(npz, want.astype(np.int32), plugin="npz")
    got = iio.imread(npz, plugin="npz")
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want)
    with iio.imopen(png, "r", plugin="pillow") as f:
        assert f.plugin == "pillowlike"
    with pytest.raises(ValueError, match="not a registered plugin"):
        iio.imread(png, plugin="nonesuch")
    with pytest.raises(OSError):  # the plugin does not read this format
        iio.imread(png, plugin="tifffile")


def test_video_through_pyav_name(tmp_path):
    path = tmp_path / "v.mp4"
    vid = np.repeat(np.repeat(frames(5, 32, 32), 2, axis=1), 2, axis=2)
    iio.imwrite(path, vid, plugin="pyav", fps=10)
    back = iio.imread(path, plugin="pyav")  # None: every frame
    assert back.shape == vid.shape and back.dtype == np.uint8
    assert np.abs(back.astype(int) - vid).mean() < 20
    meta = iio.immeta(path, plugin="pyav")
    assert meta["fps"] == pytest.approx(10.0)
    assert meta["codec"] == "h264" or isinstance(meta["codec"], str)
    assert meta["duration"] == pytest.approx(0.5, abs=0.11)
    props = iio.improps(path)
    assert props.shape == vid.shape and props.is_batch and props.n_images == 5


def test_extension_and_format_hint(tmp_path, png):
    data = png.read_bytes()
    with iio.imopen(data, "r", extension=".png") as f:
        np.testing.assert_array_equal(f.read(), frames(1)[0])
    with pytest.warns(DeprecationWarning):
        iio.imread(png, format_hint=".png")
    with pytest.warns(UserWarning):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            iio.imread(png, format_hint=".cap")
    with pytest.raises(ValueError):
        iio.imopen(png, "r", extension="PNG")
    # A name whose extension lies: the extension given decides the format.
    part = tmp_path / "test.png.part"
    iio.imwrite(part, frames(1)[0], extension=".png")
    assert part.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(iio.imread(part, extension=".png"), frames(1)[0])


def test_keyword_options(tmp_path):
    img = frames(1)[0]
    small = iio.imwrite("<bytes>", img, extension=".jpg", quality=20)
    big = iio.imwrite("<bytes>", img, extension=".jpg", quality=95)
    assert len(small) < len(big)
    with pytest.raises(TypeError, match="quality"):  # names the options it takes
        iio.imwrite("<bytes>", img, extension=".jpg", qualty=20)
    with pytest.raises(TypeError, match="unknown"):
        iio.imread(iio.imwrite("<bytes>", img, extension=".png"), plugin="pillow", as_gray=True)
    with pytest.raises(ValueError):  # a known option with a bad value
        iio.imwrite("<bytes>", img, extension=".jpg", quality="high")


def test_mode_keyword_converts(png):
    gray = iio.imread(png, mode="L")
    assert gray.shape == (24, 32) and gray.dtype == np.uint8
    rgba = iio.imread(png, mode="RGBA")
    assert rgba.shape == (24, 32, 4) and (rgba[..., 3] == 255).all()
    np.testing.assert_array_equal(rgba[..., :3], frames(1)[0])
    with pytest.raises(ValueError):
        iio.imread(png, mode="P")


# -- inputs and outputs ----------------------------------------------------


def test_inputs(png):
    want = frames(1)[0]
    for src in (str(png), png, png.read_bytes(), bytearray(png.read_bytes()), io.BytesIO(png.read_bytes())):
        np.testing.assert_array_equal(iio.imread(src), want)
    with open(png, "rb") as f:
        np.testing.assert_array_equal(iio.imread(f), want)
    with pytest.raises(OSError):
        iio.imread(12345)
    with pytest.raises(FileNotFoundError):
        iio.imread(png.parent / "missing.png")


def test_outputs(tmp_path):
    img = frames(1)[0]
    data = iio.imwrite("<bytes>", img, extension=".png")
    assert isinstance(data, bytes) and data[:4] == b"\x89PNG"
    np.testing.assert_array_equal(iio.imread(data), img)
    assert iio.imwrite(tmp_path / "a.png", img) is None
    buf = io.BytesIO()
    iio.imwrite(buf, img, extension=".png")
    assert buf.getvalue() == data
    with open(tmp_path / "b.png", "wb") as f:  # a file object's name gives the format
        iio.imwrite(f, img)
    assert (tmp_path / "b.png").read_bytes() == data
    with pytest.raises(ValueError):
        iio.imwrite("<bytes>", img)  # no format
    with pytest.raises(OSError):
        iio.imwrite("https://example.com/a.png", img)
    # dtypes numpy has and we convert: bool (0/255), float16 (float32), big-endian
    np.testing.assert_array_equal(
        iio.imread(iio.imwrite("<bytes>", np.eye(4, dtype=bool), extension=".png")),
        np.eye(4, dtype=np.uint8) * 255,
    )
    half = np.linspace(0, 1, 12, dtype=np.float16).reshape(3, 4)
    back = iio.imread(iio.imwrite("<bytes>", half, extension=".npy"))
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, half.astype(np.float32))
    be = np.arange(12, dtype=">u2").reshape(3, 4)
    np.testing.assert_array_equal(iio.imread(iio.imwrite("<bytes>", be, extension=".png")), be)
    # lists of frames are a stack; non-contiguous arrays are fine
    np.testing.assert_array_equal(
        iio.imread(iio.imwrite("<bytes>", list(frames()), extension=".gif")), frames()
    )
    view = frames(1)[0][::2, ::-1]
    np.testing.assert_array_equal(iio.imread(iio.imwrite("<bytes>", view, extension=".png")), view)


def test_http_urls(tmp_path, png):
    import http.server
    import socketserver

    data = png.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/img.png":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    with socketserver.TCPServer(("127.0.0.1", 0), Handler) as server:
        port = server.server_address[1]
        t = threading.Thread(target=server.serve_forever, daemon=True)
        t.start()
        try:
            np.testing.assert_array_equal(
                iio.imread(f"http://127.0.0.1:{port}/img.png"), frames(1)[0]
            )
            with pytest.raises(OSError):
                iio.imread(f"http://127.0.0.1:{port}/missing.png")
        finally:
            server.shutdown()


# -- properties and metadata ------------------------------------------------


def test_improps(gif, png, tmp_path):
    p = iio.improps(gif)  # GIF: None -> the stack
    assert p == iio.ImageProperties(shape=(4, 24, 32, 3), dtype=np.dtype("uint8"), n_images=4, is_batch=True)
    p = iio.improps(gif, index=0)
    assert p.shape == (24, 32, 3) and p.n_images is None and not p.is_batch
    p = iio.improps(png)
    assert p.shape == (24, 32, 3) and p.dtype == np.uint8 and p.n_images is None
    tif = tmp_path / "a.tif"
    iio.imwrite(tif, np.zeros((3, 5, 7), np.float32), is_batch=True)
    p = iio.improps(tif, index=...)
    assert (p.shape, p.dtype, p.n_images, p.is_batch) == ((3, 5, 7), np.float32, 3, True)
    assert iio.improps(png, mode="L").shape == (24, 32)
    for field in ("shape", "dtype", "n_images", "is_batch", "spacing"):
        assert hasattr(p, field)


def test_immeta_uses_imageio_keys(gif):
    m = iio.immeta(gif)
    assert m["loop"] == 0
    assert m["duration"] == 70 and isinstance(m["duration"], int)  # ms, as Pillow
    m0 = iio.immeta(gif, index=0)
    assert m0["duration"] == 70
    assert isinstance(iio.immeta(gif, index=..., exclude_applied=False), dict)


# -- imopen -------------------------------------------------------------------


def test_imopen_read_and_write(tmp_path, gif):
    with iio.imopen(gif, "r") as f:
        assert f.read(index=1).shape == (24, 32, 3)
        assert len(list(f.iter())) == 4
        assert f.properties(index=...).n_images == 4
        assert f.metadata(index=...)["loop"] == 0
    with pytest.raises(ValueError):
        f.read(index=0)  # closed
    out = tmp_path / "s.gif"
    with iio.imopen(out, "w") as w:
        for fr in frames():
            w.write(fr, duration=50)
        assert not out.exists()  # committed on close only
    np.testing.assert_array_equal(iio.imread(out), frames())
    assert iio.immeta(out)["duration"] == 50
    with iio.imopen("<bytes>", "w", extension=".png") as w:
        w.write(frames(1)[0])
    assert w.result[:4] == b"\x89PNG"
    with pytest.raises(OSError):  # no plugin writes .mp3: fails on open, as imageio's
        iio.imopen(tmp_path / "foo.mp3", "w", plugin="pillow")


def test_failed_write_leaves_no_file(tmp_path):
    out = tmp_path / "x.jpg"
    with pytest.raises(ValueError):
        iio.imwrite(out, np.zeros((4, 4, 3), np.float64))
    assert not out.exists()
    with pytest.raises(ZeroDivisionError):
        with iio.imopen(tmp_path / "y.png", "w") as w:
            w.write(frames(1)[0])
            1 / 0
    assert not (tmp_path / "y.png").exists()


# -- errors ------------------------------------------------------------------


def test_errors_map_to_imageio_exceptions(tmp_path):
    with pytest.raises(FileNotFoundError):
        iio.imread(tmp_path / "nope.png")
    with pytest.raises(OSError, match="no plugin|recognised"):
        iio.imread(b"this is not an image and will break things.")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(OSError):
        iio.imread(bad)
    p = tmp_path / "e.png"
    iio.imwrite(p, frames(1)[0])
    with pytest.raises(FileExistsError):  # the binding's overwrite=False
        imageio_rs._imageio_rs.open_write(str(p), overwrite=False)
    with pytest.raises(ValueError):  # the format cannot hold it
        iio.imwrite(tmp_path / "f.jpg", np.zeros((4, 4, 3), np.float64))


# -- zero copy and the GIL ----------------------------------------------------


def test_arrays_come_out_without_a_copy():
    img = iio.imread("imageio:testpattern")
    assert not img.flags.owndata and img.base is not None  # Rust's buffer is the base
    assert img.flags.writeable and img.flags.c_contiguous
    img[0, 0, 0] = 7  # ours to change


def test_the_gil_is_released_during_decodes(tmp_path):
    """A Python thread keeps ticking while another decodes a large JPEG: with
    the GIL held it would stall for the whole decode."""
    y, x = np.mgrid[0:3000, 0:4000]
    noise = np.random.default_rng(1).integers(0, 40, x.shape)
    big = np.stack([(x * y) % 251, (x + noise) % 256, (y * 3) % 256], -1).astype(np.uint8)
    path = tmp_path / "big.jpg"
    iio.imwrite(path, big)
    start = time.perf_counter()
    want = iio.imread(path)
    decode = time.perf_counter() - start
    assert decode > 0.02, "the decode is too quick to tell"
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(3):
            np.testing.assert_array_equal(iio.imread(path), want)
    finally:
        done.set()
        t.join()
    gaps = np.diff(ticks)
    assert len(gaps) > 10 and gaps.max() < decode / 2, (gaps.max(), decode)


def test_threads_read_in_parallel(gif):
    results = [None] * 8

    def work(i):
        results[i] = iio.imread(gif, index=i % 4)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i, r in enumerate(results):
        np.testing.assert_array_equal(r, frames()[i % 4])


def test_package_metadata():
    assert imageio_rs.__version__
    names = {p["name"] for p in imageio_rs.plugins()}
    assert {"png", "gif", "jpeg", "tiff", "npy", "pillowlike", "ffmpeg", "pdf"} <= names
    assert Path(iio.__file__).name == "v3.py"


def test_imageio_keyword_names(tmp_path, png):
    """imageio's (Pillow's, tifffile's, PyAV's) keyword names, translated."""
    img = frames(1)[0]
    ro = iio.imread(png, writeable_output=False)
    assert not ro.flags.writeable
    assert iio.imread(png, writeable_output=True).flags.writeable
    np.testing.assert_array_equal(iio.imread(png, format_hint=None, rotate=None), img)  # None: not given
    with pytest.warns(DeprecationWarning):
        gray = iio.imread(png, plugin="pillow", pilmode="I")
    assert gray.shape == (24, 32) and gray.dtype == np.int32
    with pytest.warns(DeprecationWarning):
        iio.imwrite(tmp_path / "f.gif", frames(), plugin="pillow", fps=50)
    assert iio.immeta(tmp_path / "f.gif", index=0)["duration"] == 20
    noisy = np.random.default_rng(0).integers(0, 4, (64, 64, 3), dtype=np.uint8)
    a = iio.imwrite("<bytes>", noisy, extension=".png", compress_level=0)
    b = iio.imwrite("<bytes>", noisy, extension=".png", compress_level=9)
    assert len(b) < len(a)
    tif = iio.imwrite("<bytes>", img, plugin="tifffile", compression="zlib", resolution=(300, 300))
    assert tif[:2] in (b"II", b"MM")
    np.testing.assert_array_equal(iio.imread(tif), img)
    # Pillow's mode decides the batch guess: (N, H, W) gray frames are a stack
    iio.imwrite(tmp_path / "g.gif", frames()[..., 0], plugin="pillow", mode="L")
    assert iio.improps(tmp_path / "g.gif", index=...).n_images == 4
    assert iio.immeta(png)["shape"] == (32, 24)  # Pillow's (width, height)
    # Pillow's `format=` names the format of an in-memory write (with its warning)
    with pytest.warns(UserWarning):
        by_format = iio.imwrite("<bytes>", img, plugin="pillow", format="PNG")
    assert by_format == iio.imwrite("<bytes>", img, plugin="pillow", extension=".png")
    # tifffile's metadata gives the compression tag's code
    tif = tmp_path / "z.tif"
    iio.imwrite(tif, img, plugin="tifffile", compression="zlib")
    assert iio.immeta(tif, index=0)["compression"] == 8
