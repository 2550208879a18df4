//! The CPU convolution custom op against candle's stock `conv2d` and against the
//! definition written out as loops (f64): forward and both gradients, over the shapes the
//! networks use and odd ones, within 1e-5 relative (f32). (candle's own backward gives
//! the input gradient the wrong width for some strided cases, e.g. 20x17 with a 7x7
//! kernel, stride 2, padding 3; there the loops alone are the reference.)

#![allow(clippy::unwrap_used)]

use candle_core::{Device, Tensor, Var};
use iqa_ops::conv::conv2d_forward;
use iqa_ops::tuning::{Backend, backend};

mod common;
use common::rel;

/// The convolution and the gradients of sum(y * r) for x and w, as loops in f64.
fn reference(x: &Tensor, w: &Tensor, r: &Tensor, stride: usize, pad: usize) -> [Tensor; 3] {
    let (n, c, h, wd) = x.dims4().unwrap();
    let (o, _, k, _) = w.dims4().unwrap();
    let (ho, wo) = (
        (h + 2 * pad - k) / stride + 1,
        (wd + 2 * pad - k) / stride + 1,
    );
    let xs: Vec<f32> = x.flatten_all().unwrap().to_vec1().unwrap();
    let ws: Vec<f32> = w.flatten_all().unwrap().to_vec1().unwrap();
    let rs: Vec<f32> = r.flatten_all().unwrap().to_vec1().unwrap();
    let mut y = vec![0f64; n * o * ho * wo];
    let mut dx = vec![0f64; xs.len()];
    let mut dw = vec![0f64; ws.len()];
    for b in 0..n {
        for oc in 0..o {
            for oy in 0..ho {
                for ox in 0..wo {
                    let yi = ((b * o + oc) * ho + oy) * wo + ox;
                    for ic in 0..c {
                        for ky in 0..k {
                            for kx in 0..k {
                                let iy = (oy * stride + ky) as isize - pad as isize;
                                let ix = (ox * stride + kx) as isize - pad as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                                    continue;
                                }
                                let xi = ((b * c + ic) * h + iy as usize) * wd + ix as usize;
                                let wi = ((oc * c + ic) * k + ky) * k + kx;
                                y[yi] += f64::from(xs[xi]) * f64::from(ws[wi]);
                                dx[xi] += f64::from(rs[yi]) * f64::from(ws[wi]);
                                dw[wi] += f64::from(rs[yi]) * f64::from(xs[xi]);
                            }
                        }
                    }
                }
            }
        }
    }
    let t = |v: Vec<f64>, dims: &[usize]| {
        let v: Vec<f32> = v.into_iter().map(|a| a as f32).collect();
        Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
    };
    [t(y, &[n, o, ho, wo]), t(dx, x.dims()), t(dw, w.dims())]
}

/// Forward values and the gradients of sum(y * r) for x and w through the custom op.
fn fast(x: &Tensor, w: &Tensor, r: &Tensor, stride: usize, pad: usize) -> [Tensor; 3] {
    let (xv, wv) = (Var::from_tensor(x).unwrap(), Var::from_tensor(w).unwrap());
    let y = conv2d_forward(xv.as_tensor(), wv.as_tensor(), stride, pad).unwrap();
    let grads = (&y * r).unwrap().sum_all().unwrap().backward().unwrap();
    let dx = grads.get(xv.as_tensor()).unwrap().clone();
    let dw = grads.get(wv.as_tensor()).unwrap().clone();
    [y, dx, dw]
}

/// The gradients by candle's stock path, or `None` where its backward fails.
fn stock_grads(
    x: &Tensor,
    w: &Tensor,
    r: &Tensor,
    stride: usize,
    pad: usize,
) -> Option<[Tensor; 2]> {
    let (xv, wv) = (Var::from_tensor(x).ok()?, Var::from_tensor(w).ok()?);
    let y = xv
        .as_tensor()
        .conv2d(wv.as_tensor(), pad, stride, 1, 1)
        .ok()?;
    let grads = (&y * r).ok()?.sum_all().ok()?.backward().ok()?;
    Some([
        grads.get(xv.as_tensor())?.clone(),
        grads.get(wv.as_tensor())?.clone(),
    ])
}

#[test]
fn matches_candle_forward_and_backward() {
    assert_eq!(backend(), Backend::Fast);
    let dev = Device::Cpu;
    // (batch, in, out, h, w, kernel, stride, padding)
    let cases = [
        (2, 3, 8, 16, 16, 3, 1, 1),
        (1, 5, 7, 9, 11, 3, 2, 1),
        (3, 3, 4, 20, 17, 7, 2, 3),
        (2, 6, 10, 8, 8, 1, 1, 0),
        (1, 9, 3, 5, 6, 1, 2, 0),
        (2, 4, 6, 12, 10, 4, 2, 1),
        (1, 2, 3, 3, 3, 3, 1, 0),
        (4, 16, 16, 8, 8, 3, 1, 1),
        (1, 3, 2, 2, 2, 3, 1, 1),
        (5, 7, 5, 13, 9, 3, 1, 0),
        (4, 3, 2, 32, 32, 7, 2, 3),
    ];
    let mut compared = 0;
    for (n, c, o, h, w, k, s, p) in cases {
        let x = Tensor::randn(0f32, 1f32, (n, c, h, w), &dev).unwrap();
        let wt = Tensor::randn(0f32, 0.3f32, (o, c, k, k), &dev).unwrap();
        let ho = (h + 2 * p - k) / s + 1;
        let wo = (w + 2 * p - k) / s + 1;
        let r = Tensor::randn(0f32, 1f32, (n, o, ho, wo), &dev).unwrap();
        let ours = fast(&x, &wt, &r, s, p);
        let exact = reference(&x, &wt, &r, s, p);
        let stock = x.conv2d(&wt, p, s, 1, 1).unwrap();
        let case = format!("n{n} c{c} o{o} {h}x{w} k{k} s{s} p{p}");
        assert_eq!(ours[0].dims(), stock.dims(), "{case}");
        let e = rel(&ours[0], &stock);
        assert!(e < 1e-5, "{case}: forward vs candle {e}");
        for (what, a, b) in ["forward", "input grad", "weight grad"]
            .iter()
            .zip(&ours)
            .zip(&exact)
            .map(|((w, a), b)| (w, a, b))
        {
            assert_eq!(a.dims(), b.dims(), "{case}: {what}");
            let e = rel(a, b);
            assert!(e < 1e-5, "{case}: {what} {e}");
        }
        if let Some([dx, dw]) = stock_grads(&x, &wt, &r, s, p) {
            compared += 1;
            assert!(rel(&ours[1], &dx) < 1e-5, "{case}: input grad vs candle");
            assert!(rel(&ours[2], &dw) < 1e-5, "{case}: weight grad vs candle");
        }
    }
    // candle 0.11 fails on two of the strided cases (the input gradient comes out one
    // column too wide); every other case is compared.
    assert!(
        compared >= cases.len() - 2,
        "candle's backward failed on {} cases",
        cases.len() - compared
    );
}

#[test]
fn non_contiguous_inputs_and_bad_shapes() {
    let dev = Device::Cpu;
    let x = Tensor::randn(0f32, 1f32, (2, 3, 8, 6), &dev).unwrap();
    let xt = x.transpose(2, 3).unwrap();
    let w = Tensor::randn(0f32, 1f32, (4, 3, 3, 3), &dev).unwrap();
    let a = conv2d_forward(&xt, &w, 1, 1).unwrap();
    let b = xt.contiguous().unwrap().conv2d(&w, 1, 1, 1, 1).unwrap();
    assert!(rel(&a, &b) < 1e-5);
    let wrong = Tensor::randn(0f32, 1f32, (4, 2, 3, 3), &dev).unwrap();
    let e = conv2d_forward(&x, &wrong, 1, 1).unwrap_err().to_string();
    assert!(e.contains("channels"), "{e}");
    let e = conv2d_forward(
        &x,
        &Tensor::zeros((4, 3, 9, 9), candle_core::DType::F32, &dev).unwrap(),
        1,
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("smaller than the kernel"), "{e}");
}

#[test]
fn only_tracked_operands_get_gradients() {
    // A frozen weight (a plain tensor) on a tracked input, and a plain input (an image)
    // through a trained weight: each gets its gradient, the untracked one none.
    let dev = Device::Cpu;
    let x = Tensor::randn(0f32, 1f32, (2, 3, 9, 9), &dev).unwrap();
    let w = Tensor::randn(0f32, 0.3f32, (4, 3, 3, 3), &dev).unwrap();
    let r = Tensor::randn(0f32, 1f32, (2, 4, 9, 9), &dev).unwrap();
    let exact = reference(&x, &w, &r, 1, 1);
    let xv = Var::from_tensor(&x).unwrap();
    let y = conv2d_forward(xv.as_tensor(), &w, 1, 1).unwrap();
    let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
    assert!(rel(grads.get(xv.as_tensor()).unwrap(), &exact[1]) < 1e-5);
    assert!(grads.get(&w).is_none());
    let wv = Var::from_tensor(&w).unwrap();
    let y = conv2d_forward(&x, wv.as_tensor(), 1, 1).unwrap();
    let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
    assert!(rel(grads.get(wv.as_tensor()).unwrap(), &exact[2]) < 1e-5);
    assert!(grads.get(&x).is_none());
}

#[test]
fn fused_bias_and_activation_match_candle_ops() {
    use iqa_ops::activation::Activation;
    use iqa_ops::conv::conv2d_fused;
    let dev = Device::Cpu;
    for (n, c, o, h, w, k, s, p) in [(2, 3, 5, 9, 8, 3, 1, 1), (3, 4, 6, 8, 8, 4, 2, 1)] {
        let x = Var::from_tensor(&Tensor::randn(0f32, 1f32, (n, c, h, w), &dev).unwrap()).unwrap();
        let wt =
            Var::from_tensor(&Tensor::randn(0f32, 0.3f32, (o, c, k, k), &dev).unwrap()).unwrap();
        let b = Var::from_tensor(&Tensor::randn(0f32, 0.5f32, o, &dev).unwrap()).unwrap();
        for act in [
            Activation::Identity,
            Activation::Relu,
            Activation::LeakyRelu(0.2),
        ] {
            let case = format!("n{n} c{c} o{o} {h}x{w} k{k} s{s} p{p} {act:?}");
            let ours = conv2d_fused(
                x.as_tensor(),
                wt.as_tensor(),
                Some(b.as_tensor()),
                s,
                p,
                act,
            )
            .unwrap();
            let conv = x.as_tensor().conv2d(wt.as_tensor(), p, s, 1, 1).unwrap();
            let stock = act
                .forward(
                    &conv
                        .broadcast_add(&b.as_tensor().reshape((1, o, 1, 1)).unwrap())
                        .unwrap(),
                )
                .unwrap();
            assert!(rel(&ours, &stock) < 1e-5, "{case}: forward");
            let r = Tensor::randn(0f32, 1f32, ours.shape(), &dev).unwrap();
            let g_ours = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let g_stock = (&stock * &r)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            for (what, v) in [("input", &x), ("weight", &wt), ("bias", &b)] {
                let (a, e) = (
                    g_ours.get(v.as_tensor()).unwrap(),
                    g_stock.get(v.as_tensor()).unwrap(),
                );
                assert!(rel(a, e) < 1e-5, "{case}: {what} gradient {}", rel(a, e));
            }
        }
    }
}
