//! The residual join `act(a + b)` of the networks' blocks: on the CPU in f32 one custom op
//! (one pass forward, one backward for the activation's derivative, the same gradient for
//! both operands), elsewhere candle's addition and activation (candle: two passes forward,
//! about ten backward).

use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

use crate::activation::Activation;
use crate::conv::act_grad;
use crate::custom_op::{fused_cpu, operand, with_cpu_data};

/// Elements per parallel task.
const CHUNK: usize = 1 << 14;

/// `act(a + b)` for tensors of the same shape.
pub fn add_act(a: &Tensor, b: &Tensor, act: Activation) -> candle_core::Result<Tensor> {
    if fused_cpu(&[a, b]) && a.shape() == b.shape() {
        a.contiguous()?.apply_op2(&b.contiguous()?, AddActOp(act))
    } else {
        act.forward(&(a + b)?)
    }
}

/// The custom op of [`add_act`].
#[derive(Debug, Clone, Copy)]
struct AddActOp(Activation);

impl CustomOp2 for AddActOp {
    fn name(&self) -> &'static str {
        "iqa-add-act"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (a, b) = (operand(self.name(), s1, l1)?, operand(self.name(), s2, l2)?);
        if a.len() != b.len() {
            candle_core::bail!(
                "{}: {:?} and {:?} differ",
                self.name(),
                l1.dims(),
                l2.dims()
            );
        }
        let act = self.0;
        let mut out = vec![0.0f32; a.len()];
        out.par_chunks_mut(CHUNK)
            .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
            .for_each(|(o, (a, b))| match act {
                // Spelled out so that it vectorises.
                Activation::Relu => {
                    for ((o, a), b) in o.iter_mut().zip(a).zip(b) {
                        *o = (a + b).max(0.0);
                    }
                }
                _ => {
                    for ((o, a), b) in o.iter_mut().zip(a).zip(b) {
                        *o = act.apply(a + b);
                    }
                }
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }

    fn bwd(
        &self,
        a: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let g = if self.0 == Activation::Identity {
            grad.clone()
        } else {
            let grad = grad.contiguous()?;
            let act = self.0;
            let g = with_cpu_data(self.name(), res, |out| {
                with_cpu_data(self.name(), &grad, |gr| Ok(act_grad(out, gr, act)))
            })?;
            Tensor::from_vec(g, grad.shape(), grad.device())?
        };
        let da = a.track_op().then(|| g.clone());
        let db = b.track_op().then_some(g);
        Ok((da, db))
    }
}
