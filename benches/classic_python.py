"""Times the Python implementations the classic metrics were validated against, on the
images `benches/classic.rs` uses, for the README's speed ratios.

    python3 benches/classic_python.py [--repeat N] [--json OUT.json]

Peers: the NumPy transcriptions of the authors' code kept beside the test fixtures
(`crates/iqa-models/tests/fixtures/classic/*.py`, float64 NumPy/SciPy, single process), which
the Rust ports are checked against to 1e-13 (the timings of other Python packages, measured
once, are in `fr_timings_*.csv` and `nr_timings.csv` there). Each time is the median of
`--repeat` runs (default 5) of one image or pair, after one warm-up run. Needs NumPy,
SciPy and Pillow.
"""

import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates/iqa-models/tests/fixtures"
sys.path.insert(0, str(FIXTURES / "classic"))

import fr_reference_a  # noqa: E402
import fr_reference_b  # noqa: E402
import nr_reference  # noqa: E402

SIZES = [(512, 384), (1920, 1080)]


def load(sub, size):
    """The calibration image I08 (`ref` or `dist`) at `size`, RGB float64 0..255; resized
    with bicubic interpolation when the size differs (as the Rust bench does)."""
    img = Image.open(FIXTURES / "calibration" / sub / "I08.png").convert("RGB")
    if img.size != size:
        img = img.resize(size, Image.BICUBIC)
    return np.asarray(img, dtype=np.float64)


def median_seconds(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peers(ref, dist):
    """(peer, metric, thunk) for every implementation available here."""
    ry = fr_reference_a.luma(ref.astype(np.uint8))
    dy = fr_reference_a.luma(dist.astype(np.uint8))
    out = [
        ("numpy", "niqe", lambda: nr_reference.niqe(dy)),
        ("numpy", "brisque", lambda: nr_reference.brisque(dy)),
        ("numpy", "piqe", lambda: nr_reference.piqe(dy)),
        ("numpy", "vif", lambda: fr_reference_a.vif(ry, dy)),
        ("numpy", "nlpd", lambda: fr_reference_a.nlpd(ry, dy)),
        ("numpy", "cw-ssim", lambda: fr_reference_a.cw_ssim(ry, dy)),
        ("numpy", "fsim+fsimc", lambda: fr_reference_b.fsim(ref, dist)),
        ("numpy", "vsi", lambda: fr_reference_b.vsi(ref, dist)),
        ("numpy", "mad", lambda: fr_reference_b.mad(ref, dist)),
    ]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args()
    rows = []
    for w, h in SIZES:
        ref, dist = load("ref", (w, h)), load("dist", (w, h))
        for peer, metric, thunk in peers(ref, dist):
            seconds = median_seconds(thunk, args.repeat)
            rows.append({"peer": peer, "metric": metric, "size": f"{w}x{h}", "seconds": seconds})
            print(f"{peer:14} {metric:11} {w}x{h:<5} {seconds * 1e3:10.1f} ms", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
