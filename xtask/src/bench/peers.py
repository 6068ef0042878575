# The Python side of `cargo xtask bench --compare`, which writes this file
# (xtask/src/bench/peers.py, built into xtask) to target/bench-set/peers.py on
# each run and runs it with the venv's Python. Commands:
#
# - `gen-jpeg SRC.npy DST QUALITY PROGRESSIVE` (Pillow) and
#   `gen-video DST CODEC W H FRAMES` (PyAV): the files of the comparison set
#   that our crates have no encoder for;
# - `gen-photos SRC.npy DIR N W H SMALL.png` (Pillow): the batch set, N
#   photo-like JPEGs (q90, 4:2:0) of W×H cut from SRC, and a 640×480 PNG;
# - `batch-png SRC_DIR OUT_DIR LEVEL JOBS`: every JPEG of SRC_DIR to PNG in
#   OUT_DIR by `multiprocessing.Pool(JOBS)` over Pillow (`Image.open(p).save(
#   out, "PNG")`, with `compress_level=LEVEL` unless LEVEL is `default`);
#   prints `{"files", "seconds"}`;
# - `peak PEER KIND PATH`: the memory of one read by one peer, measured as
#   `imageio bench --json` does (see `peak` below); prints JSON;
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

def gen_photos(src, out_dir, n, w, h, small):
    # Each photo: a W×H window of SRC at its own offset, mirrored every other
    # one, with its own channel gains and sensor noise, so that no two match.
    import os
    import numpy as np
    from PIL import Image
    a = np.load(src)
    n, w, h = int(n), int(w), int(h)
    rng = np.random.default_rng(20)
    H, W = a.shape[:2]
    os.makedirs(out_dir, exist_ok=True)
    for i in range(n):
        x, y = int(rng.integers(0, W - w + 1)), int(rng.integers(0, H - h + 1))
        c = a[y:y + h, x:x + w].astype(np.int16)
        if i % 2:
            c = c[:, ::-1]
        c = (c * rng.integers(218, 295, size=3).astype(np.int16)) >> 8
        c += rng.integers(-9, 10, size=(h, w, 3), dtype=np.int16)
        c = np.clip(c, 0, 255).astype(np.uint8)
        Image.fromarray(c).save(os.path.join(out_dir, f"photo_{i:03}.jpg"), quality=90, subsampling=2)
    Image.fromarray(np.ascontiguousarray(a[:480, :640])).save(small)

def _to_png(job):
    src, dst, params = job
    with Image.open(src) as im:
        im.save(dst, "PNG", **params)

def batch_png(src_dir, out_dir, level, jobs):
    global Image
    import os, multiprocessing
    from PIL import Image
    t = time.perf_counter()
    params = {} if level == "default" else {"compress_level": int(level)}
    os.makedirs(out_dir, exist_ok=True)
    work = [(os.path.join(src_dir, f), os.path.join(out_dir, f[:-4] + ".png"), params)
            for f in sorted(os.listdir(src_dir)) if f.endswith(".jpg")]
    with multiprocessing.Pool(int(jobs)) as pool:
        pool.map(_to_png, work)
    sys.stdout.write(json.dumps({"files": len(work), "seconds": time.perf_counter() - t}) + "\n")

def status_bytes(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return None

def peak(peer, kind, path):
    # As `imageio bench --json`: a warm-up read, dropped, freed heap handed
    # back (gc, malloc_trim), VmRSS, the high-water mark reset
    # (/proc/self/clear_refs), one read, VmHWM. The whole process's peak is
    # the larger of VmHWM before the reset (interpreter, imports, warm-up)
    # and after the read.
    global cv2, tifffile, iio
    import ctypes, gc
    import numpy
    if peer == "opencv":
        import cv2
        cv2.setNumThreads(1)
    elif peer == "tifffile":
        import tifffile, imagecodecs
    elif peer == "imageio":
        import imageio.v3 as iio
    fn = dict(peers(kind))[peer]
    a = fn(path)
    shape, dtype, nbytes = list(a.shape), str(a.dtype), int(a.nbytes)
    del a
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    hwm_start = status_bytes("VmHWM")
    before = status_bytes("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False
    a = fn(path)
    hwm = status_bytes("VmHWM")
    sys.stdout.write(json.dumps({"peer": peer, "shape": shape, "dtype": dtype, "nbytes": nbytes,
                                 "rss_before_bytes": before, "read_peak_rss_bytes": hwm if reset else None,
                                 "whole_peak_bytes": max(hwm_start, hwm)}) + "\n")

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
    elif cmd == "gen-photos":
        gen_photos(*sys.argv[2:8])
    elif cmd == "batch-png":
        batch_png(*sys.argv[2:6])
    elif cmd == "peak":
        peak(*sys.argv[2:5])
    elif cmd == "median":
        sys.stdout.write(json.dumps(medians(json.load(sys.stdin))) + "\n")
    elif cmd == "serve":
        serve()
