//! Devices by name: `cpu` or `cuda:N`.

use candle_core::Device;

use crate::{ModelError, Result};

/// Opens the device named `cpu`, `cuda` (device 0) or `cuda:N`.
///
/// Without the `cuda` feature, CUDA names give an error that says so; with it, the
/// driver's error is reported when the device cannot be opened.
pub fn parse_device(name: &str) -> Result<Device> {
    let name = name.trim().to_ascii_lowercase();
    if name == "cpu" {
        return Ok(Device::Cpu);
    }
    let ordinal = match name.strip_prefix("cuda") {
        Some("") => 0,
        Some(rest) => rest
            .strip_prefix(':')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                ModelError::Config(format!(
                    "unknown device `{name}`: expected cpu, cuda or cuda:N"
                ))
            })?,
        None => {
            return Err(ModelError::Config(format!(
                "unknown device `{name}`: expected cpu, cuda or cuda:N"
            )));
        }
    };
    if !cfg!(feature = "cuda") {
        return Err(ModelError::Config(format!(
            "device `{name}` asked for, but this build has no CUDA support; rebuild with `--features cuda` on a machine with the CUDA toolkit"
        )));
    }
    Device::new_cuda(ordinal)
        .map_err(|e| ModelError::Config(format!("cannot open CUDA device {ordinal}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(parse_device("cpu").unwrap().is_cpu());
        assert!(
            parse_device("tpu")
                .unwrap_err()
                .to_string()
                .contains("expected cpu")
        );
        assert!(parse_device("cuda:x").is_err());
        if !cfg!(feature = "cuda") {
            assert!(
                parse_device("cuda:0")
                    .unwrap_err()
                    .to_string()
                    .contains("no CUDA support")
            );
        }
    }
}
