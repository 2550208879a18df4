//! How much memory a job may use, checked before it allocates: sizes and counts a user
//! gives are turned into an estimate of the bytes they need, and a job that would not fit
//! is refused with what it needs, what the machine has and what to do, instead of being
//! killed by the kernel (which may take other processes with it).

use crate::{IoError, Result};

/// The memory the system can give a new allocation now, in bytes: `MemAvailable` of
/// `/proc/meminfo` on Linux, lowered to the process's address-space limit (`ulimit -v`)
/// when one is set; `None` where neither can be read.
pub fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo
        .as_deref()
        .and_then(|text| kib_field(text, "MemAvailable:"));
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| address_space_limit(&text));
    match (available, limit) {
        (Some(a), Some(l)) => Some(a.min(l)),
        (a, l) => a.or(l),
    }
}

/// This process's peak resident memory since the last [`reset_peak`] (or its start), in
/// bytes (`VmHWM` of `/proc/self/status`); `None` where it cannot be read.
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&status, "VmHWM:")
}

/// This process's resident memory now, in bytes (`VmRSS`); `None` where it cannot be read.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&status, "VmRSS:")
}

/// Resets the peak that [`peak_resident_bytes`] reports to the current resident memory
/// (Linux: writing 5 to `/proc/self/clear_refs`); returns whether it could.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// A `NAME: N kB` field of `/proc/meminfo`, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// The soft "Max address space" limit of `/proc/self/limits`, in bytes (`None` when
/// unlimited).
fn address_space_limit(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max address space"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Refuses a job whose estimated need, `needed` bytes, exceeds what the system can give.
/// `what` names the job ("generating 400 scenes of 128x128"), `advice` what to change.
/// Passes when the available memory cannot be read.
pub fn check_fits(what: &str, needed: f64, advice: &str) -> Result<()> {
    check_against(what, needed, available_bytes(), advice)
}

/// [`check_fits`] against a given amount of available memory.
pub fn check_against(what: &str, needed: f64, available: Option<u64>, advice: &str) -> Result<()> {
    let fits = match available {
        Some(bytes) => needed.is_finite() && needed <= bytes as f64,
        None => needed.is_finite(),
    };
    if fits {
        return Ok(());
    }
    Err(IoError::OutOfMemory {
        what: what.to_string(),
        needed: human(needed),
        available: available.map_or_else(|| "unknown".to_string(), |b| human(b as f64)),
        advice: advice.to_string(),
    })
}

/// Bytes in GiB, MiB or KiB with three significant digits.
pub fn human(bytes: f64) -> String {
    if !bytes.is_finite() || bytes > 1e30 {
        return "more than any machine has".to_string();
    }
    let units = [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in units {
        if bytes >= size as f64 {
            return format!("{:.3} {unit}", bytes / size as f64);
        }
    }
    format!("{bytes:.0} bytes")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_proc_fields() {
        let meminfo = "MemTotal:       24576000 kB\nMemAvailable:   1000 kB\n";
        assert_eq!(kib_field(meminfo, "MemAvailable:"), Some(1_024_000));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\nMax address space         8589934592           unlimited            bytes\n";
        assert_eq!(address_space_limit(limits), Some(8_589_934_592));
        let unlimited =
            "Max address space         unlimited            unlimited            bytes\n";
        assert_eq!(address_space_limit(unlimited), None);
    }

    #[test]
    fn refuses_what_does_not_fit_and_says_so() {
        assert!(check_against("a small job", 1e6, Some(1 << 30), "").is_ok());
        let err = check_against(
            "a huge job",
            3.0 * (1u64 << 40) as f64,
            Some(1 << 30),
            "use fewer scenes",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("a huge job")
                && err.contains("3072.000 GiB")
                && err.contains("1.000 GiB")
                && err.contains("use fewer scenes"),
            "{err}"
        );
        assert!(check_against("overflow", f64::INFINITY, None, "").is_err());
    }
}
