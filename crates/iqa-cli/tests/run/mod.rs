//! Running the `iqa` binary as a user does, shared by the command-line tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::process::{Command, Output};

/// Runs `iqa ARGS...` and returns what it did.
pub fn iqa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iqa"))
        .args(args)
        .output()
        .unwrap()
}

/// Its standard output, asserting it succeeded (standard error shown otherwise).
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Its standard error, asserting it failed.
pub fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    String::from_utf8_lossy(&out.stderr).to_string()
}
