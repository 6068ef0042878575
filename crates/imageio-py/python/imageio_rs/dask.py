"""Lazy reads of many images, stacks and videos as one `dask.array`.

    import imageio_rs.dask
    stack = imageio_rs.dask.imread("scans/*.png")        # (n_files, H, W, 3), lazy
    stack.mean(axis=0).compute()                          # decoded on the workers

`imread` learns every file's shape and dtype from `imageio_rs.v3.improps`
(headers only, nothing is decoded) and builds a graph with one chunk per file,
or, for a file that holds a batch (GIF and APNG frames, video frames, TIFF
pages read with `index=...`), one chunk per block of frames. The chunks are
decoded where dask runs them: threads, processes, or the workers of a
`dask.distributed` cluster (`Client("tcp://scheduler:8786")`). Each task
carries only its own path and frame range, and the functions it calls live in
this module, so any worker with `imageio_rs` installed can run it.

dask is an optional dependency: `pip install "imageio-rs[dask]"`.
"""

from __future__ import annotations

import glob as _glob
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Sequence

import numpy as np

from . import v3

__all__ = ["imread"]

#: Chunks of a batch aim at this many bytes when `frames_per_chunk` is not given.
DEFAULT_CHUNK_BYTES = 64 * 2**20

_GLOB_CHARS = ("*", "?", "[")


def _paths(paths_or_glob: str | os.PathLike | Sequence[str | os.PathLike]) -> tuple[list, bool]:
    """The files to read, and whether they get a leading file axis.

    A single path (no glob characters) is read as itself; a glob pattern or a
    sequence of paths always gives a leading axis, one entry per file, even
    when it names a single file.
    """
    if isinstance(paths_or_glob, (str, os.PathLike)):
        text = os.fspath(paths_or_glob)
        if isinstance(text, str) and "://" not in text and any(c in text for c in _GLOB_CHARS):
            found = sorted(_glob.glob(text))
            if not found:
                raise FileNotFoundError(f"no file matches {text!r}")
            return found, True
        return [text], False
    paths = [os.fspath(p) for p in paths_or_glob]
    if not paths:
        raise ValueError("imread: no paths given")
    return paths, True


def _probe(path: str, index: Any, open_kw: dict, read_kw: dict) -> tuple[tuple, np.dtype, bool]:
    """Shape, dtype and whether the read is a batch, from the headers alone."""
    props = v3.improps(path, index=index, **open_kw, **read_kw)
    return tuple(int(n) for n in props.shape), np.dtype(props.dtype), bool(props.is_batch)


def _read_whole(path: str, index: Any, open_kw: dict, read_kw: dict, shape: tuple,
                dtype: str, add_axis: bool) -> np.ndarray:
    """One chunk that is a whole file read (`v3.imread(path, index=index)`)."""
    arr = np.asarray(v3.imread(path, index=index, **open_kw, **read_kw))
    return _checked(arr, path, shape, dtype, add_axis)


def _read_frames(path: str, start: int, stop: int, open_kw: dict, read_kw: dict, shape: tuple,
                 dtype: str, add_axis: bool) -> np.ndarray:
    """One chunk that is frames `start..stop` of a batch, read in order from one open file."""
    out = np.empty(shape, dtype=dtype)
    with v3.imopen(path, "r", **open_kw) as f:
        for k, i in enumerate(range(start, stop)):
            frame = np.asarray(f.read(index=i, **read_kw))
            if frame.shape != shape[1:] or frame.dtype != out.dtype:
                raise ValueError(
                    f"{path}: frame {i} is {frame.dtype} {frame.shape}, but its properties said "
                    f"{out.dtype} {shape[1:]}"
                )
            out[k] = frame
    return out[np.newaxis] if add_axis else out


def _checked(arr: np.ndarray, path: str, shape: tuple, dtype: str, add_axis: bool) -> np.ndarray:
    if arr.shape != shape or arr.dtype != np.dtype(dtype):
        raise ValueError(
            f"{path}: read {arr.dtype} {arr.shape}, but its properties said {dtype} {shape}; "
            "pass the same keywords that change the shape (such as mode) to both"
        )
    return arr[np.newaxis] if add_axis else arr


def _blocks(n: int, per: int) -> list[tuple[int, int]]:
    return [(a, min(a + per, n)) for a in range(0, n, per)]


def imread(
    paths_or_glob: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    index: Any = None,
    plugin: str | None = None,
    extension: str | None = None,
    frames_per_chunk: int | None = None,
    check_all: bool = True,
    probe_threads: int = 8,
    **kwargs: Any,
):
    """A lazy `dask.array.Array` of the images at `paths_or_glob`.

    Parameters
    ----------
    paths_or_glob:
        A path or URL (the array is that file's `imread`), a glob pattern such as
        `"frames/*.png"` (sorted; a leading axis indexes the files), or a sequence of
        paths (a leading axis in the given order).
    index:
        As `imageio_rs.v3.imread`'s: `None` (the plugin decides: every frame of a GIF,
        APNG or video, the first image otherwise), an int, or `...` (every image,
        stacked, e.g. every TIFF page).
    plugin, extension, **kwargs:
        Passed to `improps` and to each read, as to `imageio_rs.v3.imread`.
    frames_per_chunk:
        Frames per chunk of a file that holds a batch; default: about 64 MiB per
        chunk. A file that is not a batch is always one chunk.
    check_all:
        Read every file's properties (in `probe_threads` threads) and require them to
        agree; with `False` only the first file's are read and the others are assumed
        equal (checked when each chunk is decoded).

    Every file must have the same shape and dtype. Nothing is decoded here: shapes and
    dtypes come from the files' headers through `improps`.
    """
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    paths, add_axis = _paths(paths_or_glob)
    open_kw = {k: v for k, v in (("plugin", plugin), ("extension", extension)) if v is not None}
    read_kw = dict(kwargs)

    probe_list = paths if check_all else paths[:1]
    if len(probe_list) > 1:
        with ThreadPoolExecutor(max_workers=max(1, probe_threads)) as pool:
            probes = list(pool.map(lambda p: _probe(p, index, open_kw, read_kw), probe_list))
    else:
        probes = [_probe(probe_list[0], index, open_kw, read_kw)]
    shape, dtype, is_batch = probes[0]
    for path, (s, d, _) in zip(probe_list[1:], probes[1:]):
        if (s, d) != (shape, dtype):
            raise ValueError(
                f"{path} is {d} {s}, but {paths[0]} is {dtype} {shape}: every file of a "
                "dask array must have the same shape and dtype"
            )

    if is_batch and len(shape) >= 1 and shape[0] > 0:
        n = shape[0]
        if frames_per_chunk is None:
            frame_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize)
            frames_per_chunk = max(1, DEFAULT_CHUNK_BYTES // frame_bytes)
        if frames_per_chunk < 1:
            raise ValueError(f"frames_per_chunk must be at least 1, got {frames_per_chunk}")
        blocks = _blocks(n, int(frames_per_chunk))
    else:
        blocks = None

    name = "imageio_rs-imread-" + tokenize(paths, index, open_kw, read_kw, frames_per_chunk)
    rest = (0,) * (len(shape) - 1) if blocks is not None else (0,) * len(shape)
    dsk = {}
    for i, path in enumerate(paths):
        lead = (i,) if add_axis else ()
        if blocks is None:
            dsk[(name, *lead, *rest)] = (
                _read_whole, path, index, open_kw, read_kw, shape, dtype.str, add_axis
            )
        else:
            for b, (start, stop) in enumerate(blocks):
                dsk[(name, *lead, b, *rest)] = (
                    _read_frames, path, start, stop, open_kw, read_kw,
                    (stop - start, *shape[1:]), dtype.str, add_axis,
                )

    if blocks is None:
        chunks = tuple((n,) for n in shape)
    else:
        chunks = (tuple(stop - start for start, stop in blocks),) + tuple((n,) for n in shape[1:])
    if add_axis:
        chunks = ((1,) * len(paths),) + chunks
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=())
    return da.Array(graph, name, chunks, dtype=dtype, meta=np.empty((0,) * len(chunks), dtype))
