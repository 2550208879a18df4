"""Times scikit-image's PSNR and SSIM on the sizes of benches/fr_metrics.rs.

    python3 benches/fr_skimage.py

SSIM is timed as the Rust bench runs it: RGB in, MATLAB luma, then
structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=255) -- the same computation as `iqa fr --metric ssim --downsample off`.
Prints images per second (median of several runs).
"""

import time

import numpy as np
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def luma(a):
    return np.floor(0.298936021293775 * a[..., 0] + 0.587043074451121 * a[..., 1] + 0.114020904255103 * a[..., 2] + 0.5)


def rate(fn, repeats=10):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1.0 / float(np.median(times))


def main():
    print(f"scikit-image {skimage.__version__}, numpy {np.__version__}")
    rng = np.random.default_rng(0)
    for h, w in ((384, 512), (1080, 1920)):
        r = rng.integers(0, 256, (h, w, 3)).astype(np.float64)
        d = np.clip(r + rng.normal(0, 10, r.shape), 0, 255)
        psnr = rate(lambda: peak_signal_noise_ratio(r, d, data_range=255))
        ssim = rate(lambda: structural_similarity(luma(r), luma(d), gaussian_weights=True, sigma=1.5,
                                                   use_sample_covariance=False, data_range=255))
        print(f"{w}x{h}: psnr {psnr:8.1f} images/s, ssim {ssim:8.2f} images/s")


if __name__ == "__main__":
    main()
