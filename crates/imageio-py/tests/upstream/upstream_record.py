"""pytest plugin loaded in both runs of imageio's tests (`-p upstream_record`).

- Skips, with the reason from `fixtures.MISSING`, every test whose source or
  parameters name a test image that the offline `.test_images/` cannot hold.
- Appends one JSON object per reported test phase to the file named by the
  environment variable `IMAGEIO_RS_UPSTREAM_RESULTS`: node id, outcome
  (`passed`, `failed`, `error`, `skipped`, `xfailed`, `xpassed`) and a one-line
  message (skip reason or the failure's message); `run.py` combines the phases.
"""

from __future__ import annotations

import inspect
import json
import os

import pytest

from fixtures import MISSING


def _names_used(item) -> str:
    """The test function's source and parameter values, as one searchable text."""
    parts = []
    try:
        parts.append(inspect.getsource(item.function))
    except (OSError, TypeError):
        pass
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        parts.extend(str(v) for v in callspec.params.values())
    return "\n".join(parts)


def pytest_collection_modifyitems(config, items):
    for item in items:
        text = _names_used(item)
        for name, reason in MISSING.items():
            if name in text:
                item.add_marker(pytest.mark.skip(reason=f"fixture not provided: {reason}"))
                break


def _message(report) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message).splitlines()[0][:300] if crash.message else ""
    return str(report.longrepr).strip().splitlines()[-1][:300] if report.longrepr else ""


def pytest_runtest_logreport(report):
    """Append this phase's outcome at once, so that a crash keeps what ran before it."""
    path = os.environ.get("IMAGEIO_RS_UPSTREAM_RESULTS")
    if not path:
        return
    if hasattr(report, "wasxfail"):
        outcome = "xfailed" if report.skipped else "xpassed"
    elif report.failed:
        outcome = "failed" if report.when == "call" else "error"
    elif report.skipped:
        outcome = "skipped"
    elif report.when == "call":
        outcome = "passed"
    else:
        return  # a setup or teardown that went well says nothing
    rec = {"test": report.nodeid, "outcome": outcome,
           "message": _message(report) if outcome != "passed" else ""}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")
