//! The calibration table of the synthetic distortions: the mean MS-SSIM (and its spread
//! over scenes) of every distortion at each of its five levels, on dead-leaves scenes.
//! The parameter tables in `iqa-data/src/synth/distortions/` were tuned so that each
//! type's levels span a similar MS-SSIM range; this prints the table datasets.md shows.
//!
//! `cargo run --release --example synth_calibration [-- SCENES WIDTH HEIGHT]`
//! (default 8 scenes of 384x288).

use anyhow::Result;
use iqa::data::Labeller;
use iqa::data::synth::distortion::{LEVELS, distortion_by_name, distortion_names};
use iqa::data::synth::scene::{SceneOptions, dead_leaves};
use iqa::train::labeller::MetricLabeller;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

fn main() -> Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let (scenes, width, height) = match args.as_slice() {
        [s, w, h] => (*s, *w as u32, *h as u32),
        _ => (8, 384, 288),
    };
    let labeller = MetricLabeller::new("ms-ssim")?;
    let refs: Vec<_> = (0..scenes)
        .into_par_iter()
        .map(|k| dead_leaves(width, height, 1000 + k as u64, &SceneOptions::default()))
        .collect::<Result<_, _>>()?;
    println!(
        "MS-SSIM of each level, mean (min..max) over {scenes} dead-leaves scenes of {width}x{height}\n"
    );
    println!("| distortion | level 1 | level 2 | level 3 | level 4 | level 5 |");
    println!("|---|---|---|---|---|---|");
    for name in distortion_names() {
        let d = distortion_by_name(name)?;
        let mut cells = Vec::new();
        for level in 1..=LEVELS {
            let scores: Vec<f64> = refs
                .par_iter()
                .enumerate()
                .map(|(k, r)| {
                    let mut rng = ChaCha8Rng::seed_from_u64(k as u64 * 31 + u64::from(level));
                    let image = d.apply(r, level, &mut rng)?;
                    labeller.score(r, &image)
                })
                .collect::<Result<_, _>>()?;
            let mean = scores.iter().sum::<f64>() / scores.len() as f64;
            let lo = scores.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            cells.push(format!("{mean:.3} ({lo:.2}..{hi:.2})"));
        }
        println!("| `{name}` | {} |", cells.join(" | "));
    }
    Ok(())
}
