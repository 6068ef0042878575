"""imageio-rs for Python.

``imageio_rs.v3`` is a drop-in for ``imageio.v3``: the same functions
(``imread``, ``imwrite``, ``imiter``, ``improps``, ``immeta``, ``imopen``),
signatures and semantics, with every decode and encode done by imageio-rs in
Rust, the GIL released, and arrays handed to numpy without a copy.

>>> import imageio_rs.v3 as iio
>>> iio.imread("imageio:testpattern").shape
(256, 384, 3)
"""

from . import _imageio_rs
from ._imageio_rs import __version__

__all__ = ["__version__", "plugins", "v3"]


def plugins():
    """The linked plugins: a list of dicts (``name``, ``summary``,
    ``read_extensions``, ``write_extensions``, ``read_options``,
    ``write_options``)."""
    return _imageio_rs.plugins()


from . import v3  # noqa: E402  (v3 imports the extension module above)
