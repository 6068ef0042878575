"""Shared fixtures of the imageio_rs pytest suite: where the shared corpus
is (``IMAGEIO_CORPUS``, else ``../shared/corpus`` next to the repository
root), skipping with the reason when it is absent, and recording for
``cargo xtask test``'s summary (``IMAGEIO_CORPUS_LOG``) whether the corpus
tests ran."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def corpus_dir():
    """The corpus directory, and why it is unusable (None when usable)."""
    env = os.environ.get("IMAGEIO_CORPUS")
    root = Path(env) if env else REPO.parent / "shared" / "corpus"
    if not (root / "expected.tsv").is_file():
        return root, f"corpus not found at {root} (set IMAGEIO_CORPUS)"
    return root.resolve(), None


def _log(line):
    log = os.environ.get("IMAGEIO_CORPUS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(line + "\n")


@pytest.fixture(scope="session")
def corpus():
    """The corpus directory; the test is skipped, with the reason, without it."""
    root, why = corpus_dir()
    if why:
        pytest.skip(why)
    return root


_logged = set()


def pytest_runtest_logreport(report):
    # One line per corpus-test module for xtask's summary (ran / skipped).
    if report.when != "call" and not (report.when == "setup" and report.skipped):
        return
    module = report.nodeid.split("::")[0]
    if "corpus" not in module or module in _logged:
        return
    _logged.add(module)
    if report.skipped:
        why = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _log(f"skipped\tpython:{module}\t{why.removeprefix('Skipped: ')}")
    else:
        _log(f"ran\tpython:{module}")
