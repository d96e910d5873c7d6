#!/usr/bin/python3
"""Makes the small fixture files in tests/fixtures/ that the C++ readers are tested against.

Run with Debian's python3 (python3-numpy, python3-h5py, python3-pil): /usr/bin/python3 scripts/make_fixtures.py
The project itself never runs Python; these files are committed.

- npz_stored.npz / npz_deflated.npz: the same three arrays, via np.savez (stored members) and
  np.savez_compressed (deflated members).
- npy_v2_int32.npy: a version-2.0 header; npy_big_endian.npy: '>f4' data (must be refused clearly).
- dsprites_small.npz: the real dSprites npz layout (imgs N x 64 x 64 uint8 0/1, latents_classes N x 6,
  latents_values N x 6, a pickled `metadata` object) on a reduced grid [1, 3, 2, 2, 2, 2], rows in
  row-major order. Each image has a 1-pixel marker whose position encodes the row (so a reader that
  mixes rows up is caught) - it is not a sprite.
- shapes3d_chunked.h5: the 3dshapes.h5 layout (images N x 64 x 64 x 3 uint8 chunked (1, 64, 64, 3)
  with gzip, labels N x 6 float64 holding factor *values*) on the grid [2, 1, 2, 2, 2, 3].
- shapes3d_contiguous.h5: the same layout, contiguous storage, 16 x 16 images, grid [1, 2, 1, 1, 2, 2].
- shapes3d_shuffle.h5: 8 x 8 images, shuffle + gzip on both datasets (labels in (5, 6) chunks, so edge
  chunks overhang the array), grid [1, 1, 2, 1, 2, 3].
- shapes3d_latest.h5: libver='latest' (superblock 3, object header 2, link messages, layout message 4),
  contiguous 8 x 8 images; shapes3d_latest_chunked.h5: the same, chunked (its chunk index is not
  supported and must be refused clearly).
- dsprites_gif_frames.npz: 16 frames of the animation of deepmind/dsprites-dataset's README (dsprites.gif) (`frames`,
  binary 16 x 64 x 64 uint8 0/1) and their frame numbers (`frame_numbers`).
"""
import os

import h5py
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
# The README animation of github.com/deepmind/dsprites-dataset (dsprites.gif), downloaded by hand.
GIF = os.environ.get("DSPRITES_GIF", "dsprites.gif")


def grid_rows(sizes):
    """All factor-index rows of the grid in row-major order (last factor fastest)."""
    return np.stack(np.unravel_index(np.arange(int(np.prod(sizes))), sizes), axis=1).astype(np.int64)


def marker_pattern(n, h, w, c):
    """Image i: zeros except pixel (i // w, i % w) = 1 in channel 0 (and 255-i in the last channel)."""
    images = np.zeros((n, h, w, c), dtype=np.uint8)
    for i in range(n):
        images[i, (i // w) % h, i % w, 0] = 1
        if c > 1:
            images[i, :, :, c - 1] = (255 - i) % 256
    return images


def main():
    os.makedirs(OUT, exist_ok=True)
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 4
    b = np.array([-1, 0, 2**40], dtype=np.int64)
    c = (np.arange(64 * 64) % 7 == 0).astype(np.uint8).reshape(64, 64)
    np.savez(os.path.join(OUT, "npz_stored.npz"), a=a, b=b, c=c)
    np.savez_compressed(os.path.join(OUT, "npz_deflated.npz"), a=a, b=b, c=c)

    # .npy header versions and byte orders.
    with open(os.path.join(OUT, "npy_v2_int32.npy"), "wb") as f:
        np.lib.format.write_array(f, np.array([[1, -2, 3], [2**31 - 1, 0, -2**31]], dtype="<i4"), version=(2, 0))
    np.save(os.path.join(OUT, "npy_big_endian.npy"), np.array([1.5, 2.5], dtype=">f4"))

    sizes = [1, 3, 2, 2, 2, 2]
    classes = grid_rows(sizes)
    n = len(classes)
    imgs = marker_pattern(n, 64, 64, 1)[..., 0]
    values = classes.astype(np.float64)
    metadata = np.array({"latents_sizes": np.array(sizes), "title": "dSprites fixture"}, dtype=object)
    np.savez_compressed(os.path.join(OUT, "dsprites_small.npz"), imgs=imgs, latents_classes=classes,
                        latents_values=values, metadata=metadata)

    def shapes3d(path, sizes, side, chunked, libver="earliest", shuffle=False):
        classes = grid_rows(sizes)
        n = len(classes)
        # Labels hold values, as the real file: hues in [0, 1), scale 0.75.., shape, orientation degrees.
        hue = np.array([0.0, 0.1, 0.2])
        labels = np.stack([hue[classes[:, 0]], hue[classes[:, 1]], hue[classes[:, 2]],
                           0.75 + classes[:, 3] / 14.0, classes[:, 4].astype(np.float64),
                           -30.0 + 60.0 * classes[:, 5] / 14.0], axis=1)
        images = marker_pattern(n, side, side, 3)
        with h5py.File(path, "w", libver=libver) as f:
            if chunked:
                f.create_dataset("images", data=images, chunks=(1, side, side, 3), compression="gzip",
                                 compression_opts=4, shuffle=shuffle)
            else:
                f.create_dataset("images", data=images)
            if shuffle:  # 8-byte elements, so the shuffle filter really reorders bytes
                f.create_dataset("labels", data=labels, chunks=(5, 6), compression="gzip", shuffle=True)
            else:
                f.create_dataset("labels", data=labels)

    shapes3d(os.path.join(OUT, "shapes3d_chunked.h5"), [2, 1, 2, 2, 2, 3], 64, True)
    shapes3d(os.path.join(OUT, "shapes3d_contiguous.h5"), [1, 2, 1, 1, 2, 2], 16, False)
    shapes3d(os.path.join(OUT, "shapes3d_shuffle.h5"), [1, 1, 2, 1, 2, 3], 8, True, shuffle=True)
    shapes3d(os.path.join(OUT, "shapes3d_latest.h5"), [1, 1, 1, 1, 2, 2], 8, False, libver="latest")
    shapes3d(os.path.join(OUT, "shapes3d_latest_chunked.h5"), [1, 1, 1, 1, 2, 2], 8, True, libver="latest")

    im = Image.open(GIF)
    frames = []
    try:
        while True:
            frames.append(np.array(im.convert("L")) > 127)
            im.seek(im.tell() + 1)
    except EOFError:
        pass
    # Hearts are frames 0-191, ellipses 192-255, squares 256-319 of the animation.
    picks = np.array([6, 24, 44, 72, 122, 164, 196, 210, 218, 226, 236, 262, 266, 276, 282, 300])
    np.savez_compressed(os.path.join(OUT, "dsprites_gif_frames.npz"),
                        frames=np.array(frames)[picks].astype(np.uint8), frame_numbers=picks.astype(np.int64))


if __name__ == "__main__":
    main()
