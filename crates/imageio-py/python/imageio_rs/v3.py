"""``imageio.v3``'s functions on imageio-rs: ``imread``, ``imwrite``,
``imiter``, ``improps``, ``immeta`` and ``imopen``, with imageio's signatures
and semantics.

- ``index``: an int, ``...`` (every image, stacked on a new first axis), or
  ``None``: the plugin decides, as imageio's do (every frame of a GIF, an
  APNG or a video; the first image otherwise).
- ``plugin``: ours (``png``, ``gif``, ``jpeg``, ``tiff``, ``npy``, ``pdf``,
  ``ffmpeg``, ``pillowlike``, ``standard``) or imageio's (``pillow``,
  ``tifffile``, ``pyav``, ``opencv``, ``npz``), mapped to ours.
- ``**kwargs`` are the plugin's options; an unknown one raises ``TypeError``
  naming the options the plugin takes. ``mode`` (``"L"``, ``"LA"``,
  ``"RGB"``, ``"RGBA"``) converts what a read returns, as Pillow's does.
- Inputs: ``str``, ``pathlib.Path``, ``bytes``, file objects, ``http(s)``
  URLs, ``imageio:NAME`` standard images; ``"<bytes>"`` as a write target
  makes ``imwrite`` return the encoded bytes.

Every decode and encode runs in Rust with the GIL released; arrays come out
without a copy.
"""

import os
import warnings
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Optional, Tuple

import numpy as np

from . import _imageio_rs

__all__ = [
    "ImageProperties",
    "ImageResource",
    "immeta",
    "imiter",
    "imopen",
    "improps",
    "imread",
    "imwrite",
]

#: imageio's plugin names, mapped to ours. ``None``: let the routing choose
#: (OpenCV reads many formats, which several of our plugins serve).
PLUGIN_ALIASES: Dict[str, Optional[str]] = {
    "pillow": "pillowlike",
    "PIL": "pillowlike",
    "tifffile": "tiff",
    "TIFF": "tiff",
    "pyav": "ffmpeg",
    "FFMPEG": "ffmpeg",
    "opencv": None,
    "npz": "npy",
    "NPZ": "npy",
}

#: Pillow's colour modes that the core converts to.
_MODES = {"L", "LA", "RGB", "RGBA"}

_FORMAT_HINT_DEPRECATION = (
    "The usage of `format_hint` is deprecated and will be removed in ImageIO "
    "v3. Use `extension` to select a file extension instead."
)


@dataclass
class ImageProperties:
    """Standardized metadata, imageio's ``ImageProperties``: the same fields
    for every format, read without decoding pixels where the format allows.

    ``n_images`` is the number of images when ``is_batch`` (``index=...``),
    ``None`` for a single image.
    """

    shape: Tuple[int, ...]
    dtype: np.dtype
    n_images: Optional[int] = None
    is_batch: bool = False
    spacing: Optional[tuple] = None


_PLUGINS: Optional[list] = None


def _plugin_table() -> list:
    global _PLUGINS
    if _PLUGINS is None:
        _PLUGINS = _imageio_rs.plugins()
    return _PLUGINS


def _known_extensions() -> set:
    exts = set()
    for p in _plugin_table():
        exts.update(p["read_extensions"])
        exts.update(p["write_extensions"])
    return exts


def _plugin_name(plugin: Optional[str]) -> Optional[str]:
    """Our plugin for ``plugin`` (ours or imageio's name); ``ValueError`` for
    a name neither knows, as imageio raises."""
    if plugin is None:
        return None
    if not isinstance(plugin, str):
        raise TypeError(f"plugin must be a name (str), not {type(plugin).__name__}")
    if plugin in PLUGIN_ALIASES:
        return PLUGIN_ALIASES[plugin]
    if not any(p["name"] == plugin for p in _plugin_table()):
        ours = ", ".join(p["name"] for p in _plugin_table())
        theirs = ", ".join(PLUGIN_ALIASES)
        raise ValueError(
            f"`{plugin}` is not a registered plugin name (ours: {ours}; imageio's: {theirs})"
        )
    return plugin


def _check_extension(value: Optional[str], what: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value.startswith("."):
        raise ValueError(
            f"`{what}` should be a file extension starting with a `.`, but is `{value}`."
        )
    return value


def _extension(extension: Optional[str], format_hint: Optional[str]) -> Optional[str]:
    """``extension``, or the deprecated ``format_hint`` (with imageio's
    warnings: deprecated; an extension no plugin knows)."""
    extension = _check_extension(extension, "extension")
    if format_hint is not None:
        warnings.warn(_FORMAT_HINT_DEPRECATION, DeprecationWarning, stacklevel=3)
        format_hint = _check_extension(format_hint, "format_hint")
        if format_hint.lower() not in _known_extensions():
            warnings.warn(f"The resource can not be opened as a `{format_hint}` file.", stacklevel=3)
        elif extension is None:
            extension = format_hint
    return extension


def _name_extension(name: Any) -> Optional[str]:
    """The extension of a file object's name, if it has one."""
    if isinstance(name, str):
        ext = os.path.splitext(name)[1]
        if ext:
            return ext
    return None


def _read_source(uri: Any) -> Tuple[Any, Optional[str]]:
    """What the extension module reads (a ``str`` or ``bytes``), and the
    extension a file object's name suggests."""
    if isinstance(uri, str):
        if uri == "<bytes>":
            raise ValueError('"<bytes>" is a write target; to read bytes, pass the bytes')
        return uri, None
    if isinstance(uri, os.PathLike):
        return os.fsdecode(os.fspath(uri)), None
    if isinstance(uri, bytes):
        return uri, None
    if isinstance(uri, (bytearray, memoryview)):
        return bytes(uri), None
    if hasattr(uri, "read"):
        data = uri.read()
        if isinstance(data, str):
            raise TypeError("cannot read an image from a text stream: open the file in binary mode")
        return bytes(data), _name_extension(getattr(uri, "name", None))
    # imageio raises OSError ("Cannot understand given URI") here.
    raise OSError(
        f"Cannot understand given URI: a {type(uri).__name__}; give a path, a URL, bytes or a "
        "file object"
    )


def _split_read_kwargs(kwargs: Dict[str, Any]) -> Tuple[Optional[str], Optional[str], Dict[str, Any]]:
    """``mode`` and ``dtype`` (conversions done by the core) apart from the
    plugin's own options."""
    options = dict(kwargs)
    mode = options.pop("mode", None)
    if mode == "I":  # Pillow's 32-bit integer gray
        mode = "L"
        options.setdefault("dtype", "int32")
    if mode is not None and mode not in _MODES:
        raise ValueError(f"mode {mode!r} is not supported: use one of L, LA, RGB, RGBA")
    dtype = options.pop("dtype", None)
    if dtype is not None:
        dtype = np.dtype(dtype).name
    return mode, dtype, options


def _check_index(index: Any) -> Any:
    if index is None or index is Ellipsis:
        return index
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"index must be an int, ... or None, not {type(index).__name__}")
    return int(index)


def _given(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Keyword arguments without the ``None`` ones (imageio's "not given")."""
    return {k: v for k, v in kwargs.items() if v is not None}


def _plugin_options(plugin: Optional[str], direction: str) -> Optional[set]:
    """The option names of our ``plugin`` (``direction`` "read" or
    "write"), or None when the plugin is not known yet."""
    for p in _plugin_table():
        if p["name"] == plugin:
            return {o["name"] for o in p[f"{direction}_options"]}
    return None


def _plugin_for_extension(ext: Optional[str], direction: str) -> Optional[str]:
    """The dedicated plugin for ``ext`` when only one of ours claims it
    besides the general one (used to translate imageio's keyword names)."""
    if not ext:
        return None
    names = [
        p["name"]
        for p in _plugin_table()
        if ext.lower() in p[f"{direction}_extensions"] and p["name"] != "pillowlike"
    ]
    return names[0] if len(names) == 1 else None


#: Pillow's modes by number of bands (for the batch guess of a write).
_MODE_BANDS = {"1": 1, "L": 1, "P": 1, "I": 1, "F": 1, "I;16": 1, "I;16B": 1, "LA": 2, "RGB": 3,
               "YCbCr": 3, "RGBA": 4, "CMYK": 4}

#: TIFF compression tag codes by our names (tifffile's metadata gives codes).
_TIFF_COMPRESSION_CODES = {"none": 1, "ccitt_rle": 2, "ccitt_fax3": 3, "ccitt_fax4": 4, "lzw": 5,
                           "ojpeg": 6, "jpeg": 7, "deflate": 8, "adobe_deflate": 8,
                           "packbits": 32773}

#: Our plugins that write one format (an in-memory write needs no extension).
_ONE_FORMAT = {"tiff", "gif", "jpeg", "png", "npy", "pdf"}

#: tifffile's compression names, as our TIFF plugin spells them.
_TIFF_COMPRESSION = {"zlib": "deflate", "adobe_deflate": "deflate", "lzw": "lzw",
                     "packbits": "packbits", "none": "none", "deflate": "deflate"}


def _read_kwargs(kwargs: Dict[str, Any], plugin: Optional[str]) -> Tuple[Dict[str, Any], bool]:
    """imageio's read keywords as ours; also whether the output must be
    read-only (``writeable_output=False``)."""
    kwargs = _given(kwargs)
    writeable = bool(kwargs.pop("writeable_output", True))
    if "pilmode" in kwargs:
        warnings.warn(
            "`pilmode` is deprecated. Use `mode` instead.", DeprecationWarning, stacklevel=4
        )
        kwargs.setdefault("mode", kwargs.pop("pilmode"))
    if "exifrotate" in kwargs:
        warnings.warn(
            "`exifrotate` is deprecated. Use `rotate` instead.", DeprecationWarning, stacklevel=4
        )
        rotate = kwargs.pop("exifrotate")
        if "rotate" in (_plugin_options(plugin, "read") or ()):
            kwargs.setdefault("rotate", rotate)
    if plugin == "ffmpeg":
        # PyAV's names: `format` is the pixel format of the frames returned.
        if "format" in kwargs:
            kwargs["pixel_format"] = kwargs.pop("format")
        kwargs.pop("constant_framerate", None)
    return kwargs, writeable


def _fix_metadata(meta: Dict[str, Any], plugin: str) -> Dict[str, Any]:
    """imageio's key names and units where ours differ."""
    duration = meta.get("duration")
    if isinstance(duration, list):
        # The file-level entry lists every frame's; imageio (Pillow) gives
        # the first frame's, in ms.
        meta["durations"] = duration
        meta["duration"] = duration[0] if duration else 0
        duration = meta["duration"]
    fmt = meta.get("format")
    if (plugin == "gif" or fmt == "GIF") and isinstance(duration, float) and duration.is_integer():
        meta["duration"] = int(duration)
    if plugin == "tiff" and isinstance(meta.get("compression"), str):
        # tifffile reports the TIFF tag's code.
        code = _TIFF_COMPRESSION_CODES.get(meta["compression"].lower())
        if code is not None:
            meta["compression"] = code
    if plugin == "ffmpeg" and "duration_s" in meta:
        # PyAV's keys: duration in seconds.
        meta["duration"] = meta["duration_s"]
    return meta


class ImageResource:
    """An open image resource, as ``imageio.v3.imopen`` returns: ``read``,
    ``iter``, ``write``, ``properties``, ``metadata``, ``close``, and a
    context manager that closes it.

    A write to ``"<bytes>"`` or to a file object is encoded in memory and
    handed over on ``close`` (``result`` holds the bytes).
    """

    def __init__(
        self,
        uri: Any,
        io_mode: str = "r",
        *,
        plugin: Optional[str] = None,
        extension: Optional[str] = None,
        format_hint: Optional[str] = None,
        legacy_mode: bool = False,
        **kwargs: Any,
    ) -> None:
        if legacy_mode:
            raise ValueError("imageio_rs has no legacy (v2) mode: pass legacy_mode=False")
        if io_mode not in ("r", "w", "rb", "wb"):
            raise ValueError(f'io_mode must be "r" or "w", not {io_mode!r}')
        self._io_mode = io_mode[0]
        self._plugin = _plugin_name(plugin)
        self._extension = _extension(extension, format_hint)
        self._kwargs = kwargs
        self._file = None
        self._sink = None
        self._default_all: Optional[bool] = None
        self.result: Optional[bytes] = None
        if self._io_mode == "r":
            self._source, name_ext = _read_source(uri)
            if self._extension is None:
                self._extension = name_ext
            self._file = self._open_read(kwargs)
            self._writeable = self._last_writeable
        else:
            self._open_write(uri)

    # -- opening -------------------------------------------------------

    def _open_read(self, kwargs: Dict[str, Any]):
        plugin = self._plugin or _plugin_for_extension(self._read_extension(), "read")
        kwargs, self._last_writeable = _read_kwargs(kwargs, plugin)
        mode, dtype, options = _split_read_kwargs(kwargs)
        try:
            return _imageio_rs.open_read(
                self._source,
                plugin=self._plugin,
                extension=self._extension,
                mode=mode,
                dtype=dtype,
                options=options or None,
            )
        except FileNotFoundError as e:
            # imageio: an unknown standard image is a ValueError.
            if isinstance(self._source, str) and self._source.startswith("imageio:"):
                if "no standard image" in str(e):
                    raise ValueError(str(e)) from None
            raise

    def _read_extension(self) -> Optional[str]:
        if self._extension:
            return self._extension
        if isinstance(self._source, str):
            return os.path.splitext(self._source.split("?")[0])[1] or None
        return None

    @staticmethod
    def _out(array: np.ndarray, writeable: bool) -> np.ndarray:
        if not writeable:
            array.flags.writeable = False
        return array

    def _open_write(self, uri: Any) -> None:
        target: Optional[str]
        if isinstance(uri, str) and uri == "<bytes>":
            target = None
            self._sink = "<bytes>"
        elif isinstance(uri, (str, os.PathLike)):
            target = os.fsdecode(os.fspath(uri))
        elif hasattr(uri, "write"):
            target = None
            self._sink = uri
            if self._extension is None:
                self._extension = _name_extension(getattr(uri, "name", None))
        else:
            raise OSError(
                f"Cannot understand given URI: a {type(uri).__name__}; give a path, a file object "
                'or "<bytes>"'
            )
        if target is not None and target.startswith("imageio:"):
            raise RuntimeError("Cannot write to the standard images.")
        if target is not None and target.lower().startswith(("http://", "https://")):
            raise OSError("imageio_rs does not write to http(s) URLs (they are read-only)")
        if target is None and self._extension is None and self._plugin in _ONE_FORMAT:
            # A plugin that writes one format needs no extension (tifffile's
            # "<bytes>" writes); a container-agnostic one (video) does.
            for p in _plugin_table():
                if p["name"] == self._plugin and p["write_extensions"]:
                    self._extension = p["write_extensions"][0]
        self._target = target
        self._closed = False
        if target is None and self._extension is None and self._plugin == "pillowlike":
            # Pillow's plugin: the format may come with the first write.
            warnings.warn(
                "Can't determine file format to write as. You _must_ set `format` during "
                "write or the call will fail. Use `extension` to suppress this warning. ",
                UserWarning,
                stacklevel=4,
            )
            self._write_options = None
            self._written = False
            return
        if target is None and self._extension is None and self._plugin is not None:
            raise OSError(
                f"the {self._plugin} plugin writes several formats: pass extension= to say "
                "which (for example extension=\".mp4\")"
            )
        if target is None and self._extension is None and self._plugin is None:
            raise ValueError(
                "writing to memory needs the format: pass extension= (for example "
                'extension=".png")'
            )
        # Opened now, so that a format no plugin writes fails here, as in
        # imageio; nothing is created before the first write's close.
        self._file = self._open_writer({})

    def _open_writer(self, options: Dict[str, Any]):
        self._write_options = options
        self._written = False
        return _imageio_rs.open_write(
            self._target,
            plugin=self._plugin,
            extension=self._extension,
            options=options or None,
        )

    def _writer(self, options: Dict[str, Any]):
        """The write handle; the plugin's options are fixed when it is
        opened, so the first write's options reopen it (nothing was written:
        dropping the old handle commits nothing)."""
        if self._file is None and (self._closed or self._written):
            raise ValueError("I/O operation on a closed image resource")
        if self._file is None or options != self._write_options:
            if self._written:
                raise ValueError(
                    "write options are fixed by the first write of a handle: pass the same "
                    "ones to every write"
                )
            self._file = self._open_writer(options)
        return self._file

    def _reader(self, kwargs: Dict[str, Any]):
        """The open reader, or a new one when a call brings options of its
        own (they are fixed when a resource is opened); and whether arrays
        it returns stay writeable."""
        if self._io_mode != "r":
            raise OSError("this resource is open for writing, not reading")
        if self._file is None:
            raise ValueError("I/O operation on a closed image resource")
        if not kwargs:
            return self._file, self._writeable
        merged = dict(self._kwargs)
        merged.update(kwargs)
        file = self._open_read(merged)
        return file, self._last_writeable

    def _resolve(self, file, index: Any) -> Optional[int]:
        """The index for the core: an int, or None for every image."""
        index = _check_index(index)
        if index is Ellipsis:
            return None
        if index is None:
            return None if self._all_by_default(file) else 0
        if index < 0:
            n = file.n_images()
            if n is None:
                n = file.properties(None)[2]
            if n is None or index + n < 0:
                raise IndexError(f"index {index} is out of range")
            index += n
        return index

    def _all_by_default(self, file) -> bool:
        """imageio's plugins read every frame of a GIF, an APNG or a video
        when no index is given, and the first image of anything else."""
        if file is self._file and self._default_all is not None:
            return self._default_all
        plugin = file.plugin
        if plugin in ("gif", "ffmpeg", "camera"):
            answer = True
        elif plugin in ("png", "pillowlike", "standard"):
            meta = file.metadata(None)
            fmt = meta.get("format")
            animated = "loop" in meta or (meta.get("n_frames") or 1) > 1
            answer = fmt == "GIF" or (fmt in (None, "PNG") and animated)
        else:
            answer = False
        if file is self._file:
            self._default_all = answer
        return answer

    # -- the plugin API ------------------------------------------------

    @property
    def plugin(self) -> Optional[str]:
        """The name of our plugin serving the resource."""
        return self._file.plugin if self._file is not None else self._plugin

    def read(self, *, index: Any = None, **kwargs: Any) -> np.ndarray:
        """Reads image ``index``; ``...`` stacks every image; ``None`` lets the
        plugin decide."""
        file, writeable = self._reader(kwargs)
        return self._out(file.read(self._resolve(file, index)), writeable)

    def iter(self, **kwargs: Any) -> Iterator[np.ndarray]:
        """Yields the images one at a time, from the first."""
        file, writeable = self._reader(kwargs)
        n = file.n_images()
        i = 0
        while n is None or i < n:
            try:
                img = file.read(i)
            except IndexError:
                if i == 0:
                    raise
                return
            yield self._out(img, writeable)
            i += 1

    def properties(self, index: Any = None, **kwargs: Any) -> ImageProperties:
        """The standard properties of image ``index`` (``...``: of the stack)."""
        file, _ = self._reader(kwargs)
        shape, dtype, n_images, is_batch, spacing = file.properties(self._resolve(file, index))
        return ImageProperties(
            shape=tuple(shape),
            dtype=np.dtype(dtype),
            n_images=n_images if is_batch else None,
            is_batch=is_batch,
            spacing=tuple(spacing) if spacing is not None else None,
        )

    def metadata(self, index: Any = None, exclude_applied: bool = True, **kwargs: Any) -> Dict[str, Any]:
        """The format's metadata of image ``index`` (file-level entries
        included); ``...``: the file's alone."""
        file, _ = self._reader(kwargs)
        resolved = self._resolve(file, index)
        meta = _fix_metadata(file.metadata(resolved), file.plugin)
        if "shape" not in meta:
            # Pillow's key: the (width, height) of the image.
            shape = file.properties(0 if resolved is None else resolved)[0]
            if len(shape) >= 2:
                meta["shape"] = (shape[1], shape[0])
        return meta

    def write(self, ndimage: Any, *, is_batch: Optional[bool] = None, **kwargs: Any) -> Optional[bytes]:
        """Writes an image, or a stack (``is_batch``, or a list of images)."""
        if self._io_mode != "w":
            raise OSError("this resource is open for reading, not writing")
        if isinstance(ndimage, (list, tuple)):
            ndimage = np.stack([np.asarray(x) for x in ndimage])
            if is_batch is None:
                is_batch = True
        image = np.asarray(ndimage)
        if image.dtype == np.bool_:
            image = image.astype(np.uint8) * np.uint8(255)
        elif image.dtype == np.float16:
            image = image.astype(np.float32)
        elif not image.dtype.isnative:
            image = image.astype(image.dtype.newbyteorder("="))
        kwargs = self._write_kwargs(_given(kwargs))
        mode = kwargs.pop("mode", None)
        if mode is not None and is_batch is None and mode in _MODE_BANDS:
            # Pillow's rule: the mode's bands tell a stack from one image.
            is_batch = image.ndim > (3 if _MODE_BANDS[mode] > 1 else 2)
        fmt = kwargs.pop("format", None)
        if fmt is not None:
            ext = "." + str(fmt).lower().lstrip(".")
            if ext != self._extension and not self._written:
                self._extension = ext
                self._write_options = None  # reopen for this format
            elif ext != self._extension:
                warnings.warn(
                    "Changing the output format during incremental writes is strongly "
                    f"discouraged. Was `{self._extension}`, is now `{ext}`; the format stays.",
                    UserWarning,
                    stacklevel=2,
                )
        self._writer(kwargs).write(image, is_batch)
        self._written = True
        return None

    def _write_kwargs(self, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        """imageio's write keywords (Pillow's, tifffile's) as our plugins'."""
        plugin = self._file.plugin if self._file is not None else self._plugin
        takes = _plugin_options(plugin, "write") or set()
        if "fps" in kwargs and "fps" not in takes:
            warnings.warn(
                "The keyword `fps` is no longer supported. Use `duration`(in ms) instead, "
                "e.g. `fps=50` == `duration=20` (1000 * 1/50).",
                DeprecationWarning,
                stacklevel=3,
            )
            kwargs["duration"] = 1000 / kwargs.pop("fps")
        if "compress_level" in kwargs and "compression" in takes:
            kwargs["compression"] = int(kwargs.pop("compress_level"))
        if plugin == "ffmpeg":
            # PyAV's write keywords: the encoder's pixel format; the frames'
            # own format is implied by the array (RGB, RGBA or gray).
            if "out_pixel_format" in kwargs:
                kwargs["pixel_format"] = kwargs.pop("out_pixel_format")
            kwargs.pop("in_pixel_format", None)
        if plugin == "tiff":
            comp = kwargs.get("compression")
            if isinstance(comp, str) and comp.lower() in _TIFF_COMPRESSION:
                kwargs["compression"] = _TIFF_COMPRESSION[comp.lower()]
            res = kwargs.pop("resolution", None)
            if res is not None and "dpi" not in kwargs:
                kwargs["dpi"] = [float(res[0]), float(res[1])]
        return kwargs

    def close(self) -> None:
        """Closes the resource; a write is committed here (the file appears
        complete or not at all)."""
        self._closed = True
        file, self._file = self._file, None
        if file is None:
            return
        data = file.close()
        if self._sink == "<bytes>":
            self.result = data
        elif self._sink is not None and data is not None:
            self._sink.write(data)
            self.result = data

    def __enter__(self) -> "ImageResource":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self._io_mode == "w":
            # Commit nothing after a failure: drop the handle unclosed.
            self._file = None
            return
        self.close()

    def __del__(self) -> None:
        # An unclosed write handle commits nothing (dropped in Rust).
        self._file = None

    def __repr__(self) -> str:
        return f"<imageio_rs ImageResource mode={self._io_mode!r} plugin={self.plugin}>"


def imopen(
    uri: Any,
    io_mode: str = "r",
    *,
    plugin: Optional[str] = None,
    extension: Optional[str] = None,
    format_hint: Optional[str] = None,
    legacy_mode: bool = False,
    **kwargs: Any,
) -> ImageResource:
    """Opens an image resource for reading (``"r"``) or writing (``"w"``);
    use it as a context manager."""
    return ImageResource(
        uri,
        io_mode,
        plugin=plugin,
        extension=extension,
        format_hint=format_hint,
        legacy_mode=legacy_mode,
        **kwargs,
    )


def imread(
    uri: Any,
    *,
    index: Any = None,
    plugin: Optional[str] = None,
    extension: Optional[str] = None,
    format_hint: Optional[str] = None,
    **kwargs: Any,
) -> np.ndarray:
    """Reads an ndimage: image ``index``, every image stacked (``...``), or
    what the plugin decides (``None``: every frame of a GIF, APNG or video,
    the first image otherwise)."""
    with ImageResource(
        uri, "r", plugin=plugin, extension=_extension(extension, format_hint), **kwargs
    ) as f:
        return f.read(index=index)


def imiter(
    uri: Any,
    *,
    plugin: Optional[str] = None,
    extension: Optional[str] = None,
    format_hint: Optional[str] = None,
    **kwargs: Any,
) -> Iterator[np.ndarray]:
    """Yields the ndimages of a resource one at a time."""
    with ImageResource(
        uri, "r", plugin=plugin, extension=_extension(extension, format_hint), **kwargs
    ) as f:
        yield from f.iter()


def imwrite(
    uri: Any,
    image: Any,
    *,
    plugin: Optional[str] = None,
    extension: Optional[str] = None,
    format_hint: Optional[str] = None,
    **kwargs: Any,
) -> Optional[bytes]:
    """Writes an ndimage (or a stack) to ``uri``; returns the encoded bytes
    when ``uri`` is ``"<bytes>"``, else None."""
    is_batch = kwargs.pop("is_batch", None)
    f = ImageResource(uri, "w", plugin=plugin, extension=_extension(extension, format_hint))
    try:
        f.write(image, is_batch=is_batch, **kwargs)
    except BaseException:
        f._file = None  # commit nothing
        raise
    f.close()
    return f.result if f._sink == "<bytes>" else None


def improps(
    uri: Any,
    *,
    index: Any = None,
    plugin: Optional[str] = None,
    extension: Optional[str] = None,
    **kwargs: Any,
) -> ImageProperties:
    """The standard properties of an ndimage, without decoding pixels where
    the format allows."""
    with ImageResource(uri, "r", plugin=plugin, extension=extension, **kwargs) as f:
        return f.properties(index=index)


def immeta(
    uri: Any,
    *,
    index: Any = None,
    plugin: Optional[str] = None,
    extension: Optional[str] = None,
    exclude_applied: bool = True,
    **kwargs: Any,
) -> Dict[str, Any]:
    """The format's metadata of an ndimage, with imageio's key names where
    ours differ (GIF ``duration`` in ms and ``loop``; video ``fps``,
    ``duration`` in seconds, ``codec``)."""
    with ImageResource(uri, "r", plugin=plugin, extension=extension, **kwargs) as f:
        return f.metadata(index=index, exclude_applied=exclude_applied)
