"""Writes example_scores.csv: a small synthetic evaluation table for trying `iqa eval`.

The rows imitate a LIVE-like study (20 references x 5 distortion types x 3 levels) but
every number is drawn from the seeded model below: no image was rated and no metric was
run. `mos` is on a 0-100 scale (higher is better) with a per-image `mos_std`;
`metric_a` behaves like a good full-reference index (SSIM-like range, saturating near 1,
nonlinear in MOS) and `metric_b` like a weaker one that misjudges blur.

    python3 make_example_scores.py   # rewrites example_scores.csv next to this file
"""

import csv
import pathlib

import numpy as np

rng = np.random.default_rng(20180618)
types = ["jpeg", "jp2k", "wn", "gblur", "fastfading"]
rows = []
for ref in range(20):
    content = rng.normal(0.0, 6.0)  # some references are judged better than others
    for t, dist_type in enumerate(types):
        for level in (1, 2, 3):
            severity = level / 3.0 + rng.normal(0.0, 0.08)
            mos = float(np.clip(88.0 - 62.0 * severity + content + rng.normal(0.0, 4.0), 2.0, 98.0))
            mos_std = float(rng.uniform(6.0, 14.0))
            quality = mos / 100.0
            metric_a = 1.0 - 0.55 * (1.0 - quality) ** 1.6 + rng.normal(0.0, 0.035)
            bias_b = 0.12 if dist_type == "gblur" else 0.0
            metric_b = 0.4 + 0.5 * quality + bias_b + rng.normal(0.0, 0.06)
            rows.append(
                {
                    "image": f"{dist_type}/ref{ref:02d}_l{level}.png",
                    "ref": f"ref{ref:02d}.png",
                    "dist_type": dist_type,
                    "dist_level": level,
                    "mos": round(mos, 3),
                    "mos_std": round(mos_std, 3),
                    "metric_a": round(float(metric_a), 5),
                    "metric_b": round(float(metric_b), 5),
                }
            )

out = pathlib.Path(__file__).with_name("example_scores.csv")
with out.open("w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
print(f"wrote {len(rows)} rows to {out}")
