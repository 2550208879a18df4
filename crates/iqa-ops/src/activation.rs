//! The activations the project's fused CPU ops apply after a batch norm or a convolution,
//! with their derivatives, and the same activation as candle ops for the other paths.

use candle_core::Tensor;

/// An element-wise activation.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Activation {
    /// None.
    Identity,
    /// `max(0, y)`.
    Relu,
    /// `y` where positive, `slope * y` elsewhere (`slope` > 0).
    LeakyRelu(f32),
}

impl Activation {
    /// The activation of one value.
    pub fn apply(self, y: f32) -> f32 {
        match self {
            Activation::Identity => y,
            Activation::Relu => y.max(0.0),
            Activation::LeakyRelu(s) => two_slopes(y, s),
        }
    }

    /// The derivative, from the activation's output (positive exactly where its input is,
    /// for positive slopes): 1 where the output is positive, [`Activation::negative_slope`]
    /// elsewhere. The kernels' loops use [`slope_at`] with the slope taken once.
    #[inline(always)]
    pub fn derivative(self, out: f32) -> f32 {
        if out > 0.0 {
            1.0
        } else {
            self.negative_slope()
        }
    }

    /// The slope where the input is not positive: 1 (identity), 0 (ReLU) or `slope`.
    #[inline(always)]
    pub fn negative_slope(self) -> f32 {
        match self {
            Activation::Identity => 1.0,
            Activation::Relu => 0.0,
            Activation::LeakyRelu(s) => s,
        }
    }

    /// `out[k] = act(f(src[k]))` for every `k` (the slices equally long). One loop per
    /// activation, chosen before it starts, so that each vectorises; a `match` inside
    /// the loop kept them scalar.
    #[inline(always)]
    pub fn map_into(self, out: &mut [f32], src: &[f32], f: impl Fn(f32) -> f32) {
        let pairs = out.iter_mut().zip(src);
        match self {
            Activation::Identity => pairs.for_each(|(o, &v)| *o = f(v)),
            Activation::Relu => pairs.for_each(|(o, &v)| *o = f(v).max(0.0)),
            Activation::LeakyRelu(s) => pairs.for_each(|(o, &v)| *o = two_slopes(f(v), s)),
        }
    }

    /// `ys[k] = act(f(ys[k]))` for every `k`: [`Activation::map_into`] in place.
    #[inline(always)]
    pub fn map_in_place(self, ys: &mut [f32], f: impl Fn(f32) -> f32) {
        match self {
            Activation::Identity => ys.iter_mut().for_each(|y| *y = f(*y)),
            Activation::Relu => ys.iter_mut().for_each(|y| *y = f(*y).max(0.0)),
            Activation::LeakyRelu(s) => ys.iter_mut().for_each(|y| *y = two_slopes(f(*y), s)),
        }
    }

    /// The activation as candle ops (for devices and dtypes without the fused ops).
    pub fn forward(self, y: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::Identity => Ok(y.clone()),
            Activation::Relu => y.relu(),
            Activation::LeakyRelu(s) => candle_nn::ops::leaky_relu(y, f64::from(s)),
        }
    }
}

/// The derivative at an output `out` of an activation with negative slope `neg`: a select
/// between two values in registers. Kernels take `neg` from [`Activation::negative_slope`]
/// once and run their loops compiled for AVX2 where the CPU has it.
#[inline(always)]
pub fn slope_at(out: f32, neg: f32) -> f32 {
    if out > 0.0 { 1.0 } else { neg }
}

/// The leaky ReLU of `y` with negative slope `s`, as a select.
#[inline(always)]
fn two_slopes(y: f32, s: f32) -> f32 {
    if y > 0.0 { y } else { s * y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_derivatives() {
        assert_eq!(Activation::Relu.apply(-2.0), 0.0);
        assert_eq!(Activation::Relu.apply(3.0), 3.0);
        assert!((Activation::LeakyRelu(0.2).apply(-3.0) + 0.6).abs() < 1e-7);
        assert_eq!(Activation::Identity.apply(-3.0), -3.0);
        assert_eq!(Activation::Relu.derivative(0.0), 0.0);
        assert_eq!(Activation::Relu.derivative(0.5), 1.0);
        assert_eq!(Activation::LeakyRelu(0.2).derivative(-0.6), 0.2);
        assert_eq!(Activation::Identity.derivative(-0.6), 1.0);
        assert_eq!(Activation::Identity.derivative(0.6), 1.0);
    }

    #[test]
    fn slice_maps_equal_the_scalar_activation() {
        let src = [-3.0f32, -0.5, 0.0, 0.25, 2.0, f32::NEG_INFINITY, 7.0];
        for act in [
            Activation::Identity,
            Activation::Relu,
            Activation::LeakyRelu(0.2),
        ] {
            let f = |v: f32| 2.0 * v - 1.0;
            let expected: Vec<f32> = src.iter().map(|&v| act.apply(f(v))).collect();
            let mut out = [0.0f32; 7];
            act.map_into(&mut out, &src, f);
            assert_eq!(out.to_vec(), expected, "{act:?}");
            let mut ys = src;
            act.map_in_place(&mut ys, f);
            assert_eq!(ys.to_vec(), expected, "{act:?} in place");
        }
    }
}
