"""PyTorch peer of `iqa bench`: the Hallucinated-IQA networks (G, R, D) rebuilt in PyTorch
from our candle code, timed the same way, so that both frameworks can be compared on the
same machine.

Run by hand (this script is not part of CI), e.g. next to `iqa bench`:

    python3 benches/hiqa_torch_peer.py --preset tiny --json
    iqa bench --preset tiny --json

It mirrors crates/iqa-cli/src/commands/bench.rs: the same five measurements per batch size (`R forward`,
`G+R forward`, `G train step`, `R train step`, `D train step`), each timed with one
warm-up call and then calls until `--seconds` have passed, plain SGD (lr 1e-4), uniform
random inputs, the same train/eval mode of every network in every measurement, and the
same `gflop_per_patch` formulas (multiply-adds of convolutions and linear layers, counted
here with forward hooks, 2 FLOPs each). The architecture follows
crates/iqa-models/src/hiqa/ (config.rs, blocks.rs, hourglass.rs, generator.rs,
regressor.rs, discriminator.rs, losses.rs; the VGG of crates/iqa-models/src/vgg.rs) layer for layer.

Options: --preset tiny|paper, --batch 1,8,32, --patch N (default: the preset's),
--seconds S (default 2.0), --threads N (torch.set_num_threads; default: torch's own),
--device cpu|cuda:N (default cpu), --json (one JSON object, the shape `iqa bench --json`
prints plus "framework", "torch_version" and "threads"; a table otherwise). candle uses
all cores unless RAYON_NUM_THREADS says otherwise: give --threads the same count. On a
machine busy with other work, fewer threads than cores give steadier numbers (torch's
OpenMP threads wait by spinning, which can slow a loaded machine down many times over).

Checking the rebuild against a model file our Rust code wrote (tensors `g.*`, `r.*` and,
when saved for training, `d.*`; R's mode is read from the file's metadata):

    python3 benches/hiqa_torch_peer.py --preset tiny --check-against run/model.safetensors

loads every tensor into the PyTorch networks, strictly: each name and shape must match
ours both ways (a file without `d.*` leaves D unchecked, as our loader does). It prints
every mismatch and exits 1, or exits 0 when all match. No timing is done in this mode.

    python3 benches/hiqa_torch_peer.py --preset tiny --check-against run/model.safetensors \
        --check-input 7 --check-png /tmp/hiqa-check

also runs G then R in eval mode (R alone for a baseline-mode file), as `iqa score` does,
on 2 deterministic 8-bit RGB images of patch x patch pixels,
`numpy.random.default_rng(SEED).integers(0, 256, (2, P, P, 3), dtype=uint8)` (scaled by
1/255 like image_tensor.rs), and prints each image's score. With --check-png DIR the
images are also written as PNG files, and the `iqa score` command that scores each one
with our Rust code is printed: an image of exactly one patch is one window, so our score
is the same forward pass and should agree to about 1e-5 (float summation order differs).

Algorithm 1 step for step (the fixture of crates/iqa-train/tests/algorithm1.rs):

    python3 benches/hiqa_torch_peer.py --train-check crates/iqa-train/tests/fixtures/algorithm1

reads the initial training state our trainer wrote (`state.safetensors`: `net.g.*`, `net.r.*`,
`net.d.*`, `pre.r.*`), VGG19's weights, the batches and `setup.json` (sizes, loss weights,
optimiser, learning rates, stage lengths), runs every step of Algorithm 1 as
crates/iqa-train/src/trainer/steps.rs does (with `torch.optim.SGD`: momentum, weight decay,
the step decay set per update), in float32 and in float64, and writes `expected.json`: per
step the losses and the sum of absolute values of every tensor (running statistics
included) afterwards, in both precisions, and how far each tensor has moved from its
initial value in float64.
"""

import argparse
import json
import math
import os
import struct
import sys
import time
from dataclasses import asdict, dataclass, replace

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------
# Sizes (config.rs) and options (regressor.rs, losses.rs)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiqaConfig:
    """The sizes of G, R and D, as `HiqaConfig` in config.rs."""

    preset: str
    g_width: int
    g_stacks: int
    g_depth: int
    r_width: int
    fusion_width: int
    hidden_width: int
    d_width: int
    patch: int
    vgg_taps: tuple
    gates: bool = False
    g_skip: bool = False
    r_mscn: bool = False


PRESETS = {
    "paper": HiqaConfig("paper", 256, 2, 4, 64, 256, 512, 64, 256, (8, 17, 26)),
    "tiny": HiqaConfig("tiny", 16, 2, 2, 8, 16, 32, 8, 64, (1,), True, True, True),
}

# RegressorMode: (discrepancy, fusion).
FULL = (True, True)
NO_FUSION = (True, False)  # R_pre of the supplement
BASELINE = (False, False)


@dataclass(frozen=True)
class LossWeights:
    """`LossWeights::default()` of losses.rs."""

    pixel: float = 1.0
    perceptual: float = 0.01
    adversarial: float = 0.001
    quality: float = 0.01
    epsilon: float = 0.05


BN_EPS = 1e-5  # `batch_norm(c, 1e-5, ..)` everywhere; candle's momentum is 0.1, as torch's
LEARNING_RATE = 1e-4  # bench.rs: `SGD::new(vars, 1e-4)`
CHECK_IMAGES = 2  # images of the --check-input forward pass
MODEL_FORMAT = "iqa-hallucinated-iqa"  # model_file.rs's metadata `format`

# ---------------------------------------------------------------------------------------
# Building blocks (blocks.rs)
# ---------------------------------------------------------------------------------------


def batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=0.1)


def same_conv(cin, cout, k, stride):
    """blocks.rs `conv`: no bias, padding k / 2."""
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)


def pool_if_possible(x):
    """2x2 max-pool, skipped when a side is below 2 (`if h >= 2 && w >= 2` in the Rust)."""
    h, w = x.shape[-2:]
    return F.max_pool2d(x, 2) if h >= 2 and w >= 2 else x


def upsample_to(x, h, w):
    """candle's `upsample_nearest2d(h, w)`: source index floor(i * in / out), as torch's."""
    return F.interpolate(x, size=(h, w), mode="nearest")


def spatial_mean(x):
    """`x.mean(D::Minus1)?.mean(D::Minus1)?`: global average pooling to N x C."""
    return x.mean(-1).mean(-1)


class ConvBnRelu(nn.Module):
    """Convolution (no bias), batch norm, ReLU."""

    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.conv = same_conv(cin, cout, k, stride)
        self.bn = batch_norm(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    """Pre-activation bottleneck: BN-ReLU-conv1x1 (cout/2), BN-ReLU-conv3x3, BN-ReLU-conv1x1
    (cout), plus the input (through a 1x1 convolution when the widths differ). Its
    convolutions have biases (candle's `conv2d`, not `conv2d_no_bias`)."""

    def __init__(self, cin, cout):
        super().__init__()
        mid = max(cout // 2, 1)
        self.bn1 = batch_norm(cin)
        self.conv1 = nn.Conv2d(cin, mid, 1)
        self.bn2 = batch_norm(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, padding=1)
        self.bn3 = batch_norm(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.relu(self.bn1(x)))
        h = self.conv2(F.relu(self.bn2(h)))
        h = self.conv3(F.relu(self.bn3(h)))
        skip = self.skip(x) if self.skip is not None else x
        return h + skip


class Projection(nn.Module):
    """BasicBlock's shortcut: strided 1x1 convolution (no bias) + BN (names `down.conv`,
    `down.bn`)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = same_conv(cin, cout, 1, stride)
        self.bn = batch_norm(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    """ResNet's basic block: conv3x3-BN-ReLU, conv3x3-BN, plus the (projected) input, ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = same_conv(cin, cout, 3, stride)
        self.bn1 = batch_norm(cout)
        self.conv2 = same_conv(cout, cout, 3, 1)
        self.bn2 = batch_norm(cout)
        self.down = Projection(cin, cout, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        skip = self.down(x) if self.down is not None else x
        return F.relu(h + skip)


# ---------------------------------------------------------------------------------------
# G (hourglass.rs, generator.rs)
# ---------------------------------------------------------------------------------------


class Hourglass(nn.Module):
    """A residual branch at this scale plus pool -> low_in -> (deeper hourglass | bottom
    unit) -> low_out -> nearest upsampling; returns the sum and the innermost features."""

    def __init__(self, depth, width):
        super().__init__()
        self.up = Bottleneck(width, width)
        self.low_in = Bottleneck(width, width)
        if depth > 1:
            self.inner = Hourglass(depth - 1, width)
        else:
            self.bottom = Bottleneck(width, width)
        self.low_out = Bottleneck(width, width)
        self.depth = depth

    def forward(self, x):
        h, w = x.shape[-2:]
        up = self.up(x)
        low = self.low_in(pool_if_possible(x))  # the pool reads x, not `up`
        if self.depth > 1:
            low, innermost = self.inner(low)
        else:
            low = self.bottom(low)
            innermost = low
        low = self.low_out(low)
        return up + upsample_to(low, h, w), innermost


class Stack(nn.Module):
    """Hourglass, residual unit, 1x1 conv-BN-ReLU, and a 1x1 projection (with bias) that
    the generator adds back to the stack's input."""

    def __init__(self, cfg):
        super().__init__()
        w = cfg.g_width
        self.hourglass = Hourglass(cfg.g_depth, w)
        self.res = Bottleneck(w, w)
        self.features = ConvBnRelu(w, w, 1, 1)
        self.merge = nn.Conv2d(w, w, 1)


class Generator(nn.Module):
    """G: conv(7x7/2), res, conv, res, pool, res, stacks, up, res, up, res, conv; the last
    convolution's output is a correction added to the input, clamped to [0, 1]."""

    def __init__(self, cfg):
        super().__init__()
        w = cfg.g_width
        self.conv1 = ConvBnRelu(3, w // 4, 7, 2)
        self.res1 = Bottleneck(w // 4, w // 4)
        self.conv2 = ConvBnRelu(w // 4, w // 2, 3, 1)
        self.res2 = Bottleneck(w // 2, w)
        self.res3 = Bottleneck(w, w)
        # Names `stack0`, `stack1`, ... as in generator.rs (not a ModuleList's `stacks.0`).
        self.stack_names = [f"stack{k}" for k in range(cfg.g_stacks)]
        for name in self.stack_names:
            self.add_module(name, Stack(cfg))
        self.res_up1 = Bottleneck(w, w // 2)
        self.res_up2 = Bottleneck(w // 2, w // 4)
        # With g_skip the last convolution also sees the distorted image.
        self.skip = cfg.g_skip
        self.out = nn.Conv2d(w // 4 + (3 if cfg.g_skip else 0), 3, 3, padding=1)

    def forward(self, distorted):
        """Returns (hallucinated reference, innermost features of the last stack)."""
        h, w = distorted.shape[-2:]
        x = self.conv1(distorted)
        h2, w2 = x.shape[-2:]
        x = self.res2(self.conv2(self.res1(x)))
        x = self.res3(pool_if_possible(x))
        features = None
        for name in self.stack_names:
            stack = getattr(self, name)
            y, inner = stack.hourglass(x)
            y = stack.features(stack.res(y))
            x = x + stack.merge(y)
            features = inner
        if features is None:
            features = x
        x = self.res_up1(upsample_to(x, h2, w2))
        x = self.res_up2(upsample_to(x, h, w))
        if self.skip:
            x = torch.cat([x, distorted], 1)
        image = (distorted + self.out(x)).clamp(0.0, 1.0)
        return image, features


# ---------------------------------------------------------------------------------------
# R (regressor.rs) and D (discriminator.rs)
# ---------------------------------------------------------------------------------------


def symmetric_indices(n, pad):
    """MATLAB 'symmetric' padding indices (mirror including the edge), as separable.rs."""
    out = []
    for i in range(-pad, n + pad):
        k = i
        while k < 0 or k >= n:
            k = -k - 1 if k < 0 else 2 * n - k - 1
        out.append(k)
    return torch.tensor(out)


def mscn_luma(rgb, window=7, sigma=7.0 / 6.0, stabiliser=1.0 / 255.0):
    """MSCN coefficients of the BT.601 luma (N x 1 x H x W), as hiqa/mscn.rs: a 7x7
    Gaussian (deviation 7/6) over symmetric borders for the local mean and deviation."""
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=rgb.dtype, device=rgb.device)
    luma = (rgb * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)
    half = window // 2
    rows = symmetric_indices(luma.shape[2], half).to(rgb.device)
    cols = symmetric_indices(luma.shape[3], half).to(rgb.device)
    padded = luma.index_select(2, rows).index_select(3, cols)
    centre = (window - 1) / 2
    taps = torch.tensor([math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)) for i in range(window)], dtype=rgb.dtype)
    taps = (taps / taps.sum()).to(rgb.device)

    def blur(t):
        t = F.conv2d(t, taps.view(1, 1, 1, window))
        return F.conv2d(t, taps.view(1, 1, window, 1))

    mean = blur(padded)
    deviation = (blur(padded * padded) - mean * mean).clamp(min=0).sqrt()
    return (luma - mean) / (deviation + stabiliser)


class Stem(nn.Module):
    """One of R's two stems: conv-BN-ReLU 3x3 then a basic block (the image stem reads 4
    channels with r_mscn)."""

    def __init__(self, c, cin=3):
        super().__init__()
        self.conv = ConvBnRelu(cin, c, 3, 1)
        self.res = BasicBlock(c, c, 1)

    def forward(self, x):
        return self.res(self.conv(x))


class Regressor(nn.Module):
    """R: image stem + discrepancy-map stem (summed), conv, pool, ResNet-18's four stages,
    global pooling, optional fusion with a linear projection of G's features, FC-ReLU-FC."""

    def __init__(self, cfg, mode):
        super().__init__()
        discrepancy, fusion = mode
        self.mode = mode
        c = cfg.r_width
        self.mscn = cfg.r_mscn
        self.stem_image = Stem(c, 4 if cfg.r_mscn else 3)
        self.stem_map = Stem(c) if discrepancy else None
        if discrepancy and cfg.gates:
            # `stem_map.gate`: the learned scalar on the map's stem, starting at 0.
            self.stem_map.register_parameter("gate", nn.Parameter(torch.zeros(1)))
        self.conv = ConvBnRelu(c, c, 3, 1)
        cin = c
        for s, mult in enumerate((1, 2, 4, 8)):
            cout = c * mult
            stride = 1 if s == 0 else 2
            # `layer{s+1}.0` and `.1`, torchvision's ResNet names.
            self.add_module(
                f"layer{s + 1}",
                nn.ModuleList([BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]),
            )
            cin = cout
        self.project = nn.Linear(cfg.g_width, cfg.fusion_width) if fusion else None
        if fusion and cfg.gates:
            # `project.gate`: the learned scalar on the projection of G's features.
            self.project.register_parameter("gate", nn.Parameter(torch.zeros(1)))
        fused = 8 * c + (cfg.fusion_width if fusion else 0)
        self.fc1 = nn.Linear(fused, cfg.hidden_width)
        self.fc2 = nn.Linear(cfg.hidden_width, 1)

    def feature_maps(self, distorted, reference):
        """The four stage outputs (the phi_k of L_q)."""
        image = torch.cat([distorted, mscn_luma(distorted)], 1) if self.mscn else distorted
        x = self.stem_image(image)
        if self.stem_map is not None:
            if reference is None:
                raise ValueError("R uses the discrepancy map: give it a reference estimate")
            m = self.stem_map((distorted - reference).abs())
            gate = getattr(self.stem_map, "gate", None)
            x = x + (m if gate is None else m * gate)
        x = pool_if_possible(self.conv(x))
        maps = []
        for s in range(1, 5):
            for block in getattr(self, f"layer{s}"):
                x = block(x)
            maps.append(x)
        return maps

    def forward(self, distorted, reference, g_features):
        """N scores."""
        pooled = spatial_mean(self.feature_maps(distorted, reference)[-1])
        if self.project is not None:
            if g_features is None:
                raise ValueError("R fuses G's features: give them")
            g = self.project(spatial_mean(g_features))
            gate = getattr(self.project, "gate", None)
            pooled = torch.cat([pooled, g if gate is None else g * gate], 1)
        return self.fc2(F.relu(self.fc1(pooled))).squeeze(1)


class Discriminator(nn.Module):
    """D: four 4x4 stride-2 convolutions (with bias; widths d, 2d, 4d, 8d), batch norm
    after all but the first, LeakyReLU 0.2, global average pooling, one linear layer."""

    def __init__(self, cfg):
        super().__init__()
        cin = 3
        for k in range(4):
            cout = cfg.d_width << k
            self.add_module(f"conv{k}", nn.Conv2d(cin, cout, 4, stride=2, padding=1))
            if k > 0:
                self.add_module(f"bn{k}", batch_norm(cout))
            cin = cout
        self.head = nn.Linear(cin, 1)

    def forward(self, reference):
        """The logits that each image is a true reference."""
        x = reference
        for k in range(4):
            x = getattr(self, f"conv{k}")(x)
            if k > 0:
                x = getattr(self, f"bn{k}")(x)
            x = F.leaky_relu(x, 0.2)
        return self.head(spatial_mean(x)).squeeze(1)


# ---------------------------------------------------------------------------------------
# VGG19 feature taps (vgg.rs) and the losses (losses.rs)
# ---------------------------------------------------------------------------------------

# torchvision's vgg19().features: (index, cin, cout) for a 3x3 convolution (its ReLU is
# index + 1), None for a 2x2 max-pool.
VGG_LAYERS = [
    (0, 3, 64), (2, 64, 64), None,
    (5, 64, 128), (7, 128, 128), None,
    (10, 128, 256), (12, 256, 256), (14, 256, 256), (16, 256, 256), None,
    (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512), None,
    (28, 512, 512), (30, 512, 512), (32, 512, 512), (34, 512, 512), None,
]  # fmt: skip


class Vgg19Features(nn.Module):
    """Frozen VGG19 convolutions up to the last tap, ImageNet normalisation inside."""

    def __init__(self, taps):
        super().__init__()
        relus = {layer[0] + 1 for layer in VGG_LAYERS if layer is not None}
        if not taps or not set(taps) <= relus:
            raise ValueError(f"VGG19 taps {taps}: each must be a ReLU index (1, 3, 6, ...)")
        self.taps = tuple(taps)
        self.last = max(taps)
        # Names `features.N`, torchvision's; only the convolutions before the last tap.
        convs = [layer for layer in VGG_LAYERS if layer is not None and layer[0] < self.last]
        self.features = nn.ModuleDict({str(i): nn.Conv2d(cin, cout, 3, padding=1) for i, cin, cout in convs})
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1), persistent=False)

    def randomise(self, generator):
        """`random_for_tests`: He-uniform weights (bound sqrt(6 / (9 cin))), zero biases."""
        with torch.no_grad():
            for conv in self.features.values():
                bound = math.sqrt(6.0 / (conv.in_channels * 9))
                conv.weight.uniform_(-bound, bound, generator=generator)
                conv.bias.zero_()

    def forward(self, x):
        """The tapped ReLU outputs, in VGG order."""
        h = (x - self.mean) / self.std
        out = []
        # The walk of vgg.rs, which stops after the last tap (a max-pool there would not
        # change the taps).
        for layer in VGG_LAYERS:
            if layer is None:
                h = F.max_pool2d(h, 2)
                continue
            i = layer[0]
            if i >= self.last:
                break
            h = F.relu(self.features[str(i)](h))
            if i + 1 in self.taps:
                out.append(h)
                if len(out) == len(self.taps):
                    break
        return out


def softplus(x):
    """log(1 + e^x) as losses.rs computes it: max(x, 0) + log(1 + e^-|x|)."""
    return F.relu(x) + torch.log(torch.exp(-x.abs()) + 1.0)


def pixel_loss(hallucinated, reference):
    """L_p: mean squared pixel error."""
    return (hallucinated - reference).square().mean()


def feature_distance(a, b):
    """Sum over layers of the mean squared feature difference."""
    if len(a) != len(b) or not a:
        raise ValueError(f"feature distance: {len(a)} and {len(b)} layers")
    return sum((x - y).square().mean() for x, y in zip(a, b))


def vgg_loss(vgg, hallucinated, reference):
    """L_v; the reference side carries no gradient (in candle it records no graph: its
    inputs and VGG's tensors are constants), so it runs without autograd here."""
    fake = vgg(hallucinated)
    with torch.no_grad():
        real = vgg(reference)
    return feature_distance(fake, real)


def quality_loss(r_pre, distorted, hallucinated, reference):
    """L_q: R_pre's stage features with the hallucination vs. the true reference (R_pre
    frozen and in eval mode; the true side without gradient, as for L_v)."""
    fake = r_pre.feature_maps(distorted, hallucinated)
    with torch.no_grad():
        real = r_pre.feature_maps(distorted, reference)
    return feature_distance(fake, real)


def perceptual_loss(l_v, l_q, lam):
    """L_s = L_v + lambda L_q."""
    return l_v + l_q * lam


def discriminator_loss(real_logits, fake_logits, d_fake):
    """Eq. 1 as D minimises it: softplus(-z_real) + softplus(-(2 d_fake - 1) z_fake)."""
    real = softplus(-real_logits).mean()
    fake = softplus(-(fake_logits * (d_fake * 2.0 - 1.0))).mean()
    return real + fake


def adversarial_loss(fake_logits):
    """Eq. 3 (saturating): E[log(1 - sigma(z))] = -E[softplus(z)]."""
    return -softplus(fake_logits).mean()


def generator_loss(l_p, l_s, l_adv, w):
    """Eq. 4: mu1 L_p + mu2 L_s + mu3 L_adv."""
    return l_p * w.pixel + l_s * w.perceptual + l_adv * w.adversarial


def regression_loss(predicted, target):
    """Eq. 5: mean absolute error."""
    return (predicted - target).abs().mean()


# ---------------------------------------------------------------------------------------
# Tensor names, initialisation, model files
# ---------------------------------------------------------------------------------------


def hiqa_state_dict(nets):
    """Our tensor names (`g.*`, `r.*`, `d.*`) -> tensors, for {prefix: module}; torch's
    `num_batches_tracked` counters have no counterpart in candle and are left out."""
    return {
        f"{prefix}.{name}": tensor
        for prefix, module in nets.items()
        for name, tensor in module.state_dict().items()
        if not name.endswith("num_batches_tracked")
    }


def initialise(prefix, module, generator):
    """The distributions of init.rs (not its ChaCha8 streams): BN statistics and scales
    as PyTorch starts them, biases 0, weights Kaiming-normal (std sqrt(2 / fan_in)) except
    G's last convolution (std 1e-3, so that G starts as nearly the identity)."""
    with torch.no_grad():
        for name, tensor in hiqa_state_dict({prefix: module}).items():
            leaf = name.rsplit(".", 1)[-1]
            in_norm = any(part.startswith("bn") for part in name.split("."))
            if leaf in ("running_mean", "bias"):
                tensor.zero_()
            elif leaf == "running_var":
                tensor.fill_(1.0)
            elif leaf == "weight" and tensor.dim() == 1 and in_norm:
                tensor.fill_(1.0)
            elif leaf == "weight":
                fan_in = max(math.prod(tensor.shape[1:]), 1)
                std = 1e-3 if name.endswith("out.weight") else math.sqrt(2.0 / fan_in)
                tensor.normal_(0.0, std, generator=generator)
            else:
                tensor.zero_()


def build_networks(cfg, mode, seed, device):
    """G, R (in `mode`) and D, initialised from `seed` (G, R, D from seed, seed+1, seed+2
    as in mod.rs)."""
    nets = {"g": Generator(cfg), "r": Regressor(cfg, mode), "d": Discriminator(cfg)}
    for k, (prefix, module) in enumerate(nets.items()):
        initialise(prefix, module, torch.Generator().manual_seed(seed + k))
    return {prefix: module.to(device) for prefix, module in nets.items()}


def freeze(module):
    """A frozen network (R_pre, VGG19): no gradients for its tensors, eval mode."""
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()


SAFETENSORS_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
    "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8,
}  # fmt: skip


def read_safetensors(path):
    """(tensors by name, metadata) of a safetensors file, parsed by hand: an 8-byte
    little-endian header length, a JSON header, then the raw little-endian data."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"tensor `{name}`: unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        shape = info["shape"]
        if start == end:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(body[start:end]), dtype=dtype).reshape(shape)
    return tensors, metadata


def compare_names(expected, stored):
    """Every problem between our tensors and a file's: missing, unexpected, wrong shape."""
    problems = []
    for name in sorted(expected):
        if name not in stored:
            problems.append(f"missing in the file: `{name}` {list(expected[name].shape)}")
        elif tuple(stored[name].shape) != tuple(expected[name].shape):
            problems.append(
                f"shape of `{name}`: file {list(stored[name].shape)}, ours {list(expected[name].shape)}"
            )
    for name in sorted(set(stored) - set(expected)):
        problems.append(f"not ours: `{name}` {list(stored[name].shape)}")
    return problems


def file_mode(metadata):
    """R's mode from the metadata (FULL when absent)."""
    if "mode" not in metadata:
        return FULL
    mode = json.loads(metadata["mode"])
    return (bool(mode["discrepancy"]), bool(mode["fusion"]))


def config_differences(cfg, metadata):
    """Fields where the file's configuration differs from the preset's."""
    if "config" not in metadata:
        return []
    stored = json.loads(metadata["config"])
    ours = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()}
    return [f"{k}: file {stored.get(k)!r}, preset {v!r}" for k, v in ours.items() if k != "preset" and stored.get(k) != v]


# ---------------------------------------------------------------------------------------
# --check-against / --check-input
# ---------------------------------------------------------------------------------------


def check_images(seed, patch):
    """The deterministic 8-bit test images, N x P x P x 3 (HWC RGB)."""
    import numpy as np  # only needed for the check

    return np.random.default_rng(seed).integers(0, 256, (CHECK_IMAGES, patch, patch, 3), dtype=np.uint8)


def images_to_tensor(images, device):
    """image_tensor.rs: u8 -> f32 / 255 (a correctly rounded division, as ToTensor)."""
    t = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous().to(torch.float32)
    return (t / 255.0).to(device)


def predict(nets, x):
    """`NoReferenceModel::predict`: G then R in eval mode, R alone in the baseline mode."""
    g, r = nets["g"].eval(), nets["r"].eval()
    with torch.no_grad():
        if r.mode == BASELINE:
            return r(x, None, None), None
        image, features = g(x)
        return r(x, image, features), image


def run_check(args, cfg, device):
    """Loads a model file strictly; optionally scores the check images. Returns the exit
    status."""
    stored, metadata = read_safetensors(args.check_against)
    if metadata.get("format") != MODEL_FORMAT:
        print(f"FAIL: metadata `format` is {metadata.get('format')!r}, not {MODEL_FORMAT!r}")
        return 1
    mode = file_mode(metadata)
    for diff in config_differences(cfg, metadata):
        print(f"note: configuration differs from the `{cfg.preset}` preset: {diff}")
    nets = build_networks(cfg, mode, 0, device)
    has_d = any(name.startswith("d.") for name in stored)
    if not has_d:
        print("note: the file has no `d.*` tensors: D is not checked (as our loader does)")
        del nets["d"]
    expected = hiqa_state_dict(nets)
    problems = compare_names(expected, stored)
    for problem in problems:
        print(f"mismatch: {problem}")
    if problems:
        print(f"FAIL: {len(problems)} mismatch(es) between `{args.check_against}` and the PyTorch networks")
        return 1
    with torch.no_grad():
        for name, tensor in expected.items():
            tensor.copy_(stored[name].to(tensor.dtype))
    print(
        f"OK: all {len(expected)} tensors of `{args.check_against}` match by name and shape "
        f"(preset {cfg.preset}, mode discrepancy={mode[0]} fusion={mode[1]}, "
        f"networks {', '.join(sorted(nets))})"
    )
    if args.check_input is not None:
        score_check_images(args, cfg, nets, device)
    return 0


def score_check_images(args, cfg, nets, device):
    """Prints the scores of the check images (and writes them as PNG with --check-png)."""
    patch = args.patch or cfg.patch
    images = check_images(args.check_input, patch)
    scores, hallucination = predict(nets, images_to_tensor(images, device))
    print(
        f"check input: seed {args.check_input}, numpy default_rng({args.check_input})"
        f".integers(0, 256, ({CHECK_IMAGES}, {patch}, {patch}, 3), uint8) / 255; G then R, eval mode"
    )
    for k, score in enumerate(scores.tolist()):
        extra = ""
        if hallucination is not None:
            extra = f"  (hallucination mean {hallucination[k].mean().item():.7f})"
        print(f"image {k}: score {score:.9g}{extra}")
    if args.check_png:
        write_check_pngs(args, images, patch)


def write_check_pngs(args, images, patch):
    from PIL import Image  # only needed here

    os.makedirs(args.check_png, exist_ok=True)
    for k, image in enumerate(images):
        path = os.path.join(args.check_png, f"hiqa-check-{args.check_input}-{k}.png")
        Image.fromarray(image, "RGB").save(path)
        # One window of the whole image: `iqa score` runs exactly this forward pass.
        print(f"image {k}: {path}; ours: iqa score --model {args.check_against} --patch {patch} --json {path}")


# ---------------------------------------------------------------------------------------
# Timing (bench.rs)
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# --train-check: Algorithm 1 step for step (crates/iqa-train/src/trainer/steps.rs)
# ---------------------------------------------------------------------------------------


def step_decay(schedule, k, stage):
    """lr.rs `StepDecay::at`: base * gamma^(k // every), every = 70 % of the stage when
    absent (integer steps, at least 1)."""
    every = schedule.get("every") or max(stage * 7 // 10, 1)
    return schedule["base"] * schedule["gamma"] ** (k // every)


class Trainer:
    """The trainer's networks, optimisers and steps, as steps.rs runs them."""

    def __init__(self, setup, state, vgg_tensors, dtype=torch.float32):
        n = setup["network"]
        self.cfg = HiqaConfig(
            "fixture", n["g_width"], n["g_stacks"], n["g_depth"], n["r_width"],
            n["fusion_width"], n["hidden_width"], n["d_width"], n["patch"], tuple(n["vgg_taps"]),
            n.get("gates", False), n.get("g_skip", False), n.get("r_mscn", False),
        )  # fmt: skip
        self.w = LossWeights(**setup["losses"])
        self.lr = setup["lr"]
        self.stages = setup["steps"]
        opt = setup["optimiser"]
        if opt["kind"] != "sgd":
            raise ValueError("the check covers the paper's optimiser, SGD")
        self.nets = {"g": Generator(self.cfg), "r": Regressor(self.cfg, FULL), "d": Discriminator(self.cfg)}
        # R_pre without the gates, as TrainConfig::r_pre_network.
        self.pre = Regressor(replace(self.cfg, gates=False), NO_FUSION)
        self.vgg = Vgg19Features(self.cfg.vgg_taps)
        load_into(self.named(), state)
        load_into({f"features.{k}": v for k, v in self.vgg.features.state_dict().items()}, vgg_tensors)
        freeze(self.vgg)
        for m in list(self.nets.values()) + [self.pre, self.vgg]:
            m.to(dtype)
        self.dtype = dtype

        def sgd(module):
            # Every trainable tensor (batch-norm scales and biases included), as optim.rs.
            return torch.optim.SGD(
                module.parameters(), lr=1.0, momentum=opt["momentum"], weight_decay=opt["weight_decay"]
            )

        self.opts = {name: sgd(m) for name, m in self.nets.items()}
        self.opts["pre"] = sgd(self.pre)
        self.step = 0

    def named(self):
        """Our state-file names -> tensors (`net.g.*`, ..., `pre.r.*`)."""
        out = {f"net.{k}": v for k, v in hiqa_state_dict(self.nets).items()}
        out.update({f"pre.{k}": v for k, v in hiqa_state_dict({"r": self.pre}).items()})
        return out

    def update(self, loss, name, schedule, k, stage):
        """`Optimiser::backward_step`: gradients of this loss only, then one SGD step."""
        for m in list(self.nets.values()) + [self.pre]:
            m.zero_grad(set_to_none=True)
        loss.backward()
        opt = self.opts[name]
        for group in opt.param_groups:
            group["lr"] = step_decay(self.lr[schedule], k, stage)
        opt.step()

    def train_step(self, distorted, reference, scores):
        pre = self.stages["pretrain"]
        joint = self.stages["joint"]
        k = self.step
        if k < pre:
            out = self.pretrain_step(distorted, reference, scores, k)
        elif k < pre + joint:
            out = self.joint_step(distorted, reference, scores, k - pre)
        else:
            out = self.regressor_step(distorted, scores, k - pre)
        self.step += 1
        return out

    def pretrain_step(self, d, reference, s, k):
        self.pre.train()
        loss = regression_loss(self.pre(d, reference, None), s)
        self.update(loss, "pre", "pretrain", k, self.stages["pretrain"])
        return {"L_pre": loss.item()}

    def regressor_step(self, d, s, k):
        g, r = self.nets["g"], self.nets["r"]
        g.eval()
        with torch.no_grad():
            image, features = g(d)
        r.train()
        loss = regression_loss(r(d, image, features), s)
        self.update(loss, "r", "regressor", k, self.stages["joint"] + self.stages["regressor"])
        return {"L_R": loss.item()}

    def joint_step(self, d, reference, s, k):
        g, r, dis = self.nets["g"], self.nets["r"], self.nets["d"]
        w, joint = self.w, self.stages["joint"]
        freeze(self.pre)
        out = {}
        # Line 1: the hallucination R is trained on and D judges (detached).
        g.train()
        with torch.no_grad():
            image, features = g(d)
        # Line 4, Eq. 2 (the IQA-discriminator).
        r.eval()
        with torch.no_grad():
            predicted = r(d, image, features)
        d_fake = ((predicted - s).abs() < w.epsilon).to(self.dtype)
        out["d_fake"] = d_fake.mean().item()
        # Line 5: D on true references.
        dis.train()
        real = softplus(-dis(reference)).mean()
        self.update(real, "d", "discriminator", k, joint)
        out["L_D_real"] = real.item()
        # Line 6: D on hallucinations, with the IQA labels.
        fake = softplus(-(dis(image) * (d_fake * 2.0 - 1.0))).mean()
        self.update(fake, "d", "discriminator", k, joint)
        out["L_D_fake"] = fake.item()
        # Line 7: G by mu3 L_adv (D in eval mode).
        g.train()
        dis.eval()
        hallucinated, _ = g(d)
        adv = adversarial_loss(dis(hallucinated))
        self.update(adv * w.adversarial, "g", "generator", k, joint)
        out["L_adv"] = adv.item()
        # Line 8: R by Eq. 5 on the hallucination of line 1.
        r.train()
        loss = regression_loss(r(d, image, features), s)
        self.update(loss, "r", "regressor", k, joint + self.stages["regressor"])
        out["L_R"] = loss.item()
        # Line 9: G by Eq. 4.
        hallucinated, _ = g(d)
        l_p = pixel_loss(hallucinated, reference)
        l_v = vgg_loss(self.vgg, hallucinated, reference)
        l_q = quality_loss(self.pre, d, hallucinated, reference)
        l_g = l_p * w.pixel + perceptual_loss(l_v, l_q, w.quality) * w.perceptual
        l_g = l_g + adversarial_loss(dis(hallucinated)) * w.adversarial
        self.update(l_g, "g", "generator", k, joint)
        out.update({"L_p": l_p.item(), "L_v": l_v.item(), "L_q": l_q.item(), "L_G": l_g.item()})
        return out


def load_into(named, stored):
    """Copies `stored[name]` into every tensor of `named`; each must be there, same shape."""
    problems = [p for p in compare_names(named, stored) if not p.startswith("not ours")]
    if problems:
        raise ValueError("; ".join(problems))
    with torch.no_grad():
        for name, tensor in named.items():
            tensor.copy_(stored[name].to(tensor.dtype))


def train_trajectory(setup, state, vgg, batches, dtype):
    """Per step: the losses, every tensor's sum of absolute values, and how far each tensor
    has moved from its initial value (the sum of absolute differences), in `dtype`."""
    trainer = Trainer(setup, state, vgg, dtype)
    initial = {name: t.detach().double().clone() for name, t in trainer.named().items()}
    steps = []
    for k in range(sum(setup["steps"].values())):
        losses = trainer.train_step(
            *(batches[f"{part}.{k}"].clone().to(dtype) for part in ("distorted", "reference", "scores"))
        )
        named = trainer.named()
        sums = {name: t.detach().double().abs().sum().item() for name, t in named.items()}
        moved = {name: (t.detach().double() - initial[name]).abs().sum().item() for name, t in named.items()}
        steps.append((losses, sums, moved))
    return steps


def run_train_check(args):
    """Runs the fixture's steps in float32 (what our Rust code computes) and in float64
    (the reference both are measured against) and writes `expected.json`. Returns the exit
    status."""
    torch.manual_seed(0)
    folder = args.train_check
    setup = json.load(open(os.path.join(folder, "setup.json")))
    state, _ = read_safetensors(os.path.join(folder, "state.safetensors"))
    vgg, _ = read_safetensors(os.path.join(folder, "vgg19.safetensors"))
    batches, _ = read_safetensors(os.path.join(folder, "batches.safetensors"))
    single = train_trajectory(setup, state, vgg, batches, torch.float32)
    double = train_trajectory(setup, state, vgg, batches, torch.float64)
    steps = []
    for k, ((losses, sums, _), (losses64, sums64, moved64)) in enumerate(zip(single, double)):
        if losses.get("d_fake") != losses64.get("d_fake"):
            print(f"step {k}: d_fake differs between float32 and float64; choose other batches")
            return 1
        steps.append(
            {"losses": losses, "losses_f64": losses64, "abs_sums": sums, "abs_sums_f64": sums64, "moved_f64": moved64}
        )
        print(f"step {k}: " + ", ".join(f"{n} {v:.6g}" for n, v in losses.items()))
    result = {
        "producer": "benches/hiqa_torch_peer.py --train-check",
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "steps": steps,
    }
    def short(value):
        """12 significant digits: well below every tolerance, a smaller fixture."""
        if isinstance(value, float):
            return float(f"{value:.12g}")
        if isinstance(value, dict):
            return {k: short(v) for k, v in value.items()}
        if isinstance(value, list):
            return [short(v) for v in value]
        return value

    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(short(result), f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    return 0


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_calls(device, seconds, step):
    """bench.rs `time`: one warm-up call, then calls until `seconds` have passed (at
    least one); returns calls per second."""
    step()
    synchronize(device)
    start = time.perf_counter()
    calls = 0
    while calls == 0 or time.perf_counter() - start < seconds:
        step()
        calls += 1
    synchronize(device)
    return calls / (time.perf_counter() - start)


def count_macs(module, run):
    """Multiply-adds of the Conv2d and Linear layers of `module` during `run()` (no
    gradients), as flops.rs counts them (norms, activations and pooling not counted)."""
    total = 0

    def hook(layer, inputs, output):
        nonlocal total
        if isinstance(layer, nn.Conv2d):
            kh, kw = layer.kernel_size
            total += output.numel() * (layer.in_channels // layer.groups) * kh * kw
        else:
            total += output.numel() * layer.in_features

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in handles:
            h.remove()
    return total


def gflop_per_patch(nets, vgg, r_pre, patch, device):
    """GFLOP per patch of one forward pass of each network (batch 1), as bench.rs's
    `gflop(generator_macs(..))` etc."""
    g, r, d = nets["g"].eval(), nets["r"].eval(), nets["d"].eval()
    x = torch.rand(1, 3, patch, patch, device=device)
    with torch.no_grad():
        image, features = g(x)
    gflop = {
        "g": count_macs(g, lambda: g(x)),
        "r": count_macs(r, lambda: r(x, image, features)),
        "d": count_macs(d, lambda: d(x)),
        "vgg": count_macs(vgg, lambda: vgg(x)),
        # bench.rs counts R_pre's whole forward pass (regressor_macs), fully connected
        # layers included, though L_q uses only its feature maps.
        "pre": count_macs(r_pre, lambda: r_pre(x, image, None)),
    }
    return {k: 2.0 * macs / 1e9 for k, macs in gflop.items()}


def wanted_by(only):
    """The measurement-name filter of `iqa bench --only`: comma-separated, case-insensitive
    substrings; empty keeps everything."""
    filters = [f.strip().lower() for f in (only or "").split(",") if f.strip()]
    return lambda what: not filters or any(f in what.lower() for f in filters)


def measure_batch(n, patch, device, nets, vgg, r_pre, opts, seconds, gf, wanted=wanted_by(None)):
    """The five measurements of bench.rs for batch size `n` (those `wanted` keeps);
    returns (what, per_s, gflop)."""
    g, r, d = nets["g"], nets["r"], nets["d"]
    g_opt, r_opt, d_opt = opts
    weights = LossWeights()
    x = torch.rand(n, 3, patch, patch, device=device)
    reference = torch.rand(n, 3, patch, patch, device=device)
    target = torch.rand(n, device=device)
    with torch.no_grad():
        g0_image, g0_features = g.eval()(x)
    out = []

    def r_forward():
        with torch.no_grad():
            r(x, g0_image, g0_features)

    r.eval()
    if wanted("R forward"):
        out.append(("R forward", time_calls(device, seconds, r_forward), gf["r"]))

    def g_r_forward():
        with torch.no_grad():
            image, features = g(x)
            r(x, image, features)

    g.eval()
    if wanted("G+R forward"):
        out.append(("G+R forward", time_calls(device, seconds, g_r_forward), gf["g"] + gf["r"]))

    def g_step():
        # L_G of Eq. 4: L_p, L_s = L_v + lambda L_q, L_adv through D (D in eval mode).
        image, _ = g(x)
        fake = d(image)
        l_s = perceptual_loss(
            vgg_loss(vgg, image, reference),
            quality_loss(r_pre, x, image, reference),
            weights.quality,
        )
        loss = generator_loss(pixel_loss(image, reference), l_s, adversarial_loss(fake), weights)
        # candle's backward computes D's gradients too (its tensors are variables) but
        # only G's optimiser steps; here D's are computed and then dropped before D's step.
        g_opt.zero_grad(set_to_none=True)
        d.zero_grad(set_to_none=True)
        loss.backward()
        g_opt.step()

    g.train()
    d.eval()
    if wanted("G train step"):
        gflop = gf["g"] + gf["d"] + 2.0 * (gf["vgg"] + gf["pre"])
        out.append(("G train step", time_calls(device, seconds, g_step), gflop))

    def r_step():
        # G in eval mode, its outputs detached (no graph kept: the same as `.detach()`).
        with torch.no_grad():
            image, features = g(x)
        s = r(x, image, features)
        r_opt.zero_grad(set_to_none=True)
        regression_loss(s, target).backward()
        r_opt.step()

    g.eval()
    r.train()
    if wanted("R train step"):
        out.append(("R train step", time_calls(device, seconds, r_step), gf["g"] + gf["r"]))

    def d_step():
        # Two forward passes in train mode (batch statistics of each), d_fake = 0.
        real = d(reference)
        fake = d(g0_image)
        d_fake = torch.zeros(n, device=device)
        d_opt.zero_grad(set_to_none=True)
        discriminator_loss(real, fake, d_fake).backward()
        d_opt.step()

    d.train()
    if wanted("D train step"):
        out.append(("D train step", time_calls(device, seconds, d_step), 2.0 * gf["d"]))
    return out


def run_bench(args, cfg, device, batches):
    patch = args.patch or cfg.patch
    torch.manual_seed(0)
    nets = build_networks(cfg, FULL, 0, device)
    # The G step's perceptual terms, as bench.rs: VGG19 with random weights (the cost is
    # the same) and a frozen R_pre (a fresh no-fusion R, seed 1).
    vgg = Vgg19Features(cfg.vgg_taps)
    vgg.randomise(torch.Generator().manual_seed(0))
    vgg = freeze(vgg.to(device))
    r_pre = Regressor(cfg, NO_FUSION)
    # `HiqaNetworks::new(.., seed 1)`: R is its second network, so seed 1 + 1.
    initialise("r", r_pre, torch.Generator().manual_seed(1 + 1))
    r_pre = freeze(r_pre.to(device))
    gf = gflop_per_patch(nets, vgg, r_pre, patch, device)
    opts = tuple(torch.optim.SGD(nets[k].parameters(), lr=LEARNING_RATE) for k in ("g", "r", "d"))
    results = []
    for n in batches:
        wanted = wanted_by(args.only)
        for what, per_s, gflop in measure_batch(n, patch, device, nets, vgg, r_pre, opts, args.seconds, gf, wanted):
            results.append(
                {"what": what, "batch": n, "patch": patch, "patches_per_s": per_s * n, "gflop_per_patch": gflop}
            )
    report(args, patch, results)


def report(args, patch, results):
    if args.json:
        print(
            json.dumps(
                {
                    "device": args.device,
                    "preset": args.preset,
                    "framework": "pytorch",
                    "torch_version": torch.__version__,
                    "threads": torch.get_num_threads(),
                    "results": results,
                }
            )
        )
        return
    print(
        f"{args.preset} preset on {args.device}, {patch}x{patch} patches "
        f"(PyTorch {torch.__version__}, {torch.get_num_threads()} threads)"
    )
    print(f"{'what':<14} {'batch':>6} {'patches/s':>14} {'GFLOP/patch':>16}")
    for m in results:
        print(f"{m['what']:<14} {m['batch']:>6} {m['patches_per_s']:>14.2f} {m['gflop_per_patch']:>16.3f}")


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def parse_batches(text):
    try:
        batches = [int(b.strip()) for b in text.split(",")]
    except ValueError:
        batches = []
    if not batches or any(b <= 0 for b in batches):
        raise argparse.ArgumentTypeError(f"--batch `{text}`: expected positive integers, comma-separated")
    return batches


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="tiny", help="network sizes")
    p.add_argument("--batch", type=parse_batches, default=parse_batches("1,8,32"), help="batch sizes, comma-separated")
    p.add_argument("--patch", type=int, help="patch side (default: the preset's)")
    p.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement, after one warm-up call")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's own)")
    p.add_argument("--device", default="cpu", help="cpu or cuda:N")
    p.add_argument("--only", help="keep the measurements whose names contain one of these comma-separated filters (as `iqa bench --only`)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    p.add_argument("--check-against", metavar="FILE", help="load a model file of ours strictly, then exit")
    p.add_argument("--check-input", metavar="SEED", type=int, help="with --check-against: score the check images")
    p.add_argument("--check-png", metavar="DIR", help="with --check-input: write the check images as PNG to DIR")
    p.add_argument("--train-check", metavar="DIR", help="run Algorithm 1 on the fixture in DIR and write DIR/expected.json")
    args = p.parse_args(argv)
    if args.patch is not None and args.patch <= 0:
        p.error("--patch must be positive")
    if args.threads is not None and args.threads <= 0:
        p.error("--threads must be positive")
    if (args.check_input is not None or args.check_png) and not args.check_against:
        p.error("--check-input and --check-png need --check-against")
    if args.check_png and args.check_input is None:
        p.error("--check-png needs --check-input")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    cfg = PRESETS[args.preset]
    device = torch.device(args.device)
    if args.train_check:
        return run_train_check(args)
    if args.check_against:
        return run_check(args, cfg, device)
    run_bench(args, cfg, device, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
