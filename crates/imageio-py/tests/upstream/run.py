"""Run imageio's own v3 tests twice: against imageio, then against imageio_rs.

    python crates/imageio-py/tests/upstream/run.py --venv target/pyenv

Steps (all outputs under `--work`, default `target/upstream`; nothing is
written to the source tree unless `--update-counts` is given):

1. Takes imageio's test files from its source distribution on PyPI, fetched
   with the venv's pip (`pip download --no-deps --no-binary :all:`) at the
   version installed in the venv (default `IMAGEIO_VERSION` when it installs
   the reference packages itself). The sdist is kept in `--work`, never
   checked in.
2. Builds the offline `.test_images/` folder with `fixtures.py` from the shared
   corpus and the standard-images folder beside it.
3. Runs `tests/test_pillow.py`, `tests/test_tifffile_v3.py`,
   `tests/test_pyav.py` and the tests of `tests/test_core.py` that call
   `iio.v3` with `-m "not needs_internet"`: once as they are, once with the
   `swap_imageio_rs` plugin that makes `imageio.v3` our module.
4. Compares. A test that passes with imageio but not with us must be listed
   in `expected-failures.tsv` with its reason; a listed test that now passes
   must be removed (the list only shrinks; a reason that says "nondeterministic"
   excuses a pass, for a bug that shows only sometimes). Either mismatch fails
   the run.
   The per-file counts are printed and compared with `counts.tsv`
   (rewritten by `--update-counts`).

Exit status: 0 when the outcomes match the lists, or when the run is skipped
(no corpus, PyPI unreachable: a message says which); 1 on a mismatch; 2 on a
setup error (no venv, imageio_rs not importable).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]

#: The imageio release whose tests are run when the venv has no imageio yet.
IMAGEIO_VERSION = "2.38.2"
#: The reference packages the tests import besides imageio.
REFERENCE_PACKAGES = ["pillow", "tifffile", "av", "pytest", "numpy"]
#: Whole test files taken from the sdist.
WHOLE_FILES = ["test_pillow.py", "test_tifffile_v3.py", "test_pyav.py"]
#: The file of which only the v3 tests are taken.
CORE_FILE = "test_core.py"
#: Time allowed for one pytest run.
RUN_TIMEOUT_S = 600

EXPECTED = HERE / "expected-failures.tsv"
COUNTS = HERE / "counts.tsv"


class Skip(Exception):
    """The run cannot happen in this environment; not a failure."""


def venv_python(venv: Path) -> Path:
    """The interpreter of a virtual environment."""
    for cand in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if cand.exists():
            return cand
    raise SystemExit(f"upstream: no Python in venv {venv} (create it, or pass --venv)")


def probe(py: Path, code: str) -> str | None:
    """Run `code` in the venv; its stdout, or None when it fails."""
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def ensure_references(py: Path) -> str:
    """Install imageio and the reference packages if missing; return imageio's version."""
    code = "import imageio, PIL, tifffile, av, pytest, numpy; print(imageio.__version__)"
    version = probe(py, code)
    if version is not None:
        return version
    print(f"upstream: installing imageio=={IMAGEIO_VERSION} and {' '.join(REFERENCE_PACKAGES)}")
    r = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", f"imageio=={IMAGEIO_VERSION}", *REFERENCE_PACKAGES]
    )
    if r.returncode != 0:
        raise Skip("could not install imageio and the reference packages (is PyPI reachable?)")
    version = probe(py, code)
    if version is None:
        raise SystemExit("upstream: the reference packages installed but do not import")
    return version


def fetch_sdist(py: Path, version: str, work: Path) -> Path:
    """imageio's sdist of `version` in `work`, downloaded once."""
    for name in (f"imageio-{version}.tar.gz", f"ImageIO-{version}.tar.gz"):
        if (work / name).exists():
            return work / name
    r = subprocess.run(
        [str(py), "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         f"imageio=={version}", "-d", str(work)],
    )
    found = sorted(work.glob(f"[iI]mage[iI][oO]-{version}.tar.gz"))
    if r.returncode != 0 or not found:
        raise Skip(f"could not download imageio {version}'s sdist (is PyPI reachable?)")
    return found[0]


def v3_tests_of(source: str) -> list[str]:
    """The top-level test functions of test_core.py that call imageio.v3."""
    tree = ast.parse(source)
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            body = ast.get_source_segment(source, node) or ""
            if "iio.v3." in body or "imageio.v3." in body:
                names.append(node.name)
    return names


def prepare(sdist: Path, run_dir: Path, corpus: Path, standard: Path, py: Path) -> list[str]:
    """Fresh `run_dir/tests` and `run_dir/.test_images`; return the pytest node ids."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    tests = run_dir / "tests"
    tests.mkdir(parents=True)
    wanted = {"conftest.py", CORE_FILE, *WHOLE_FILES}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if len(parts) == 3 and parts[1] == "tests" and parts[2] in wanted and member.isfile():
                data = tar.extractfile(member)
                assert data is not None
                (tests / parts[2]).write_bytes(data.read())
    missing = wanted - {p.name for p in tests.iterdir()}
    if missing:
        raise SystemExit(f"upstream: {sdist.name} lacks tests/{', tests/'.join(sorted(missing))}")
    r = subprocess.run(
        [str(py), str(HERE / "fixtures.py"), str(run_dir / ".test_images"), str(corpus),
         str(standard)]
    )
    if r.returncode != 0:
        raise SystemExit("upstream: building .test_images failed")
    core = (tests / CORE_FILE).read_text(encoding="utf-8")
    ids = [f"tests/{f}" for f in WHOLE_FILES]
    ids += [f"tests/{CORE_FILE}::{name}" for name in v3_tests_of(core)]
    return ids


def run_pytest(py: Path, run_dir: Path, ids: list[str], swap: bool) -> dict[str, dict]:
    """One pytest run; the outcome of every test by node id."""
    label = "imageio_rs" if swap else "imageio"
    results = run_dir / f"results-{label}.jsonl"
    results.unlink(missing_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["IMAGEIO_RS_UPSTREAM_RESULTS"] = str(results)
    env.setdefault("IMAGEIO_USERDIR", str(run_dir / "userdir"))
    cmd = [str(py), "-m", "pytest", "-m", "not needs_internet", "-p", "upstream_record",
           "-o", f"cache_dir={run_dir / ('.cache-' + label)}", "--rootdir", str(run_dir),
           "-q", "-rN", "--no-header",
           # No assertion rewriting: a listed failure comparing two encoded
           # files byte for byte made pytest diff 400 KB of bytes with
           # difflib (quadratic), and a fresh run spun there for minutes.
           # Outcomes are the same; only failure messages are shorter.
           "--assert=plain"]
    if swap:
        cmd += ["-p", "swap_imageio_rs"]
    print(f"upstream: running imageio's tests against {label} ...", flush=True)
    log = run_dir / f"pytest-{label}.log"
    with open(log, "w", encoding="utf-8") as out:
        try:
            proc = subprocess.run(cmd + ids, cwd=run_dir, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"upstream: the {label} run took over {RUN_TIMEOUT_S} s; see {log}")
    if proc.returncode < 0:
        print(f"upstream: the {label} run was killed by signal {-proc.returncode} (a crash?); "
              f"the tests after it count as not run; see {log}")
    if not results.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"upstream: the {label} run recorded nothing; end of {log}:\n{tail}")
    out: dict[str, dict] = {}
    for line in results.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec["message"] = rec["message"].removeprefix("Skipped: ")
        previous = out.get(rec["test"])
        # The first phase that did not pass wins (a teardown error after a pass counts).
        if previous is None or previous["outcome"] in ("passed", "xfailed"):
            out[rec["test"]] = rec
    print(f"upstream: {label}: {len(out)} tests, log in {log}")
    return out


def read_tsv(path: Path) -> dict[str, str]:
    """`key<TAB>value` lines, `#` comments skipped."""
    rows = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("\t")
                rows[key.strip()] = value.strip()
    return rows


def file_of(test: str) -> str:
    """`tests/test_core.py::test_x[a]` -> `test_core.py`."""
    return test.split("::")[0].rsplit("/", 1)[-1]


def counts_table(theirs: dict, ours: dict, expected: dict[str, str]) -> list[list[str]]:
    """Per-file rows: tests, passed with imageio, passed with us, skipped, failing with imageio,
    listed failures."""
    files = sorted({file_of(t) for t in theirs}, key=lambda f: (f != CORE_FILE, f))
    rows = []
    for f in files + ["total"]:
        ts = [t for t in theirs if f == "total" or file_of(t) == f]
        passed_theirs = sum(theirs[t]["outcome"] == "passed" for t in ts)
        # A listed test that passed anyway (nondeterministic) is not counted as passing.
        passed_ours = sum(ours.get(t, {}).get("outcome") == "passed" and t not in expected
                          for t in ts)
        skipped = sum(theirs[t]["outcome"] == "skipped" for t in ts)
        failing_theirs = sum(theirs[t]["outcome"] in ("failed", "error") for t in ts)
        listed = sum(t in expected for t in ts)
        rows.append([f, str(len(ts)), str(passed_theirs), str(passed_ours), str(skipped),
                     str(failing_theirs), str(listed)])
    return rows


COUNTS_HEADER = (
    "# Per-file outcomes of imageio's own tests (run.py). Columns: file, tests run, passed\n"
    "# with imageio, passed with imageio_rs, skipped (with imageio: fixture not provided or\n"
    "# skipped by the test itself), failing with imageio itself in this environment, listed in\n"
    "# expected-failures.tsv. Rewritten by `run.py --update-counts`.\n"
    "file\ttests\tpassed_imageio\tpassed_imageio_rs\tskipped\tfailing_imageio\tlisted\n"
)


def compare(theirs: dict, ours: dict, expected: dict[str, str]) -> list[str]:
    """The mismatches with the expected-outcome list, as messages."""
    problems = []
    for test, rec in sorted(theirs.items()):
        mine = ours.get(test, {"outcome": "missing", "message": "not run with imageio_rs"})
        if rec["outcome"] == "passed" and mine["outcome"] != "passed" and test not in expected:
            problems.append(f"UNEXPECTED {mine['outcome']}: {test}: {mine['message']}")
        if test in expected and mine["outcome"] == "passed":
            if "nondeterministic" in expected[test]:
                print(f"upstream: note: {test} passed this time (listed as nondeterministic)")
            else:
                problems.append(f"NOW PASSES, remove it from {EXPECTED.name}: {test}")
    for test in sorted(set(expected) - set(theirs)):
        print(f"upstream: note: {test} is listed but was not run here")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=ROOT / "target" / "pyenv",
                    help="venv with imageio_rs installed (default target/pyenv)")
    ap.add_argument("--work", type=Path, default=ROOT / "target" / "upstream",
                    help="where the sdist, the run folder and the logs go")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="shared corpus (default $IMAGEIO_CORPUS or ../shared/corpus)")
    ap.add_argument("--standard-images", type=Path, default=None,
                    help="imageio standard images not in the corpus (default: beside the corpus)")
    ap.add_argument("--only-imageio", action="store_true",
                    help="run against imageio only (no imageio_rs needed)")
    ap.add_argument("--update-counts", action="store_true",
                    help=f"rewrite {COUNTS.name} from this run")
    args = ap.parse_args(argv)

    corpus = args.corpus or Path(os.environ.get("IMAGEIO_CORPUS", ROOT.parent / "shared" / "corpus"))
    standard = args.standard_images or corpus.parent / "standard-images"
    try:
        if not (corpus / "png" / "chelsea.png").exists():
            raise Skip(f"no shared corpus at {corpus} (set IMAGEIO_CORPUS)")
        if not standard.is_dir():
            print(f"upstream: note: no standard-images folder at {standard}; tests naming "
                  "those images will fail in both runs")
        py = venv_python(args.venv.resolve())
        version = ensure_references(py)
        args.work.mkdir(parents=True, exist_ok=True)
        sdist = fetch_sdist(py, version, args.work.resolve())
    except Skip as e:
        print(f"upstream: SKIPPED: {e}")
        return 0
    if not args.only_imageio and probe(py, "import imageio_rs.v3") is None:
        print(f"upstream: imageio_rs is not importable in {args.venv}: install it first "
              "(pip install ./crates/imageio-py)", file=sys.stderr)
        return 2

    run_dir = args.work.resolve() / f"run-{version}"
    ids = prepare(sdist, run_dir, corpus.resolve(), standard.resolve(), py)
    theirs = run_pytest(py, run_dir, ids, swap=False)
    if args.only_imageio:
        ours = {}
    else:
        ours = run_pytest(py, run_dir, ids, swap=True)

    expected = read_tsv(EXPECTED)
    rows = counts_table(theirs, ours, expected)
    header = ["file", "tests", "imageio", "imageio_rs", "skipped", "imageio fails", "listed"]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)))
    if args.only_imageio:
        return 0

    text = COUNTS_HEADER + "".join("\t".join(r) + "\n" for r in rows)
    skipped = [(t, rec["message"]) for t, rec in sorted(theirs.items())
               if rec["outcome"] in ("skipped", "xfailed")]
    text += "\n# Not run (skipped or xfail with imageio), with the reason:\ntest\treason\n"
    text += "".join(f"{t}\t{why}\n" for t, why in skipped)
    if args.update_counts:
        COUNTS.write_text(text, encoding="utf-8")
        print(f"upstream: wrote {COUNTS}")
    elif not COUNTS.exists() or COUNTS.read_text(encoding="utf-8") != text:
        print(f"upstream: note: the counts differ from {COUNTS.name} (imageio or reference "
              "package versions, or a fix); run with --update-counts to record them")

    problems = compare(theirs, ours, expected)
    for p in problems:
        print(f"upstream: {p}")
    if problems:
        print(f"upstream: FAILED: {len(problems)} mismatch(es) with {EXPECTED.name}")
        return 1
    print("upstream: ok: every test that passes with imageio passes with imageio_rs or is listed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit as e:
        if isinstance(e.code, str):  # a setup error raised with its message
            print(e.code, file=sys.stderr)
            sys.exit(2)
        raise
