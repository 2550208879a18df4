//! VGG feature extractors (Simonyan & Zisserman, ICLR 2015) for the perceptual terms and
//! metrics of this crate: torchvision's `vgg16().features` or `vgg19().features` (tensor
//! names `features.N.weight` / `features.N.bias`, so converted PyTorch weights load as they
//! are), 3x3 convolutions each followed by a ReLU, 2x2 max pooling or DeepWSD's L2 pooling,
//! and the ReLU outputs tapped at torchvision indices. Built from plain tensors, so it is
//! frozen: no variable, no gradient to its weights (gradients still flow to its input).
//!
//! Users: Hallucinated-IQA's L_v (VGG19, max pooling, ImageNet normalisation inside) and
//! DeepWSD (VGG16, L2 pooling, the image as given).

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{Conv2dConfig, VarBuilder};
use iqa_ops::activation::Activation;
use iqa_ops::conv::Conv2d;
use iqa_ops::spatial::max_pool2d;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{ModelError, Result};

/// A layer of `features`: a 3x3 convolution (torchvision index, input and output
/// channels; its ReLU has the next index) or a pooling layer.
type Layer = Option<(usize, usize, usize)>;

/// A width per 3x3 convolution, `None` for a 2x2 pooling: torchvision's configurations
/// "D" (VGG16, 13 convolutions) and "E" (VGG19, 16).
const VGG16: [Option<usize>; 18] = cfg([2, 2, 3, 3, 3]);
const VGG19: [Option<usize>; 21] = cfg([2, 2, 4, 4, 4]);

/// The configuration with `convs[s]` convolutions in stage `s` (widths 64, 128, 256, 512,
/// 512), each stage followed by a pooling.
const fn cfg<const N: usize>(convs: [usize; 5]) -> [Option<usize>; N] {
    const WIDTHS: [usize; 5] = [64, 128, 256, 512, 512];
    let mut out = [None; N];
    let (mut k, mut stage) = (0, 0);
    while stage < 5 {
        let mut c = 0;
        while c < convs[stage] {
            out[k] = Some(WIDTHS[stage]);
            k += 1;
            c += 1;
        }
        k += 1; // the pooling: already None
        stage += 1;
    }
    out
}

/// The layers of a configuration with their torchvision indices: a convolution takes two
/// (itself and its ReLU), a pooling one.
fn layers_of(cfg: &[Option<usize>]) -> Vec<Layer> {
    let (mut index, mut cin) = (0, 3);
    cfg.iter()
        .map(|layer| match *layer {
            Some(cout) => {
                let conv = (index, cin, cout);
                (index, cin) = (index + 2, cout);
                Some(conv)
            }
            None => {
                index += 1;
                None
            }
        })
        .collect()
}

/// Which VGG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VggDepth {
    /// VGG16 (configuration D).
    Vgg16,
    /// VGG19 (configuration E).
    Vgg19,
}

impl VggDepth {
    fn layers(self) -> Vec<Layer> {
        layers_of(match self {
            VggDepth::Vgg16 => &VGG16,
            VggDepth::Vgg19 => &VGG19,
        })
    }

    /// The name used in messages (`vgg16`, `vgg19`).
    pub fn name(self) -> &'static str {
        match self {
            VggDepth::Vgg16 => "vgg16",
            VggDepth::Vgg19 => "vgg19",
        }
    }
}

/// The pooling between stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VggPooling {
    /// 2x2 max pooling, stride 2 (the original network).
    Max,
    /// L2 pooling (Hénaff & Simoncelli 2016), as DeepWSD uses it: the square root of a
    /// depthwise 3x3 Hann-like window ([1, 2, 1] x [1, 2, 1] / 16) over the squared map,
    /// stride 2, zero padding 1.
    L2,
}

/// How a VGG is built and what it returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VggConfig {
    /// VGG16 or VGG19.
    pub depth: VggDepth,
    /// Max or L2 pooling.
    pub pooling: VggPooling,
    /// The ReLU outputs returned, by torchvision index (a convolution's index + 1: relu1_2
    /// is 3, relu2_2 is 8, ...), in increasing order. Layers after the last tap are not
    /// built.
    pub taps: Vec<usize>,
    /// Subtract ImageNet's mean and divide by its deviation first (inputs in [0, 1]).
    pub imagenet_normalise: bool,
}

/// A frozen VGG feature extractor.
#[derive(Debug, Clone)]
pub struct Vgg {
    config: VggConfig,
    layers: Vec<Layer>,
    convs: Vec<Conv2d>,
    mean: Tensor,
    std: Tensor,
}

impl Vgg {
    fn build(config: &VggConfig, vb: VarBuilder, device: &Device) -> Result<Vgg> {
        let layers = config.depth.layers();
        let relu_indices: Vec<usize> = layers.iter().flatten().map(|l| l.0 + 1).collect();
        let sorted = config.taps.windows(2).all(|w| w[0] < w[1]);
        if config.taps.is_empty()
            || !sorted
            || !config.taps.iter().all(|t| relu_indices.contains(t))
        {
            return Err(ModelError::InvalidConfig {
                field: "taps",
                reason: format!(
                    "{} taps {:?}: each must be a ReLU index (a convolution index + 1: {:?}), in increasing order",
                    config.depth.name(),
                    config.taps,
                    relu_indices
                ),
            });
        }
        let last = config.taps.iter().copied().max().unwrap_or(0);
        let cfg = Conv2dConfig {
            padding: 1,
            ..Default::default()
        };
        let convs = layers
            .iter()
            .flatten()
            .filter(|l| l.0 < last)
            .map(|&(i, cin, cout)| {
                Ok(iqa_ops::conv::conv2d(
                    cin,
                    cout,
                    3,
                    cfg,
                    vb.pp(format!("features.{i}")),
                )?)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Vgg {
            config: config.clone(),
            layers,
            convs,
            mean: Tensor::new(&[0.485f32, 0.456, 0.406], device)?.reshape((1, 3, 1, 1))?,
            std: Tensor::new(&[0.229f32, 0.224, 0.225], device)?.reshape((1, 3, 1, 1))?,
        })
    }

    /// Loads torchvision weights from the safetensors file `path`; `user` names the model
    /// that needs them in errors (`deepwsd`, `L_v`).
    pub fn load(
        path: &Path,
        config: &VggConfig,
        user: &'static str,
        device: &Device,
    ) -> Result<Vgg> {
        let err = |reason: String| ModelError::Weights {
            model: user,
            path: path.to_path_buf(),
            reason,
            help: weights_help(config.depth),
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, device)
            .map_err(|e| err(e.to_string()))?;
        Self::build(config, vb, device).map_err(|e| err(e.to_string()))
    }

    /// Random weights (He-uniform from `seed`, zero biases), for tests and benchmarks: the
    /// features mean nothing. Every layer is drawn in order, so a tap set that builds fewer
    /// layers gets the same weights for the layers it has.
    pub fn random(seed: u64, config: &VggConfig, device: &Device) -> Result<Vgg> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut tensors = HashMap::new();
        for &(i, cin, cout) in config.depth.layers().iter().flatten() {
            let bound = (6.0 / (cin * 9) as f32).sqrt();
            let w: Vec<f32> = (0..cout * cin * 9)
                .map(|_| rng.random_range(-bound..bound))
                .collect();
            tensors.insert(
                format!("features.{i}.weight"),
                Tensor::from_vec(w, (cout, cin, 3, 3), device)?,
            );
            tensors.insert(
                format!("features.{i}.bias"),
                Tensor::zeros(cout, DType::F32, device)?,
            );
        }
        Self::build(
            config,
            VarBuilder::from_tensors(tensors, DType::F32, device),
            device,
        )
    }

    /// What this extractor is.
    pub fn config(&self) -> &VggConfig {
        &self.config
    }

    /// Multiply-accumulates of one forward pass on an `h x w` image (up to the last tap).
    pub fn macs(&self, h: usize, w: usize) -> u64 {
        let last = self.config.taps.iter().copied().max().unwrap_or(0);
        let (mut h, mut w, mut total) = (h, w, 0u64);
        for layer in self.config.depth.layers() {
            match layer {
                Some((i, cin, cout)) if i < last => total += (cin * cout * 9 * h * w) as u64,
                Some(_) => break,
                None => (h, w) = pooled(self.config.pooling, h, w),
            }
        }
        total
    }

    /// The tapped feature maps of `x` (N, 3, H, W), in tap order: (N, C_k, H_k, W_k).
    pub fn forward(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        let mut h = if self.config.imagenet_normalise {
            x.broadcast_sub(&self.mean)?.broadcast_div(&self.std)?
        } else {
            x.clone()
        };
        let last = self.config.taps.iter().copied().max().unwrap_or(0);
        let mut convs = self.convs.iter();
        let mut out = Vec::with_capacity(self.config.taps.len());
        for layer in &self.layers {
            match *layer {
                Some((i, _, _)) if i < last => {
                    let Some(conv) = convs.next() else { break };
                    // (N, C_in, H, W) -> (N, C_out, H, W)
                    h = conv.forward_act(&h, Activation::Relu)?;
                    if self.config.taps.contains(&(i + 1)) {
                        out.push(h.clone());
                        if out.len() == self.config.taps.len() {
                            break;
                        }
                    }
                }
                Some(_) => break,
                // (N, C, H, W) -> (N, C, H', W'), about half the size
                None => {
                    h = match self.config.pooling {
                        VggPooling::Max => max_pool2d(&h, 2)?,
                        VggPooling::L2 => l2_pool(&h)?,
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The output size of one pooling layer on `h x w`.
fn pooled(pooling: VggPooling, h: usize, w: usize) -> (usize, usize) {
    match pooling {
        VggPooling::Max => (h / 2, w / 2),
        // 3x3 window, stride 2, padding 1.
        VggPooling::L2 => (h.div_ceil(2), w.div_ceil(2)),
    }
}

/// L2 pooling: sqrt(depthwise conv of x^2 with [1,2,1]^T [1,2,1] / 16, stride 2, pad 1).
fn l2_pool(x: &Tensor) -> Result<Tensor> {
    let channels = x.dim(1)?;
    const TAPS_1D: [f32; 3] = [1.0, 2.0, 1.0];
    let window: Vec<f32> = TAPS_1D
        .iter()
        .flat_map(|a| TAPS_1D.iter().map(move |b| a * b / 16.0))
        .collect();
    let kernel: Vec<f32> = (0..channels).flat_map(|_| window.iter().copied()).collect();
    let kernel = Tensor::from_vec(kernel, (channels, 1, 3, 3), x.device())?.to_dtype(x.dtype())?;
    Ok(x.sqr()?
        .conv2d(&kernel, 1, 2, 1, channels)?
        .affine(1.0, 1e-12)?
        .sqrt()?)
}

/// How to obtain torchvision weights for `depth`, printed when they are missing or wrong.
pub fn weights_help(depth: VggDepth) -> &'static str {
    match depth {
        VggDepth::Vgg16 => {
            "ImageNet VGG16 weights as safetensors with torchvision key names (features.N.weight / features.N.bias); convert them once with PyTorch (see datasets.md): python3 -c \"import torchvision; from safetensors.torch import save_file; m = torchvision.models.vgg16(weights='IMAGENET1K_V1'); save_file({k: v.contiguous() for k, v in m.state_dict().items() if k.startswith('features.')}, 'vgg16.safetensors')\""
        }
        VggDepth::Vgg19 => {
            "ImageNet VGG19 weights as safetensors with torchvision key names (features.N.weight / features.N.bias); convert them once with PyTorch (see datasets.md): python3 -c \"import torchvision; from safetensors.torch import save_file; m = torchvision.models.vgg19(weights='IMAGENET1K_V1'); save_file({k: v.contiguous() for k, v in m.state_dict().items() if k.startswith('features.')}, 'vgg19.safetensors')\""
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(depth: VggDepth, pooling: VggPooling, taps: Vec<usize>) -> VggConfig {
        VggConfig {
            depth,
            pooling,
            taps,
            imagenet_normalise: false,
        }
    }

    #[test]
    fn taps_have_the_stage_shapes_and_bad_taps_are_refused() {
        let dev = Device::Cpu;
        let x = Tensor::rand(0f32, 1.0, (1, 3, 32, 32), &dev).unwrap();
        let vgg16 = Vgg::random(
            0,
            &config(VggDepth::Vgg16, VggPooling::L2, vec![3, 8, 15, 22, 29]),
            &dev,
        )
        .unwrap();
        let dims: Vec<Vec<usize>> = vgg16
            .forward(&x)
            .unwrap()
            .iter()
            .map(|t| t.dims().to_vec())
            .collect();
        assert_eq!(
            dims,
            vec![
                vec![1, 64, 32, 32],
                vec![1, 128, 16, 16],
                vec![1, 256, 8, 8],
                vec![1, 512, 4, 4],
                vec![1, 512, 2, 2]
            ]
        );
        let vgg19 = Vgg::random(
            0,
            &config(VggDepth::Vgg19, VggPooling::Max, vec![8, 17]),
            &dev,
        )
        .unwrap();
        let dims: Vec<Vec<usize>> = vgg19
            .forward(&x)
            .unwrap()
            .iter()
            .map(|t| t.dims().to_vec())
            .collect();
        assert_eq!(dims, vec![vec![1, 128, 16, 16], vec![1, 256, 8, 8]]);
        // relu1_1 + relu1_2 + pool + relu2_1 + relu2_2 at 32x32 and 16x16.
        // Convolutions 0, 2 at 32x32; 5, 7 at 16x16; 10, 12, 14, 16 at 8x8 (relu3_4 = 17).
        let at = |cin: u64, cout: u64, side: u64| cin * cout * 9 * side * side;
        let expected = at(3, 64, 32)
            + at(64, 64, 32)
            + at(64, 128, 16)
            + at(128, 128, 16)
            + at(128, 256, 8)
            + 3 * at(256, 256, 8);
        assert_eq!(vgg19.macs(32, 32), expected);
        for bad in [vec![], vec![7], vec![17, 8], vec![37]] {
            let err = Vgg::random(
                0,
                &config(VggDepth::Vgg19, VggPooling::Max, bad.clone()),
                &dev,
            );
            assert!(err.is_err(), "{bad:?}");
        }
    }

    #[test]
    fn layer_tables_are_torchvisions() {
        let convs = |d: VggDepth| -> Vec<(usize, usize, usize)> {
            d.layers().into_iter().flatten().collect()
        };
        let v16 = convs(VggDepth::Vgg16);
        assert_eq!(v16.len(), 13);
        assert_eq!(
            &v16[..4],
            &[(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128)]
        );
        assert_eq!(v16[12], (28, 512, 512));
        let v19 = convs(VggDepth::Vgg19);
        assert_eq!(v19.len(), 16);
        assert_eq!(v19[7], (16, 256, 256));
        assert_eq!(v19[15], (34, 512, 512));
        assert_eq!(VggDepth::Vgg19.layers().len(), 21);
    }

    #[test]
    fn random_weights_do_not_depend_on_the_taps() {
        let dev = Device::Cpu;
        let x = Tensor::rand(0f32, 1.0, (1, 3, 16, 16), &dev).unwrap();
        let short =
            Vgg::random(5, &config(VggDepth::Vgg19, VggPooling::Max, vec![3]), &dev).unwrap();
        let long = Vgg::random(
            5,
            &config(VggDepth::Vgg19, VggPooling::Max, vec![3, 8]),
            &dev,
        )
        .unwrap();
        let a = short.forward(&x).unwrap().remove(0);
        let b = long.forward(&x).unwrap().remove(0);
        let diff: f32 = (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert_eq!(diff, 0.0);
    }

    #[test]
    fn l2_pooling_of_a_constant_map_is_its_interior_value() {
        let x = Tensor::full(3f32, (1, 2, 6, 6), &Device::Cpu).unwrap();
        let y: Vec<f32> = l2_pool(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        // Interior windows see nine 3s (weights sum to 1): sqrt(9) = 3; output 3x3.
        assert_eq!(y.len(), 2 * 9);
        assert!((y[4] - 3.0).abs() < 1e-5, "{}", y[4]);
    }
}
