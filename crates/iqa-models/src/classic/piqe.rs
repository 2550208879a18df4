//! PIQE, the perception-based image quality evaluator of Venkatanath et al., "Blind image
//! quality evaluation using perception based features" (NCC 2015), as MATLAB's `piqe`
//! computes it (it has no learned parameters). Transcribed from `piqe` of
//! `tests/fixtures/classic/nr_reference.py`.
//!
//! The image is padded at the bottom and right (edge pixel repeated) to whole 16x16
//! blocks and turned into MSCN coefficients (replicated borders). A block is active when
//! the sample variance `v` of its coefficients exceeds 0.1; an active block adds `1 - v`
//! when an edge has a 6-pixel segment of sample deviation below 0.1 (a noticeable
//! artifact) and `v` when it looks noisy (its deviation exceeds twice the relative gap
//! between it and the ratio of the centre columns' deviation to the surround's).
//! PIQE = 100 (sum + 1) / (active blocks + 1). Where a 7x7 window is constant the
//! coefficient is exactly 0 (see [`super::mscn`]).

use super::mscn::{Padding, mscn_rows};
use super::pairwise_sum::{pairwise_sum, sample_variance};
use super::{ClassicError, Plane};

const METRIC: &str = "piqe";
/// Block side.
const BLOCK: usize = 16;
/// A block is active (spatially prominent) when the variance of its coefficients exceeds
/// this.
const ACTIVITY: f64 = 0.1;
/// An edge segment whose sample deviation is below this marks the block impaired.
const IMPAIRED: f64 = 0.1;
/// Edge segments: this many contiguous pixels, at every offset along the edge.
const SEGMENT: usize = 6;
/// The centre columns of a block (0-based): 7 and 8.
const CENTRE: [usize; 2] = [BLOCK / 2 - 1, BLOCK / 2];
/// The columns left out of the surround (0-based): 7, and 9 (`piqe.m` removes column 8
/// and then column 9 of the remaining 15, 1-based).
const NOT_SURROUND: [usize; 2] = [BLOCK / 2 - 1, BLOCK / 2 + 1];

/// `std(values, ddof=1)`, NumPy's way.
fn sample_std(values: &[f64]) -> f64 {
    sample_variance(values).sqrt()
}

/// Whether some 6-pixel segment of one of the block's four edges is nearly constant.
fn has_noticeable_artifact(block: &[f64], edge: &mut [f64; BLOCK]) -> bool {
    let edges: [&dyn Fn(usize) -> f64; 4] = [
        &|i| block[i],                       // top row
        &|i| block[i * BLOCK + BLOCK - 1],   // right column
        &|i| block[(BLOCK - 1) * BLOCK + i], // bottom row
        &|i| block[i * BLOCK],               // left column
    ];
    edges.iter().any(|at| {
        for (i, e) in edge.iter_mut().enumerate() {
            *e = at(i);
        }
        edge.windows(SEGMENT)
            .any(|segment| sample_std(segment) < IMPAIRED)
    })
}

/// Whether the block looks noisy: with `sigma` its coefficients' deviation and `r` the
/// ratio of the centre columns' deviation to the surround's (0 if undefined),
/// `sigma > 2 |sigma - r| / max(sigma, r)`.
fn is_noisy(block: &[f64], sigma: f64, centre: &mut Vec<f64>, surround: &mut Vec<f64>) -> bool {
    centre.clear();
    for &c in &CENTRE {
        centre.extend((0..BLOCK).map(|r| block[r * BLOCK + c]));
    }
    surround.clear();
    for row in block.chunks_exact(BLOCK) {
        surround.extend(
            row.iter()
                .enumerate()
                .filter(|(c, _)| !NOT_SURROUND.contains(c))
                .map(|(_, &v)| v),
        );
    }
    let ratio = sample_std(centre) / sample_std(surround);
    let ratio = if ratio.is_nan() { 0.0 } else { ratio };
    let largest = if sigma >= ratio { sigma } else { ratio };
    let beta = (sigma - ratio).abs() / largest;
    sigma > 2.0 * beta
}

/// PIQE of a luma image (MATLAB `rgb2gray` values, 0..255), from 0 to 100; lower is
/// better. Any non-empty image can be scored (it is padded to whole blocks).
pub fn piqe(gray: &Plane) -> Result<f64, ClassicError> {
    gray.check_min(METRIC, (1, 1), "the image is empty")?;
    let (w, h) = (gray.width(), gray.height());
    let (pw, ph) = (w.div_ceil(BLOCK) * BLOCK, h.div_ceil(BLOCK) * BLOCK);
    let (block_rows, block_cols) = (ph / BLOCK, pw / BLOCK);
    // The image padded at the bottom and right with its edge pixels.
    let source = |r: usize, dst: &mut [f64]| {
        let src = gray.row(r.min(h - 1));
        dst[..w].copy_from_slice(src);
        dst[w..].fill(src[w - 1]);
    };

    let mut band = vec![0.0; BLOCK * pw];
    let mut block = Vec::with_capacity(BLOCK * BLOCK);
    let mut edge = [0.0; BLOCK];
    let (mut centre, mut surround) = (Vec::new(), Vec::new());
    let mut active = 0usize;
    // Block distortions in MATLAB's column-major block order.
    let mut distortion = vec![0.0; block_rows * block_cols];
    mscn_rows(pw, ph, Padding::Replicate, source, |y, row| {
        let in_band = y % BLOCK;
        band[in_band * pw..(in_band + 1) * pw].copy_from_slice(row);
        if in_band + 1 < BLOCK {
            return;
        }
        for col in 0..block_cols {
            block.clear();
            for r in 0..BLOCK {
                block.extend_from_slice(&band[r * pw + col * BLOCK..r * pw + (col + 1) * BLOCK]);
            }
            let variance = sample_variance(&block);
            if variance > ACTIVITY {
                active += 1;
                let artifact = f64::from(u8::from(has_noticeable_artifact(&block, &mut edge)));
                let noise = f64::from(u8::from(is_noisy(
                    &block,
                    variance.sqrt(),
                    &mut centre,
                    &mut surround,
                )));
                distortion[col * block_rows + y / BLOCK] =
                    artifact * (1.0 - variance) + noise * variance;
            }
        }
    });
    let total = pairwise_sum(&distortion);
    let score = (total + 1.0) / (1.0 + active as f64) * 100.0;
    if !score.is_finite() {
        return Err(ClassicError::Undefined {
            metric: METRIC,
            reason: format!("the summed block distortion is {total}"),
        });
    }
    Ok(score)
}
