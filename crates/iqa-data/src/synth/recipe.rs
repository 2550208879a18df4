//! The recipe of a synthetic database: everything that decides its images (generator
//! version, seed, scenes, distortions, levels), written into the output folder before the
//! first image, so that a rerun or a resume with different settings is refused instead of
//! mixing images of two recipes in one database.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{DataError, Result};

/// The file name of the recipe inside the output folder.
pub const RECIPE_FILE: &str = "recipe.json";

/// What decides a synthetic database's images (the labeller does not: labels are
/// recomputed from the images on every run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipe {
    /// [`super::GENERATOR_VERSION`] of the run that made the images.
    pub generator_version: String,
    /// The seed of scenes and distortions.
    pub seed: u64,
    /// The scenes: `N dead-leaves scenes of WxH`, or the folder of the user's images.
    pub scenes: String,
    /// The distortion names, in order.
    pub distortions: Vec<String>,
    /// The levels made.
    pub levels: Vec<u8>,
}

impl Recipe {
    /// Records `self` in `out`, or checks it against the recipe an earlier run recorded
    /// there. A folder that holds images but no recipe is refused too: what made them
    /// is unknown.
    pub fn claim(&self, out: &Path) -> Result<()> {
        let path = out.join(RECIPE_FILE);
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(crate::error::io(&path))?;
            let earlier: Recipe = serde_json::from_str(&text).map_err(|e| DataError::Json {
                path: path.clone(),
                reason: format!("not a synthetic-database recipe: {e}"),
            })?;
            return match self.first_difference(&earlier) {
                None => Ok(()),
                Some((field, was, now)) => Err(DataError::RecipeMismatch {
                    folder: out.to_path_buf(),
                    field,
                    was,
                    now,
                }),
            };
        }
        if let Some(file) = first_image_under(out) {
            return Err(DataError::RecipeMismatch {
                folder: out.to_path_buf(),
                field: "recipe",
                was: format!(
                    "unknown (it holds `{}` but no {RECIPE_FILE})",
                    file.display()
                ),
                now: "a new database".to_string(),
            });
        }
        let json = serde_json::to_vec_pretty(self).map_err(|e| DataError::Json {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        iqa_io::write_atomic(&path, |w| {
            w.write_all(&json).map_err(crate::error::io(&path))
        })?;
        Ok(())
    }

    /// The first field that differs: (name, earlier value, this value).
    fn first_difference(&self, earlier: &Recipe) -> Option<(&'static str, String, String)> {
        let fields = [
            (
                "generator version",
                earlier.generator_version.clone(),
                self.generator_version.clone(),
            ),
            ("seed", earlier.seed.to_string(), self.seed.to_string()),
            ("scenes", earlier.scenes.clone(), self.scenes.clone()),
            (
                "distortions",
                earlier.distortions.join(","),
                self.distortions.join(","),
            ),
            (
                "levels",
                format!("{:?}", earlier.levels),
                format!("{:?}", self.levels),
            ),
        ];
        fields.into_iter().find(|(_, was, now)| was != now)
    }
}

/// An image file in `out/refs` or `out/dist`, if there is one.
fn first_image_under(out: &Path) -> Option<PathBuf> {
    ["refs", "dist"].iter().find_map(|sub| {
        std::fs::read_dir(out.join(sub)).ok()?.find_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "png").then_some(path)
        })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn recipe(seed: u64) -> Recipe {
        Recipe {
            generator_version: "2".into(),
            seed,
            scenes: "4 dead-leaves scenes of 32x32".into(),
            distortions: vec!["gblur".into()],
            levels: vec![1, 5],
        }
    }

    #[test]
    fn the_same_recipe_resumes_and_another_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        recipe(0).claim(dir.path()).unwrap();
        recipe(0).claim(dir.path()).unwrap();
        let err = recipe(7).claim(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("seed") && err.contains('0') && err.contains('7'),
            "{err}"
        );
    }

    #[test]
    fn images_without_a_recipe_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dist")).unwrap();
        std::fs::write(dir.path().join("dist/a.png"), b"x").unwrap();
        let err = recipe(0).claim(dir.path()).unwrap_err().to_string();
        assert!(err.contains("a.png"), "{err}");
    }
}
