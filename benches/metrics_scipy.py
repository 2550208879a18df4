"""Times SciPy on the same statistics as benches/metrics.rs, for the README's ratios.

    python3 benches/metrics_scipy.py

Same data shape as the Rust bench (uniform predictions, noisy sigmoidal MOS on 0-100;
NumPy's generator rather than SplitMix64, which does not matter for timing). Reports the
median of several runs per statistic, in milliseconds.
"""

import time

import numpy as np
import scipy
from scipy import optimize, stats


def logistic5(x, b1, b2, b3, b4, b5):
    return b1 * (0.5 - 1.0 / (1.0 + np.exp(b2 * (x - b3)))) + b4 * x + b5


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def main():
    rng = np.random.default_rng(42)
    print(f"scipy {scipy.__version__}, numpy {np.__version__}")
    for n in (1_000, 100_000, 1_000_000):
        x = rng.uniform(0, 1, n)
        y = 100 / (1 + np.exp(-8 * (x - 0.5))) + (rng.uniform(size=(3, n)).sum(0) - 1.5) * 10
        repeats = 20 if n <= 100_000 else 5
        p0 = [y.max(), y.min(), x.mean(), 1.0, 0.0]
        rows = {
            "srocc": lambda: stats.spearmanr(x, y),
            "krocc": lambda: stats.kendalltau(x, y),
            "plcc": lambda: stats.pearsonr(x, y),
            "rmse": lambda: np.sqrt(np.mean((x - y) ** 2)),
            "logistic5 fit": lambda: optimize.curve_fit(logistic5, x, y, p0=p0, maxfev=10000),
        }
        for name, fn in rows.items():
            print(f"n={n:>8} {name:<14} {timed(fn, repeats):10.3f} ms")


if __name__ == "__main__":
    main()
