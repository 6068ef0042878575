"""Makes the WebP test files of imageio-webp and their reference arrays.

Run with the reference venv (Pillow on libwebp, numpy):
    /work/main/target/refvenv/bin/python make.py
Each NAME.webp is written by Pillow; NAME.npy is Pillow's own decode of it
(RGBA for animations: every frame composited by libwebp's WebPAnimDecoder).
The tests compare imageio-webp's read of NAME.webp with NAME.npy.
"""
import numpy as np
from PIL import Image, features

W, H = 40, 24

def pattern(seed, alpha=False, w=W, h=H):
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(seed)
    r = (x * 255 // (w - 1)).astype(np.uint8)
    g = (y * 255 // (h - 1)).astype(np.uint8)
    b = rng.integers(0, 256, (h, w), dtype=np.uint8)
    chans = [r, g, b]
    if alpha:
        a = ((x + y) * 255 // (w + h - 2)).astype(np.uint8)
        a[:4, :4] = 0
        chans.append(a)
    return np.dstack(chans)

def decode_all(path):
    im = Image.open(path)
    frames = []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        frames.append(np.asarray(im.convert("RGBA") if im.mode == "RGBA" else im.convert("RGB")))
    return frames, im

def still(name, arr, **kw):
    Image.fromarray(arr).save(name + ".webp", **kw)
    frames, im = decode_all(name + ".webp")
    assert len(frames) == 1
    np.save(name + ".npy", frames[0])
    print(name, im.mode, frames[0].shape, kw)

still("lossy", pattern(1), quality=80)
# The source arrays of two lossy files: the tests encode them with the same
# settings and expect Pillow's bytes (the same libwebp encoder).
np.save("lossy_source.npy", pattern(1))
still("lossless", pattern(2), lossless=True)
assert (np.load("lossless.npy") == pattern(2)).all()
still("alpha_lossy", pattern(3, alpha=True), quality=70)
np.save("alpha_lossy_source.npy", pattern(3, alpha=True))
still("alpha_lossless", pattern(4, alpha=True), lossless=True, exact=True)
assert (np.load("alpha_lossless.npy") == pattern(4, alpha=True)).all()

def anim(name, frames, **kw):
    ims = [Image.fromarray(f) for f in frames]
    ims[0].save(name + ".webp", save_all=True, append_images=ims[1:], **kw)
    out, im = decode_all(name + ".webp")
    # Pillow gives RGBA for animations: keep RGBA, the tests drop alpha when
    # the canvas is opaque (and check it is 255 everywhere).
    stack = np.stack(out)
    if stack.shape[-1] == 3:
        stack = np.concatenate([stack, np.full(stack.shape[:-1] + (1,), 255, np.uint8)], -1)
    np.save(name + ".npy", stack)
    print(name, im.mode, stack.shape, kw)

w, h = 24, 16
base = pattern(5, w=w, h=h)
f1 = base.copy(); f1[4:10, 6:14] = [255, 0, 0]
f2 = f1.copy(); f2[8:14, 2:8] = [0, 0, 255]
# Opaque frames: Pillow's encoder (WebPAnimEncoder) writes the later ones as
# blended sub-frames; the canvas never shows transparency.
anim("anim_opaque", [base, f1, f2], duration=[100, 200, 300], loop=2, lossless=True)
# Frames with transparency; lossy, so with ALPH chunks.
t0 = pattern(6, alpha=True, w=w, h=h)
t1 = t0.copy(); t1[2:8, 2:8] = [0, 255, 0, 128]
t2 = t1.copy(); t2[:, 12:] = [0, 0, 0, 0]
anim("anim_alpha", [t0, t1, t2], duration=50, loop=0, quality=90)
print("libwebp", features.version("webp"))
