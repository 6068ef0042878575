"""``imageio.v3``'s functions on imageio-rs: ``imread``, ``imwrite``,
``imiter``, ``improps``, ``immeta`` and ``imopen``, with imageio's signatures
and semantics.

- ``index``: an int, ``...`` (every image, stacked on a new first axis), or
  ``None``: the plugin decides, as imageio's do (every frame of a GIF, an
  APNG or a video; the first image otherwise).
- ``plugin``: ours (``png``, ``gif``, ``jpeg``, ``tiff``, ``npy``, ``pdf``,
  ``ffmpeg``, ``pillowlike``, ``standard``) or imageio's (``pillow``,
  ``tifffile``, ``pyav``, ``opencv``, ``npz``), mapped to ours (``pillow``
  is ``pillowlike``, except for GIF: our ``gif`` plugin, which takes
  Pillow's ``palettesize``/``bits``).
- TIFF, as imageio's tifffile plugin: ``index=None`` reads series 0 whole
  when the tiff plugin finds series in a file of several pages (OME-TIFF,
  ImageJ hyperstacks, tifffile's shaped and generic series;
  ``imopen(path, "w", imagej=True)`` writes one), else the first page (a
  planar RGB page interleaved, where tifffile's series is channel first);
  an int ``index`` is a page (tifffile: a series); ``page=``/``key=`` pick
  a page, ``series=`` a series; ``resolution=`` (numbers or rationals,
  ``resolutionunit``) is written as ``dpi``; the metadata has tifffile's
  ``resolution`` tuple, ``resolution_unit`` code, ``is_imagej``,
  ``is_ome``, ``is_shaped`` and ``ome``.
- imageio's Pillow plugin extras: ``exif=`` a ``PIL.Image.Exif``,
  ``get_meta()``, EXIF tags by Pillow's names in the metadata; its PyAV
  plugin's ``init_video_stream``/``write_frame``.
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

#: imageio's plugin names served by another of our plugins for some
#: extensions: GIF through imageio's Pillow plugin is our dedicated GIF
#: plugin (per-frame palettes, ``palette_size``, durations, loop count),
#: which the general-purpose one does not match.
_ALIAS_BY_EXTENSION: Dict[Tuple[str, str], str] = {
    ("pillow", ".gif"): "gif",
    ("PIL", ".gif"): "gif",
}

#: Pillow's colour modes that the core converts to.
_MODES = {"L", "LA", "RGB", "RGBA"}

_FORMAT_HINT_DEPRECATION = (
    "The usage of `format_hint` is deprecated and will be removed in ImageIO "
    "v3. Use `extension` to select a file extension instead."
)


def _same(a: Any, b: Any) -> bool:
    """Whether two option values are equal (arrays compared whole)."""
    if a is b:
        return True
    try:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return bool(np.array_equal(a, b))
        return bool(a == b)
    except (TypeError, ValueError):
        return False


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


def _plugin_for(plugin: Optional[str], ext: Optional[str]) -> Optional[str]:
    """Our plugin for imageio's ``plugin`` serving a resource with extension
    ``ext`` (see ``_ALIAS_BY_EXTENSION``), else ``_plugin_name(plugin)``."""
    if isinstance(plugin, str) and ext:
        special = _ALIAS_BY_EXTENSION.get((plugin, ext.lower()))
        if special is not None:
            return special
    return _plugin_name(plugin)


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


def _uri_extension(uri: Any) -> Optional[str]:
    """The extension of a path, a URL or a file object's name, if any."""
    if isinstance(uri, os.PathLike):
        uri = os.fspath(uri)
    if isinstance(uri, bytes) or not isinstance(uri, str):
        return _name_extension(getattr(uri, "name", None))
    return os.path.splitext(uri.split("?")[0])[1] or None


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
    if plugin == "tiff":
        # tifffile's forms: a tuple, and the ResolutionUnit tag's code.
        if isinstance(meta.get("resolution"), list):
            meta["resolution"] = tuple(meta["resolution"])
        unit = meta.get("resolution_unit")
        if isinstance(unit, str) and unit.lower() in _TIFF_UNITS:
            meta["resolution_unit"] = _TIFF_UNITS[unit.lower()]
        if "n_series" in meta:
            # tifffile's file flags for the series kinds our plugin knows.
            kind = meta.get("series_kind")
            meta.setdefault("is_imagej", kind == "imagej")
            meta.setdefault("is_ome", kind == "ome")
            meta.setdefault("is_shaped", kind == "shaped")
            if kind == "ome" and isinstance(meta.get("description"), str):
                # tifffile's `ome_metadata`: the OME-XML of the first page.
                meta.setdefault("ome", meta["description"])
    if plugin in _PILLOW_FORMATS and isinstance(meta.get("exif"), (bytes, bytearray)):
        for key, value in _exif_tags(meta["exif"]).items():
            meta.setdefault(key, value)
    if plugin == "ffmpeg" and "duration_s" in meta:
        # PyAV's keys: duration in seconds.
        meta["duration"] = meta["duration_s"]
    return meta


#: TIFF ResolutionUnit codes by tifffile's names and ours.
_TIFF_UNITS = {"none": 1, "inch": 2, "centimeter": 3, "cm": 3}


def _rational(v: Any) -> float:
    """A tifffile resolution value: a number or a (numerator, denominator)."""
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"a rational resolution is (numerator, denominator), not {v!r}")
        return float(v[0]) / float(v[1])
    return float(v)


def _tiff_dpi(resolution: Any, unit: Any) -> list:
    """tifffile's ``resolution`` (``(x, y)``, each a number or a rational
    pair; or ``(x, y, unit)``) and ``resolutionunit`` as our ``dpi``.
    Our TIFF writer stores inches: centimetres are converted."""
    res = list(resolution) if isinstance(resolution, (tuple, list)) else [resolution]
    if len(res) == 3 and unit is None:
        res, unit = res[:2], res[2]
    if len(res) == 1:
        res = res * 2
    if len(res) != 2:
        raise ValueError(f"resolution takes (x, y), not {resolution!r}")
    x, y = (_rational(v) for v in res)
    code = unit
    if unit is not None and not isinstance(unit, (int, np.integer)):
        code = _TIFF_UNITS.get(str(getattr(unit, "name", unit)).lower())
    if unit is None or code == 2:
        return [x, y]
    if code == 3:
        return [x * 2.54, y * 2.54]
    raise ValueError(
        f"resolutionunit={unit!r}: our TIFF writer stores the resolution in inches (or "
        "centimetres, converted); a unitless resolution is not written"
    )


def _exif_tags(exif: bytes) -> Dict[str, Any]:
    """The base IFD's EXIF tags by Pillow's names, as imageio's Pillow
    plugin puts them in the metadata; empty without Pillow."""
    try:
        from PIL import ExifTags, Image
    except ImportError:
        return {}
    parsed = Image.Exif()
    try:
        parsed.load(bytes(exif))
    except Exception:  # a malformed EXIF block: no tags, as Pillow gives
        return {}
    tags = {ExifTags.TAGS.get(k, "unknown"): v for k, v in dict(parsed).items()}
    tags.pop("unknown", None)
    return tags


def _shaped_metadata(description: Optional[str]) -> Dict[str, Any]:
    """The JSON dict of a tifffile shaped file's first description (empty
    when it is not one)."""
    import json

    try:
        parsed = json.loads(description) if description else None
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


#: tifffile's read-call keywords that select a page (for our tiff plugin).
_TIFF_CALL_KEYS = ("page", "key")

#: Our plugins whose formats imageio reads with Pillow (EXIF tags flattened).
_PILLOW_FORMATS = {"pillowlike", "png", "jpeg", "webp", "gif"}


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
        self._plugin = _plugin_for(plugin, self._extension or _uri_extension(uri))
        self._plugin_asked = plugin
        self._kwargs = kwargs
        self._file = None
        self._sink = None
        self._default_all: Optional[bool] = None
        self.result: Optional[bytes] = None
        self._call: Dict[str, Any] = {}
        self._series: Optional[bool] = None
        if self._io_mode == "r":
            # tifffile's page selection is an argument of each read, not an
            # option of the plugin.
            self._call = {k: kwargs.pop(k) for k in _TIFF_CALL_KEYS if kwargs.get(k) is not None}
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
        """The write handle, and the options for this write alone. A handle's
        options are set when it is opened, so the first write's options
        reopen it (nothing was written: dropping the old handle commits
        nothing); a later write's options that differ go with that write
        (the plugin takes those it reads per image, such as a GIF frame's
        ``duration`` or a TIFF page's ``compression``; others raise)."""
        if self._file is None and (self._closed or self._written):
            raise ValueError("I/O operation on a closed image resource")
        if self._file is None or options != self._write_options:
            if self._written:
                opened = self._write_options or {}
                per_write = {
                    k: v for k, v in options.items() if k not in opened or not _same(opened[k], v)
                }
                # Options of the first write left out later keep their value.
                return self._file, per_write
            self._file = self._open_writer(options)
        return self._file, None

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

    def _select(self, index: Any, kwargs: Dict[str, Any]) -> Tuple[Any, Dict[str, Any]]:
        """tifffile's selection for our tiff plugin: ``page=``/``key=`` pick a
        page (flat), ``series=`` a series whole, and ``index=None`` series 0
        whole when the file has series and several pages (``_has_series``);
        other plugins take none of these keywords."""
        kwargs = dict(kwargs)
        call = dict(self._call)
        call.update({k: kwargs.pop(k) for k in _TIFF_CALL_KEYS if kwargs.get(k) is not None})
        plugin = self._file.plugin if self._file is not None else None
        if plugin != "tiff":
            if call:
                raise TypeError(
                    f"unknown read option {next(iter(call))!r}: tifffile's page selection "
                    "works with the tiff plugin only"
                )
            return index, kwargs
        if "page" in call and "key" in call:
            raise ValueError("Can't use `page` and `key` at the same time.")
        page = call.get("page", call.get("key"))
        series = kwargs.get("series", self._kwargs.get("series"))
        if series is not None and index is not None:
            raise ValueError("Can't use `series` and `index` at the same time.")
        if page is not None:
            if series not in (None, 0) or index not in (None, Ellipsis, 0):
                raise ValueError(
                    "a page of a series other than the first is not supported: pass "
                    "index=..., page=N for page N of the file"
                )
            return _check_index(page), kwargs
        if index is None and series is None and self._has_series():
            kwargs["series"] = 0
            return 0, kwargs
        return index, kwargs

    @staticmethod
    def _first_description(file) -> Optional[str]:
        return file.metadata(0).get("description")

    def _has_series(self) -> bool:
        """Whether ``index=None`` reads series 0 of the open TIFF: it has
        more than one page (a named series, OME-XML, ImageJ or tifffile's
        shaped one, or tifffile's generic series of like pages, as
        ``tifffile.imread`` returns). A one-page file is read as its page
        (the fast path; a planar RGB page stays interleaved, (H, W, 3), where
        tifffile's series is channel first)."""
        if self._series is None:
            n = self._file.n_images() if self._file is not None else None
            self._series = n is None or n > 1
        return self._series

    def read(self, *, index: Any = None, **kwargs: Any) -> np.ndarray:
        """Reads image ``index``; ``...`` stacks every image; ``None`` lets the
        plugin decide."""
        index, kwargs = self._select(index, kwargs)
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
        index, kwargs = self._select(index, kwargs)
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
        picked = self._call or any(kwargs.get(k) is not None for k in _TIFF_CALL_KEYS)
        file_level = (index is None or index is Ellipsis) and not picked
        index, kwargs = self._select(index, kwargs)
        file, _ = self._reader(kwargs)
        resolved = self._resolve(file, index)
        meta = _fix_metadata(file.metadata(resolved), file.plugin)
        if file.plugin == "tiff" and file_level and meta.get("series_kind") == "shaped":
            # tifffile's file-level metadata of its shaped files: the JSON of
            # the first page's description (its "shape" among others).
            meta.update(_shaped_metadata(self._first_description(file)))
        if exclude_applied and file.plugin in _PILLOW_FORMATS:
            # imageio's Pillow plugin: the orientation counts as applied.
            meta.pop("Orientation", None)
        if file.plugin == "gif" and "palette" in meta:
            # imageio's Pillow plugin: the palette, applied by every read, is
            # given on request only, as Pillow's distinct palette colours.
            table = meta.pop("palette")
            if not exclude_applied:
                colours = dict.fromkeys(tuple(c) for c in table)
                meta["palette"] = np.asarray(list(colours), dtype=np.uint8).reshape(-1, 3)
        if "shape" not in meta:
            # Pillow's key: the (width, height) of the image.
            shape = file.properties(0 if resolved is None else resolved)[0]
            if len(shape) >= 2:
                meta["shape"] = (shape[1], shape[0])
        return meta

    def get_meta(self, *, index: Any = 0) -> Dict[str, Any]:
        """imageio's Pillow plugin's legacy name: ``metadata(index,
        exclude_applied=False)``."""
        return self.metadata(index=index, exclude_applied=False)

    def init_video_stream(
        self,
        codec: str,
        *,
        fps: float = 24,
        pixel_format: Optional[str] = None,
        max_keyframe_interval: Optional[int] = None,
        force_keyframes: Optional[bool] = None,
    ) -> None:
        """imageio's PyAV plugin API: the encoder (``codec``), frame rate,
        pixel format and keyframe spacing of the video the following
        ``write_frame`` calls make (our ffmpeg plugin's write options; the
        GOP size and closed GOPs go to the encoder as ``g`` and ``+cgop``)."""
        if self._io_mode != "w":
            raise OSError("this resource is open for reading, not writing")
        if self._written:
            raise ValueError("init_video_stream comes before the first frame is written")
        options: Dict[str, Any] = {"codec": codec, "fps": float(fps)}
        if pixel_format is not None:
            options["pixel_format"] = pixel_format
        encoder: Dict[str, str] = {}
        if max_keyframe_interval is not None:
            encoder["g"] = str(int(max_keyframe_interval))
        if force_keyframes:
            encoder["flags"] = "+cgop"
        if encoder:
            options["codec_options"] = encoder
        self._stream_options = options

    def write_frame(self, frame: Any, *, pixel_format: str = "rgb24") -> None:
        """imageio's PyAV plugin API: appends one frame to the stream that
        ``init_video_stream`` set up (``pixel_format`` names the array's
        layout, which the array's shape already tells: rgb24, rgba, gray)."""
        if pixel_format not in ("rgb24", "rgba", "gray", "gray8", "rgb48", "gray16"):
            raise ValueError(f"write_frame takes rgb24, rgba or gray frames, not {pixel_format!r}")
        self.write(frame, is_batch=False, **getattr(self, "_stream_options", {}))

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
        fmt = kwargs.pop("format", None)
        if fmt is not None:
            ext = "." + str(fmt).lower().lstrip(".")
            if ext != self._extension and not self._written:
                self._extension = ext
                self._plugin = _plugin_for(self._plugin_asked, ext)
                self._file = None
                self._write_options = None  # reopen for this format
            elif ext != self._extension:
                warnings.warn(
                    "Changing the output format during incremental writes is strongly "
                    f"discouraged. Was `{self._extension}`, is now `{ext}`; the format stays.",
                    UserWarning,
                    stacklevel=2,
                )
        if self._kwargs:
            # imopen's keywords (tifffile's imagej=, bigtiff=, ...) hold for
            # every write, as imageio hands them to the plugin's writer.
            kwargs = {**self._kwargs, **kwargs}
        kwargs = self._write_kwargs(_given(kwargs))
        mode = kwargs.pop("mode", None)
        if (
            self._plugin_asked in ("pillow", "PIL")
            and is_batch is None
            and mode is None
            and image.ndim == 3
            and image.shape[-1] == 1
        ):
            # imageio's Pillow plugin: (H, W, 1) is neither one image nor a
            # stack it can tell apart; say which with is_batch or mode.
            raise ValueError("Can't write images with one color channel.")
        if mode is not None and is_batch is None and mode in _MODE_BANDS:
            # Pillow's rule: the mode's bands tell a stack from one image.
            is_batch = image.ndim > (3 if _MODE_BANDS[mode] > 1 else 2)
        writer, per_write = self._writer(kwargs)
        writer.write(image, is_batch, per_write or None)
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
        exif = kwargs.get("exif")
        if exif is not None and not isinstance(exif, (bytes, bytearray, memoryview)):
            # Pillow's Exif object (what imageio's Pillow plugin takes).
            if not callable(getattr(exif, "tobytes", None)):
                raise TypeError(f"exif takes bytes or a PIL.Image.Exif, not {type(exif).__name__}")
            kwargs["exif"] = exif.tobytes()
        if "palette_size" in takes:
            # Pillow's names: colours per palette (`palletsize` is imageio's
            # old spelling), and `bits` = 2**bits colours.
            for name in ("palettesize", "palletsize"):
                if name in kwargs:
                    kwargs.setdefault("palette_size", int(kwargs.pop(name)))
                    kwargs.pop(name, None)
            if "bits" in kwargs:
                bits = int(kwargs.pop("bits"))
                if not 1 <= bits <= 8:
                    raise ValueError(f"bits={bits}: a GIF palette holds 2**1 to 2**8 colours")
                kwargs.setdefault("palette_size", max(2, 2**bits))
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
            unit = kwargs.pop("resolutionunit", None)
            if res is not None and "dpi" not in kwargs:
                kwargs["dpi"] = _tiff_dpi(res, unit)
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
