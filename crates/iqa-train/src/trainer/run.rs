//! The training loop: batches in their seeded order, a step each, the JSONL log and the
//! progress bar, validation with the best model kept, checkpoints, and the final report.

use std::path::Path;
use std::time::Instant;

use iqa_data::PatchBatcher;
use iqa_metrics::FitKind;
use iqa_models::hiqa::Variant;

use super::{Losses, Stage, Start, TrainData, TrainOptions, TrainReport, Trainer, files};
use crate::checkpoint::BestModel;
use crate::error::{Result, config_error, file_error};
use crate::log::JsonLog;

impl Trainer {
    /// Validation SROCC and PLCC (whole-image scores of the validation items); saves the
    /// best model when SROCC improves.
    fn validate(&mut self, data: &TrainData, out: &Path) -> Result<Option<(f64, f64)>> {
        if data.val.is_empty() {
            return Ok(None);
        }
        let result = crate::evaluate::test(
            &self.nets,
            self.config.variant,
            data.manifest,
            data.val,
            self.config.test_grid(),
            FitKind::None,
            &self.device,
        )?;
        if self.best.is_none_or(|b| result.srocc > b.srocc) {
            self.save_model(&out.join(files::BEST), false)?;
            self.best = Some(BestModel {
                step: self.step,
                srocc: result.srocc,
                plcc: result.plcc,
            });
        }
        Ok(Some((result.srocc, result.plcc)))
    }

    /// Runs (or continues) Algorithm 1 on `data`, writing into `options.out`.
    pub fn train(&mut self, data: &TrainData, options: &TrainOptions) -> Result<TrainReport> {
        let out = &options.out;
        std::fs::create_dir_all(out).map_err(|e| file_error(out, e))?;
        let state_path = out.join(files::STATE);
        self.data = Some(data.fingerprint());
        let run_files = [
            files::STATE,
            files::MODEL,
            files::BEST,
            files::LOG,
            files::REPORT,
        ];
        let earlier = run_files.iter().find(|f| out.join(f).exists());
        match (options.start, earlier) {
            (Start::Fresh, Some(file)) => {
                return Err(file_error(
                    &out.join(file),
                    "belongs to an earlier run in this folder; continue it with --resume, choose another --out, or pass --overwrite to replace it",
                ));
            }
            (Start::Overwrite, Some(_)) => {
                for file in run_files {
                    let path = out.join(file);
                    if path.exists() {
                        std::fs::remove_file(&path).map_err(|e| file_error(&path, e))?;
                    }
                }
                tracing::info!(out = %out.display(), "removed the earlier run");
            }
            (Start::Resume, _) => {
                if !state_path.exists() {
                    return Err(file_error(
                        &state_path,
                        "there is no training state to resume from in this folder",
                    ));
                }
                self.restore(&state_path)?;
                let total = self.total_steps();
                if self.step >= total {
                    // Finished: answer with the run's own report and write nothing.
                    let report_path = out.join(files::REPORT);
                    let finished = std::fs::read_to_string(&report_path)
                        .ok()
                        .and_then(|text| serde_json::from_str::<TrainReport>(&text).ok())
                        .ok_or_else(|| {
                            file_error(
                                &report_path,
                                format!(
                                    "is missing or unreadable, though the state records a finished run (step {} of {total}); nothing to resume",
                                    self.step
                                ),
                            )
                        })?;
                    tracing::warn!(
                        step = self.step,
                        out = %out.display(),
                        "the run is finished: nothing to resume, nothing changed"
                    );
                    return Ok(finished);
                }
                tracing::info!(step = self.step, "resumed");
            }
            _ => {}
        }
        let resume = options.start == Start::Resume;
        let config_text = self.config.to_toml()?;
        let config_path = out.join(files::CONFIG);
        iqa_io::atomic::write_bytes_atomic(&config_path, config_text.as_bytes())?;
        let variant = self.config.variant;
        let bs = self.config.batch_size;
        let mut batcher = PatchBatcher::new(
            data.manifest,
            data.train,
            self.config.patch_options(),
            self.config.cache_mib << 20,
            self.device.clone(),
            self.config.seed,
        )?;
        if let Some(metric) = &self.config.patch_labels {
            let labeller = crate::labeller::MetricLabeller::new(metric)?;
            batcher = batcher
                .with_patch_labels(std::sync::Arc::new(labeller), data.manifest.label.clone())?;
        } else if variant != Variant::Baseline {
            batcher = batcher.with_references()?;
        }
        if !resume && self.step == 0 && self.config.start_at_mean_label {
            let mean = data
                .train
                .iter()
                .filter_map(|&i| data.manifest.items.get(i))
                .map(|item| item.score)
                .sum::<f64>()
                / data.train.len().max(1) as f64;
            iqa_models::hiqa::start_output_at(&self.nets.r_vars, mean as f32)?;
            iqa_models::hiqa::start_output_at(&self.pre_vars, mean as f32)?;
            tracing::info!(mean, "R's output starts at the mean training label");
        }
        let per_epoch = batcher.batches_per_epoch(bs) as u64;
        if per_epoch == 0 {
            return Err(config_error(
                "batch_size",
                format!("{bs} is more than the {} training items", data.train.len()),
            ));
        }
        let mut log = JsonLog::open(&out.join(files::LOG), resume.then_some(self.step))?;
        let total = self.total_steps();
        let end = options.stop_at.map_or(total, |s| s.min(total));
        let progress = &options.progress;
        progress.start(total, self.step);
        let start = Instant::now();
        let first = self.step;
        let mut last: Losses = Vec::new();
        while self.step < end {
            let epoch = self.step / per_epoch;
            let index = (self.step % per_epoch) as usize;
            let batch = batcher.training_batch(epoch, index, bs)?;
            let stage = self.stage_of(self.step);
            last = self.train_step(&batch)?;
            let done = self.step == end;
            let mut record = None;
            let mut summary = String::new();
            if self.step % self.config.log_every == 0 || done {
                let seconds = start.elapsed().as_secs_f64();
                let rate = (self.step - first) as f64 * bs as f64 / seconds.max(1e-9);
                let losses: serde_json::Map<String, serde_json::Value> = last
                    .iter()
                    .map(|(k, v)| (k.to_string(), (*v).into()))
                    .collect();
                summary = format!(
                    "{stage:?} {} {rate:.1} patches/s",
                    last.iter()
                        .map(|(k, v)| format!("{k} {v:.4}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                tracing::info!(step = self.step, ?stage, ?last, "step");
                record = Some(serde_json::json!({
                    "step": self.step,
                    "stage": stage,
                    "losses": losses,
                    "patches_per_s": rate,
                    "seconds": seconds,
                }));
            }
            if stage != Stage::Pretrain
                && (self.step % self.config.validate_every == 0 || done)
                && let Some((srocc, plcc)) = self.validate(data, out)?
            {
                tracing::info!(step = self.step, srocc, plcc, "validation");
                let r = record
                    .get_or_insert_with(|| serde_json::json!({"step": self.step, "stage": stage}));
                r["val_srocc"] = srocc.into();
                r["val_plcc"] = plcc.into();
            }
            if let Some(r) = record {
                log.write(&r)?;
            }
            progress.advance(self.step, &summary);
            if self.step % self.config.checkpoint_every == 0 || done {
                self.checkpoint(out)?;
            }
        }
        progress.finish();
        if self.step == first && self.last_checkpoint.is_none() {
            self.checkpoint(out)?;
        }
        let seconds = start.elapsed().as_secs_f64();
        let report = TrainReport {
            variant,
            steps: self.step,
            total_steps: total,
            seconds,
            patches_per_s: (self.step - first) as f64 * bs as f64 / seconds.max(1e-9),
            last_losses: last.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            best: self.best,
            random_vgg: self.vgg.is_some() && self.config.vgg19.path.is_none(),
            model: out.join(files::MODEL),
            best_model: self.best.map(|_| out.join(files::BEST)),
        };
        let text = serde_json::to_string_pretty(&report).map_err(|e| file_error(out, e))?;
        let report_path = out.join(files::REPORT);
        iqa_io::atomic::write_bytes_atomic(&report_path, text.as_bytes())?;
        Ok(report)
    }
}
