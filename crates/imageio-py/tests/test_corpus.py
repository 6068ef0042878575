"""The shared corpus through the Python binding, checked as the Rust
conformance suite (tests/tests/conformance.rs) checks it through the facade.

* ``ok`` rows: ``imread(path, index=0)`` has the expected dtype and shape and
  is within ``tol`` of ``refs/<path>.npy``; a multi-image file reports its
  ``n_images`` through ``improps(index=...)`` and its last image matches
  ``refs/<path>.last.npy``.
* ``error`` rows raise one of the exceptions the binding maps errors to (an
  internal error, ``RuntimeError``, is a bug: a backend panicked).
* ``any`` rows decode or raise cleanly.

The same reconciliation rules as the Rust suite (``REFS.md``): for RGBA refs of
animated formats the colour of alpha 0 pixels is ignored; gray animations are
compared with RGB refs by replicating gray (``gray_as_rgb``); RGB against
RGBA by the canvas rule (``compare_canvas``). Files listed in
``tests/known-failures.tsv`` are expected to fail (strictly: a listed file
that passes fails, so the list only shrinks).
"""

import numpy as np
import pytest

import imageio_rs.v3 as iio
from conftest import REPO, corpus_dir

CLEAN_ERRORS = (OSError, ValueError, TypeError, IndexError)


def _rows():
    root, why = corpus_dir()
    if why:
        return []
    rows = []
    lines = (root / "expected.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        f = (line.split("\t") + [""] * 8)[:8]
        shape = None
        if f[3] == "scalar":
            shape = ()
        elif f[3]:
            shape = tuple(int(d) for d in f[3].split("x"))
        tol = f[5] or "0"
        rows.append(
            {
                "path": f[0],
                "expect": f[1],
                "dtype": f[2] or None,
                "shape": shape,
                "n_images": int(f[4]) if f[4] else None,
                "tol": ("rel", float(tol[3:])) if tol.startswith("rel") else ("abs", float(tol)),
            }
        )
    return rows


def _known_failures():
    path = REPO / "tests" / "known-failures.tsv"
    known = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                p, _, reason = line.partition("\t")
                known[p.strip()] = reason.strip()
    return known


ROWS = _rows()
KNOWN = _known_failures()


def _params():
    if not ROWS:
        return [pytest.param(None, id="corpus-absent")]
    out = []
    for row in ROWS:
        marks = []
        if row["path"] in KNOWN:
            marks.append(pytest.mark.xfail(reason=KNOWN[row["path"]], strict=True))
        out.append(pytest.param(row, id=row["path"], marks=marks))
    return out


def alpha_rule(row):
    """RGBA refs of animated formats: colour of alpha 0 pixels not significant."""
    return row["path"].split("/")[0] in ("gif", "apng", "webp")


def load_ref(root, path, suffix=""):
    base = root / "refs" / f"{path}{suffix}"
    npy = base.with_name(base.name + ".npy")
    npz = base.with_name(base.name + ".npz")
    if npy.is_file():
        return np.load(npy, allow_pickle=False)
    if npz.is_file():
        with np.load(npz, allow_pickle=False) as z:
            return z["arr_0"]
    return None


def gray_as_rgb(row, img, want_shape):
    """A gray (H, W) or gray+alpha (H, W, 2) u8 animation frame as RGB/RGBA
    when the ref is colour (the refs expand gray animations; we do not)."""
    if want_shape is None or img.dtype != np.uint8 or not alpha_rule(row):
        return img
    if len(want_shape) < 3 or want_shape[-1] not in (3, 4):
        return img
    if img.ndim == 2 and len(want_shape) == img.ndim + 1:
        return np.repeat(img[..., None], 3, axis=-1)
    if img.ndim >= 3 and img.shape[-1] == 2 and len(want_shape) == img.ndim:
        g, a = img[..., 0], img[..., 1]
        return np.stack([g, g, g, a], axis=-1)
    return img


def canvas_rule_differs(rule, got, want):
    """RGB against RGBA (or back) for an animated format."""
    n = len(got)
    return (
        rule
        and n == len(want)
        and n >= 3
        and tuple(got[:-1]) == tuple(want[:-1])
        and (got[-1], want[-1]) in ((3, 4), (4, 3))
    )


def compare(got, want, tol, rule):
    """None when ``got`` is within ``tol`` of ``want``, else what differs."""
    if got.shape != want.shape:
        return f"shape {got.shape} but the ref is {want.shape}"
    with np.errstate(invalid="ignore"):
        g = got.astype(np.float64)
        w = want.astype(np.float64)
        same = (g == w) | (np.isnan(g) & np.isnan(w))
        d = np.where(same, 0.0, np.abs(g - w))
    d = np.nan_to_num(d, nan=np.inf, posinf=np.inf)
    kind, t = tol
    limit = t if kind == "abs" else t * np.abs(w)
    bad = d > limit
    if rule and want.dtype == np.uint8 and want.ndim >= 3 and want.shape[-1] == 4:
        clear = want[..., 3] == 0
        bad[..., :3] &= ~clear[..., None]
    if not bad.any():
        return None if got.dtype == want.dtype else f"dtype {got.dtype} but the ref is {want.dtype}"
    first = np.unravel_index(np.argmax(bad), bad.shape)
    return (
        f"{int(bad.sum())} of {bad.size} values beyond {kind} {t}; max diff {d[bad].max()}; "
        f"first at {first} (got {got[first]}, ref {want[first]})"
    )


def compare_canvas(got, want, tol, rule):
    """``compare`` across the two canvas rules (see the Rust suite)."""
    if not (
        got.dtype == np.uint8
        and want.dtype == np.uint8
        and canvas_rule_differs(rule, got.shape, want.shape)
    ):
        return compare(got, want, tol, rule)
    if got.shape[-1] == 3:  # read RGB, ref RGBA: the ref must be opaque
        if (want[..., 3] != 255).any():
            return "read as RGB, but the ref has transparent pixels"
        return compare(got, want[..., :3], tol, False)
    # read RGBA, ref RGB: a pixel the ref painted must not read transparent
    painted = (want != 0).any(axis=-1)
    if (painted & (got[..., 3] == 0)).any():
        return "a pixel the ref painted reads transparent"
    ref = np.concatenate([want, got[..., 3:4]], axis=-1)
    return compare(got, ref, tol, True)


@pytest.mark.parametrize("row", _params())
def test_corpus_file(row, corpus):
    path = corpus / row["path"]
    if row["expect"] == "error":
        with pytest.raises(CLEAN_ERRORS):
            iio.imread(path, index=0)
        return
    if row["expect"] == "any":
        try:
            iio.imread(path, index=0)
        except CLEAN_ERRORS:
            pass
        return
    img = iio.imread(path, index=0)
    img = gray_as_rgb(row, img, row["shape"])
    problems = []
    if row["dtype"] and img.dtype.name != row["dtype"]:
        problems.append(f"dtype: got {img.dtype.name}, want {row['dtype']}")
    shape_ok = True
    if row["shape"] is not None and img.shape != row["shape"]:
        if not canvas_rule_differs(alpha_rule(row), img.shape, row["shape"]):
            shape_ok = False
            problems.append(f"shape: got {img.shape}, want {row['shape']}")
    if shape_ok:
        ref = load_ref(corpus, row["path"])
        if ref is not None:
            d = compare_canvas(img, ref, row["tol"], alpha_rule(row))
            if d:
                problems.append(f"index 0: {d}")
    del img
    n = row["n_images"]
    if n is not None and n > 1:
        props = iio.improps(path, index=...)
        if props.n_images != n or not props.is_batch:
            problems.append(f"n_images: got {props.n_images}, want {n}")
        last_ref = load_ref(corpus, row["path"], ".last")
        if last_ref is not None:
            last = gray_as_rgb(row, iio.imread(path, index=n - 1), last_ref.shape)
            d = compare_canvas(last, last_ref, row["tol"], alpha_rule(row))
            if d:
                problems.append(f"index {n - 1} (last): {d}")
    assert not problems, "; ".join(problems)


def test_corpus_bytes_and_file_objects_read_alike(corpus):
    """One file per folder read from bytes and from a file object equals the
    read from its path."""
    seen = set()
    for row in ROWS:
        folder = row["path"].split("/")[0]
        if row["expect"] != "ok" or folder in seen or row["path"] in KNOWN:
            continue
        seen.add(folder)
        path = corpus / row["path"]
        want = iio.imread(path, index=0)
        data = path.read_bytes()
        ext = path.suffix
        np.testing.assert_array_equal(iio.imread(data, index=0, extension=ext), want)
        with open(path, "rb") as f:
            np.testing.assert_array_equal(iio.imread(f, index=0), want)
    assert len(seen) >= 10, seen


def test_imageio_standard_image_names(corpus, tmp_path, monkeypatch):
    """``imageio:chelsea.png`` (imageio's standard image, downloaded on first
    use) read from a cache directory holding the corpus's copy: offline."""
    import shutil

    shutil.copy(corpus / "png" / "chelsea.png", tmp_path / "chelsea.png")
    monkeypatch.setenv("IMAGEIO_STANDARD_IMAGES_DIR", str(tmp_path))
    img = iio.imread("imageio:chelsea.png")
    np.testing.assert_array_equal(img, load_ref(corpus, "png/chelsea.png"))
    assert iio.improps("imageio:chelsea.png").shape == (300, 451, 3)
