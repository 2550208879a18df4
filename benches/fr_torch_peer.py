"""PyTorch peer timings for `iqa fr --repeat`: PSNR (RGB) and SSIM on MATLAB-rounded luma
without downsampling (11x11 Gaussian, sigma 1.5, 'valid'), in float64 like ours, on one
image pair stacked into batches. Usage: python3 fr_torch_peer.py REF DIST DEVICE BATCH REPEAT
Prints one JSON line per metric with pairs_per_s."""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ref_path, dist_path, device, batch, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])


def load(path):
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255.0
    t = torch.from_numpy(a).permute(2, 0, 1).unsqueeze(0).to(device)
    return t.repeat(batch, 1, 1, 1)


W = torch.tensor([0.298936021293775, 0.587043074451121, 0.114020904255103], dtype=torch.float64, device=device)
g = torch.exp(-((torch.arange(11, dtype=torch.float64, device=device) - 5) ** 2) / (2 * 1.5**2))
g = g / g.sum()
ROW, COL = g.view(1, 1, 1, 11), g.view(1, 1, 11, 1)


def psnr(x, y):
    mse = ((x - y) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return -10 * torch.log10(mse)


def ssim(x, y):
    lx = torch.round((x * 255 * W.view(1, 3, 1, 1)).sum(1, keepdim=True))
    ly = torch.round((y * 255 * W.view(1, 3, 1, 1)).sum(1, keepdim=True))
    n = lx.shape[0]
    s = torch.cat([lx, ly, lx * lx, ly * ly, lx * ly], 0)
    m = F.conv2d(F.conv2d(s, ROW), COL)
    mx, my, xx, yy, xy = m.split(n, 0)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    vx, vy, cov = xx - mx * mx, yy - my * my, xy - mx * my
    smap = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return smap.flatten(1).mean(1)


x, y = load(ref_path), load(dist_path)
for name, f in [("psnr", psnr), ("ssim-off", ssim)]:
    with torch.no_grad():
        score = f(x, y)[0].item()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(repeat):
            f(x, y)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
    print(json.dumps({"peer": "torch", "metric": name, "score": score, "device": device, "batch": batch, "repeat": repeat, "pairs_per_s": batch * repeat / dt}))
