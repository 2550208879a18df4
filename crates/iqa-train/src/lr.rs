//! Learning-rate schedules: the paper's step decay.

use serde::{Deserialize, Serialize};

use crate::error::{Result, config_error};

/// Step decay: `base * gamma^floor(step / every)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDecay {
    /// The learning rate at step 0.
    pub base: f64,
    /// The factor applied every `every` steps.
    pub gamma: f64,
    /// Steps between decays (counted within the network's own stage). Absent: 70 % of the
    /// network's stage, computed from the stage lengths where it is used, so that a
    /// configuration that changes `steps` moves the decay with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u64>,
}

/// Where a decay falls when [`StepDecay::every`] is absent: at 7/10 of the stage
/// (integer steps, rounded down).
pub const DEFAULT_DECAY_AT: (u64, u64) = (7, 10);

impl StepDecay {
    /// A schedule decaying by `gamma` at 70 % of the stage it runs in.
    pub fn at_default_point(base: f64, gamma: f64) -> StepDecay {
        StepDecay {
            base,
            gamma,
            every: None,
        }
    }

    /// Steps between decays in a stage of `stage` steps.
    pub fn period(&self, stage: u64) -> u64 {
        let (num, den) = DEFAULT_DECAY_AT;
        self.every.unwrap_or(stage.saturating_mul(num) / den).max(1)
    }

    /// The learning rate at `step` of a stage of `stage` steps.
    pub fn at(&self, step: u64, stage: u64) -> f64 {
        let decays = step / self.period(stage);
        self.base * self.gamma.powi(decays.min(i32::MAX as u64) as i32)
    }

    /// Checks the values; `field` names the schedule in errors.
    pub fn check(&self, field: &str) -> Result<()> {
        if !(self.base > 0.0 && self.base.is_finite()) {
            return Err(config_error(&format!("{field}.base"), "must be > 0"));
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return Err(config_error(&format!("{field}.gamma"), "must be in (0, 1]"));
        }
        if self.every == Some(0) {
            return Err(config_error(
                &format!("{field}.every"),
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decays_in_steps() {
        let s = StepDecay {
            base: 0.1,
            gamma: 0.5,
            every: Some(10),
        };
        assert_eq!(s.at(0, 1000), 0.1);
        assert_eq!(s.at(9, 1000), 0.1);
        assert_eq!(s.at(10, 1000), 0.05);
        assert_eq!(s.at(25, 1000), 0.025);
        assert!(s.check("lr").is_ok());
        assert!(
            StepDecay {
                every: Some(0),
                ..s
            }
            .check("lr")
            .is_err()
        );
        // Without `every`, the decay falls at 70 % of the stage: step 70 of 100, 140 of 200.
        let auto = StepDecay::at_default_point(0.1, 0.5);
        assert_eq!((auto.at(69, 100), auto.at(70, 100)), (0.1, 0.05));
        assert_eq!((auto.at(139, 200), auto.at(140, 200)), (0.1, 0.05));
        assert_eq!(auto.period(1), 1);
    }
}
