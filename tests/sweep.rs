//! `enisim sweep` through the binary: each variant is exactly the run `enisim run --set`
//! gives, the files do not depend on threads or shards, the recommendation is the one
//! computed by hand, and bad flags exit 2.

mod binary;
use binary::{enisim, result_files};
use predicates::prelude::*;
use std::fs;
use std::path::Path;

const QUICKSTART: &str = "scenarios/quickstart.toml";

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut rows = vec![head];
    rows.extend(
        r.records()
            .map(|rec| rec.unwrap().iter().map(String::from).collect()),
    );
    rows
}

fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let at = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no {name}"));
    rows[1..].iter().map(|r| r[at].clone()).collect()
}

/// `enisim sweep QUICKSTART --quiet FLAGS --out OUT`, run.
fn sweep_quickstart(out: &Path, flags: &[&str]) -> assert_cmd::assert::Assert {
    enisim()
        .args(["sweep", QUICKSTART, "--quiet"])
        .args(flags)
        .arg("--out")
        .arg(out)
        .assert()
}

#[test]
fn each_variant_is_the_run_that_run_set_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sw");
    let axes = [
        "--vary",
        "policy.min_warm=0,1",
        "--vary",
        "policy.max_warm=1..2",
    ];
    sweep_quickstart(&out, &axes).success();
    let rows = csv_rows(&out.join("sweep.csv"));
    assert_eq!(rows.len(), 5, "4 variants x 1 seed");
    let fingerprints = column(&rows, "fingerprint");
    let idle = column(&rows, "pool.idle_eni_hours");
    for (i, (min, max)) in [(0, 1), (0, 2), (1, 1), (1, 2)].into_iter().enumerate() {
        let run = tmp.path().join(format!("run{i}"));
        enisim()
            .args(["run", QUICKSTART, "--quiet", "--out"])
            .arg(&run)
            .args(["--set", &format!("policy.min_warm={min}")])
            .args(["--set", &format!("policy.max_warm={max}")])
            .assert()
            .success();
        let s: serde_json::Value =
            serde_json::from_slice(&fs::read(run.join("summary.json")).unwrap()).unwrap();
        assert_eq!(
            s["fingerprint"].as_str().unwrap(),
            fingerprints[i],
            "variant {i}"
        );
        assert_eq!(
            s["pool"]["idle_eni_hours"].as_f64().unwrap().to_string(),
            idle[i]
        );
    }
}

#[test]
fn files_do_not_depend_on_threads_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = |out: &Path, extra: &[&str]| {
        let mut flags = vec!["--seeds", "2", "--vary", "policy.min_warm=0..2"];
        flags.extend(["--vary", "policy.max_warm=1,3"]);
        // A target some variant meets (quickstart's p99 is about 24 s under one worker at
        // 5 calls a second), so the sweep succeeds and writes a recommendation.
        flags.extend(["--target", "startup_latency_s.p99<=30"]);
        flags.extend(extra);
        sweep_quickstart(out, &flags).success();
    };
    let one = tmp.path().join("jobs1");
    let two = tmp.path().join("jobs2");
    sweep(&one, &["--jobs", "1"]);
    sweep(&two, &["--jobs", "2"]);
    let whole = result_files(&one);
    assert_eq!(whole, result_files(&two));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let dir = tmp.path().join(format!("shard{k}"));
        sweep(&dir, &["--shard", &format!("{k}/3")]);
        shards.push(dir);
    }
    let merged = tmp.path().join("merged");
    // Shards in any order.
    enisim()
        .args(["sweep", "merge"])
        .args([&shards[2], &shards[0], &shards[1]])
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    assert_eq!(result_files(&merged), whole);
    // A missing shard, a shard twice, a shard of another sweep: refused with exit 2.
    enisim()
        .args(["sweep", "merge"])
        .args([&shards[0], &shards[1]])
        .arg("--out")
        .arg(tmp.path().join("m2"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing shard(s) 3/3"));
    enisim()
        .args(["sweep", "merge"])
        .args([&shards[0], &shards[0], &shards[1]])
        .arg("--out")
        .arg(tmp.path().join("m3"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("both shard 1/3"));
    let other = tmp.path().join("other");
    let flags = ["--vary", "policy.min_warm=0..1", "--shard", "3/3"];
    sweep_quickstart(&other, &flags).success();
    enisim()
        .args(["sweep", "merge"])
        .args([&shards[0], &shards[1], &other])
        .arg("--out")
        .arg(tmp.path().join("m4"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("another sweep"));
    // The same grid under another --set is another sweep too.
    let other_set = tmp.path().join("other-set");
    sweep(
        &other_set,
        &["--shard", "3/3", "--set", "policy.release=quick"],
    );
    enisim()
        .args(["sweep", "merge"])
        .args([&shards[0], &shards[1], &other_set])
        .arg("--out")
        .arg(tmp.path().join("m5"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("another sweep"));
}

#[test]
fn rows_are_written_in_run_order_however_long_each_run_takes() {
    // Variant 0 runs a day of virtual time and variant 3 half a day, the others a minute:
    // under --jobs 2 the short runs finish long before the long ones and wait for them.
    let tmp = tempfile::tempdir().unwrap();
    let flags = ["--vary", "duration=1d,1m,1m,12h,1m", "--seeds", "3"];
    let (one, two) = (tmp.path().join("jobs1"), tmp.path().join("jobs2"));
    sweep_quickstart(&two, &[&flags[..], &["--jobs", "2"]].concat()).success();
    let rows = csv_rows(&two.join("sweep.csv"));
    let variants: Vec<String> = (0..5)
        .flat_map(|v: i32| std::iter::repeat_n(v.to_string(), 3))
        .collect();
    assert_eq!(column(&rows, "variant"), variants);
    let seeds: Vec<String> = (0..5)
        .flat_map(|_| ["42", "43", "44"])
        .map(String::from)
        .collect();
    assert_eq!(column(&rows, "seed"), seeds);
    let durations: Vec<String> = [86400, 60, 60, 43200, 60]
        .iter()
        .flat_map(|d| std::iter::repeat_n(d.to_string(), 3))
        .collect();
    assert_eq!(column(&rows, "duration_s"), durations);
    assert_eq!(
        column(&csv_rows(&two.join("variants.csv")), "duration_s.mean"),
        ["86400", "60", "60", "43200", "60"]
    );
    sweep_quickstart(&one, &[&flags[..], &["--jobs", "1"]].concat()).success();
    assert_eq!(result_files(&one), result_files(&two));
}

#[test]
fn every_sweep_of_a_scenario_has_the_same_columns_whatever_its_runs_met() {
    // A count that no run had (an error code, a scheduling failure reason) is a column of
    // zeros, and a measure no run had anything to measure with is an empty column: the header
    // depends on the scenario (its subnets) alone.
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    sweep_quickstart(&a, &["--vary", "policy.min_warm=0..1"]).success();
    sweep_quickstart(&b, &["--vary", "duration=1m", "--seeds", "2"]).success();
    let (ra, rb) = (
        csv_rows(&a.join("sweep.csv")),
        csv_rows(&b.join("sweep.csv")),
    );
    assert_eq!(ra[0][..2], ["variant", "policy.min_warm"]);
    assert_eq!(rb[0][..2], ["variant", "duration"]);
    assert_eq!(ra[0][2..], rb[0][2..]);
    assert_eq!(column(&ra, "api.errors.Timeout"), ["0", "0"]);
    assert_eq!(
        column(&ra, "pods.pending_at_end_by_reason.no_nodes"),
        ["0", "0"]
    );
    assert_eq!(column(&ra, "invariants.orphan_lived_s.p99"), ["", ""]);
    for name in [
        "subnets.subnet-a.peak_used_ips",
        "subnets.subnet-b.exhausted_s",
    ] {
        assert!(rb[0].iter().any(|h| h == name), "{name}");
    }
}

#[test]
fn merge_reads_shard_rows_in_run_order_and_refuses_a_shard_cut_short_or_out_of_order() {
    let tmp = tempfile::tempdir().unwrap();
    let flags = [
        "--vary",
        "policy.max_warm=1..3",
        "--seeds",
        "2",
        "--set",
        "duration=1m",
    ];
    let shards: Vec<_> = (1..=2)
        .map(|k| {
            let dir = tmp.path().join(format!("shard{k}"));
            sweep_quickstart(
                &dir,
                &[&flags[..], &["--shard", &format!("{k}/2")]].concat(),
            )
            .success();
            dir
        })
        .collect();
    let merge = |out: &str| {
        enisim()
            .args(["sweep", "merge", "--quiet"])
            .args(&shards)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
    };
    merge("whole").success();
    let rows = csv_rows(&tmp.path().join("whole/sweep.csv"));
    assert_eq!(column(&rows, "variant"), ["0", "0", "1", "1", "2", "2"]);
    // Shard 2 holds runs 1, 3 and 5: variant 0 seed 43, variant 1 seed 43, variant 2 seed 43.
    let csv = shards[1].join("sweep.csv");
    let text = fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    fs::write(&csv, format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2])).unwrap();
    merge("short")
        .code(2)
        .stderr(predicate::str::contains("bytes, the manifest says"));
    fs::write(
        &csv,
        format!("{}\n{}\n{}\n{}\n", lines[0], lines[2], lines[1], lines[3]),
    )
    .unwrap();
    merge("shuffled")
        .code(2)
        .stderr(predicate::str::contains("sweep.csv:3: variant 0 seed 43"));
    assert!(
        !tmp.path().join("shuffled").exists(),
        "nothing is left of it"
    );
}

/// One node, an empty pool, one pod arriving at 30m and living to the end (1h). With the
/// default latencies an ENI bound at t is ready at t + 3.2 s (see tests/pool_policy.rs).
/// - min_warm 0: the pod waits for its ENI: start-up 3.2 s; nothing idle: 0 ENI-hours.
/// - min_warm 1: one ENI idle from 3.2 s to 1800 s, then the refill idle from 1803.2 s to
///   3600 s: 3593.6 s = 0.998 h; start-up 0 (from the pool).
/// - min_warm 2: two idle from 3.2 s, one taken at 1800 s, the refill ready at 1803.2 s:
///   3593.6 + 3.2 + 3593.6 = 7190.4 s = 1.997 h; start-up 0.
const ONE_POD: &str = r#"
duration = "1h"
[policy]
max_warm = 2
[[subnets]]
id = "a"
zone = "z"
cidr = "10.0.0.0/24"
[[node_groups]]
name = "w"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 1
[[workloads]]
name = "web"
kind = "deployment"
replicas = 1
start = "30m"
"#;

#[test]
fn the_recommendation_is_the_cheapest_variant_meeting_every_target() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("one-pod.toml");
    fs::write(&scenario, ONE_POD).unwrap();
    let out = tmp.path().join("sw");
    enisim()
        .arg("sweep")
        .arg(&scenario)
        .args(["--vary", "policy.min_warm=0..2", "--seeds", "2"])
        .args(["--target", "startup_latency_s.p99<=1", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "recommended (least pool.idle_eni_hours meeting startup_latency_s.p99<=1 in every seed): min_warm=1",
        ))
        .stdout(predicate::str::contains("runner-up: min_warm=2"));
    let rows = csv_rows(&out.join("variants.csv"));
    assert_eq!(
        column(&rows, "pool.idle_eni_hours.mean"),
        ["0", "0.998", "1.997"]
    );
    assert_eq!(
        column(&rows, "startup_latency_s.p99.mean"),
        ["3.2", "0", "0"]
    );
    assert_eq!(column(&rows, "meets_targets"), ["false", "true", "true"]);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["recommendation"]["variant"], 1);
    assert_eq!(json["runner_up"]["variant"], 2);

    // Nothing meets both: exit 1, naming the closest miss. min_warm 0 misses the start-up by
    // (3.2 - 1) / 1 = 220%; min_warm 1 misses the cost by (0.998 - 0.5) / 0.5 = 99.6%;
    // min_warm 2 by 299.4%.
    enisim()
        .arg("sweep")
        .arg(&scenario)
        .args(["--vary", "policy.min_warm=0..2"])
        .args(["--target", "startup_latency_s.p99<=1"])
        .args(["--target", "pool.idle_eni_hours<=0.5", "--out"])
        .arg(tmp.path().join("none"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("no variant meets every target"))
        .stdout(predicate::str::contains("closest: min_warm=1"))
        .stdout(predicate::str::contains(
            "misses pool.idle_eni_hours<=0.5: worst seed 0.998, 99.6% off",
        ));
}

#[test]
fn variants_the_rules_refuse_are_skipped_and_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sw");
    enisim()
        .args(["sweep", QUICKSTART, "--vary", "policy.min_warm=1..2"])
        .args(["--vary", "policy.max_warm=1..2", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("4 variants (1 skipped)"))
        .stdout(predicate::str::contains("skipped min_warm=2,max_warm=1"));
    let rows = csv_rows(&out.join("variants.csv"));
    assert_eq!(column(&rows, "runs"), ["1", "1", "0", "1"]);
    assert!(column(&rows, "skipped")[2].contains("greater than max_warm"));
}

#[test]
fn a_sweep_table_in_the_scenario_is_the_default_study() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("study.toml");
    let text = format!(
        "{ONE_POD}\n[sweep]\nvary = [\"policy.min_warm=0..2\"]\nseeds = 1\ntargets = [\"startup_latency_s.p99<=1\"]\n"
    );
    fs::write(&scenario, text).unwrap();
    enisim()
        .arg("sweep")
        .arg(&scenario)
        .arg("--out")
        .arg(tmp.path().join("sw"))
        .assert()
        .success()
        .stdout(predicate::str::contains("): min_warm=1"));
    // `run` ignores the table.
    enisim()
        .arg("run")
        .arg(&scenario)
        .arg("--quiet")
        .arg("--out")
        .arg(tmp.path().join("r"))
        .assert()
        .success();
    // And a bad table entry is located in the file.
    fs::write(
        &scenario,
        format!("{ONE_POD}\n[sweep]\nvary = [\"policy.min_warm=4..0\"]\n"),
    )
    .unwrap();
    enisim()
        .arg("validate")
        .arg(&scenario)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("study.toml:21:9:"))
        .stderr(predicate::str::contains("the start is above the end"));
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let cases: [(&[&str], &str); 10] = [
        (
            &["--vary", "policy.min_warm=4..0"],
            "the start is above the end",
        ),
        (
            &["--vary", "policy.release_interval=0..60s/0s"],
            "the step must be above 0s",
        ),
        (&["--vary", "policy.bogus=1,2"], "bogus"),
        (&["--vary", "policy=1,2"], "only scalar keys"),
        (
            &[
                "--vary",
                "policy.min_warm=0..2",
                "--target",
                "startup_latency_s.p99<<5",
            ],
            "--target",
        ),
        (
            &[
                "--vary",
                "policy.min_warm=0..2",
                "--target",
                "startup.p99<=5",
            ],
            "unknown metric \"startup.p99\"",
        ),
        (
            &["--vary", "policy.min_warm=0..2", "--minimize", "cost"],
            "unknown metric \"cost\"",
        ),
        (
            &[
                "--vary",
                "policy.min_warm=0..999",
                "--vary",
                "policy.max_warm=0..999",
            ],
            "a sweep holds 1 to 100000 runs",
        ),
        (
            &["--vary", "policy.min_warm=0..2", "--shard", "4/3"],
            "--shard",
        ),
        (&["--vary", "policy.min_warm=x"], "policy.min_warm"),
    ];
    for (flags, expected) in cases {
        enisim()
            .args(["sweep", QUICKSTART, "--out", "/nonexistent/never-written"])
            .args(flags)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
    }
    enisim()
        .args(["sweep", QUICKSTART])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to sweep"));
}
