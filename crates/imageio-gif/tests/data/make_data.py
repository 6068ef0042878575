# Makes the small reference files of tests/gif.rs (run from this directory
# with Pillow installed and the ffmpeg CLI on the PATH):
#
# - pillow_delta.gif: 3 frames 20x24 saved by Pillow (`save_all=True`), which
#   writes frames 1 and 2 as deltas (a transparent index for the unchanged
#   pixels); pillow_delta.rgb: what Pillow decodes, each frame
#   `convert("RGB")`, the raw bytes of the (3, 20, 24, 3) u8 array.
# - ffmpeg_delta.gif: 3 frames of ffmpeg's `testsrc` at 24x20 written by
#   `ffmpeg -f gif` (delta rectangles with transparent pixels);
#   ffmpeg_delta.rgb: Pillow's decode of it, as above.
import subprocess
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


def decoded(path):
    with Image.open(path) as im:
        return b"".join(f.convert("RGB").tobytes() for f in ImageSequence.Iterator(im))


f = frames()
f[0].save("pillow_delta.gif", save_all=True, append_images=f[1:], duration=[100, 200, 300], loop=0)
open("pillow_delta.rgb", "wb").write(decoded("pillow_delta.gif"))

subprocess.run(
    ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=24x20:rate=10",
     "-frames:v", "3", "-f", "gif", "ffmpeg_delta.gif"],
    check=True,
)
open("ffmpeg_delta.rgb", "wb").write(decoded("ffmpeg_delta.gif"))
