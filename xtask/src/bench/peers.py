# The Python side of `cargo xtask bench --compare`, which writes this file
# (xtask/src/bench/peers.py, built into xtask) to target/bench-set/peers.py on
# each run and runs it with the venv's Python. Commands:
#
# - `gen-jpeg SRC.npy DST QUALITY PROGRESSIVE` (Pillow) and
#   `gen-video DST CODEC W H FRAMES` (PyAV): the files of the comparison set
#   that our crates have no encoder for;
# - `median`: a JSON list of lists of numbers on stdin, a JSON list of their
#   medians on stdout (`statistics.median`, null for an empty list), so that
#   every median in the report is taken here;
# - `serve`: the timing server, JSON lines on stdin/stdout.
#   `{"cmd": "time", "kind", "path", "repeat"}` times the peers' reads
#   (kinds `frame` and `props` also take `index` and `mode`: frame `index`
#   converted to `mode`, and the properties of an animation),
#   `{"cmd": "encode", "path", "format", "params", "repeat", "psnr"}` Pillow's
#   encodes of an NPY array into an `io.BytesIO` (`{"times", "bytes",
#   "fromarray_s", "psnr"}`), `{"cmd": "psnr", "ref", "path"}` the PSNR of an
#   image file against an NPY array, `{"cmd": "versions"}` and
#   `{"cmd": "quit"}`.
import json, sys, time, platform

def gen_jpeg(src, dst, quality, progressive):
    import numpy as np
    from PIL import Image
    a = np.load(src)
    Image.fromarray(a).save(dst, quality=int(quality), progressive=progressive == "1", subsampling=2)

def gen_video(dst, codec, w, h, n):
    import av, numpy as np
    w, h, n = int(w), int(h), int(n)
    out = av.open(dst, "w")
    s = out.add_stream(codec, rate=30)
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    if codec == "libvpx-vp9":
        s.options = {"deadline": "realtime", "cpu-used": "8", "crf": "32", "b:v": "0"}
    else:
        s.options = {"preset": "veryfast", "crf": "23"}
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 12, size=(h, w, 3), dtype=np.uint8)
    for t in range(n):
        r = 110 + 80 * np.sin(xx / w * 6 + t * 0.1)
        g = 110 + 80 * np.cos(yy / h * 5 - t * 0.07)
        b = 120 + 60 * np.sin((xx + yy) / (w + h) * 9 + t * 0.05)
        img = np.stack([r, g, b], -1).astype(np.uint8) + noise
        cx, cy = int(w * (0.1 + 0.8 * t / n)), h // 2
        img[max(cy - h // 8, 0):cy + h // 8, max(cx - w // 16, 0):cx + w // 16] = (230, 60, 40)
        for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            out.mux(p)
    for p in s.encode():
        out.mux(p)
    out.close()

def peers(kind, index=0, mode="RGB"):
    import numpy as np
    out = []
    if kind in ("image", "tiff"):
        def pil(p):
            from PIL import Image
            with Image.open(p) as im:
                return np.asarray(im)
        out.append(("pillow", pil))
        out.append(("opencv", lambda p: cv2.imread(p, cv2.IMREAD_UNCHANGED)))
        if kind == "tiff":
            out.append(("tifffile", lambda p: tifffile.imread(p)))
        out.append(("imageio", lambda p: iio.imread(p)))
    elif kind == "tiffstack":
        out.append(("tifffile", lambda p: tifffile.imread(p)))
        def cvmulti(p):
            ok, pages = cv2.imreadmulti(p, flags=cv2.IMREAD_UNCHANGED)
            return np.stack(pages)
        out.append(("opencv", cvmulti))
        def pilall(p):
            from PIL import Image, ImageSequence
            with Image.open(p) as im:
                return np.stack([np.asarray(f) for f in ImageSequence.Iterator(im)])
        out.append(("pillow", pilall))
        out.append(("imageio", lambda p: iio.imread(p, index=None)))
    elif kind == "npy":
        out.append(("numpy", lambda p: np.load(p)))
    elif kind == "gif":
        def pilgif(p):
            from PIL import Image, ImageSequence
            with Image.open(p) as im:
                return np.stack([np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)])
        out.append(("pillow", pilgif))
        out.append(("imageio", lambda p: iio.imread(p, index=None)))
    elif kind == "frame":
        def pilframe(p):
            from PIL import Image
            with Image.open(p) as im:
                im.seek(index)
                return np.asarray(im.convert(mode))
        out.append(("pillow", pilframe))
        out.append(("imageio", lambda p: iio.imread(p, index=index)))
    elif kind == "props":
        def pilprops(p):
            from PIL import Image
            with Image.open(p) as im:
                return (getattr(im, "n_frames", 1), im.size[1], im.size[0], len(im.getbands()))
        out.append(("pillow", pilprops))
        out.append(("imageio", lambda p: tuple(iio.improps(p).shape)))
    elif kind == "video":
        def pyav(p):
            import av
            with av.open(p) as c:
                return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
        out.append(("pyav", pyav))
        def cvvid(p):
            cap = cv2.VideoCapture(p)
            frames = []
            while True:
                ok, f = cap.read()
                if not ok:
                    break
                frames.append(f)
            cap.release()
            return np.stack(frames)
        out.append(("opencv", cvvid))
    return out

def time_peers(kind, path, repeat, index=0, mode="RGB"):
    res = []
    for name, fn in peers(kind, index, mode):
        try:
            a = fn(path)  # warm-up, and what it returns
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                b = fn(path)
                times.append(time.perf_counter() - t)
                del b
            shape = list(a.shape) if hasattr(a, "shape") else list(a)
            dtype = str(a.dtype) if hasattr(a, "dtype") else "-"
            res.append({"peer": name, "times": times, "shape": shape, "dtype": dtype})
            del a
        except Exception as e:
            res.append({"peer": name, "error": f"{type(e).__name__}: {e}"})
    return res

def psnr_of(a, path_or_bytes):
    import io, math
    import numpy as np
    from PIL import Image
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with Image.open(src) as im:
        b = np.asarray(im.convert("RGB"))
    d = a.astype(np.float64) - b.astype(np.float64)
    mse = float(np.mean(d * d))
    return None if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)

def encode(path, fmt, params, repeat, psnr):
    import io
    import numpy as np
    from PIL import Image
    try:
        a = np.load(path)
        t = time.perf_counter()
        im = Image.fromarray(a)
        fromarray_s = time.perf_counter() - t
        def enc():
            buf = io.BytesIO()
            im.save(buf, fmt, **params)
            return buf
        b = enc()  # warm-up
        times = []
        for _ in range(repeat):
            del b
            t = time.perf_counter()
            b = enc()
            times.append(time.perf_counter() - t)
        data = b.getvalue()
        ans = {"times": times, "bytes": len(data), "fromarray_s": fromarray_s}
        if psnr:
            ans["psnr"] = psnr_of(a, data)
        return ans
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}

def psnr_file(ref, path):
    import numpy as np
    try:
        return {"psnr": psnr_of(np.load(ref), path)}
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}

def medians(lists):
    import statistics
    return [statistics.median(v) if v else None for v in lists]

def serve():
    global cv2, tifffile, iio
    import cv2, tifffile, numpy, PIL, av, imagecodecs
    import imageio.v3 as iio
    import imageio
    cv2.setNumThreads(1)
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "quit":
            break
        if cmd == "versions":
            ans = {"python": platform.python_version(), "numpy": numpy.__version__, "pillow": PIL.__version__,
                   "opencv": cv2.__version__, "tifffile": tifffile.__version__, "av": av.__version__,
                   "imageio": imageio.__version__, "imagecodecs": imagecodecs.__version__,
                   "ffmpeg": ".".join(map(str, av.library_versions.get("libavcodec", ())))}
        elif cmd == "encode":
            ans = encode(req["path"], req["format"], req.get("params", {}), int(req["repeat"]), bool(req.get("psnr")))
        elif cmd == "psnr":
            ans = psnr_file(req["ref"], req["path"])
        else:
            ans = time_peers(req["kind"], req["path"], int(req["repeat"]),
                             int(req.get("index", 0)), req.get("mode", "RGB"))
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen-jpeg":
        gen_jpeg(*sys.argv[2:6])
    elif cmd == "gen-video":
        gen_video(*sys.argv[2:7])
    elif cmd == "median":
        sys.stdout.write(json.dumps(medians(json.load(sys.stdin))) + "\n")
    elif cmd == "serve":
        serve()
