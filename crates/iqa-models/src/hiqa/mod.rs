//! Hallucinated-IQA (Lin & Wang, CVPR 2018): the quality-aware generator G, the
//! hallucination-guided regressor R and the IQA-discriminator D, with the sizes of
//! [`HiqaConfig`] and seeded initialisation.

mod blocks;
mod config;
mod discriminator;
pub mod flops;
mod generator;
mod hourglass;
mod init;
pub mod losses;
pub mod model_file;
mod regressor;
pub mod vgg19;

use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};

pub use config::HiqaConfig;
pub use discriminator::Discriminator;
pub use generator::{Generator, Hallucination};
pub use init::seeded_init;
pub use regressor::{Regressor, RegressorMode};

/// A `VarBuilder` over detached copies of `vars`' tensors: a network built from it is
/// frozen (constant tensors, no gradients), as R_pre and VGG19 must be.
pub fn frozen(vars: &VarMap, device: &Device) -> crate::Result<VarBuilder<'static>> {
    let data = vars.data().lock().map_err(|_| {
        crate::ModelError::Config("the variable map's lock is poisoned".to_string())
    })?;
    let tensors: std::collections::HashMap<String, candle_core::Tensor> = data
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().detach()))
        .collect();
    Ok(VarBuilder::from_tensors(tensors, DType::F32, device))
}

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

impl crate::nr::NoReferenceModel for HiqaNetworks {
    fn name(&self) -> String {
        format!("hallucinated-iqa ({})", self.config.preset)
    }

    /// G then R in inference mode (R alone in the baseline mode).
    fn predict(&self, distorted: &candle_core::Tensor) -> crate::Result<candle_core::Tensor> {
        let mode = self.regressor.mode();
        if !mode.discrepancy && !mode.fusion {
            return self.regressor.forward(distorted, None, None, false);
        }
        let g = self.generator.forward(distorted, false)?;
        self.regressor
            .forward(distorted, Some(&g.image), Some(&g.features), false)
    }
}
