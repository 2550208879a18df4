//! The residual join `act(a + b)` custom op against candle's addition and activation:
//! outputs and both gradients, and no gradient for an untracked operand.

#![allow(clippy::unwrap_used)]

use candle_core::{Device, Tensor, Var};
use iqa_ops::activation::Activation;
use iqa_ops::residual::add_act;

mod common;
use common::max_abs_diff;

#[test]
fn add_act_matches_candle() {
    let dev = Device::Cpu;
    let shape = (3, 5, 7, 9);
    let a = Var::from_tensor(&Tensor::randn(0f32, 1f32, shape, &dev).unwrap()).unwrap();
    let b = Var::from_tensor(&Tensor::randn(0f32, 1f32, shape, &dev).unwrap()).unwrap();
    let r = Tensor::randn(0f32, 1f32, shape, &dev).unwrap();
    for act in [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu(0.2),
    ] {
        let ours = add_act(a.as_tensor(), b.as_tensor(), act).unwrap();
        let stock = act
            .forward(&(a.as_tensor() + b.as_tensor()).unwrap())
            .unwrap();
        assert_eq!(max_abs_diff(&ours, &stock), 0.0, "{act:?}");
        let g1 = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (&stock * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        for v in [&a, &b] {
            let d = max_abs_diff(
                g1.get(v.as_tensor()).unwrap(),
                g2.get(v.as_tensor()).unwrap(),
            );
            assert!(d < 1e-6, "{act:?}: {d}");
        }
    }
    // A plain second operand gets no gradient.
    let plain = b.as_tensor().detach();
    let y = add_act(a.as_tensor(), &plain, Activation::Relu).unwrap();
    let g = y.sum_all().unwrap().backward().unwrap();
    assert!(g.get(a.as_tensor()).is_some() && g.get(&plain).is_none());
}
