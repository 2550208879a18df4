//! What the project's CPU custom ops share: when they run, and reading an operand's f32
//! data.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, DType, Device, Layout, Storage, Tensor};

use crate::tuning::{Backend, backend};

/// Whether the fused CPU ops take these operands: all f32 on the CPU, with the project's
/// kernels chosen (see [`crate::tuning::Backend`]).
pub(crate) fn fused_cpu(operands: &[&Tensor]) -> bool {
    backend() == Backend::Fast
        && operands
            .iter()
            .all(|t| matches!(t.device(), Device::Cpu) && t.dtype() == DType::F32)
}

/// The contiguous f32 data of custom op `op`'s operand.
pub(crate) fn operand<'a>(
    op: &str,
    storage: &'a CpuStorage,
    layout: &Layout,
) -> candle_core::Result<&'a [f32]> {
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("{op}: operands must be contiguous")
    };
    match storage {
        CpuStorage::F32(v) => Ok(&v[start..end]),
        other => candle_core::bail!("{op}: expected f32, got {:?}", other.dtype()),
    }
}

/// Runs `f` on the contiguous f32 CPU data of `t` (an operand of `op`).
pub(crate) fn with_cpu_data<R>(
    op: &str,
    t: &Tensor,
    f: impl FnOnce(&[f32]) -> candle_core::Result<R>,
) -> candle_core::Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(cpu) => f(operand(op, cpu, layout)?),
        _ => candle_core::bail!("{op}: expected a CPU tensor"),
    }
}
