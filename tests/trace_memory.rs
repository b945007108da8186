//! A trace replay's memory follows the pods alive at once, not the trace's length: a replay of
//! 3,000,000 rows (1,500,000 pods of distinct names, about 10 alive at once, every file
//! written) peaks under 64 MiB, and no higher than a replay of 300,000 rows, give or take
//! what the allocator keeps.
//!
//! Each replay runs in a child process (this test binary run again, for this test alone, with
//! `ENISIM_REPLAY` naming the scenario), as `enisim run` would run it; the child prints its
//! peak resident set (`VmHWM` from /proc/self/status), so the figure is that replay's own.

mod common;
use common::Cluster;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// The child's environment variable: the scenario to replay and write the outputs of.
const CHILD: &str = "ENISIM_REPLAY";

/// Writes an enisim trace of `rows` rows: pod `p-i` created at i x 0.5 s and deleted 5 s
/// later, each name once; rows in time order (deletes before creates at the same time).
fn write_trace(path: &Path, rows: u64) {
    let file = std::fs::File::create(path).unwrap();
    let mut out = std::io::BufWriter::new(file);
    out.write_all(b"time,action,pod,workload,static_ip\n")
        .unwrap();
    let pods = rows / 2;
    let mut line = String::new();
    let (mut created, mut deleted) = (0u64, 0u64);
    while deleted < pods {
        let create_at = created * 500;
        let delete_at = deleted * 500 + 5_000;
        line.clear();
        if created < pods && create_at < delete_at {
            let (s, ms) = (create_at / 1000, create_at % 1000);
            writeln!(line, "{s}.{ms:03},create,p-{created},jobs,").unwrap();
            created += 1;
        } else {
            let (s, ms) = (delete_at / 1000, delete_at % 1000);
            writeln!(line, "{s}.{ms:03},delete,p-{deleted},jobs,").unwrap();
            deleted += 1;
        }
        out.write_all(line.as_bytes()).unwrap();
    }
    out.flush().unwrap();
}

/// Writes the trace and a scenario replaying it on two nodes into `dir`; returns the
/// scenario's path.
fn replay_scenario(dir: &Path, rows: u64) -> std::path::PathBuf {
    write_trace(&dir.join("trace.csv"), rows);
    let days = rows / 2 / 2 / 86_400 + 1;
    let scenario = Cluster::new(&format!("{days}d"))
        .sample_interval("1h")
        .nodes("S5.2XLARGE16", 2)
        .with("[[workloads]]\nname = \"jobs\"\nkind = \"trace\"\npath = \"trace.csv\"\n");
    let path = dir.join("replay.toml");
    std::fs::write(&path, scenario).unwrap();
    path
}

/// Peak resident set of this process, KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// In the child: loads and runs the scenario as `enisim run` does, every file written.
fn replay(scenario: &Path) {
    let sc = enisim::scenario::load(scenario, &[]).unwrap();
    let out = scenario.with_file_name("out");
    let summary = enisim::output::run_to_dir(sc, &out, false, Default::default()).unwrap();
    println!(
        "REPLAY pods={} violations={} peak_kib={}",
        summary.pods.created,
        summary.invariants.violations,
        vm_hwm_kib()
    );
}

/// Replays a trace of `rows` rows in a child; returns (pods created, peak KiB).
fn replay_in_child(rows: u64) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = replay_scenario(dir.path(), rows);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_long_trace_replays_in_flat_memory",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, &scenario)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("REPLAY ").map(|(_, fields)| fields))
        .unwrap_or_else(|| {
            panic!(
                "child failed: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let field = |key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    assert_eq!(field("violations"), 0, "{line}");
    (field("pods"), field("peak_kib"))
}

#[test]
fn a_long_trace_replays_in_flat_memory() {
    if let Some(scenario) = std::env::var_os(CHILD) {
        replay(Path::new(&scenario));
        return;
    }
    let (short_pods, short_peak) = replay_in_child(300_000);
    let (long_pods, long_peak) = replay_in_child(3_000_000);
    assert_eq!((short_pods, long_pods), (150_000, 1_500_000));
    assert!(
        long_peak < 64 * 1024,
        "3,000,000 rows peaked at {long_peak} KiB"
    );
    // 1,350,000 more pods cost less than 2 bytes each.
    assert!(
        long_peak < short_peak + 2 * 1024,
        "300,000 rows peaked at {short_peak} KiB, 3,000,000 rows at {long_peak} KiB"
    );
}
