//! Max pooling and nearest-neighbour upsampling custom ops against candle's own ops and
//! the definitions written as loops: forward exactly, gradients within 1e-5 (random inputs
//! have no ties in a window).
//!
//! candle 0.11's max-pool backward scales the gradient by 1/k^2: it multiplies by the
//! window's average of the max mask (1/k^2 for a single maximum) where it means to divide
//! by the number of maxima. The loops are the reference for that gradient; the test shows
//! candle's differs by exactly that factor.

#![allow(clippy::unwrap_used)]

use candle_core::{Device, Tensor, Var};
use iqa_ops::spatial::{max_pool2d, max_pool2d_portable, upsample_nearest2d};

mod common;
use common::max_abs_diff;

/// Output and the gradient of sum(y * r) for `x` through `f`.
fn run(x: &Tensor, r_seed: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> (Tensor, Tensor) {
    let v = Var::from_tensor(x).unwrap();
    let y = f(v.as_tensor());
    let r = r_seed
        .narrow(0, 0, y.elem_count())
        .unwrap()
        .reshape(y.shape())
        .unwrap();
    let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
    (y, grads.get(v.as_tensor()).unwrap().clone())
}

#[test]
fn max_pool_matches_candle() {
    let dev = Device::Cpu;
    let r = Tensor::randn(0f32, 1f32, 10_000, &dev).unwrap();
    for (n, c, h, w, k) in [
        (1, 1, 4, 4, 2),
        (2, 3, 8, 8, 2),
        (1, 4, 7, 9, 2),
        (3, 2, 9, 12, 3),
        (1, 1, 2, 2, 2),
    ] {
        let x = Tensor::randn(0f32, 1f32, (n, c, h, w), &dev).unwrap();
        let (y, dx) = run(&x, &r, |t| max_pool2d(t, k).unwrap());
        let (y_stock, dx_stock) = run(&x, &r, |t| t.max_pool2d(k).unwrap());
        let case = format!("{n}x{c}x{h}x{w} k{k}");
        assert_eq!(y.dims(), y_stock.dims(), "{case}");
        assert_eq!(max_abs_diff(&y, &y_stock), 0.0, "{case}");
        // The gradient of sum(y * r): each window's r at its maximum, zero elsewhere.
        let xs: Vec<f32> = x.flatten_all().unwrap().to_vec1().unwrap();
        let rs: Vec<f32> = r.to_vec1().unwrap();
        let (ho, wo) = (h / k, w / k);
        let mut expect = vec![0f32; xs.len()];
        for plane in 0..n * c {
            for oy in 0..ho {
                for ox in 0..wo {
                    let at = |y: usize, xx: usize| plane * h * w + y * w + xx;
                    let mut best = at(oy * k, ox * k);
                    for y in oy * k..oy * k + k {
                        for xx in ox * k..ox * k + k {
                            if xs[at(y, xx)] > xs[best] {
                                best = at(y, xx);
                            }
                        }
                    }
                    expect[best] = rs[(plane * ho + oy) * wo + ox];
                }
            }
        }
        let expect = Tensor::from_vec(expect, x.shape(), &dev).unwrap();
        assert!(max_abs_diff(&dx, &expect) < 1e-6, "{case}");
        // The form used off the CPU agrees.
        let (y_portable, dx_portable) = run(&x, &r, |t| max_pool2d_portable(t, k).unwrap());
        assert_eq!(max_abs_diff(&y_portable, &y_stock), 0.0, "{case}");
        assert!(
            max_abs_diff(&dx_portable, &expect) < 1e-6,
            "{case}: portable"
        );
        if h % k == 0 && w % k == 0 {
            // (With leftover rows candle's backward is off in other ways too.)
            let scaled = (dx_stock * (k * k) as f64).unwrap();
            assert!(
                max_abs_diff(&scaled, &expect) < 1e-5,
                "{case}: candle's factor"
            );
        }
    }
}

#[test]
fn upsampling_matches_candle() {
    let dev = Device::Cpu;
    let r = Tensor::randn(0f32, 1f32, 10_000, &dev).unwrap();
    for (n, c, h, w, th, tw) in [(2, 3, 4, 4, 8, 8), (1, 2, 3, 5, 6, 15), (2, 1, 4, 3, 7, 5)] {
        let x = Tensor::randn(0f32, 1f32, (n, c, h, w), &dev).unwrap();
        let case = format!("{n}x{c}x{h}x{w} to {th}x{tw}");
        let (y, dx) = run(&x, &r, |t| upsample_nearest2d(t, th, tw).unwrap());
        let y_stock = x.upsample_nearest2d(th, tw).unwrap();
        assert_eq!(max_abs_diff(&y, &y_stock), 0.0, "{case}");
        if th % h == 0 && tw % w == 0 && th / h == tw / w {
            // candle differentiates equal integer factors only.
            let (_, dx_stock) = run(&x, &r, |t| t.upsample_nearest2d(th, tw).unwrap());
            assert!(max_abs_diff(&dx, &dx_stock) < 1e-5, "{case}");
        } else {
            // The gradient is the adjoint: <up(x), r> = <x, dx>.
            let rr = r
                .narrow(0, 0, y.elem_count())
                .unwrap()
                .reshape(y.shape())
                .unwrap();
            let a: f32 = (&y * &rr).unwrap().sum_all().unwrap().to_scalar().unwrap();
            let b: f32 = (&x * &dx).unwrap().sum_all().unwrap().to_scalar().unwrap();
            assert!((a - b).abs() < 1e-4, "{case}: {a} vs {b}");
        }
    }
}
