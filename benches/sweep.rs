//! Sweep benchmark: `cargo bench --bench sweep`.
//!
//! A `SWEEP_GRID` x `SWEEP_GRID` grid (default 10 x 10: min_warm 0..9 against max_warm
//! 10..19, every variant valid) of `SWEEP_SCENARIO` (default `scenarios/large.toml`), one seed,
//! timed three ways in the same process, one after the other on the same machine:
//! - `enisim sweep --jobs 1`;
//! - `enisim sweep --jobs N` (N = the machine's cores);
//! - the same runs as sequential `enisim run --set ... --out DIR` processes, the way a user
//!   would script them without `sweep` (`SWEEP_SEQUENTIAL=0` skips this; it takes as long
//!   as `--jobs 1` plus the writing of every run's files).
//!
//! It prints each wall time, the speed-up from one thread to N, and the sweep against the
//! sequential runs.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_enisim");

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_string())
}

fn timed(what: &str, mut cmd: Command) -> f64 {
    let start = Instant::now();
    let status = cmd.status().expect("enisim starts");
    let secs = start.elapsed().as_secs_f64();
    // Exit 1 is a sweep whose targets (from the scenario's [sweep] table) no variant met: it
    // still ran every run.
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{what} failed: {status}"
    );
    println!("{what:<40} {secs:>8.2} s");
    secs
}

fn sweep(scenario: &str, grid: u32, jobs: usize, out: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "sweep",
        scenario,
        "--quiet",
        "--force",
        "--jobs",
        &jobs.to_string(),
    ])
    .arg("--vary")
    .arg(format!("policy.min_warm=0..{}", grid - 1))
    .arg("--vary")
    .arg(format!("policy.max_warm={}..{}", grid, 2 * grid - 1))
    .arg("--out")
    .arg(out);
    cmd
}

fn main() {
    let scenario = env_or("SWEEP_SCENARIO", "scenarios/large.toml");
    let grid: u32 = env_or("SWEEP_GRID", "10")
        .parse()
        .expect("SWEEP_GRID is a number");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let tmp = tempfile::tempdir().expect("temporary folder");
    println!("{scenario}: {grid} x {grid} grid, 1 seed, {cores} cores");
    let one = timed(
        "sweep --jobs 1",
        sweep(&scenario, grid, 1, &tmp.path().join("j1")),
    );
    let all = timed(
        &format!("sweep --jobs {cores}"),
        sweep(&scenario, grid, cores, &tmp.path().join("jn")),
    );
    println!("speed-up from 1 to {cores} threads: {:.2}x", one / all);
    if env_or("SWEEP_SEQUENTIAL", "1") == "1" {
        let start = Instant::now();
        for min in 0..grid {
            for max in grid..2 * grid {
                let status = Command::new(BIN)
                    .args(["run", &scenario, "--quiet", "--force", "--out"])
                    .arg(tmp.path().join("run"))
                    .args(["--set", &format!("policy.min_warm={min}")])
                    .args(["--set", &format!("policy.max_warm={max}")])
                    .status()
                    .expect("enisim starts");
                assert!(status.success());
            }
        }
        let seq = start.elapsed().as_secs_f64();
        println!(
            "{:<40} {seq:>8.2} s",
            format!("{} sequential enisim run", grid * grid)
        );
        println!(
            "sweep --jobs {cores} vs sequential runs: {:.2}x faster",
            seq / all
        );
    }
}
