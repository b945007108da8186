//! Sweep benchmark: `cargo bench --bench sweep` (wall time) and
//! `cargo bench --bench sweep -- memory` (peak memory).
//!
//! Wall time: a `SWEEP_GRID` x `SWEEP_GRID` grid (default 10 x 10: min_warm 0..9 against max_warm
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
//!
//! Memory: sweeps of `scenarios/tuning.toml` cut to one hour of virtual time (runs of its size,
//! a few milliseconds each), on 2 threads without `--keep-runs` (every run into a `NullSink`),
//! at `SWEEP_MEMORY_RUNS` runs (default `100,10000`) in two shapes: `variants` (that many
//! variants, one seed: release_interval x the create rate limit, keys that leave the traffic,
//! and so each run's size, alone) and `seeds` (10 variants of max_warm, runs / 10 seeds each). Each sweep runs in a child process (`sweep --child RUNS SHAPE`) that writes
//! every file of the sweep (sweep.csv, variants.csv, charts, report.html, sweep.json) into a
//! temporary folder and prints its peak resident set (`VmHWM`) when the runs are done (and
//! sweep.csv and variants.csv written) and at the end (charts, report.html and sweep.json
//! written too): flat in the number of runs when the sweep streams.

mod common;
use common::{child_result, vm_hwm_kib};
use enisim::sweep::result::Whole;
use enisim::sweep::spec::Axis;
use enisim::sweep::{self, Execution, Plan, Settings, Shard};
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
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--bench"))
        .collect();
    match args.first().map(String::as_str) {
        Some("--child") => child(&args[1], &args[2]),
        Some("memory") => memory(),
        _ => timing(),
    }
}

/// The axes of a sweep of `runs` runs in `shape`, and its seeds per variant.
fn grid(runs: u32, shape: &str) -> (Vec<String>, u32) {
    match shape {
        "variants" => {
            // The squarest a x b = runs.
            let a = (1..=runs.isqrt())
                .rev()
                .find(|a| runs.is_multiple_of(*a))
                .unwrap_or(1);
            let b = runs / a;
            (
                vec![
                    format!("policy.release_interval=1s..{a}s/1s"),
                    format!("vpc.rate_limit.create=50..{}", 49 + b),
                ],
                1,
            )
        }
        "seeds" => (vec!["policy.max_warm=5..14".into()], (runs / 10).max(1)),
        other => panic!("unknown shape {other}"),
    }
}

/// One memory measurement, in this process.
fn child(runs: &str, shape: &str) {
    let runs: u32 = runs.parse().expect("RUNS is a number");
    let (axes, seeds) = grid(runs, shape);
    let cli = Settings {
        axes: axes.iter().map(|a| Axis::parse(a).expect("axis")).collect(),
        seeds: Some(seeds),
        ..Settings::default()
    };
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tuning.toml");
    let plan = Plan::new(&scenario, &["duration=1h".into()], cli).expect("plan");
    let tmp = tempfile::tempdir().expect("temporary folder");
    let started = Instant::now();
    let exec = Execution {
        shard: Shard::ALL,
        jobs: 2,
        keep_runs: None,
        on_run: &|| {},
    };
    let mut whole = Whole::create(tmp.path(), &plan.grid, &plan.columns).expect("files");
    let done = sweep::run(&plan, &exec, |row| whole.push(row)).expect("sweep");
    let runs_hwm = vm_hwm_kib();
    whole.finish().expect("files");
    let secs = started.elapsed().as_secs_f64();
    let bytes: u64 = ["sweep.csv", "variants.csv", "report.html", "sweep.json"]
        .iter()
        .filter_map(|f| std::fs::metadata(tmp.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "RESULT runs={done} variants={} seeds={seeds} wall_s={secs:.2} runs_hwm_kib={runs_hwm} hwm_kib={} files_kib={}",
        plan.grid.variants.len(),
        vm_hwm_kib(),
        bytes / 1024
    );
}

fn memory() {
    let runs = env_or("SWEEP_MEMORY_RUNS", "100,10000");
    println!("scenarios/tuning.toml, duration=1h, --jobs 2, NullSink; peak RSS of the child");
    println!(
        "{:>8} {:>9} {:>9} {:>6} {:>9} {:>15} {:>10} {:>12}",
        "shape", "runs", "variants", "seeds", "wall s", "runs peak MiB", "peak MiB", "files KiB"
    );
    for shape in ["variants", "seeds"] {
        for n in runs.split(',') {
            let line = child_result(["--child", n.trim(), shape]);
            let field = |k: &str| {
                line.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                    .unwrap_or("?")
                    .to_string()
            };
            let mib = |k: &str| field(k).parse::<f64>().unwrap_or(0.0) / 1024.0;
            println!(
                "{:>8} {:>9} {:>9} {:>6} {:>9} {:>15.1} {:>10.1} {:>12}",
                shape,
                field("runs"),
                field("variants"),
                field("seeds"),
                field("wall_s"),
                mib("runs_hwm_kib"),
                mib("hwm_kib"),
                field("files_kib")
            );
        }
    }
}

fn timing() {
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
