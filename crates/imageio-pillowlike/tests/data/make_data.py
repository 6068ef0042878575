# Makes the small reference files of tests/anim.rs (run from this directory
# with Pillow installed, built with libwebp):
#
# - pillow_delta.gif, pillow_delta.rgb: copies of imageio-gif's tests/data
#   files (3 frames 20x24 saved by Pillow as deltas; Pillow's decode of each
#   frame, convert("RGB"), raw bytes of the (3, 20, 24, 3) array).
# - pillow_anim.webp: the same 3 RGB frames saved by Pillow as a lossless
#   animated WebP (libwebp's animation encoder writes sub-rectangles);
#   pillow_anim.rgb: Pillow's decode, each frame convert("RGB").
# - pillow_anim_alpha.webp: 2 lossless RGBA frames 20x24, frame 0 with a
#   transparent square; pillow_anim_alpha.rgba: Pillow's decode, RGBA.
from PIL import Image, ImageSequence


def frames():
    out = []
    for t in range(3):
        im = Image.new("RGB", (24, 20), (30, 60, 90))
        for y in range(20):
            for x in range(24):
                if (x // 4 + y // 5) % 2:
                    im.putpixel((x, y), (200, 180, 20))
        for y in range(6, 12):
            for x in range(3 + 6 * t, 9 + 6 * t):
                im.putpixel((x, y), (220, 30, 40))
        out.append(im)
    return out


def decoded(path, mode):
    with Image.open(path) as im:
        return b"".join(f.convert(mode).tobytes() for f in ImageSequence.Iterator(im))


f = frames()
f[0].save("pillow_anim.webp", save_all=True, append_images=f[1:], duration=[100, 200, 300],
          loop=0, lossless=True)
open("pillow_anim.rgb", "wb").write(decoded("pillow_anim.webp", "RGB"))

a = [fr.convert("RGBA") for fr in f[:2]]
for y in range(2, 6):
    for x in range(2, 6):
        a[0].putpixel((x, y), (0, 0, 0, 0))
a[0].save("pillow_anim_alpha.webp", save_all=True, append_images=a[1:], duration=[50, 50],
          loop=2, lossless=True)
open("pillow_anim_alpha.rgba", "wb").write(decoded("pillow_anim_alpha.webp", "RGBA"))
