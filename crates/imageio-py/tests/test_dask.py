"""`imageio_rs.dask.imread` on a multi-process dask.distributed cluster.

The files are written at test time by independent encoders (Pillow for PNG and
GIF, tifffile for the TIFF stack) from known arrays; the lazy array computed on
two worker processes must equal a plain `imageio_rs.v3.imread` of every file
and the arrays the files were made from. A video of the shared corpus
(`IMAGEIO_CORPUS`, default `../shared/corpus`) is read in blocks of frames, each
block starting with a seek. Skipped when dask or distributed is not installed
(the `dask` extra), the video test when the corpus is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="dask is not installed (extra `dask`)")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")
Image = pytest.importorskip("PIL.Image", reason="Pillow writes the test files")

import imageio_rs.dask as iio_dask  # noqa: E402
import imageio_rs.v3 as iio  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of two worker processes, one thread each."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def pngs(tmp_path_factory):
    """Seven 40×56 RGB PNGs (Pillow) and the arrays they hold."""
    folder = tmp_path_factory.mktemp("pngs")
    rng = np.random.default_rng(21)
    arrays = rng.integers(0, 256, size=(7, 40, 56, 3), dtype=np.uint8)
    for i, a in enumerate(arrays):
        Image.fromarray(a).save(folder / f"img_{i:03d}.png")
    return folder, arrays


@pytest.fixture(scope="module")
def gif(tmp_path_factory):
    """A 9-frame grayscale-palette GIF (Pillow) and its frames as RGB."""
    path = tmp_path_factory.mktemp("gif") / "anim.gif"
    frames = [np.full((24, 32), 20 * i + 10, np.uint8) for i in range(9)]
    for i, f in enumerate(frames):
        f[i : i + 4, 2 * i : 2 * i + 6] = 250
    images = [Image.fromarray(f).convert("RGB") for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=50, loop=0,
                   optimize=False, disposal=1)
    return path, np.stack([np.asarray(i) for i in images])


def test_glob_of_pngs_one_chunk_per_file(client, pngs, monkeypatch):
    folder, arrays = pngs
    # Building the array must not decode: only improps may run here.
    def no_decode(*args, **kwargs):
        raise AssertionError("imread decoded while building the graph")

    with monkeypatch.context() as m:
        m.setattr(iio, "imread", no_decode)
        m.setattr(iio, "imopen", no_decode)
        lazy = iio_dask.imread(str(folder / "img_*.png"))
    assert lazy.shape == (7, 40, 56, 3)
    assert lazy.dtype == np.uint8
    assert lazy.numblocks == (7, 1, 1, 1)

    computed = client.compute(lazy).result()
    plain = np.stack([iio.imread(p) for p in sorted(folder.glob("img_*.png"))])
    assert computed.dtype == np.uint8
    np.testing.assert_array_equal(computed, plain)
    np.testing.assert_array_equal(computed, arrays)

    # A reduction runs on the workers and only its result comes back.
    mean = client.compute(lazy.mean(axis=(1, 2))).result()
    np.testing.assert_allclose(mean, arrays.mean(axis=(1, 2)))


def test_list_of_paths_keeps_order(client, pngs):
    folder, arrays = pngs
    order = [4, 0, 6]
    lazy = iio_dask.imread([folder / f"img_{i:03d}.png" for i in order])
    assert lazy.shape == (3, 40, 56, 3)
    np.testing.assert_array_equal(client.compute(lazy).result(), arrays[order])


def test_gif_frames_in_blocks(client, gif):
    path, frames = gif
    lazy = iio_dask.imread(path, frames_per_chunk=4)
    assert lazy.shape == frames.shape
    assert lazy.chunks[0] == (4, 4, 1)
    computed = client.compute(lazy).result()
    np.testing.assert_array_equal(computed, iio.imread(path))
    np.testing.assert_array_equal(computed, frames)
    # A slice computes only the blocks it touches.
    np.testing.assert_array_equal(client.compute(lazy[5:7]).result(), frames[5:7])


def test_tiff_stacks_in_blocks(client, tmp_path):
    tifffile = pytest.importorskip("tifffile", reason="tifffile writes the TIFF stacks")
    rng = np.random.default_rng(6)
    stacks = rng.integers(0, 2**16, size=(3, 10, 16, 20), dtype=np.uint16)
    for i, s in enumerate(stacks):
        with tifffile.TiffWriter(tmp_path / f"stack_{i}.tif") as tw:
            for page in s:  # ten separate pages, not one shaped series
                tw.write(page, contiguous=False)
    lazy = iio_dask.imread(str(tmp_path / "stack_*.tif"), index=..., frames_per_chunk=3)
    assert lazy.shape == (3, 10, 16, 20)
    assert lazy.dtype == np.uint16
    assert lazy.chunks[:2] == ((1, 1, 1), (3, 3, 3, 1))
    computed = client.compute(lazy).result()
    plain = np.stack([iio.imread(tmp_path / f"stack_{i}.tif", index=...) for i in range(3)])
    np.testing.assert_array_equal(computed, plain)
    np.testing.assert_array_equal(computed, stacks)


def test_mismatched_files_are_refused(pngs, tmp_path):
    folder, arrays = pngs
    other = tmp_path / "other.png"
    Image.fromarray(arrays[0][:20]).save(other)
    with pytest.raises(ValueError, match="same shape and dtype"):
        iio_dask.imread([folder / "img_000.png", other])


def test_no_match_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        iio_dask.imread(str(tmp_path / "*.png"))


def test_video_in_blocks_of_frames(client):
    root = Path(__file__).resolve().parents[3]
    corpus = Path(os.environ.get("IMAGEIO_CORPUS", root.parent / "shared" / "corpus"))
    path = corpus / "video" / "mediainfo_sample.mp4"  # H.264, 119 frames of 360x640
    if not path.exists():
        pytest.skip(f"no shared corpus video at {path} (set IMAGEIO_CORPUS)")
    lazy = iio_dask.imread(path, frames_per_chunk=32)
    assert lazy.shape == (119, 360, 640, 3)
    assert lazy.chunks[0] == (32, 32, 32, 23)
    # Blocks 2 and 3 start with a seek on their worker; all must equal one plain read.
    computed = client.compute(lazy).result()
    np.testing.assert_array_equal(computed, iio.imread(path))
