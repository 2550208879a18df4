//! The steps of each stage of Algorithm 1: R_pre's pre-training, the alternating
//! updates of D, G and R (lines 4-9), R alone; and the divergence check of every loss.

use candle_core::{DType, Tensor};
use iqa_data::PatchBatch;
use iqa_models::hiqa::losses::{
    adversarial_loss, discriminator_fake_loss, discriminator_real_loss, fake_labels,
    perceptual_loss, pixel_loss, quality_loss, regression_loss, vgg_loss,
};
use iqa_models::hiqa::{Adversary, Regressor, RegressorMode, Variant};
use iqa_models::vars::frozen;

use super::{Losses, Stage, Trainer};
use crate::config::Schedule;
use crate::error::{Result, TrainError, config_error};

impl Trainer {
    /// The loss's value, or the divergence error.
    fn check(&self, name: &'static str, loss: &Tensor) -> Result<f64> {
        let value = loss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        let limit = self.config.divergence_limit;
        if !value.is_finite() || value.abs() > limit {
            return Err(TrainError::Diverged {
                step: self.step,
                loss: name,
                value,
                limit,
                checkpoint: self
                    .last_checkpoint
                    .as_ref()
                    .map(|p| format!(" in `{}`", p.display()))
                    .unwrap_or_else(|| " (none was written yet)".to_string()),
            });
        }
        Ok(value)
    }

    /// One step of the current stage on `batch`, then the step count advances. Runs on
    /// rayon's pool for the CPU ([`iqa_models::ops::on_pool`]: the forward and backward
    /// passes in one hop). A loss that diverges is an error and the count stays.
    pub fn train_step(&mut self, batch: &PatchBatch) -> Result<Losses> {
        let device = self.device.clone();
        let losses = iqa_models::ops::on_pool(&device, || self.step_here(batch))?;
        self.step += 1;
        Ok(losses)
    }

    /// [`Trainer::train_step`] on the calling thread.
    fn step_here(&mut self, batch: &PatchBatch) -> Result<Losses> {
        let pre = self.pretrain_steps();
        match self.stage_of(self.step) {
            Stage::Pretrain => self.pretrain_step(batch, self.step),
            Stage::Joint => self.joint_step(batch, self.step - pre),
            Stage::Regressor => self.regressor_step(batch, self.step - pre),
        }
    }

    fn reference<'b>(&self, batch: &'b PatchBatch) -> Result<&'b Tensor> {
        batch.reference.as_ref().ok_or_else(|| {
            config_error(
                "data",
                format!(
                    "the variant `{}` needs reference patches; the batch has none",
                    self.config.variant
                ),
            )
        })
    }

    /// R_pre on the distorted image and the true reference, L1 to the scores.
    fn pretrain_step(&mut self, batch: &PatchBatch, k: u64) -> Result<Losses> {
        let reference = self.reference(batch)?;
        let s = self
            .pre
            .forward(&batch.distorted, Some(reference), None, true)?;
        let loss = regression_loss(&s, &batch.scores)?;
        let v = self.check("L_pre", &loss)?;
        self.pre_opt
            .backward_step(&loss, self.config.learning_rate(Schedule::Pretrain, k))?;
        let mut out = vec![("L_pre", v)];
        if self.config.warm_up_generator && self.config.variant.uses_generator() {
            // G's warm-up: L_p alone, at G's base rate (its decay belongs to the joint stage).
            let g = self.nets.generator.forward(&batch.distorted, true)?;
            let l_p = pixel_loss(&g.image, reference)?;
            out.push(("L_p", self.check("L_p", &l_p)?));
            // What returning the input would cost on this batch: G's warm-up has worked as
            // far as L_p is below it.
            let identity = pixel_loss(&batch.distorted, reference)?;
            out.push(("L_p_input", self.check("L_p_input", &identity)?));
            self.g_opt
                .backward_step(&l_p, self.config.learning_rate(Schedule::Generator, 0))?;
        }
        Ok(out)
    }

    /// R alone (Eq. 5); G, where the variant has one, fixed in inference mode.
    fn regressor_step(&mut self, batch: &PatchBatch, k: u64) -> Result<Losses> {
        let variant = self.config.variant;
        let (reference, features) = match variant {
            Variant::Baseline => (None, None),
            Variant::Oracle => (Some(self.reference(batch)?.clone()), None),
            _ => {
                let g = self.nets.generator.forward(&batch.distorted, false)?;
                (Some(g.image.detach()), Some(g.features.detach()))
            }
        };
        let s = self.nets.regressor.forward(
            &batch.distorted,
            reference.as_ref(),
            features.as_ref(),
            true,
        )?;
        let loss = regression_loss(&s, &batch.scores)?;
        let v = self.check("L_R", &loss)?;
        self.r_opt
            .backward_step(&loss, self.config.learning_rate(Schedule::Regressor, k))?;
        Ok(vec![("L_R", v)])
    }

    /// Lines 4-9 of Algorithm 1.
    fn joint_step(&mut self, batch: &PatchBatch, k: u64) -> Result<Losses> {
        let variant = self.config.variant;
        if !variant.uses_generator() {
            return self.regressor_step(batch, k);
        }
        if variant.uses_perceptual() && self.pre_frozen.is_none() {
            self.pre_frozen = Some(Regressor::new(
                &self.config.r_pre_network(),
                RegressorMode::NO_FUSION,
                frozen(&self.pre_vars, &self.device, "R_pre")?.pp("r"),
            )?);
        }
        let w = self.config.losses;
        let (d, s) = (&batch.distorted, &batch.scores);
        let reference = self.reference(batch)?.clone();
        let fusion = variant.regressor_mode().fusion;
        let mut out: Losses = Vec::new();

        // Line 1 for this batch: the hallucination R is trained on and D judges.
        let g = self.nets.generator.forward(d, true)?;
        let (image, features) = (g.image.detach(), g.features.detach());
        let features = fusion.then_some(&features);

        if let Some(adversary) = variant.adversary() {
            // Line 4, Eq. 2: d_fake from R's current error with this hallucination.
            let d_fake = match adversary {
                Adversary::Plain => Tensor::zeros(s.dims(), DType::F32, &self.device)?,
                Adversary::Iqa => {
                    let predicted =
                        self.nets
                            .regressor
                            .forward(d, Some(&image), features, false)?;
                    fake_labels(&predicted, s, w.epsilon)?
                }
            };
            out.push((
                "d_fake",
                d_fake
                    .mean_all()?
                    .to_dtype(DType::F64)?
                    .to_scalar::<f64>()?,
            ));
            // Line 5: D on true references.
            let real = self.nets.discriminator.forward(&reference, true)?;
            let loss = discriminator_real_loss(&real)?;
            out.push(("L_D_real", self.check("L_D_real", &loss)?));
            self.d_opt
                .backward_step(&loss, self.config.learning_rate(Schedule::Discriminator, k))?;
            // Line 6: D on hallucinations, with the IQA labels.
            let fake = self.nets.discriminator.forward(&image, true)?;
            let loss = discriminator_fake_loss(&fake, &d_fake)?;
            out.push(("L_D_fake", self.check("L_D_fake", &loss)?));
            self.d_opt
                .backward_step(&loss, self.config.learning_rate(Schedule::Discriminator, k))?;
            // Line 7: G by Eq. 3, weighted by mu3 (one weight governs the adversarial
            // pressure in both G updates).
            let g = self.nets.generator.forward(d, true)?;
            let adv = adversarial_loss(&self.nets.discriminator.forward(&g.image, false)?)?;
            let loss = adv.affine(w.adversarial, 0.0)?;
            out.push(("L_adv", self.check("L_adv", &adv)?));
            self.g_opt
                .backward_step(&loss, self.config.learning_rate(Schedule::Generator, k))?;
        }

        // Line 8: R by Eq. 5 with the hallucination.
        let predicted = self
            .nets
            .regressor
            .forward(d, Some(&image), features, true)?;
        let loss = regression_loss(&predicted, s)?;
        out.push(("L_R", self.check("L_R", &loss)?));
        self.r_opt
            .backward_step(&loss, self.config.learning_rate(Schedule::Regressor, k))?;

        // Line 9: G by Eq. 4.
        let g = self.nets.generator.forward(d, true)?;
        let l_p = pixel_loss(&g.image, &reference)?;
        out.push(("L_p", self.check("L_p", &l_p)?));
        let mut l_g = l_p.affine(w.pixel, 0.0)?;
        if let (Some(vgg), Some(pre)) = (&self.vgg, &self.pre_frozen) {
            let l_v = vgg_loss(vgg, &g.image, &reference)?;
            let l_q = quality_loss(pre, d, &g.image, &reference)?;
            out.push(("L_v", self.check("L_v", &l_v)?));
            out.push(("L_q", self.check("L_q", &l_q)?));
            let l_s = perceptual_loss(&l_v, &l_q, w.quality)?;
            l_g = (l_g + l_s.affine(w.perceptual, 0.0)?)?;
        }
        if variant.adversary().is_some() {
            let adv = adversarial_loss(&self.nets.discriminator.forward(&g.image, false)?)?;
            l_g = (l_g + adv.affine(w.adversarial, 0.0)?)?;
        }
        out.push(("L_G", self.check("L_G", &l_g)?));
        self.g_opt
            .backward_step(&l_g, self.config.learning_rate(Schedule::Generator, k))?;
        Ok(out)
    }
}
