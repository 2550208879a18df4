//! `runtime::setup` in a process of its own, run without the test harness (which starts
//! threads, so that `setup` would rightly refuse): mimalloc's purge delay, 1000 ms by
//! default in the vendored mimalloc 3 (10 ms in mimalloc 2), becomes -1 (never purge), and
//! candle's spin limit becomes 1000 unless the user chose one. Then, with a second thread
//! running, `setup` changes nothing.

#![allow(unsafe_code, clippy::unwrap_used, clippy::panic)]

use iqa_cli::runtime::{SHORT_SPIN_LIMIT, SPIN_LIMIT_VAR, Setup, purge_delay, setup, spin_limit};

fn main() {
    let before = purge_delay();
    assert!(
        before == 1000 || before == 10,
        "option 15 should be mimalloc's purge delay (default 1000 or 10 ms), reads {before}"
    );
    // SAFETY (every environment write below): this process has one thread here.
    unsafe { std::env::remove_var(SPIN_LIMIT_VAR) };
    assert_eq!(setup(), Setup::Applied);
    assert_eq!(purge_delay(), -1);
    assert_eq!(spin_limit(), Some(SHORT_SPIN_LIMIT));

    unsafe { std::env::set_var(SPIN_LIMIT_VAR, "77") };
    assert_eq!(setup(), Setup::Applied);
    assert_eq!(spin_limit(), Some(77), "a limit the user set is kept");

    unsafe { std::env::remove_var(SPIN_LIMIT_VAR) };
    let (stop, wait) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn(move || wait.recv());
    assert_eq!(setup(), Setup::Skipped, "another thread runs");
    assert_eq!(
        spin_limit(),
        None,
        "nothing written with another thread running"
    );
    stop.send(()).unwrap();
    other.join().unwrap().unwrap();
    println!("runtime setup: ok");
}
