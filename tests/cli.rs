//! The command line as users and their CI see it: exit codes, outputs, determinism.

mod binary;
use binary::enisim;
use predicates::prelude::*;
use std::fs;
use std::path::Path;

const QUICKSTART: &str = "scenarios/quickstart.toml";
const FILES: [&str; 23] = [
    "summary.json",
    "timeseries.csv",
    "pods.csv",
    "enis.csv",
    "api_calls.csv",
    "node_groups.csv",
    "subnets.csv",
    "report.html",
    "charts/band.svg",
    "charts/warm_enis.svg",
    "charts/enis.svg",
    "charts/pool_hit_rate.svg",
    "charts/release_delays.svg",
    "charts/startup_latency.svg",
    "charts/pods.svg",
    "charts/pending.svg",
    "charts/api_calls.svg",
    "charts/api_calls_busiest.svg",
    "charts/node_groups.svg",
    "charts/subnets.svg",
    "charts/subnet_free_ips.svg",
    "charts/controller_queue.svg",
    "charts/controller_wait.svg",
];

fn run_to(dir: &Path, extra: &[&str]) -> serde_json::Value {
    enisim()
        .args(["run", QUICKSTART, "--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
    let text = fs::read_to_string(dir.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

#[test]
fn run_writes_every_file_with_every_summary_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("q");
    let s = run_to(&out, &[]);
    for f in FILES {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing beside it"
    );
    for key in [
        "scenario",
        "seed",
        "duration_s",
        "events_processed",
        "fingerprint",
    ] {
        assert!(s.get(key).is_some(), "{key}");
    }
    let nested = [
        (
            "pods",
            &[
                "created",
                "started",
                "failed_scheduling",
                "pending_at_end",
                "eni_timeouts",
                "failed_scheduling_by_reason",
                "pending_at_end_by_reason",
            ][..],
        ),
        ("startup_latency_s", &["p50", "p90", "p99", "max", "mean"]),
        (
            "startup_split_s",
            &["queueing", "throttling", "api", "other"],
        ),
        (
            "controller",
            &[
                "model",
                "reconciles",
                "requeues",
                "peak_queue_depth",
                "queue_wait_s",
                "client_throttled_calls",
                "client_throttled_s",
                "need_to_call_s",
            ],
        ),
        (
            "pool",
            &[
                "hit_rate",
                "idle_eni_hours",
                "peak_bound_enis",
                "peak_idle_enis",
            ],
        ),
        (
            "churn",
            &[
                "enis_created",
                "enis_attached",
                "enis_detached",
                "enis_deleted",
            ],
        ),
        ("release", &["count", "delay_s"]),
        ("api", &["calls", "errors", "throttled"]),
        ("invariants", &["violations", "leaked_enis"]),
    ];
    for (section, keys) in nested {
        for key in keys {
            assert!(s[section].get(key).is_some(), "{section}.{key}");
        }
    }
    for key in ["p50", "p99", "max"] {
        assert!(s["release"]["delay_s"].get(key).is_some());
    }
    for id in ["subnet-a", "subnet-b"] {
        assert!(s["subnets"][id].get("peak_used_ips").is_some());
        assert!(s["subnets"][id].get("exhausted_s").is_some());
    }
    assert_eq!(s["scenario"], "quickstart");
    assert_eq!(s["invariants"]["violations"], 0);
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("<h1>enisim run: quickstart</h1>"));
    let charts = FILES.iter().filter(|f| f.starts_with("charts/")).count();
    assert_eq!(
        fs::read_dir(out.join("charts")).unwrap().count(),
        charts,
        "no other chart"
    );
    assert_eq!(report.matches("<svg").count(), charts, "every chart inline");
    assert!(report.contains(&format!(
        "<code>{}</code>",
        s["fingerprint"].as_str().unwrap()
    )));
    assert!(s["pods"]["started"].as_u64().unwrap() > 0);
    let header = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(header.starts_with(
        "time_s,pods_running,pods_pending,pods_waiting_eni,enis_bound,enis_idle,enis_in_flight,enis_total,subnet_free_ips,api_calls,enis_retained,pending_no_nodes,pending_no_subnet_in_zone,pending_no_free_eni_slot,pending_no_node_in_ip_zone,pending_ip_zone_full,pending_no_free_ip_in_zone,"
    ), "the columns of earlier versions come first, unrenamed");
    // 6 h sampled every 10 s: rows at 0, 10, ..., 21600.
    assert_eq!(header.lines().count(), 1 + 2161);
}

#[test]
fn same_seed_gives_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    run_to(&tmp.path().join("a"), &[]);
    run_to(&tmp.path().join("b"), &[]);
    for f in FILES {
        let a = fs::read(tmp.path().join("a").join(f)).unwrap();
        let b = fs::read(tmp.path().join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs between two runs");
    }
}

#[test]
fn another_seed_changes_the_fingerprint_when_latencies_are_random() {
    let tmp = tempfile::tempdir().unwrap();
    // quickstart's attach latency is lognormal.
    let a = run_to(&tmp.path().join("a"), &[]);
    let b = run_to(&tmp.path().join("b"), &["--seed", "7"]);
    assert_eq!(b["seed"], 7);
    assert_ne!(a["fingerprint"], b["fingerprint"]);
    assert_ne!(
        a["startup_latency_s"]["mean"],
        b["startup_latency_s"]["mean"]
    );
}

#[test]
fn set_overrides_change_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let base = run_to(&tmp.path().join("a"), &[]);
    let warm = run_to(
        &tmp.path().join("b"),
        &["--set", "policy.min_warm=4", "--set", "policy.max_warm=6"],
    );
    let hit = |s: &serde_json::Value| s["pool"]["hit_rate"].as_f64().unwrap();
    assert!(
        hit(&warm) > hit(&base),
        "a larger warm pool serves more pods at once"
    );
}

#[test]
fn json_flag_prints_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = enisim()
        .args(["run", QUICKSTART, "--json", "--out"])
        .arg(tmp.path().join("j"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let written = fs::read(tmp.path().join("j/summary.json")).unwrap();
    assert_eq!(out.stdout, written);
    assert_eq!(printed["scenario"], "quickstart");
}

#[test]
fn readable_summary_reports_wall_time_and_event_rate() {
    let tmp = tempfile::tempdir().unwrap();
    enisim()
        .args(["run", QUICKSTART, "--out"])
        .arg(tmp.path().join("h"))
        .assert()
        .success()
        .stdout(predicate::str::contains("s wall"))
        .stdout(predicate::str::contains("events/s"))
        .stdout(predicate::str::contains("invariants  all hold"));
}

#[test]
fn warnings_reach_the_readable_summary_summary_json_and_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    let said = "policy.min_warm = 0: TKE does not accept a pre-binding of 0";
    enisim()
        .args(["run", QUICKSTART, "--set", "policy.min_warm=0", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("  WARNING     {said}")));
    let text = fs::read_to_string(out.join("summary.json")).unwrap();
    let s: serde_json::Value = serde_json::from_str(&text).unwrap();
    let warnings = s["warnings"].as_array().expect("a list");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().starts_with(said));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(said), "report.html lists the warning");
    enisim()
        .args(["validate", QUICKSTART, "--set", "policy.min_warm=0"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("warning: {said}")));
    // The shipped quickstart is as TKE allows: no warning.
    assert_eq!(
        run_to(&tmp.path().join("q"), &[])["warnings"],
        serde_json::json!([])
    );
}

/// Writes a scenario file and checks `run` rejects it with exit code 2 and the location.
fn rejects(text: &str, location: &str, says: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    fs::write(&path, text).unwrap();
    let out_dir = tmp.path().join("out");
    enisim()
        .args(["run"])
        .arg(&path)
        .arg("--out")
        .arg(&out_dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("bad.toml:{location}: ")))
        .stderr(predicate::str::contains(says));
    assert!(!out_dir.exists(), "no output for bad input");
}

const GROUP: &str = "[[node_groups]]\nname = \"w\"\nzone = \"z\"\ncount = 1\n";

#[test]
fn bad_input_exits_2_naming_line_and_column() {
    rejects("duration = \"2h\n", "1:15", "");
    rejects("duration = \"2h\"\nfoo = 1\n", "2:1", "unknown field `foo`");
    rejects(
        &format!("duration = \"2h\"\n{GROUP}instance_type = \"C5.LARGE8\"\n"),
        "6:17",
        "S5, SA2, IT5, SA3",
    );
    rejects(
        "duration = \"2h\"\n[policy]\nmin_warm = 3\nmax_warm = 1\n",
        "3:12",
        "greater than max_warm",
    );
    rejects(
        "duration = \"2h\"\n[[subnets]]\nid = \"a\"\nzone = \"z\"\ncidr = \"10.0.0.1/24\"\n",
        "5:8",
        "10.0.0.0/24",
    );
    rejects("duration = \"2 hours\"\n", "1:12", "1h30m");
    rejects(
        "duration = \"2h\"\n[[workloads]]\nname = \"db\"\nkind = \"statefulset\"\nreplicas = 3\nstatic_ip = true\n",
        "6:13",
        "policy.mode = \"static\"",
    );
}

#[test]
fn missing_file_and_bad_flags_exit_2() {
    enisim()
        .args(["run", "no/such/scenario.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/scenario.toml"));
    enisim()
        .args(["run", QUICKSTART, "--set", "policy.max_warm=lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--set policy.max_warm=lots"));
    enisim()
        .args(["run", QUICKSTART, "--seed", "minus-one"])
        .assert()
        .code(2);
    enisim().args(["run"]).assert().code(2);
}

#[test]
fn validate_accepts_good_files() {
    enisim()
        .args(["validate", QUICKSTART])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok"));
}

#[test]
fn instance_types_lists_the_spec_table() {
    enisim()
        .args(["instance-types"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"S5\s+2XLARGE\s+8\s+39").unwrap())
        .stdout(predicate::str::is_match(r"SA3\s+LARGE\s+4\s+15").unwrap())
        .stdout(predicate::str::is_match(r"IT5\s+32XLARGE\s+128\s+23").unwrap());
}

#[test]
fn swarm_runs_every_seed_checked_and_shows_the_faults_fired() {
    let out = enisim()
        .args(["swarm", QUICKSTART, "--seeds", "6", "--jobs", "2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(": 6 seeds, 0 failed"), "{text}");
    let errors: u64 = text
        .split("faults fired: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(errors > 0, "{text}");
    // One seed alone reproduces with its summary; the same figures whatever --jobs.
    let one = |jobs: &str| {
        let o = enisim()
            .args(["swarm", QUICKSTART, "--seed", "4", "--jobs", jobs])
            .output()
            .unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        text.lines()
            .find(|l| l.contains("fingerprint"))
            .map(str::to_string)
            .unwrap()
    };
    assert_eq!(one("1"), one("2"));
}

#[test]
fn checked_run_exits_0_when_every_invariant_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let s = run_to(
        &tmp.path().join("c"),
        &["--check", "--set", "vpc.faults.timeout=0.2"],
    );
    assert_eq!(s["invariants"]["violations"], 0);
    assert!(s["invariants"]["orphans"].as_u64().unwrap() > 0);
    assert_eq!(s["invariants"]["orphans_at_end"], 0, "drained");
}

/// Every command piped into a reader that closes at once (`| head -0`) ends quietly: exit 0,
/// no panic.
#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o").display().to_string();
    let commands: [&[&str]; 7] = [
        &["instance-types"],
        &["--help"],
        &["validate", QUICKSTART],
        &["run", QUICKSTART, "--out", &out],
        &["run", QUICKSTART, "--out", &out, "--json"],
        &["swarm", QUICKSTART, "--seeds", "2"],
        &["swarm", QUICKSTART, "--seed", "2"],
    ];
    for args in commands {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("enisim"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let done = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&done.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(done.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// A duration written with a space and a unit name, or as a bare number, is refused at its
/// line and column with the forms that are accepted.
#[test]
fn duration_errors_show_the_accepted_form() {
    let tmp = tempfile::tempdir().unwrap();
    for (value, expected) in [
        ("\"10 min\"", "unknown unit \"min\""),
        ("3600", "write \"3600s\" (seconds)"),
    ] {
        let path = tmp.path().join("d.toml");
        fs::write(&path, format!("seed = 1\nduration = {value}\n")).unwrap();
        enisim()
            .arg("validate")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("d.toml:2:12"))
            .stderr(predicate::str::contains(expected))
            .stderr(predicate::str::contains("\"1h30m\""));
    }
}

/// A run with overrides says so (summary.json, the report's title), lands in its own folder by
/// default, and writes the scenario as it ran: running that file alone repeats the run.
#[test]
fn overrides_leave_a_trace_and_the_effective_scenario_repeats_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = fs::canonicalize(QUICKSTART).unwrap();
    enisim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--set", "policy.max_warm=3", "--seed", "7"])
        .assert()
        .success();
    let out = tmp
        .path()
        .join("outputs/quickstart@policy.max_warm=3,seed=7");
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["overrides"],
        serde_json::json!(["policy.max_warm=3", "seed=7"])
    );
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("enisim run: quickstart with policy.max_warm=3, seed=7"));
    let again = tmp.path().join("again");
    enisim()
        .arg("run")
        .arg(out.join("scenario.toml"))
        .arg("--quiet")
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    let rerun: serde_json::Value =
        serde_json::from_slice(&fs::read(again.join("summary.json")).unwrap()).unwrap();
    assert_eq!(rerun["fingerprint"], summary["fingerprint"]);
    assert_eq!(rerun["scenario"], "quickstart");
    for f in ["pods.csv", "enis.csv", "api_calls.csv", "timeseries.csv"] {
        assert_eq!(
            fs::read(out.join(f)).unwrap(),
            fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// Nothing to measure reads "none" (null in summary.json); a measured zero stays a zero.
#[test]
fn empty_statistics_are_none_not_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("idle.toml");
    fs::write(
        &scenario,
        "duration = \"10m\"\n[[subnets]]\nid = \"a\"\nzone = \"z\"\ncidr = \"10.0.0.0/24\"\n\
         [[node_groups]]\nname = \"n\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"z\"\ncount = 1\n\
         [[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 0\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    enisim()
        .args(["run"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "start-up    none (no pod started)",
        ))
        .stdout(predicate::str::contains("hit rate none"))
        .stdout(predicate::str::contains("release     none released"));
    let s: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for key in ["p50", "p90", "p99", "max", "mean"] {
        assert!(s["startup_latency_s"][key].is_null(), "startup {key}");
    }
    for key in ["p50", "p99", "max"] {
        assert!(s["release"]["delay_s"][key].is_null(), "release {key}");
        assert!(
            s["invariants"]["orphan_lived_s"][key].is_null(),
            "orphans {key}"
        );
    }
    assert!(s["pool"]["hit_rate"].is_null());
    // A measured figure stays a number: one warm ENI idle from its attach (a few seconds in)
    // to the end at 600 s.
    assert_eq!(s["pool"]["idle_eni_hours"], 0.166);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<td>none</td>"), "report.html shows none");
    // Charts with nothing to draw say so in a sentence, in the chart and beside it.
    for said in [
        "No pod started in this run: there is no latency to show.",
        "No surplus ENI was released in this run.",
        "No pod started in this run: there is no hit rate to show.",
        "Every pod was placed on a node when it was created: no pod waited to be placed.",
    ] {
        assert!(html.contains(said), "{said}");
    }
    assert!(html.contains("No pod started: there is no start-up latency to show."));
}

/// A drain of more nodes than the group has is said by `validate`, the printed summary and
/// summary.json.
#[test]
fn draining_more_nodes_than_a_group_has_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("drain.toml");
    fs::write(
        &scenario,
        "duration = \"1h\"\n[[subnets]]\nid = \"a\"\nzone = \"z\"\ncidr = \"10.0.0.0/24\"\n\
         [[node_groups]]\nname = \"n\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"z\"\ncount = 3\n\
         [[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 5\n\
         [[events]]\nat = \"30m\"\naction = \"drain_nodes\"\nnode_group = \"n\"\ncount = 10\n",
    )
    .unwrap();
    let said = "drain_nodes at 1800.000 s (events.0) asks for 10 node(s) of node group \"n\", \
                which has 3 then; the run drains the 3 there are";
    enisim()
        .arg("validate")
        .arg(&scenario)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("warning: {said}")));
    let out = tmp.path().join("o");
    enisim()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("  WARNING     {said}")));
    let s: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["warnings"], serde_json::json!([said]));
    assert_eq!(
        s["pods"]["pending_at_end"], 5,
        "no node left for the 5 pods"
    );
}
