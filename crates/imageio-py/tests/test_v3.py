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


def test_exif_written_and_rotated(tmp_path):
    """Pillow's Exif object as ``exif=`` (PNG and JPEG through the general
    plugin), its tags in the metadata by Pillow's names, and ``rotate``
    applying the orientation as Pillow's ``exif_transpose`` does."""
    Image = pytest.importorskip("PIL.Image")
    ImageOps = pytest.importorskip("PIL.ImageOps")
    rng = np.random.default_rng(3)
    upright = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[274] = orientation
        path = tmp_path / f"o{orientation}.png"
        # the stored pixels that display as `upright` under this orientation
        stored = {1: upright, 2: upright[:, ::-1], 3: upright[::-1, ::-1], 4: upright[::-1],
                  5: upright.transpose(1, 0, 2), 6: np.rot90(upright, 1),
                  7: np.rot90(upright, 2).transpose(1, 0, 2), 8: np.rot90(upright, -1)}[orientation]
        iio.imwrite(path, stored, plugin="pillow", exif=exif)
        with Image.open(path) as im:  # Pillow reads back what we wrote
            assert im.getexif()[274] == orientation
            np.testing.assert_array_equal(np.asarray(ImageOps.exif_transpose(im)), upright)
        with iio.imopen(path, "r", plugin="pillow") as f:
            assert f.get_meta()["Orientation"] == orientation
            assert "Orientation" not in f.metadata()  # imageio: counted as applied
        got = iio.imread(path, plugin="pillow", rotate=True)
        np.testing.assert_array_equal(got, upright)
        assert iio.improps(path, plugin="pillow", rotate=True).shape == upright.shape
        np.testing.assert_array_equal(iio.imread(path, plugin="pillow"), stored)
    # invalid orientations are reported as stored and not applied
    exif = Image.Exif()
    exif[274] = 9
    path = tmp_path / "o9.png"
    iio.imwrite(path, upright, plugin="pillow", exif=exif)
    assert iio.immeta(path, plugin="pillow", exclude_applied=False)["Orientation"] == 9
    np.testing.assert_array_equal(iio.imread(path, plugin="pillow", rotate=True), upright)
    # JPEG: raw bytes with Pillow's "Exif\0\0" prefix work too
    exif = Image.Exif()
    exif[305] = "imageio-rs test"  # Software
    jpg = iio.imwrite("<bytes>", upright, plugin="pillow", extension=".jpg", exif=exif.tobytes())
    with Image.open(io.BytesIO(jpg)) as im:
        assert im.getexif()[305] == "imageio-rs test"
    with pytest.raises(ValueError, match="PNG and JPEG"):
        iio.imwrite("<bytes>", upright, plugin="pillow", extension=".bmp", exif=exif)
    with pytest.raises(ValueError, match="TIFF header"):
        iio.imwrite("<bytes>", upright, plugin="pillow", extension=".png", exif=b"nonsense")


def test_gif_through_pillow_names(tmp_path):
    """``plugin="pillow"`` writes GIF with our GIF plugin: Pillow's
    ``palettesize``/``palletsize`` and ``bits`` bound the colours per frame;
    the metadata has Pillow's ``version``."""
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(4)
    noisy = rng.integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    for kwargs, most in [({"palettesize": 16}, 16), ({"palletsize": 100}, 100), ({"bits": 2}, 4)]:
        path = tmp_path / "q.gif"
        iio.imwrite(path, noisy, plugin="pillow", **kwargs)
        with Image.open(path) as im:  # Pillow's view of the palettes used
            for i in range(im.n_frames):
                im.seek(i)
                assert len(im.convert("RGB").getcolors(1 << 16)) <= most
        got = iio.imread(path, plugin="pillow")
        assert got.shape == noisy.shape
        for frame in got:
            assert len(np.unique(frame.reshape(-1, 3), axis=0)) <= most
    with iio.imopen(path, "r", plugin="pillow") as f:
        assert f.plugin == "gif"
        assert f.get_meta(index=0)["version"] == b"GIF89a"
    assert iio.immeta(path)["version"] == b"GIF89a"
    with pytest.raises(ValueError):
        iio.imwrite(path, noisy, plugin="pillow", bits=9)


def test_tifffile_resolution_forms(tmp_path):
    """tifffile's ``resolution=`` forms as our ``dpi``, and its metadata's
    ``resolution`` tuple and ``resolution_unit`` code; checked with tifffile."""
    tifffile = pytest.importorskip("tifffile")
    img = np.zeros((20, 10), np.uint8)
    cases = [
        ({"resolution": (100, 200)}, (100, 200)),
        ({"resolution": (0.5, 0.5)}, (0.5, 0.5)),
        ({"resolution": ((300, 1), (150, 2))}, (300, 75)),
        ({"resolution": (10, 20), "resolutionunit": "CENTIMETER"}, (25.4, 50.8)),
        ({"resolution": (10, 20, 3)}, (25.4, 50.8)),
    ]
    for kwargs, want in cases:
        path = tmp_path / "r.tif"
        iio.imwrite(path, img, plugin="tifffile", **kwargs)
        meta = iio.immeta(path, index=0, plugin="tifffile")
        assert meta["resolution"] == pytest.approx(want)
        assert isinstance(meta["resolution"], tuple)
        assert meta["resolution_unit"] == 2
        with tifffile.TiffFile(path) as t:
            page = t.pages[0]
            assert page.tags["ResolutionUnit"].value == 2
            x, y = page.tags["XResolution"].value, page.tags["YResolution"].value
            assert (x[0] / x[1], y[0] / y[1]) == pytest.approx(want)
    with pytest.raises(ValueError, match="inches"):
        iio.imwrite(tmp_path / "n.tif", img, plugin="tifffile", resolution=(1, 1),
                    resolutionunit="NONE")


def test_tifffile_selection(tmp_path):
    """The tiff plugin under tifffile's rules: ``index=None`` reads series 0
    whole (an ImageJ hyperstack here, written with imopen's ``imagej=True``
    and checked with tifffile), ``page=``/``key=`` pick a page, ``series=``
    a series, and the conflicts tifffile's plugin refuses raise
    ``ValueError``."""
    tifffile = pytest.importorskip("tifffile")
    stack = np.arange(5 * 2 * 6 * 7, dtype=np.uint16).reshape(5, 2, 6, 7)
    path = tmp_path / "hs.tif"
    with iio.imopen(path, "w", imagej=True) as f:
        f.write(stack)
    with tifffile.TiffFile(path) as t:
        assert t.is_imagej and t.series[0].shape == stack.shape
        np.testing.assert_array_equal(t.asarray(), stack)
    np.testing.assert_array_equal(iio.imread(path), stack)
    np.testing.assert_array_equal(iio.imread(path, series=0), stack)
    assert iio.improps(path).shape == stack.shape
    assert iio.immeta(path)["is_imagej"] is True
    assert iio.immeta(path)["is_ome"] is False
    pages = stack.reshape(10, 6, 7)
    np.testing.assert_array_equal(iio.imread(path, index=3), pages[3])  # ours: a page
    np.testing.assert_array_equal(iio.imread(path, page=4), pages[4])
    np.testing.assert_array_equal(iio.imread(path, index=..., key=5), pages[5])
    np.testing.assert_array_equal(iio.imread(path, index=...), pages)
    with iio.imopen(path, "r") as f:
        np.testing.assert_array_equal(f.read(page=9), pages[9])
        np.testing.assert_array_equal(f.read(), stack)
    # a plain multi-page file: index=None is what tifffile calls series 0
    plain = tmp_path / "plain.tif"
    iio.imwrite(plain, pages)
    np.testing.assert_array_equal(iio.imread(plain), tifffile.imread(plain, series=0))
    np.testing.assert_array_equal(iio.imread(plain, index=2), pages[2])
    assert iio.immeta(plain)["is_imagej"] is False
    for kwargs in [{"key": 0, "page": 0}, {"series": 0, "index": 0}, {"index": 1, "page": 0}]:
        with pytest.raises(ValueError):
            iio.imread(path, **kwargs)
    with pytest.raises(TypeError, match="page"):
        iio.imread(iio.imwrite("<bytes>", pages[0], extension=".png"), page=0)


def test_tifffile_ome_keys(tmp_path):
    """An OME-TIFF written by tifffile: series 0 read whole by default, and
    tifffile's ``is_ome`` and ``ome`` (the OME-XML) keys."""
    tifffile = pytest.importorskip("tifffile")
    data = np.arange(3 * 10 * 12, dtype=np.uint8).reshape(3, 10, 12)
    path = tmp_path / "o.ome.tif"
    tifffile.imwrite(path, data, ome=True)
    meta = iio.immeta(path)
    assert meta["is_ome"] is True and meta["is_imagej"] is False
    with tifffile.TiffFile(path) as t:
        assert meta["ome"] == t.ome_metadata.rstrip("\0")
    np.testing.assert_array_equal(iio.imread(path), data)
    np.testing.assert_array_equal(iio.imread(path, index=1), data[1])


def test_gif_palette_on_request(tmp_path):
    """GIF metadata: with ``exclude_applied=False`` Pillow's ``palette``
    (the distinct colours of frame 0's table), compared with Pillow's own;
    none by default (the palette is applied)."""
    Image = pytest.importorskip("PIL.Image")
    path = tmp_path / "p.gif"
    iio.imwrite(path, frames(), plugin="gif")
    with Image.open(path) as im:
        want = np.asarray(list(im.palette.colors))
    assert len(want) == 8  # frames() has 8 colours
    assert "palette" not in iio.immeta(path)
    meta = iio.immeta(path, exclude_applied=False)
    np.testing.assert_array_equal(meta["palette"], want)


def test_tifffile_shaped_metadata(tmp_path):
    """A file tifffile writes as one shaped series (contiguous writes):
    read whole by default, and file-level ``is_shaped`` plus the JSON of its
    description (``shape``), as imageio's tifffile plugin gives them."""
    tifffile = pytest.importorskip("tifffile")
    data = np.arange(4 * 16 * 16 * 3, dtype=np.uint8).reshape(4, 16, 16, 3)
    path = tmp_path / "c.tif"
    with tifffile.TiffWriter(path) as tw:
        for frame in data:
            tw.write(frame, contiguous=True)
    with tifffile.TiffFile(path) as t:
        assert t.is_shaped and t.shaped_metadata[0]["shape"] == [4, 16, 16, 3]
    meta = iio.immeta(path)
    assert meta["is_shaped"] is True and meta["shape"] == [4, 16, 16, 3]
    assert iio.immeta(path, index=..., page=1)["shape"] == [16, 16]  # a page's layout
    np.testing.assert_array_equal(iio.imread(path), data)


def test_tifffile_one_page_files(tmp_path):
    """One page: ``index=None`` reads the page (a planar RGB page
    interleaved, where tifffile's series is channel first)."""
    tifffile = pytest.importorskip("tifffile")
    planar = np.arange(3 * 5 * 6, dtype=np.uint8).reshape(3, 5, 6)
    path = tmp_path / "planar.tif"
    tifffile.imwrite(path, planar, photometric="rgb", planarconfig="separate")
    np.testing.assert_array_equal(tifffile.imread(path), planar)
    np.testing.assert_array_equal(iio.imread(path), planar.transpose(1, 2, 0))
    np.testing.assert_array_equal(iio.imread(path, index=0), planar.transpose(1, 2, 0))
    rgb = planar.transpose(1, 2, 0).copy()
    path = tmp_path / "rgb.tif"
    iio.imwrite(path, rgb)
    np.testing.assert_array_equal(iio.imread(path), rgb)
    np.testing.assert_array_equal(tifffile.imread(path), rgb)


def test_pyav_stream_api(tmp_path):
    """imageio's PyAV plugin calls ``init_video_stream``/``write_frame``
    map to our ffmpeg writer's options; the video is checked with PyAV."""
    av = pytest.importorskip("av")
    path = tmp_path / "v.mp4"
    rng = np.random.default_rng(5)
    frames_ = rng.integers(0, 255, (12, 64, 96, 3), dtype=np.uint8)
    with iio.imopen(path, "w", plugin="pyav") as f:
        f.init_video_stream("libx264", fps=12, max_keyframe_interval=4, force_keyframes=True)
        for frame in frames_:
            f.write_frame(frame)
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        assert stream.average_rate == 12
        keys = [i for i, fr in enumerate(c.decode(stream)) if fr.key_frame]
    assert len(keys) >= 3 and max(np.diff(keys)) <= 4
    assert iio.improps(path, plugin="pyav").shape == (12, 64, 96, 3)
    with iio.imopen(tmp_path / "w.mp4", "w", plugin="pyav") as f:
        f.write_frame(frames_[0])
        with pytest.raises(ValueError):
            f.init_video_stream("libx264")
