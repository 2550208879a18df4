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
            .ok_or_else(|| unknown(&name))?,
        None => return Err(unknown(&name)),
    };
    if !cfg!(feature = "cuda") {
        return Err(ModelError::Device {
            name,
            reason: "this build has no CUDA support; rebuild with the `cuda` feature on a machine with the CUDA toolkit".to_string(),
        });
    }
    Device::new_cuda(ordinal).map_err(|e| ModelError::Device {
        name,
        reason: format!("cannot open it: {e}"),
    })
}

fn unknown(name: &str) -> ModelError {
    ModelError::Device {
        name: name.to_string(),
        reason: "unknown; expected cpu, cuda or cuda:N".to_string(),
    }
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
