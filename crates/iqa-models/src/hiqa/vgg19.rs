//! VGG19 features for the perceptual term L_v: torchvision's `vgg19().features` (key names
//! `features.N.weight` / `.bias`), ImageNet normalisation inside, ReLU outputs tapped at
//! chosen torchvision indices. Built from plain tensors, so it is frozen: no variable, no
//! gradient. Without a weights file the caller must ask for random features explicitly.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{Conv2dConfig, VarBuilder};

use iqa_ops::activation::Activation;
use iqa_ops::conv::Conv2d;
use iqa_ops::spatial::max_pool2d;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::losses::feature_distance;
use crate::{ModelError, Result};

/// VGG19's `features`: `Some((index, cin, cout))` for a 3x3 convolution (its ReLU is
/// index + 1), `None` for a 2x2 max-pool.
const LAYERS: [Option<(usize, usize, usize)>; 21] = [
    Some((0, 3, 64)),
    Some((2, 64, 64)),
    None,
    Some((5, 64, 128)),
    Some((7, 128, 128)),
    None,
    Some((10, 128, 256)),
    Some((12, 256, 256)),
    Some((14, 256, 256)),
    Some((16, 256, 256)),
    None,
    Some((19, 256, 512)),
    Some((21, 512, 512)),
    Some((23, 512, 512)),
    Some((25, 512, 512)),
    None,
    Some((28, 512, 512)),
    Some((30, 512, 512)),
    Some((32, 512, 512)),
    Some((34, 512, 512)),
    None,
];

/// The default taps: relu2_2, relu3_4 and relu4_4 (torchvision indices 8, 17, 26). The paper
/// does not say which layers; these span texture to structure, the usual perceptual-loss
/// choice, and skip relu5_4, whose 1/16-resolution maps on 64x64 training patches are 4x4.
pub const DEFAULT_TAPS: [usize; 3] = [8, 17, 26];

const HELP: &str = "L_v needs ImageNet VGG19 weights as safetensors with torchvision key names \
(features.N.weight / features.N.bias): python3 -c \"import torchvision; from safetensors.torch import save_file; \
m = torchvision.models.vgg19(weights='IMAGENET1K_V1'); \
save_file({k: v.contiguous() for k, v in m.state_dict().items() if k.startswith('features.')}, 'vgg19.safetensors')\"";

/// Frozen VGG19 feature taps.
#[derive(Debug, Clone)]
pub struct Vgg19Features {
    convs: Vec<(usize, Conv2d)>,
    taps: Vec<usize>,
    mean: Tensor,
    std: Tensor,
}

impl Vgg19Features {
    fn build(vb: VarBuilder, taps: &[usize], device: &Device) -> Result<Self> {
        let last = taps.iter().copied().max().unwrap_or(0);
        if taps.is_empty()
            || !taps
                .iter()
                .all(|t| LAYERS.iter().flatten().any(|l| l.0 + 1 == *t))
        {
            return Err(ModelError::Config(format!(
                "VGG19 taps {taps:?}: each must be a ReLU index (a convolution index + 1: 1, 3, 6, 8, 11, ..., 35)"
            )));
        }
        let cfg = Conv2dConfig {
            padding: 1,
            ..Default::default()
        };
        let convs = LAYERS
            .iter()
            .flatten()
            .filter(|l| l.0 < last)
            .map(|&(i, cin, cout)| {
                Ok((
                    i,
                    iqa_ops::conv::conv2d(cin, cout, 3, cfg, vb.pp(format!("features.{i}")))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Vgg19Features {
            convs,
            taps: taps.to_vec(),
            mean: Tensor::new(&[0.485f32, 0.456, 0.406], device)?.reshape((1, 3, 1, 1))?,
            std: Tensor::new(&[0.229f32, 0.224, 0.225], device)?.reshape((1, 3, 1, 1))?,
        })
    }

    /// Loads torchvision VGG19 weights from `path`, tapping the ReLUs at `taps`.
    pub fn load(path: &Path, taps: &[usize], device: &Device) -> Result<Self> {
        let err = |reason: String| ModelError::Weights {
            model: "vgg19",
            path: path.to_path_buf(),
            reason,
            help: HELP,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, device)
            .map_err(|e| err(e.to_string()))?;
        Self::build(vb, taps, device).map_err(|e| err(e.to_string()))
    }

    /// Random (seeded, He-uniform) weights, for tests and benchmarks only: the caller opts in
    /// explicitly, and a warning says the perceptual term is meaningless.
    pub fn random_for_tests(seed: u64, taps: &[usize], device: &Device) -> Result<Self> {
        tracing::warn!("VGG19 with random weights: the L_v perceptual term is meaningless");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut tensors = std::collections::HashMap::new();
        for &(i, cin, cout) in LAYERS.iter().flatten() {
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
            VarBuilder::from_tensors(tensors, DType::F32, device),
            taps,
            device,
        )
    }

    /// Multiply-accumulates of one forward pass on an `h x w` image (up to the last tap).
    pub fn macs(&self, h: usize, w: usize) -> u64 {
        let last = self.taps.iter().copied().max().unwrap_or(0);
        let (mut h, mut w, mut total) = (h, w, 0u64);
        for layer in LAYERS {
            match layer {
                Some((i, cin, cout)) if i < last => total += (cin * cout * 9 * h * w) as u64,
                Some(_) => break,
                None => (h, w) = (h / 2, w / 2),
            }
        }
        total
    }

    /// The tapped feature maps of `x` (`N x 3 x H x W` in [0, 1]), in tap order.
    pub fn forward(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        let mut h = x.broadcast_sub(&self.mean)?.broadcast_div(&self.std)?;
        let mut convs = self.convs.iter();
        let mut out = Vec::with_capacity(self.taps.len());
        let last = self.taps.iter().copied().max().unwrap_or(0);
        for layer in LAYERS {
            match layer {
                Some((i, _, _)) if i < last => {
                    let Some((_, conv)) = convs.next() else { break };
                    h = conv.forward_act(&h, Activation::Relu)?;
                    if self.taps.contains(&(i + 1)) {
                        out.push(h.clone());
                    }
                }
                Some(_) => break,
                None => h = max_pool2d(&h, 2)?,
            }
        }
        Ok(out)
    }
}

/// L_v: the VGG19 feature distance between the hallucination and the true reference (the
/// reference side detached).
pub fn vgg_loss(vgg: &Vgg19Features, hallucinated: &Tensor, reference: &Tensor) -> Result<Tensor> {
    let fake = vgg.forward(hallucinated)?;
    let real: Vec<Tensor> = vgg
        .forward(reference)?
        .into_iter()
        .map(|t| t.detach())
        .collect();
    feature_distance(&fake, &real)
}
