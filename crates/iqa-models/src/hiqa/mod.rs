//! Hallucinated-IQA (Lin & Wang, CVPR 2018): the quality-aware generator G, the
//! hallucination-guided regressor R and the IQA-discriminator D, with the sizes of
//! [`HiqaConfig`] and seeded initialisation.

mod blocks;
mod config;
mod discriminator;
pub mod flops;
mod generator;
mod hourglass;
pub(crate) mod init;
pub mod losses;
pub mod model_file;
mod mscn;
mod regressor;
mod scorer;
mod variant;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

pub use config::{HiqaConfig, Preset};
pub use discriminator::Discriminator;
pub use generator::{Generator, Hallucination};
pub use init::{seeded_init, start_output_at};
pub use losses::PERCEPTUAL_TAPS;
pub use mscn::mscn_luma;
pub use regressor::{Regressor, RegressorMode};
pub use scorer::HiqaScorer;
pub use variant::{Adversary, Variant};

/// G, R and D with their variables, one `VarMap` each (each network has its own optimiser
/// in Algorithm 1). Tensor names: `g.*`, `r.*`, `d.*`.
pub struct HiqaNetworks {
    /// The sizes.
    pub config: HiqaConfig,
    /// G.
    pub generator: Generator,
    /// R.
    pub regressor: Regressor,
    /// D.
    pub discriminator: Discriminator,
    /// G's variables.
    pub g_vars: VarMap,
    /// R's variables.
    pub r_vars: VarMap,
    /// D's variables.
    pub d_vars: VarMap,
}

impl HiqaNetworks {
    /// Fresh networks on `device`, initialised from `seed`.
    pub fn new(
        config: &HiqaConfig,
        mode: RegressorMode,
        device: &Device,
        seed: u64,
    ) -> crate::Result<Self> {
        let (g_vars, r_vars, d_vars) = (VarMap::new(), VarMap::new(), VarMap::new());
        let vb =
            |m: &VarMap, p: &str| VarBuilder::from_varmap(m, DType::F32, device).pp(p.to_string());
        let generator = Generator::new(config, vb(&g_vars, "g"))?;
        let regressor = Regressor::new(config, mode, vb(&r_vars, "r"))?;
        let discriminator = Discriminator::new(config, vb(&d_vars, "d"))?;
        for (k, m) in [&g_vars, &r_vars, &d_vars].into_iter().enumerate() {
            seeded_init(m, seed.wrapping_add(k as u64))?;
        }
        Ok(HiqaNetworks {
            config: config.clone(),
            generator,
            regressor,
            discriminator,
            g_vars,
            r_vars,
            d_vars,
        })
    }
}

impl std::fmt::Debug for HiqaNetworks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HiqaNetworks")
            .field("config", &self.config)
            .field("mode", &self.regressor.mode())
            .finish_non_exhaustive()
    }
}

impl HiqaNetworks {
    /// Scores of `distorted` patches (`N x 3 x S x S`) with the networks as `variant` uses
    /// them at test time (inference mode): R alone for the baseline, R on the true
    /// `reference` for the oracle (which needs it), G then R otherwise. `N` scores.
    pub fn predict(
        &self,
        variant: Variant,
        distorted: &Tensor,
        reference: Option<&Tensor>,
    ) -> crate::Result<Tensor> {
        let r = &self.regressor;
        match variant {
            Variant::Baseline => r.forward(distorted, None, None, false),
            Variant::Oracle => {
                let reference = reference.ok_or_else(|| crate::ModelError::NeedsReference {
                    model: "the oracle variant".to_string(),
                })?;
                r.forward(distorted, Some(reference), None, false)
            }
            _ => {
                let g = self.generator.forward(distorted, false)?;
                r.forward(distorted, Some(&g.image), Some(&g.features), false)
            }
        }
    }
}
