//! FPR, "No-Reference Image Quality Assessment by Hallucinating Pristine Features" (Chen,
//! Zhu, Kong, Zhu, Wang & Li, IEEE TIP 2022): Hallucinated-IQA's successor that hallucinates
//! pristine *features* instead of a pristine image.
//!
//! During training an FR branch extracts features of the distorted image (f1) and of its
//! reference (f2); an NR branch extracts two feature halves (sf1, sf2) from the distorted
//! image alone, and an invertible coupling network maps them to hallucinated FR features
//! (fake_f1, fake_f2). One FR head scores the real pair and the hallucinated pair; the NR
//! head scores the NR features. At test time only the NR branch and its head run: the
//! hallucination shapes the NR features through training alone.
//!
//! Tensor names are the authors' (`fl1.conv1.conv.0.weight`, `sfl21...`,
//! `InvRescaleNet.operations.0.F.conv1.weight`, `cl1.conv.conv.0.weight`, `rl1.weight`,
//! `wl1.weight_ih_l0`, `s...` for the NR head), so a checkpoint of their code converted to
//! safetensors loads; their unused GroupNorm `gn.*` is not built.

mod blocks;
mod config;
mod coupling;
mod head;
mod losses;
mod scorer;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

pub use config::{FprConfig, PATCH};
pub(crate) use losses::l1;
pub use losses::{FprLossWeights, FprLosses, fpr_losses};
pub use scorer::{FprScorer, MAX_TILES};

use self::blocks::DoubleConv;
use self::coupling::InvRescaleNet;
use self::head::Head;
use crate::group_init::group_init;
use crate::{ModelError, Result};

/// FPR's networks: the FR and NR feature extractors, the hallucination network, and the FR
/// and NR heads.
#[derive(Debug, Clone)]
pub struct Fpr {
    config: FprConfig,
    fr: [DoubleConv; 3],
    nr: [DoubleConv; 5],
    hallucination: InvRescaleNet,
    fr_head: Head,
    nr_head: Head,
}

/// What the training forward pass gives (the names of the authors' code).
#[derive(Debug, Clone)]
pub struct FprOutputs {
    /// FR head on the real pair (reference, distorted features), one score per image.
    pub fs: Tensor,
    /// FR head on the hallucinated pair.
    pub nfake_fs: Tensor,
    /// NR head, the test-time score.
    pub ns: Tensor,
    /// FR features of the distorted patches.
    pub f1: Tensor,
    /// FR features of the reference patches.
    pub f2: Tensor,
    /// Hallucinated distorted-image features.
    pub fake_f1: Tensor,
    /// Hallucinated pristine features.
    pub fake_f2: Tensor,
}

impl Fpr {
    /// The networks with `config`'s widths, their tensors from `vb`.
    pub fn new(config: &FprConfig, vb: VarBuilder) -> Result<Fpr> {
        config.validate()?;
        let [a, b, c] = config.fr_widths;
        let [n1, n2] = config.nr_widths;
        let dc = |cin, cout, pool, name: &str| DoubleConv::new(cin, cout, pool, vb.pp(name));
        Ok(Fpr {
            config: config.clone(),
            fr: [
                dc(3, a, true, "fl1")?,
                dc(a, b, true, "fl2")?,
                dc(b, c, true, "fl3")?,
            ],
            nr: [
                dc(3, n1, true, "sfl1")?,
                dc(n1, n2, false, "sfl21")?,
                dc(n2, n2, true, "sfl22")?,
                dc(n2, n2, false, "sfl23")?,
                dc(n2, 2 * c, true, "sfl3")?,
            ],
            hallucination: InvRescaleNet::new(c, config.coupling_blocks, vb.pp("InvRescaleNet"))?,
            fr_head: Head::new(c, "", vb.clone())?,
            nr_head: Head::new(c, "s", vb)?,
        })
    }

    /// Fresh networks on `device` in a new variable map, initialised from `seed` as the
    /// authors' code initialises them ([`crate::group_init`]).
    pub fn seeded(config: &FprConfig, device: &Device, seed: u64) -> Result<(Fpr, VarMap)> {
        let vars = VarMap::new();
        let fpr = Fpr::new(config, VarBuilder::from_varmap(&vars, DType::F32, device))?;
        group_init(&vars, seed)?;
        Ok((fpr, vars))
    }

    /// The sizes.
    pub fn config(&self) -> &FprConfig {
        &self.config
    }

    /// FR features (`N x C x 8 x 8`) of `N x 3 x 64 x 64` patches.
    pub fn fr_features(&self, x: &Tensor) -> Result<Tensor> {
        check_patches(x)?;
        let mut y = x.clone();
        for block in &self.fr {
            y = block.forward(&y)?;
        }
        Ok(y)
    }

    /// The NR branch's two feature halves (`N x C x 8 x 8` each).
    pub fn nr_features(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        check_patches(x)?;
        let mut y = x.clone();
        for block in &self.nr {
            y = block.forward(&y)?;
        }
        let c = self.config.feature_channels();
        Ok((y.narrow(1, 0, c)?, y.narrow(1, c, c)?))
    }

    /// The training forward pass on `images` images of `patches` patches each: distorted
    /// and reference patches (`images * patches x 3 x 64 x 64`, paired by position, an
    /// image's patches consecutive).
    pub fn forward_train(
        &self,
        distorted: &Tensor,
        reference: &Tensor,
        images: usize,
        patches: usize,
    ) -> Result<FprOutputs> {
        if distorted.dims() != reference.dims() {
            return Err(ModelError::InvalidConfig {
                field: "fpr reference patches",
                reason: format!(
                    "distorted {:?} and reference {:?} patches differ in shape",
                    distorted.dims(),
                    reference.dims()
                ),
            });
        }
        let f1 = self.fr_features(distorted)?;
        let f2 = self.fr_features(reference)?;
        let (sf1, sf2) = self.nr_features(distorted)?;
        let (fake_f1, fake_f2) = self.hallucination.forward(&sf1, &sf2)?;
        let fs = self
            .fr_head
            .forward(&Tensor::cat(&[&f2, &f1], 1)?, images, patches)?
            .0;
        let nfake_fs = self
            .fr_head
            .forward(&Tensor::cat(&[&fake_f2, &fake_f1], 1)?, images, patches)?
            .0;
        let ns = self
            .nr_head
            .forward(&Tensor::cat(&[&sf1, &sf2], 1)?, images, patches)?
            .0;
        Ok(FprOutputs {
            fs,
            nfake_fs,
            ns,
            f1,
            f2,
            fake_f1,
            fake_f2,
        })
    }

    /// The test-time score of `images` images from their distorted patches alone (the NR
    /// branch and head; the GRU reads each image's patches in the order given).
    pub fn predict(&self, distorted: &Tensor, images: usize, patches: usize) -> Result<Tensor> {
        let (sf1, sf2) = self.nr_features(distorted)?;
        Ok(self
            .nr_head
            .forward(&Tensor::cat(&[&sf1, &sf2], 1)?, images, patches)?
            .0)
    }

    /// The hallucination network's inverse: NR feature halves from FR features (the
    /// authors compute it during training but use it nowhere; kept for analysis).
    pub fn unhallucinate(&self, f1: &Tensor, f2: &Tensor) -> Result<(Tensor, Tensor)> {
        self.hallucination.inverse(f1, f2)
    }
}

/// Refuses anything but `N x 3 x 64 x 64`.
fn check_patches(x: &Tensor) -> Result<()> {
    match x.dims() {
        [_, 3, h, w] if *h == PATCH && *w == PATCH => Ok(()),
        dims => Err(ModelError::InvalidConfig {
            field: "fpr input",
            reason: format!("patches must be N x 3 x {PATCH} x {PATCH}, got {dims:?}"),
        }),
    }
}
