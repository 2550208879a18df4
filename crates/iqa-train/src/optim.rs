//! Optimisers with the semantics of PyTorch's `torch.optim.SGD` (momentum, L2 weight
//! decay, no dampening) and `torch.optim.Adam` (L2 weight decay): candle's stock SGD has
//! neither momentum nor weight decay, and the paper trains with SGD, momentum 0.9 and
//! weight decay 5e-4. Their buffers can be saved and restored, so training resumes exactly.

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

use crate::error::{Result, config_error};

/// Which update rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum OptimiserKind {
    /// Stochastic gradient descent with momentum (the paper's).
    Sgd,
    /// Adam.
    Adam,
}

/// The optimiser's settings (the learning rate comes from the schedule at each step).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimiserConfig {
    /// `sgd` (default, the paper's) or `adam`.
    pub kind: OptimiserKind,
    /// SGD momentum. Default 0.9, the paper's.
    pub momentum: f64,
    /// L2 weight decay added to every gradient. Default 5e-4, the paper's.
    pub weight_decay: f64,
    /// Adam's beta1. Default 0.9.
    pub beta1: f64,
    /// Adam's beta2. Default 0.999.
    pub beta2: f64,
    /// Adam's epsilon. Default 1e-8.
    pub eps: f64,
}

impl Default for OptimiserConfig {
    fn default() -> Self {
        OptimiserConfig {
            kind: OptimiserKind::Sgd,
            momentum: 0.9,
            weight_decay: 5e-4,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

impl OptimiserConfig {
    /// Adam (beta 0.9, 0.999, eps 1e-8, PyTorch's defaults) without weight decay.
    pub fn adam() -> OptimiserConfig {
        OptimiserConfig {
            kind: OptimiserKind::Adam,
            weight_decay: 0.0,
            ..OptimiserConfig::default()
        }
    }

    /// Checks the ranges.
    pub fn check(&self, field: &str) -> Result<()> {
        let bad = |name: &str, reason: &str| Err(config_error(&format!("{field}.{name}"), reason));
        if !(0.0..1.0).contains(&self.momentum) {
            return bad("momentum", "must be in [0, 1)");
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return bad("weight_decay", "must be >= 0");
        }
        if !(0.0..1.0).contains(&self.beta1) || !(0.0..1.0).contains(&self.beta2) {
            return bad("beta1/beta2", "must be in [0, 1)");
        }
        if self.eps.is_nan() || self.eps <= 0.0 {
            return bad("eps", "must be > 0");
        }
        Ok(())
    }
}

/// An optimiser over the trainable tensors of one `VarMap`.
#[derive(Debug)]
pub struct Optimiser {
    config: OptimiserConfig,
    params: Vec<(String, Var)>,
    first: HashMap<String, Tensor>,
    second: HashMap<String, Tensor>,
    steps: u64,
}

/// Batch-norm running statistics live in the `VarMap` but are not trained.
fn is_trainable(name: &str) -> bool {
    !(name.ends_with("running_mean") || name.ends_with("running_var"))
}

impl Optimiser {
    /// An optimiser over every trainable tensor of `vars`, in name order.
    pub fn new(vars: &VarMap, config: OptimiserConfig) -> Result<Optimiser> {
        config.check("optimiser")?;
        let data = vars
            .data()
            .lock()
            .map_err(|_| iqa_models::ModelError::Poisoned("the networks"))?;
        let mut params: Vec<(String, Var)> = data
            .iter()
            .filter(|(name, _)| is_trainable(name))
            .map(|(name, var)| (name.clone(), var.clone()))
            .collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Optimiser {
            config,
            params,
            first: HashMap::new(),
            second: HashMap::new(),
            steps: 0,
        })
    }

    /// How many updates were made.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Backpropagates `loss` and updates the tensors with learning rate `lr`.
    pub fn backward_step(&mut self, loss: &Tensor, lr: f64) -> Result<()> {
        let grads = loss.backward()?;
        self.step(&grads, lr)
    }

    /// Updates every tensor that has a gradient in `grads`. Tensors without one (not on
    /// the loss's path) are left alone, buffers included, as PyTorch does.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<()> {
        self.steps += 1;
        let c = self.config;
        for (name, var) in &self.params {
            let Some(grad) = grads.get(var.as_tensor()) else {
                continue;
            };
            // Detached: gradients (and so the buffers built from them) would otherwise keep
            // the step's whole computation graph alive, one more graph per step.
            let value = var.as_tensor().detach();
            let grad = grad.detach();
            let grad = if c.weight_decay > 0.0 {
                (grad + value.affine(c.weight_decay, 0.0)?)?
            } else {
                grad
            };
            let update = match c.kind {
                OptimiserKind::Sgd => {
                    if c.momentum > 0.0 {
                        let buf = match self.first.get(name) {
                            Some(b) => ((b * c.momentum)? + &grad)?,
                            None => grad,
                        };
                        self.first.insert(name.clone(), buf.clone());
                        buf
                    } else {
                        grad
                    }
                }
                OptimiserKind::Adam => {
                    let m = match self.first.get(name) {
                        Some(m) => ((m * c.beta1)? + (&grad * (1.0 - c.beta1))?)?,
                        None => (&grad * (1.0 - c.beta1))?,
                    };
                    let g2 = grad.sqr()?;
                    let v = match self.second.get(name) {
                        Some(v) => ((v * c.beta2)? + (&g2 * (1.0 - c.beta2))?)?,
                        None => (&g2 * (1.0 - c.beta2))?,
                    };
                    self.first.insert(name.clone(), m.clone());
                    self.second.insert(name.clone(), v.clone());
                    let t = self.steps as i32;
                    let m_hat = (m / (1.0 - c.beta1.powi(t)))?;
                    let v_hat = (v / (1.0 - c.beta2.powi(t)))?;
                    (m_hat / (v_hat.sqrt()? + c.eps)?)?
                }
            };
            var.set(&(value - (update * lr)?)?)?;
        }
        Ok(())
    }

    /// The buffers as named tensors (`PREFIX.first.NAME`, `PREFIX.second.NAME`) and the
    /// step count, for the training-state file.
    pub fn state(&self, prefix: &str) -> (Vec<(String, Tensor)>, u64) {
        let mut out = Vec::new();
        for (kind, map) in [("first", &self.first), ("second", &self.second)] {
            for (name, t) in map {
                out.push((format!("{prefix}.{kind}.{name}"), t.clone()));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        (out, self.steps)
    }

    /// Restores the buffers written by [`Optimiser::state`]; a buffer for a tensor this
    /// optimiser does not have, or of another shape, is an error naming it.
    pub fn load_state(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        prefix: &str,
        steps: u64,
    ) -> Result<()> {
        self.first.clear();
        self.second.clear();
        let shapes: HashMap<&str, &[usize]> = self
            .params
            .iter()
            .map(|(n, v)| (n.as_str(), v.dims()))
            .collect();
        for (key, t) in tensors {
            let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
                continue;
            };
            let (kind, name) = rest.split_once('.').unwrap_or((rest, ""));
            let expected = shapes.get(name).ok_or_else(|| {
                config_error(
                    "training state",
                    format!("optimiser buffer `{key}` is for a tensor the network does not have"),
                )
            })?;
            if t.dims() != *expected {
                return Err(config_error(
                    "training state",
                    format!(
                        "optimiser buffer `{key}` has shape {:?}; the tensor has {:?}",
                        t.dims(),
                        expected
                    ),
                ));
            }
            let map = match kind {
                "first" => &mut self.first,
                "second" => &mut self.second,
                other => {
                    return Err(config_error(
                        "training state",
                        format!("unknown optimiser buffer kind `{other}` in `{key}`"),
                    ));
                }
            };
            map.insert(name.to_string(), t.clone());
        }
        self.steps = steps;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};
    use candle_nn::Init;

    /// One scalar parameter p = 1 with loss p^2 (gradient 2p).
    fn scalar() -> (VarMap, Var) {
        let vars = VarMap::new();
        let t = vars
            .get(1, "p", Init::Const(1.0), DType::F64, &Device::Cpu)
            .unwrap();
        let var = vars.data().lock().unwrap().get("p").unwrap().clone();
        assert_eq!(t.to_vec1::<f64>().unwrap(), vec![1.0]);
        (vars, var)
    }

    fn run(config: OptimiserConfig, steps: usize) -> f64 {
        let (vars, var) = scalar();
        let mut opt = Optimiser::new(&vars, config).unwrap();
        for _ in 0..steps {
            let loss = var.as_tensor().sqr().unwrap().sum_all().unwrap();
            opt.backward_step(&loss, 0.1).unwrap();
        }
        var.as_tensor().to_vec1::<f64>().unwrap()[0]
    }

    #[test]
    fn sgd_matches_pytorch_by_hand() {
        // torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01) on p^2 from p = 1:
        // d1 = 2 + 0.01 = 2.01, b1 = d1, p1 = 0.799;
        // d2 = 1.598 + 0.00799 = 1.60599, b2 = 0.9 * 2.01 + 1.60599 = 3.41499, p2 = 0.457501.
        let c = OptimiserConfig {
            weight_decay: 0.01,
            ..OptimiserConfig::default()
        };
        assert!((run(c, 1) - 0.799).abs() < 1e-12);
        assert!((run(c, 2) - 0.457501).abs() < 1e-12);
        let plain = OptimiserConfig {
            momentum: 0.0,
            weight_decay: 0.0,
            ..c
        };
        assert!((run(plain, 2) - 0.64).abs() < 1e-12);
    }

    #[test]
    fn adam_matches_pytorch_by_hand() {
        // Step 1 of Adam moves by lr * sign(g) (bias-corrected m / sqrt(v) = g / |g|).
        let c = OptimiserConfig {
            kind: OptimiserKind::Adam,
            weight_decay: 0.0,
            ..OptimiserConfig::default()
        };
        assert!((run(c, 1) - 0.9).abs() < 1e-7);
        // Step 2: g = 1.8; m = 0.09 * 2 ... computed with the update rule written out.
        let (b1, b2, g1, g2) = (0.9f64, 0.999f64, 2.0f64, 1.8f64);
        let m = b1 * (1.0 - b1) * g1 + (1.0 - b1) * g2;
        let v = b2 * (1.0 - b2) * g1 * g1 + (1.0 - b2) * g2 * g2;
        let step = (m / (1.0 - b1 * b1)) / ((v / (1.0 - b2 * b2)).sqrt() + 1e-8);
        assert!((run(c, 2) - (0.9 - 0.1 * step)).abs() < 1e-9);
    }

    #[test]
    fn state_round_trips_and_checks_names() {
        let (vars, var) = scalar();
        let mut opt = Optimiser::new(&vars, OptimiserConfig::default()).unwrap();
        let loss = var.as_tensor().sqr().unwrap().sum_all().unwrap();
        opt.backward_step(&loss, 0.1).unwrap();
        let (tensors, steps) = opt.state("g");
        assert_eq!(tensors.len(), 1);
        assert_eq!(tensors[0].0, "g.first.p");
        let map: HashMap<String, Tensor> = tensors.into_iter().collect();
        let mut other = Optimiser::new(&vars, OptimiserConfig::default()).unwrap();
        other.load_state(&map, "g", steps).unwrap();
        assert_eq!(other.steps(), 1);
        let bad: HashMap<String, Tensor> = [(
            "g.first.q".to_string(),
            Tensor::zeros(1, DType::F64, &Device::Cpu).unwrap(),
        )]
        .into();
        let err = other.load_state(&bad, "g", 1).unwrap_err().to_string();
        assert!(err.contains("g.first.q"), "{err}");
    }
}
