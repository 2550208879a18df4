//! Synthetic IQA databases: procedural pristine scenes, a library of graded distortions
//! (real codecs where the databases used codecs), and pseudo-MOS from a full-reference
//! metric, written as an ordinary database (images, generic manifest, description JSON).

pub mod distortion;
pub mod distortions;
mod generator;
pub mod recipe;
pub mod scene;
pub mod screen;

pub use generator::{
    GENERATOR_VERSION, SceneSource, SynthOptions, SynthReport, chosen_levels, generate,
};
