"""Build the `.test_images/` folder that imageio's own tests read, offline.

imageio's `tests/conftest.py` looks for `.test_images/` next to `tests/`; with
`-m "not needs_internet"` it never clones imageio's test-image repository. This
script fills that folder from two local sources:

- the imageio standard images in the shared corpus (`png/chelsea.png`,
  `gif/newtonscradle.gif`, `video/cockatoo.mp4`, ...; see the corpus's
  `PROVENANCE.tsv`, source `imageio/imageio-binaries`) and in the
  `standard-images` folder beside it (the other thirteen, byte for byte);
- arrays derived from them by the reference library (Pillow), named as in
  imageio's test-image repository: `chelsea.npy`, `chelsea_jpg.npy`,
  `newtonscradle_rgb.npy`.

Files the tests name that neither source holds are listed in `MISSING` with the
reason; the harness skips the tests that need them.

Run with the Python of the test venv (it needs numpy and Pillow):
`python fixtures.py OUT_DIR CORPUS_DIR STANDARD_IMAGES_DIR`.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

# Corpus path -> name under `.test_images/`.
FROM_CORPUS = {
    "png/astronaut.png": "astronaut.png",
    "png/camera.png": "camera.png",
    "png/chelsea.png": "chelsea.png",
    "png/coffee.png": "coffee.png",
    "png/horse.png": "horse.png",
    "png/text.png": "text.png",
    "jpeg/wood.jpg": "wood.jpg",
    "gif/newtonscradle.gif": "newtonscradle.gif",
    "video/cockatoo.mp4": "cockatoo.mp4",
    "npy/stent.npz": "stent.npz",
    "tiff/calcium_imaging.tif": "calcium_imaging.tif",
}

# Files imageio's v3 tests open that are in imageio's test-image repository
# but in neither local source: name -> why we cannot provide it.
MISSING = {
    "multipage_rgb.tif": (
        "multipage_rgb.tif (a tifffile-written (2,3,10,10) RGB volume with a 2015 datetime tag) "
        "is in imageio's test_images repository only, not in the shared corpus"
    ),
    "kodim03.png": (
        "kodim03.png (Kodak test image with a gAMA chunk) is in imageio's test_images "
        "repository only, not in the shared corpus"
    ),
    "imageio_issue245.gif": (
        "imageio_issue245.gif (GIF with a transparent pixel, imageio issue 245) is in imageio's "
        "test_images repository only, not in the shared corpus"
    ),
    "imageio_issue246.png": (
        "imageio_issue246.png (PNG with a tRNS pixel, imageio issue 246) is in imageio's "
        "test_images repository only, not in the shared corpus"
    ),
    "realshort.mp4": "realshort.mp4 is in imageio's test_images repository only",
    "rommel.jpg": "rommel.jpg is in imageio's test_images repository only",
}


def build(out: Path, corpus: Path, standard: Path) -> list[str]:
    """Fill `out` (created if needed) and return the names written, sorted."""
    import numpy as np
    from PIL import Image, ImageSequence

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for rel, name in FROM_CORPUS.items():
        shutil.copyfile(corpus / rel, out / name)
        written.append(name)
    if standard.is_dir():
        for path in sorted(standard.iterdir()):
            if path.is_file() and path.name != "README.md" and not path.name.startswith("."):
                shutil.copyfile(path, out / path.name)
                written.append(path.name)

    # Arrays derived with the reference library, not with either imageio.
    with Image.open(out / "chelsea.png") as im:
        chelsea = np.asarray(im.convert("RGB"))
    assert chelsea.shape == (300, 451, 3) and chelsea.dtype == np.uint8
    np.save(out / "chelsea.npy", chelsea)
    written.append("chelsea.npy")

    # The JPEG-decoded cat: encoded and decoded by Pillow (the tests only use it
    # as "an .npy file Pillow cannot read").
    buf = io.BytesIO()
    Image.fromarray(chelsea).save(buf, format="JPEG", quality=75)
    buf.seek(0)
    with Image.open(buf) as im:
        np.save(out / "chelsea_jpg.npy", np.asarray(im.convert("RGB")))
    written.append("chelsea_jpg.npy")

    with Image.open(out / "newtonscradle.gif") as im:
        frames = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)]
    cradle = np.stack(frames)
    assert cradle.shape[0] == 36 and cradle.shape[-1] == 3
    np.save(out / "newtonscradle_rgb.npy", cradle)
    written.append("newtonscradle_rgb.npy")
    return sorted(written)


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    names = build(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    print(f"fixtures: {len(names)} files in {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
