//! The activations the project's fused CPU ops apply after a batch norm or a convolution,
//! with their derivatives, and the same activation as candle ops for the other paths.

use candle_core::Tensor;

/// An element-wise activation.
#[derive(Debug, Clone, Copy, PartialEq)]
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
            Activation::LeakyRelu(s) => {
                if y > 0.0 {
                    y
                } else {
                    s * y
                }
            }
        }
    }

    /// The derivative, from the activation's output (positive exactly where its input is,
    /// for positive slopes).
    pub fn derivative(self, out: f32) -> f32 {
        match self {
            Activation::Identity => 1.0,
            Activation::Relu => {
                if out > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu(s) => {
                if out > 0.0 {
                    1.0
                } else {
                    s
                }
            }
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
    }
}
