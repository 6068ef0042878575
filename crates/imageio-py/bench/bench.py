"""Read speed from Python: `imageio_rs.v3.imread` beside the libraries Python users have.

    python crates/imageio-py/bench/bench.py [--set target/bench-set] [--rounds 3]
        [--update-md BENCHMARKS.md] [--json OUT.json]

Every reader runs in this one process, on the files of `cargo xtask bench`'s
comparison set (`target/bench-set/`, made by `cargo xtask bench --compare`; the
rows below follow `xtask/src/bench/set.rs`). The peers are called as in
`xtask/src/bench/peers.py`: `np.asarray(Image.open(p))`, `cv2.imread(p,
IMREAD_UNCHANGED)` with `cv2.setNumThreads(1)`, `tifffile.imread`,
`imageio.v3.imread`, `np.load`, and every frame for the GIF, stack and video
rows (`cv2.imreadmulti`, `cv2.VideoCapture`, PyAV's `to_ndarray("rgb24")`).

Method: one warm-up read per reader (which also gives the shape and dtype it
returns), then `--rounds` rounds; in each round every reader does N reads in
turn (N chosen from the warm-up so that a round takes about 0.25 s per reader,
between 3 and 40), so all readers share the machine's load. Times are medians
over all timed reads. A peer whose array differs from ours in shape or dtype is
shown but not compared (OpenCV's BGR order is its normal read and is compared).
Pixels are compared too (OpenCV's channels reversed first): a peer whose values
differ from ours (JPEG decoders' rounding, video colour conversion) says by
how much.
The ratio is ours / the fastest comparable peer: below 1 we are faster.

`--update-md FILE` rewrites the text between `<!-- python bench: begin -->` and
`<!-- python bench: end -->` in FILE with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BEGIN, END = "<!-- python bench: begin -->", "<!-- python bench: end -->"

# (file, kind, our imread keywords, what it is); kinds as in xtask/src/bench/set.rs.
SET = [
    ("photo_4k.png", "image", {}, "3840×2160 RGB u8 PNG"),
    ("photo_4k_baseline.jpg", "image", {}, "3840×2160 RGB JPEG baseline q90"),
    ("photo_4k_progressive.jpg", "image", {}, "3840×2160 RGB JPEG progressive q90"),
    ("photo_4k.bmp", "image", {}, "3840×2160 RGB u8 BMP"),
    ("photo_4k_lossless.webp", "image", {}, "3840×2160 RGB lossless WebP"),
    ("photo16_1080p.png", "image", {}, "1920×1080 RGB u16 PNG"),
    ("photo_4k_raw.tif", "tiff", {}, "3840×2160 RGB u8 TIFF raw"),
    ("photo_4k_lzw.tif", "tiff", {}, "3840×2160 RGB u8 TIFF LZW"),
    ("photo_4k_deflate_pred.tif", "tiff", {}, "3840×2160 RGB u8 TIFF Deflate+pred."),
    ("float_2k.tif", "tiff", {}, "2048×2048 gray f32 TIFF"),
    ("stack_64x512x512_u16.tif", "tiffstack", {"index": ...}, "64×512×512 u16 TIFF, all pages"),
    ("photo_4k.npy", "npy", {}, "3840×2160×3 u8 NPY"),
    ("anim_60f.gif", "gif", {"index": ...}, "60-frame 480×270 GIF, all frames"),
    ("anim_60f.apng", "image", {"index": 0}, "60-frame 480×270 APNG, frame 0"),
    ("clip_1080p_h264.mp4", "video", {"index": ...}, "1080p H.264, 60 frames to RGB"),
    ("clip_720p_vp9.webm", "video", {"index": ...}, "720p VP9, 60 frames to RGB"),
]


def peers(kind: str):
    """(name, read function) of every installed peer for a kind of file: the
    calls of `cargo xtask bench --compare` (xtask/src/bench/peers.py), so that
    both benchmarks time the same code."""
    import importlib
    import importlib.util

    sys.path.insert(0, str(ROOT / "xtask" / "src" / "bench"))
    import peers as shared  # noqa: E402 (xtask's timing server, as a module)

    def optional(module):
        try:
            return importlib.import_module(module)
        except ImportError:
            return None

    # peers.py's server imports these itself; as a module it needs them set.
    shared.cv2 = optional("cv2")
    shared.tifffile = optional("tifffile")
    shared.iio = optional("imageio.v3")
    if shared.cv2 is not None:
        shared.cv2.setNumThreads(1)
    missing = {
        "opencv": shared.cv2 is None,
        "tifffile": shared.tifffile is None,
        "imageio": shared.iio is None,
        "pillow": importlib.util.find_spec("PIL") is None,
        "pyav": importlib.util.find_spec("av") is None,
    }
    return [(name, fn) for name, fn in shared.peers(kind) if not missing.get(name)]


def time_row(path: str, readers, rounds: int):
    """Warm up every reader, then `rounds` interleaved rounds; per reader its result."""
    import numpy as np

    res, ref = {}, None
    for name, fn in readers:
        try:
            t = time.perf_counter()
            a = fn(path)
            first = time.perf_counter() - t
            res[name] = {"shape": tuple(a.shape), "dtype": str(a.dtype), "times": [],
                         "n": max(3, min(40, int(0.25 / max(first, 1e-4))))}
            if ref is None:
                ref = a  # ours comes first: the array the peers' are compared with
            elif a.shape == ref.shape and a.dtype == ref.dtype:
                if name == "opencv" and a.ndim >= 3 and a.shape[-1] in (3, 4):
                    a = a[..., [2, 1, 0, 3][: a.shape[-1]]]  # BGR(A) -> RGB(A)
                diff = np.abs(a.astype(np.float64) - ref.astype(np.float64)).max()
                res[name]["max_diff"] = float(diff)
            del a
        except Exception as e:  # a peer that cannot read the file is reported, not fatal
            res[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"}
    for _ in range(rounds):
        for name, fn in readers:
            r = res[name]
            if "error" in r:
                continue
            for _ in range(r["n"]):
                t = time.perf_counter()
                a = fn(path)
                r["times"].append(time.perf_counter() - t)
                del a
    for r in res.values():
        if "times" in r:
            r["median_ms"] = statistics.median(r["times"]) * 1e3
    return res


def fmt_ms(ms: float) -> str:
    return f"{ms:.3g} ms" if ms < 100 else f"{ms:.0f} ms"


def versions() -> str:
    """The versions of every library in the comparison."""
    import numpy

    parts = [f"Python {platform.python_version()}", f"numpy {numpy.__version__}"]
    for mod, label in (("PIL", "Pillow"), ("cv2", "OpenCV"), ("tifffile", "tifffile"),
                       ("av", "PyAV"), ("imageio", "imageio"), ("imageio_rs", "imageio_rs")):
        try:
            m = __import__(mod)
            parts.append(f"{label} {getattr(m, '__version__', '?')}")
        except ImportError:
            parts.append(f"{label} not installed")
    return ", ".join(parts)


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{model}, {cores} cores available, load average at start {load}"


def main(argv=None) -> int:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # no TIFF tag warnings in the table
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=ROOT / "target" / "bench-set")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", nargs="*", help="file names of the set to time (default: all)")
    ap.add_argument("--update-md", type=Path, help="rewrite the marked section of this file")
    ap.add_argument("--json", type=Path, help="write every time to this file")
    args = ap.parse_args(argv)

    import imageio_rs.v3 as rs

    if not args.set.is_dir():
        print(f"bench: no comparison set at {args.set}: run `cargo xtask bench --compare` once")
        return 0
    header = (f"- Machine: {machine()}\n- Libraries: {versions()}\n"
              f"- Method: {args.rounds} rounds, interleaved readers, N reads per reader per "
              "round (0.25 s, 3..40), medians")
    print(header, flush=True)
    lines = ["| file | imageio_rs | peers (median) | fastest peer | ratio |",
             "|---|---|---|---|---|"]
    ratios, everything = [], {}
    for file, kind, kw, what in SET:
        if args.only and file not in args.only:
            continue
        path = args.set / file
        if not path.exists():
            print(f"bench: {file}: not in the set, skipped")
            continue
        readers = [("imageio_rs", lambda p, kw=kw: rs.imread(p, **kw))] + peers(kind)
        res = time_row(str(path), readers, args.rounds)
        everything[file] = res
        ours = res["imageio_rs"]
        if "error" in ours:
            lines.append(f"| `{file}` {what} | error: {ours['error']} | | | |")
            print(lines[-1], flush=True)
            continue
        cells, best = [], None
        for name, r in res.items():
            if name == "imageio_rs":
                continue
            if "error" in r:
                cells.append(f"{name}: error ({r['error']})")
            elif (r["shape"], r["dtype"]) != (ours["shape"], ours["dtype"]):
                cells.append(f"{name}: n/a (returns {r['dtype']} {list(r['shape'])})")
            else:
                diff = r.get("max_diff", 0.0)
                note = f" (pixels differ by up to {diff:g})" if diff else ""
                cells.append(f"{name}: {fmt_ms(r['median_ms'])}{note}")
                if best is None or r["median_ms"] < best[1]:
                    best = (name, r["median_ms"])
        if best:
            ratio = ours["median_ms"] / best[1]
            ratios.append(ratio)
            best_cell, ratio_cell = f"{best[0]} {fmt_ms(best[1])}", f"**{ratio:.2f}**"
        else:
            best_cell, ratio_cell = "none comparable", "-"
        lines.append(f"| `{file}` {what}, {ours['dtype']} {list(ours['shape'])} | "
                     f"{fmt_ms(ours['median_ms'])} | {'; '.join(cells)} | {best_cell} | "
                     f"{ratio_cell} |")
        print(lines[-1], flush=True)
    if ratios:
        gm = statistics.geometric_mean(ratios)
        wins = sum(r < 1 for r in ratios)
        lines.append("")
        lines.append(f"Geometric mean of the ratios over {len(ratios)} files: **{gm:.2f}**; "
                     f"faster than the fastest peer on {wins} of {len(ratios)}.")
        print(lines[-1])
    table = header + "\n\n" + "\n".join(lines) + "\n"
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1, default=str))
    if args.update_md:
        text = args.update_md.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            print(f"bench: {args.update_md} has no {BEGIN} ... {END} markers", file=sys.stderr)
            return 1
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        args.update_md.write_text(head + BEGIN + "\n" + table + END + tail, encoding="utf-8")
        print(f"bench: updated {args.update_md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
