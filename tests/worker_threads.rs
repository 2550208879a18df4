//! The worker-thread setting of the binary and the examples: candle's spin limit becomes
//! 1000 unless the user chose one.

#![allow(unsafe_code)]

use iqa::worker_threads::{SHORT_SPIN_LIMIT, SPIN_LIMIT_VAR, short_spin_waits, spin_limit};

#[test]
fn short_spin_waits_sets_the_limit_and_keeps_the_users() {
    // SAFETY (every call below): the only test of this binary, so no other test thread
    // reads the environment meanwhile.
    unsafe { std::env::remove_var(SPIN_LIMIT_VAR) };
    assert_eq!(spin_limit(), None);
    unsafe { short_spin_waits() };
    assert_eq!(spin_limit(), Some(SHORT_SPIN_LIMIT));
    assert_eq!(std::env::var(SPIN_LIMIT_VAR).as_deref(), Ok("1000"));

    unsafe { std::env::set_var(SPIN_LIMIT_VAR, "77") };
    unsafe { short_spin_waits() };
    assert_eq!(spin_limit(), Some(77), "a limit the user set is kept");
}
