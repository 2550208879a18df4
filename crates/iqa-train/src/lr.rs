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
    /// Steps between decays (counted within the network's own stage).
    pub every: u64,
}

impl StepDecay {
    /// The learning rate at `step`.
    pub fn at(&self, step: u64) -> f64 {
        let decays = step / self.every.max(1);
        self.base * self.gamma.powi(decays.min(i32::MAX as u64) as i32)
    }

    /// Checks the values; `field` names the schedule in errors.
    pub fn validate(&self, field: &str) -> Result<()> {
        if !(self.base > 0.0 && self.base.is_finite()) {
            return Err(config_error(&format!("{field}.base"), "must be > 0"));
        }
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return Err(config_error(&format!("{field}.gamma"), "must be in (0, 1]"));
        }
        if self.every == 0 {
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
            every: 10,
        };
        assert_eq!(s.at(0), 0.1);
        assert_eq!(s.at(9), 0.1);
        assert_eq!(s.at(10), 0.05);
        assert_eq!(s.at(25), 0.025);
        assert!(s.validate("lr").is_ok());
        assert!(StepDecay { every: 0, ..s }.validate("lr").is_err());
    }
}
