"""Writes the photographs of the real-photo test set: 13 distinct scenes that
scikit-image ships (public domain or CC0; see README.md), centre-cropped to a square and
downscaled to 192 x 192 with a Lanczos filter (antialiased, so no aliasing is added),
as 8-bit RGB PNG (grayscale photographs replicated to three channels).

    pip install scikit-image pillow
    python3 make_photos.py          # writes the PNGs into this folder
"""

import os

import numpy as np
import skimage.data as data
from PIL import Image

SIZE = 192
NAMES = [
    "astronaut", "brick", "camera", "cell", "chelsea", "coffee", "coins", "grass",
    "gravel", "hubble_deep_field", "immunohistochemistry", "retina", "rocket",
]  # fmt: skip


def square(image):
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return image[top : top + side, left : left + side]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name in NAMES:
        image = np.asarray(getattr(data, name)())
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        image = image[..., :3].astype(np.uint8)
        out = Image.fromarray(square(image)).resize((SIZE, SIZE), Image.LANCZOS)
        out.save(os.path.join(here, f"{name}.png"), optimize=True)
        print(f"{name}: {image.shape[1]}x{image.shape[0]} -> {SIZE}x{SIZE}")


if __name__ == "__main__":
    main()
