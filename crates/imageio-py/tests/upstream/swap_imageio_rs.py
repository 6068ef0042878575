"""pytest plugin (`-p swap_imageio_rs`): `imageio.v3` is `imageio_rs.v3` for the session.

Loaded before imageio's conftest and test modules are imported, so both
`import imageio.v3 as iio` (test_pillow, test_tifffile_v3, test_pyav) and the
attribute lookups `iio.v3.imread` (test_core) reach our module. The rest of
imageio (`imageio.core`, `imageio.config`, `imageio.plugins.*`, `imageio.v2`)
stays the real one: the tests use it for requests, plugin classes and as a
reference.
"""

import sys

import imageio
import imageio_rs.v3 as ours

sys.modules["imageio.v3"] = ours
imageio.v3 = ours


def pytest_report_header(config):
    return f"imageio.v3 swapped for {ours.__name__} ({getattr(ours, '__file__', '?')})"
