//! Multiply-accumulate counts of the networks' forward passes, computed from the
//! architecture (convolutions and linear layers; norms, activations and pooling are not
//! counted), for the throughput reports (2 FLOPs per multiply-accumulate).

use super::config::HiqaConfig;

fn conv_out(n: usize, k: usize, stride: usize) -> usize {
    (n + 2 * (k / 2) - k) / stride + 1
}

/// MACs of a k x k convolution producing `cout x h x w`.
fn conv(cin: usize, cout: usize, k: usize, h: usize, w: usize) -> u64 {
    (cin * cout * k * k * h * w) as u64
}

/// The pre-activation bottleneck unit at h x w.
fn bottleneck(cin: usize, cout: usize, h: usize, w: usize) -> u64 {
    let mid = (cout / 2).max(1);
    let skip = if cin == cout {
        0
    } else {
        conv(cin, cout, 1, h, w)
    };
    conv(cin, mid, 1, h, w) + conv(mid, mid, 3, h, w) + conv(mid, cout, 1, h, w) + skip
}

fn hourglass(depth: usize, c: usize, h: usize, w: usize) -> u64 {
    let (h2, w2) = if h >= 2 && w >= 2 {
        (h / 2, w / 2)
    } else {
        (h, w)
    };
    let inner = if depth > 1 {
        hourglass(depth - 1, c, h2, w2)
    } else {
        bottleneck(c, c, h2, w2)
    };
    bottleneck(c, c, h, w) + 2 * bottleneck(c, c, h2, w2) + inner
}

/// G's forward MACs on an `h x w` input.
pub fn generator_macs(cfg: &HiqaConfig, h: usize, w: usize) -> u64 {
    let c = cfg.g_width;
    let (h2, w2) = (conv_out(h, 7, 2), conv_out(w, 7, 2));
    let (h4, w4) = if h2 >= 2 && w2 >= 2 {
        (h2 / 2, w2 / 2)
    } else {
        (h2, w2)
    };
    let stem = conv(3, c / 4, 7, h2, w2)
        + bottleneck(c / 4, c / 4, h2, w2)
        + conv(c / 4, c / 2, 3, h2, w2)
        + bottleneck(c / 2, c, h2, w2)
        + bottleneck(c, c, h4, w4);
    let stack = hourglass(cfg.g_depth, c, h4, w4)
        + bottleneck(c, c, h4, w4)
        + conv(c, c, 1, h4, w4)
        + conv(c, c, 1, h4, w4);
    let skip = if cfg.g_skip { 3 } else { 0 };
    let up = bottleneck(c, c / 2, h2, w2)
        + bottleneck(c / 2, c / 4, h, w)
        + conv(c / 4 + skip, 3, 3, h, w);
    stem + cfg.g_stacks as u64 * stack + up
}

fn basic(cin: usize, cout: usize, stride: usize, h: usize, w: usize) -> (u64, usize, usize) {
    let (ho, wo) = (conv_out(h, 3, stride), conv_out(w, 3, stride));
    let down = if stride != 1 || cin != cout {
        conv(cin, cout, 1, ho, wo)
    } else {
        0
    };
    (
        conv(cin, cout, 3, ho, wo) + conv(cout, cout, 3, ho, wo) + down,
        ho,
        wo,
    )
}

/// R's forward MACs on an `h x w` input (both stems and fusion counted as configured).
pub fn regressor_macs(
    cfg: &HiqaConfig,
    discrepancy: bool,
    fusion: bool,
    h: usize,
    w: usize,
) -> u64 {
    let c = cfg.r_width;
    // The image stem reads one more channel with MSCN (whose 7x7 filtering is not counted).
    let image_in = if cfg.r_mscn { 4 } else { 3 };
    let stem = |cin| conv(cin, c, 3, h, w) + basic(c, c, 1, h, w).0;
    let map_stem = if discrepancy { stem(3) } else { 0 };
    let mut total = stem(image_in) + map_stem + conv(c, c, 3, h, w);
    let (mut hh, mut ww) = if h >= 2 && w >= 2 {
        (h / 2, w / 2)
    } else {
        (h, w)
    };
    let mut cin = c;
    for (s, mult) in [1, 2, 4, 8].into_iter().enumerate() {
        let cout = c * mult;
        let (m1, h1, w1) = basic(cin, cout, if s == 0 { 1 } else { 2 }, hh, ww);
        let (m2, _, _) = basic(cout, cout, 1, h1, w1);
        total += m1 + m2;
        (hh, ww, cin) = (h1, w1, cout);
    }
    let fused = 8 * c + if fusion { cfg.fusion_width } else { 0 };
    let project = if fusion {
        (cfg.g_width * cfg.fusion_width) as u64
    } else {
        0
    };
    total + project + (fused * cfg.hidden_width + cfg.hidden_width) as u64
}

/// D's forward MACs on an `h x w` input.
pub fn discriminator_macs(cfg: &HiqaConfig, h: usize, w: usize) -> u64 {
    let (mut hh, mut ww, mut cin, mut total) = (h, w, 3, 0u64);
    for k in 0..4 {
        let cout = cfg.d_width << k;
        hh = (hh + 2 - 4) / 2 + 1;
        ww = (ww + 2 - 4) / 2 + 1;
        total += conv(cin, cout, 4, hh, ww);
        cin = cout;
    }
    total + cin as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_grow_with_size_and_match_a_hand_count() {
        let cfg = HiqaConfig::tiny();
        // D on 64x64, widths 8, 16, 32, 64: outputs 32, 16, 8, 4 pixels per side.
        let hand = 3 * 8 * 16 * 32 * 32
            + 8 * 16 * 16 * 16 * 16
            + 16 * 32 * 16 * 8 * 8
            + 32 * 64 * 16 * 4 * 4
            + 64;
        assert_eq!(discriminator_macs(&cfg, 64, 64), hand as u64);
        assert!(generator_macs(&cfg, 128, 128) > 3 * generator_macs(&cfg, 64, 64));
        assert!(
            regressor_macs(&cfg, true, true, 64, 64) > regressor_macs(&cfg, false, false, 64, 64)
        );
    }
}
