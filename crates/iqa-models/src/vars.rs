//! Copying variable maps (candle's `VarMap`) in and out, one way for every caller: saving
//! a model file, checkpointing and restoring a training run, importing a network trained
//! elsewhere, and freezing a network (detached copies, no gradients).

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use crate::{ModelError, Result};

/// Every variable of `map` as `(prefix + name, tensor)`, sorted by name. The tensors share
/// storage with the variables (no copy); `what` names the map in errors.
pub fn named_tensors(
    map: &VarMap,
    prefix: &str,
    what: &'static str,
) -> Result<Vec<(String, Tensor)>> {
    let data = map.data().lock().map_err(|_| ModelError::Poisoned(what))?;
    let mut tensors: Vec<(String, Tensor)> = data
        .iter()
        .map(|(name, var)| (format!("{prefix}{name}"), var.as_tensor().clone()))
        .collect();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(tensors)
}

/// Sets every variable `name` of `map` to `source[prefix + name]` (converted to the
/// variable's dtype), checking that each is there with the variable's shape; `origin` is
/// the file `source` came from, for errors. Returns the keys of `source` it used.
pub fn load_into(
    map: &VarMap,
    prefix: &str,
    source: &HashMap<String, Tensor>,
    origin: &Path,
    what: &'static str,
) -> Result<Vec<String>> {
    let data = map.data().lock().map_err(|_| ModelError::Poisoned(what))?;
    let mut used = Vec::with_capacity(data.len());
    for (name, var) in data.iter() {
        let key = format!("{prefix}{name}");
        let tensor = source.get(&key).ok_or_else(|| ModelError::MissingTensor {
            path: origin.to_path_buf(),
            tensor: key.clone(),
        })?;
        if tensor.dims() != var.dims() {
            return Err(ModelError::TensorShape {
                path: origin.to_path_buf(),
                tensor: key,
                found: tensor.dims().to_vec(),
                expected: var.dims().to_vec(),
            });
        }
        let values = tensor.to_dtype(candle_core::DType::F32)?.flatten_all()?;
        let count = values
            .to_vec1::<f32>()?
            .iter()
            .filter(|v| !v.is_finite())
            .count();
        if count > 0 {
            return Err(ModelError::NonFiniteTensor {
                path: origin.to_path_buf(),
                tensor: key,
                count,
            });
        }
        var.set(&tensor.to_dtype(var.dtype())?)?;
        used.push(key);
    }
    Ok(used)
}

/// Copies every variable of `from` into the variable of the same name in `to` (which must
/// have the same names and shapes); `origin` names where `from` came from, for errors.
pub fn copy_into(from: &VarMap, to: &VarMap, origin: &Path, what: &'static str) -> Result<()> {
    let source: HashMap<String, Tensor> = named_tensors(from, "", what)?.into_iter().collect();
    load_into(to, "", &source, origin, what)?;
    Ok(())
}

/// A `VarBuilder` over detached copies of `map`'s tensors: a network built from it is
/// frozen (constant tensors, no gradients), as R_pre in L_q must be.
pub fn frozen(map: &VarMap, device: &Device, what: &'static str) -> Result<VarBuilder<'static>> {
    let tensors: HashMap<String, Tensor> = named_tensors(map, "", what)?
        .into_iter()
        .map(|(name, t)| (name, t.detach()))
        .collect();
    Ok(VarBuilder::from_tensors(tensors, DType::F32, device))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map_with(values: &[(&str, Vec<f32>)]) -> VarMap {
        let map = VarMap::new();
        let vb = VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu);
        for (name, v) in values {
            let var = vb
                .get_with_hints(v.len(), name, candle_nn::Init::Const(0.0))
                .unwrap();
            drop(var);
        }
        let data = map.data().lock().unwrap();
        for (name, v) in values {
            data[*name]
                .set(&Tensor::new(v.as_slice(), &Device::Cpu).unwrap())
                .unwrap();
        }
        drop(data);
        map
    }

    #[test]
    fn tensors_go_out_sorted_and_come_back_checked() {
        let a = map_with(&[("w", vec![1.0, 2.0]), ("b", vec![3.0])]);
        let out = named_tensors(&a, "net.", "a").unwrap();
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["net.b", "net.w"]);
        let source: HashMap<String, Tensor> = out.into_iter().collect();
        let b = map_with(&[("w", vec![0.0, 0.0]), ("b", vec![0.0])]);
        let used = load_into(&b, "net.", &source, Path::new("f"), "b").unwrap();
        assert_eq!(used.len(), 2);
        let w: Vec<f32> = b.data().lock().unwrap()["w"].as_tensor().to_vec1().unwrap();
        assert_eq!(w, vec![1.0, 2.0]);
        // Missing and misshapen tensors name the file and the tensor.
        let c = map_with(&[("w", vec![0.0; 3])]);
        let err = load_into(&c, "net.", &source, Path::new("f.safetensors"), "c").unwrap_err();
        assert!(matches!(err, ModelError::TensorShape { .. }), "{err}");
        let d = map_with(&[("v", vec![0.0])]);
        let err = load_into(&d, "net.", &source, Path::new("f.safetensors"), "d").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`f.safetensors`: tensor `net.v` is missing"
        );
        // A copy between maps; a frozen builder hands out detached tensors.
        let e = map_with(&[("w", vec![9.0, 9.0]), ("b", vec![9.0])]);
        copy_into(&a, &e, Path::new("a"), "e").unwrap();
        let vb = frozen(&e, &Device::Cpu, "e").unwrap();
        let w: Vec<f32> = vb.get(2, "w").unwrap().to_vec1().unwrap();
        assert_eq!(w, vec![1.0, 2.0]);
    }
}
