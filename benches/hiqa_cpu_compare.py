#!/usr/bin/env python3
"""`iqa bench` against the PyTorch peer on the CPU, run alternately several times.

PyTorch's CPU timings on a small machine vary by up to 2x from run to run, so one run of
each says little. This script runs `iqa bench --json` and `benches/hiqa_torch_peer.py
--json` alternately `--runs` times (optionally also `iqa bench` with candle's own
operations, `IQA_CONV=candle`, once), and prints a Markdown table of the medians (with
PyTorch's range) and their ratio, plus each framework's single-precision matrix-product
rate on a 2048^3 product for scale (the "machine peak" column divides forward FLOP/s by
PyTorch's rate).

    python3 benches/hiqa_cpu_compare.py --iqa target/release/iqa --preset tiny \
        --batch 1,8,32 --runs 3 --threads 2 [--candle] [--json OUT]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


def by_key(report):
    return {(m["what"], m["batch"]): m for m in report["results"]}


def torch_matmul_gflops(threads):
    import torch

    torch.set_num_threads(threads)
    a = torch.randn(2048, 2048)
    b = torch.randn(2048, 2048)
    a @ b
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * 2048**3 / best / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iqa", default="target/release/iqa", help="the iqa binary")
    p.add_argument("--preset", default="tiny")
    p.add_argument("--batch", default="1,8,32")
    p.add_argument("--seconds", default="3")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--candle", action="store_true", help="also one run with IQA_CONV=candle")
    p.add_argument("--only", help="measurement-name filters, passed to both benches")
    p.add_argument("--json", help="write every run's raw results here")
    args = p.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    common = ["--preset", args.preset, "--batch", args.batch, "--seconds", args.seconds, "--json"]
    if args.only:
        common += ["--only", args.only]
    ours, theirs = [], []
    for k in range(args.runs):
        print(f"run {k + 1}/{args.runs}", file=sys.stderr)
        ours.append(run_json([args.iqa, "bench", *common]))
        theirs.append(
            run_json([sys.executable, os.path.join(here, "hiqa_torch_peer.py"), *common,
                      "--threads", str(args.threads)])
        )
    stock = None
    if args.candle:
        env = dict(os.environ, IQA_CONV="candle")
        stock = run_json([args.iqa, "bench", *common], env=env)
    peak = torch_matmul_gflops(args.threads)

    rows = []
    keys = list(by_key(ours[0]).keys())
    print(f"{args.preset} preset, patches/s, median of {args.runs} runs "
          f"(PyTorch matmul 2048^3: {peak:.0f} GFLOP/s on {args.threads} threads)")
    head = "| what | batch | "
    head += "candle ops | " if stock else ""
    head += "iqa | PyTorch (range) | iqa / PyTorch | iqa forward GFLOP/s / PyTorch matmul |"
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for key in keys:
        ours_v = statistics.median(by_key(r)[key]["patches_per_s"] for r in ours)
        theirs_all = [by_key(r)[key]["patches_per_s"] for r in theirs]
        theirs_v = statistics.median(theirs_all)
        gflop = by_key(ours[0])[key]["gflop_per_patch"]
        share = (
            f"{ours_v * gflop / peak:.0%}" if "forward" in key[0] else ""
        )
        line = f"| {key[0]} | {key[1]} | "
        if stock:
            line += f"{by_key(stock)[key]['patches_per_s']:.3g} | "
        line += (f"{ours_v:.3g} | {theirs_v:.3g} ({min(theirs_all):.3g}-{max(theirs_all):.3g}) | "
                 f"{ours_v / theirs_v:.2f} | {share} |")
        print(line)
        rows.append({"what": key[0], "batch": key[1], "iqa": ours_v, "pytorch": theirs_v})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"iqa": ours, "pytorch": theirs, "candle": stock,
                       "pytorch_matmul_gflops": peak, "medians": rows}, f, indent=1)


if __name__ == "__main__":
    main()
