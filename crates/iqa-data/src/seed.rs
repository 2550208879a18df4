//! Deriving independent seeds from the user's one: a seed and two indices (epoch and item,
//! scene and distortion, ...) mixed by the SplitMix64 finaliser, so every random stream is
//! fixed by what it is for, not by the order in which threads reach it.

/// The seed of the stream (`a`, `b`) under `seed`.
pub(crate) fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
