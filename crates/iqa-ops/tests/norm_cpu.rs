//! The fused batch norm (+ activation) custom op against candle-nn's batch norm followed
//! by candle's activation: outputs, the gradients of the input, weight and bias, and the
//! running statistics, in training and evaluation, within 1e-5 relative (f32).

#![allow(clippy::unwrap_used, clippy::panic)]

use candle_core::{Device, Tensor, Var};
use candle_nn::ModuleT;
use iqa_ops::norm::{Activation, BatchNorm2d};

mod common;
use common::rel;

fn var(t: &Tensor) -> Var {
    Var::from_tensor(&t.copy().unwrap()).unwrap()
}

#[test]
fn fused_batch_norm_matches_candle_forward_backward_and_running_statistics() {
    let dev = Device::Cpu;
    let shapes = [(2, 3, 5, 7), (4, 16, 8, 8), (1, 5, 3, 2), (3, 2, 1, 1)];
    let acts = [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu(0.2),
    ];
    for (case, &(n, c, h, w)) in shapes.iter().enumerate() {
        let x = Var::from_tensor(
            &Tensor::randn(0f32, 1.0, (n, c, h, w), &dev)
                .unwrap()
                .affine(2.0, 0.5)
                .unwrap(),
        )
        .unwrap();
        let r = Tensor::randn(0f32, 1.0, (n, c, h, w), &dev).unwrap();
        let weight = Var::from_tensor(&Tensor::randn(1f32, 0.3, c, &dev).unwrap()).unwrap();
        let bias = Var::from_tensor(&Tensor::randn(0f32, 0.3, c, &dev).unwrap()).unwrap();
        let rm = Tensor::randn(0f32, 0.5, c, &dev).unwrap();
        let rv = Tensor::rand(0.5f32, 2.0, c, &dev).unwrap();
        for act in acts {
            for train in [true, false] {
                let what = format!("case {case} {act:?} train {train}");
                let (rm_fused, rv_fused, rm_stock, rv_stock) =
                    (var(&rm), var(&rv), var(&rm), var(&rv));
                let fused = BatchNorm2d::new(
                    rm_fused.as_tensor().clone(),
                    rv_fused.as_tensor().clone(),
                    weight.as_tensor().clone(),
                    bias.as_tensor().clone(),
                    1e-5,
                )
                .unwrap();
                let stock = candle_nn::BatchNorm::new(
                    c,
                    rm_stock.as_tensor().clone(),
                    rv_stock.as_tensor().clone(),
                    weight.as_tensor().clone(),
                    bias.as_tensor().clone(),
                    1e-5,
                )
                .unwrap();
                let y_fused = fused.forward_act(x.as_tensor(), train, act).unwrap();
                let y = stock.forward_t(x.as_tensor(), train).unwrap();
                let y_stock = match act {
                    Activation::Identity => y,
                    Activation::Relu => y.relu().unwrap(),
                    Activation::LeakyRelu(s) => {
                        candle_nn::ops::leaky_relu(&y, f64::from(s)).unwrap()
                    }
                    other => panic!("no stock counterpart for {other:?}"),
                };
                assert!(rel(&y_fused, &y_stock) < 1e-5, "{what}: output");
                let g_fused = (y_fused * &r)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .backward()
                    .unwrap();
                let g_stock = (y_stock * &r)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .backward()
                    .unwrap();
                for (name, v) in [("x", &x), ("weight", &weight), ("bias", &bias)] {
                    let (a, b) = (
                        g_fused.get(v.as_tensor()).unwrap(),
                        g_stock.get(v.as_tensor()).unwrap(),
                    );
                    assert!(rel(a, b) < 1e-5, "{what}: gradient of {name} {}", rel(a, b));
                }
                // Training updates the running statistics the same way; evaluation leaves them.
                assert!(
                    rel(rm_fused.as_tensor(), rm_stock.as_tensor()) < 1e-5,
                    "{what}: mean"
                );
                assert!(
                    rel(rv_fused.as_tensor(), rv_stock.as_tensor()) < 1e-5,
                    "{what}: var"
                );
                let moved = rel(rm_fused.as_tensor(), &rm) > 1e-3;
                assert_eq!(moved, train, "{what}: running mean moved");
            }
        }
    }
}
