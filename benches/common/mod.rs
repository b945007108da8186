//! What every benchmark measures the same way: each measurement runs in a child process (the
//! bench re-executed with `--child ...`) so that its peak memory is its own, and reports one
//! `RESULT ...` line.

use std::ffi::OsStr;
use std::process::Command;

/// Peak resident set of this process so far (`VmHWM` of /proc/self/status), KiB; 0 where
/// the kernel does not say.
pub fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs this bench again with `args` and returns what its `RESULT ` line says after the
/// word; a child that fails or prints no result stops the bench with its output.
pub fn child_result<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let out = Command::new(exe).args(args).output().expect("child starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) {
        Some(line) => line.to_string(),
        None => panic!(
            "child failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}
