//! Inputs that once crashed, hung or exhausted memory: each exits 2 quickly with a message
//! that says where and names the limit, under an address-space cap of 100 MB.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A one-node cluster a day long; `rest` (TOML) after it.
fn scenario(dir: &Path, head: &str, rest: &str) -> String {
    let path = dir.join("s.toml");
    let text = format!(
        "{head}duration = \"24h\"\n[[subnets]]\nid = \"a\"\nzone = \"z\"\ncidr = \"10.0.0.0/24\"\n\
         [[node_groups]]\nname = \"w\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"z\"\ncount = 1\n{rest}"
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Runs `enisim validate` (args after it) under a 100 MB address-space cap, kills it after
/// 10 s; asserts it exited 2 within a second and returns its stderr.
fn refused(args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_enisim");
    let mut line = format!("ulimit -v 100000; exec '{bin}' validate");
    for a in args {
        line += &format!(" '{}'", a.replace('\'', "'\\''"));
    }
    let started = Instant::now();
    let mut child = Command::new("sh")
        .args(["-c", &line])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("still running after 10 s: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.len() < 1_000, "a short message: {} bytes", err.len());
    err
}

#[test]
fn a_set_key_of_40000_segments_is_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "", "");
    let key = vec!["a"; 40_000].join(".");
    let err = refused(&[&path, "--set", &format!("{key}=1")]);
    assert!(err.contains("40000 segments"), "{err}");
    assert!(err.contains("at most 8"), "{err}");
}

#[test]
fn a_millisecond_sample_interval_over_a_day_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "sample_interval = \"1ms\"\n", "");
    let err = refused(&[&path]);
    assert!(err.contains("s.toml:1:19"), "{err}");
    assert!(err.contains("86400000 timeseries rows"), "{err}");
    assert!(err.contains("1000000"), "{err}");
}

#[test]
fn nodes_added_over_the_run_are_bounded_in_all() {
    let dir = tempfile::tempdir().unwrap();
    let add =
        "[[events]]\nat = \"1h\"\naction = \"add_nodes\"\nnode_group = \"w\"\ncount = 100000\n";
    let path = scenario(dir.path(), "", &add.repeat(51));
    let err = refused(&[&path]);
    // The first add_nodes already brings the run to 100,001 nodes.
    assert!(err.contains("s.toml:15:9"), "{err}");
    assert!(err.contains("100001 nodes in all"), "{err}");
    assert!(err.contains("100000 this tool accepts"), "{err}");
}

#[test]
fn pods_arriving_over_the_run_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let w = "[[workloads]]\nname = \"p\"\nkind = \"poisson\"\narrivals_per_minute = 1000000\n\
             lifetime = { mean = \"1m\" }\n";
    let path = scenario(dir.path(), "", w);
    let err = refused(&[&path]);
    assert!(err.contains("s.toml:14:23"), "{err}");
    assert!(err.contains("1440000000 pods"), "{err}");
    assert!(err.contains("50000000"), "{err}");
}

#[test]
fn a_trace_that_is_a_device_or_a_fifo_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for trace in ["/dev/zero".to_string(), fifo.display().to_string()] {
        let w = format!("[[workloads]]\nname = \"t\"\nkind = \"trace\"\npath = \"{trace}\"\n");
        let path = scenario(dir.path(), "", &w);
        let err = refused(&[&path]);
        assert!(err.contains("not a regular file"), "{err}");
        assert!(err.contains(&trace), "{err}");
    }
}

#[test]
fn a_trace_line_without_end_is_refused_at_the_line_limit() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    let long = format!(
        "time,action,pod,workload,static_ip\n1,create,{},w,\n",
        "a".repeat(200_000)
    );
    std::fs::write(&trace, long).unwrap();
    let w = format!(
        "[[workloads]]\nname = \"t\"\nkind = \"trace\"\npath = \"{}\"\n",
        trace.display()
    );
    let path = scenario(dir.path(), "", &w);
    let err = refused(&[&path]);
    assert!(err.contains("t.csv:2:1"), "{err}");
    assert!(err.contains("longer than 65536 bytes"), "{err}");
}

#[test]
fn names_follow_kubernetes_rules() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a".repeat(100_000);
    let w = format!("[[workloads]]\nname = \"{long}\"\nkind = \"deployment\"\nreplicas = 1\n");
    let path = scenario(dir.path(), "", &w);
    let err = refused(&[&path]);
    assert!(err.contains("s.toml:12:8"), "{err}");
    assert!(err.contains("100000 characters long, over 63"), "{err}");
    assert!(err.contains("DNS-1123"), "{err}");

    let w = "[[workloads]]\nname = \"Web_1\"\nkind = \"deployment\"\nreplicas = 1\n";
    let err = refused(&[&scenario(dir.path(), "", w)]);
    assert!(err.contains("'W'"), "{err}");

    let trace = dir.path().join("t.csv");
    std::fs::write(
        &trace,
        "time,action,pod,workload,static_ip\n1,create,Pod_1,w,\n",
    )
    .unwrap();
    let w = format!(
        "[[workloads]]\nname = \"t\"\nkind = \"trace\"\npath = \"{}\"\n",
        trace.display()
    );
    let err = refused(&[&scenario(dir.path(), "", &w)]);
    assert!(err.contains("t.csv:2:"), "{err}");
    assert!(err.contains("pod name \"Pod_1\""), "{err}");
}

#[test]
fn an_echoed_value_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(100_000);
    let w = format!("[[workloads]]\nname = \"w\"\nkind = \"{long}\"\n");
    let err = refused(&[&scenario(dir.path(), "", &w)]);
    assert!(err.contains("xxx... (100000 characters)"), "{err}");
}

#[test]
fn a_non_utf8_scenario_names_the_line_and_column_of_the_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    let mut bytes = b"duration = \"1h\"\nname = \"caf".to_vec();
    bytes.extend([0xE9, b'"', b'\n']);
    std::fs::write(&path, bytes).unwrap();
    let err = refused(&[&path.display().to_string()]);
    assert!(err.contains("latin1.toml:2:12"), "{err}");
    assert!(err.contains("0xE9 is not UTF-8"), "{err}");
}

#[test]
fn an_out_of_range_integer_says_so_and_gives_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "", "");
    let err = refused(&[&path, "--set", "policy.max_warm=99999999999999999999"]);
    assert!(err.contains("out of range"), "{err}");
    assert!(err.contains("9223372036854775807"), "{err}");
    assert!(!err.contains("string"), "{err}");
    let err = refused(&[&path, "--set", "policy.max_warm=99999999999"]);
    assert!(err.contains("0 to 4294967295"), "{err}");
    let path = scenario(
        dir.path(),
        "",
        "[policy]\nmax_warm = 99999999999999999999\n",
    );
    let err = refused(&[&path]);
    assert!(err.contains("s.toml:12:12"), "{err}");
    assert!(err.contains("out of range"), "{err}");
}
