//! `enisim compare` and `enisim baseline` through the binary: a run against itself, a
//! `max_warm` change judged under a tight and a loose budget with the figures computed by
//! hand, bad files located, seed statistics telling noise from a real change, sweeps
//! compared variant by variant, and the repository's baselines gate.

mod binary;
mod common;
use binary::{enisim, result_files};
use common::Cluster;
use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// One node, TKE's default pool (min_warm 1), three replicas from the start scaled to zero at
/// 30m, surplus released all at once ("quick") at the next 2-minute tick; one hour. With the
/// default latencies an ENI bound at t is ready at t + 3.2 s (see tests/pool_policy.rs).
/// - 0 s: 3 pods + min_warm 1 = 4 ENIs bound, ready at 3.2 s; one idle.
/// - 1800 s: the pods end, their ENIs go idle: 4 idle, P = 0.
/// - 1920 s (the next tick): released down to P + max_warm.
///
/// Idle ENI-seconds: 1 x (1800 - 3.2) + 4 x 120, then
/// - max_warm 1: + 1 x 1680 = 3956.8 s = 1.099 h;
/// - max_warm 3: + 3 x 1680 = 7316.8 s = 2.032 h.
///
/// So max_warm 1 -> 3 raises pool.idle_eni_hours by 0.933 (+84.9%).
fn scale_down() -> String {
    Cluster::new("1h")
        .policy("release = \"quick\"")
        .with("[[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 3\nscale = [ { at = \"30m\", replicas = 0 } ]\n")
}

/// Two nodes serving Poisson arrivals (2 a minute, exponential lifetimes of mean 3 minutes)
/// with a random attach latency: every seed draws its own arrivals and latencies.
fn bursty() -> String {
    Cluster::new("1h")
        .policy("max_warm = 2\n[vpc.latency]\nattach = { median = \"2s\", p99 = \"8s\" }")
        .nodes("S5.2XLARGE16", 2)
        .with("[[workloads]]\nname = \"jobs\"\nkind = \"poisson\"\narrivals_per_minute = 2\nlifetime = { mean = \"3m\" }\n")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Runs `scenario` into `out` with `--set` arguments.
fn run(scenario: &Path, out: &Path, sets: &[&str]) {
    let mut cmd = enisim();
    cmd.arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .arg("--quiet");
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.assert().success();
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

/// The JSON report's row for `metric` in the first case.
fn metric<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_run_compared_with_itself_is_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "scale.toml", &scale_down());
    let a = tmp.path().join("a");
    run(&scenario, &a, &[]);
    let fingerprint = json_of(&fs::read(a.join("summary.json")).unwrap())["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    enisim()
        .arg("compare")
        .arg(&a)
        .arg(a.join("summary.json"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "identical behaviour: same fingerprint {fingerprint}\n"
        )))
        .stdout(predicate::str::contains("every metric is the same"));
    let out = enisim()
        .arg("compare")
        .arg(&a)
        .arg(&a)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = json_of(&out.stdout);
    assert_eq!(report["verdict"], "identical");
    assert!(report["cases"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["verdict"] == "ok" && m["baseline"] == m["current"]));
    // A side that broke an invariant fails the comparison, whatever else holds.
    let summary = fs::read_to_string(a.join("summary.json")).unwrap();
    let broken = write(
        tmp.path(),
        "broken.json",
        &summary.replacen("\"violations\": 0", "\"violations\": 1", 1),
    );
    enisim()
        .arg("compare")
        .arg(&a)
        .arg(&broken)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "invariants broken: 0 in the baseline, 1 in the current runs",
        ));
}

#[test]
fn max_warm_moves_idle_eni_hours_as_computed_and_the_budget_decides() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "scale.toml", &scale_down());
    let (one, three) = (tmp.path().join("mw1"), tmp.path().join("mw3"));
    run(&scenario, &one, &["policy.max_warm=1"]);
    run(&scenario, &three, &["policy.max_warm=3"]);
    let tight = write(
        tmp.path(),
        "tight.toml",
        "\"pool.idle_eni_hours\" = { max_increase = \"10%\" }\n",
    );
    let loose = write(
        tmp.path(),
        "loose.toml",
        "\"pool.idle_eni_hours\" = { max_increase = \"100%\" }\n",
    );
    let compare = |budget: &Path, format: &str| {
        enisim()
            .arg("compare")
            .arg(&one)
            .arg(&three)
            .arg("--budget")
            .arg(budget)
            .args(["--format", format])
            .output()
            .unwrap()
    };
    // Tight: +84.9% against 10% of 1.099 = 0.11 allowed.
    let out = compare(&tight, "json");
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out.stdout);
    assert_eq!(report["verdict"], "regressed");
    let idle = metric(&report, "pool.idle_eni_hours");
    assert_eq!(idle["baseline"], 1.099);
    assert_eq!(idle["current"], 2.032);
    assert!((idle["change"].as_f64().unwrap() - 0.933).abs() < 1e-9);
    assert!((idle["relative_change"].as_f64().unwrap() - 0.933 / 1.099).abs() < 1e-9);
    assert_eq!(idle["verdict"], "regressed");
    assert_eq!(idle["budget"], "+10%");
    assert_eq!(idle["note"], "rose 0.933 (+84.9%), budget allows +0.1099");
    // Fewer ENIs released: one (4 idle down to 3) instead of three.
    assert_eq!(metric(&report, "release.count")["baseline"], 3.0);
    assert_eq!(metric(&report, "release.count")["current"], 1.0);
    let text = compare(&tight, "text");
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("REGRESSED: 1 metric over budget\n"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("pool.idle_eni_hours"))
        .unwrap();
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "pool.idle_eni_hours",
            "1.099",
            "2.032",
            "+0.933",
            "+84.9%",
            "+10%",
            "regressed"
        ]
    );
    // Loose: 100% of 1.099 allows the rise; it is a change, not a regression.
    let out = compare(&loose, "json");
    assert_eq!(out.status.code(), Some(0));
    let report = json_of(&out.stdout);
    assert_eq!(report["verdict"], "no_regression");
    assert_eq!(metric(&report, "pool.idle_eni_hours")["verdict"], "changed");

    // The PR comment: the verdict, the changed metrics, the series that moved.
    let out = tmp.path().join("cmp");
    let md = enisim()
        .arg("compare")
        .arg(&one)
        .arg(&three)
        .arg("--budget")
        .arg(&tight)
        .args(["--format", "markdown", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(md.status.code(), Some(1));
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.starts_with("### ❌ enisim: REGRESSED: 1 metric over budget\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "| `pool.idle_eni_hours` | 1.099 | 2.032 | +0.933 (+84.9%) | +10% | ❌ **regressed**"
        ),
        "{md}"
    );
    assert!(md.contains("<details><summary>"), "{md}");
    assert!(md.contains("| Idle ENIs in pools |"), "{md}");
    assert!(
        !md.contains("| Pods pending (not placed) |"),
        "no pod is ever pending: {md}"
    );
    // compare.html: both runs overlaid on each chart, and both latency CDFs.
    let files = result_files(&out);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "compare.html",
            "compare.json",
            "compare.md",
            "enisim-run.json"
        ]
    );
    let html = fs::read_to_string(out.join("compare.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 6);
    for title in [
        "Pods pending (not placed)",
        "Idle ENIs in pools",
        "ENIs bound to nodes",
        "VPC API calls per sample interval",
        "Free subnet addresses",
        "Start-up latency: share of started pods ready within x",
    ] {
        assert!(html.contains(title), "{title}");
    }
    // The legends name both runs and their started pods; nothing is fetched.
    assert!(html.contains("mw1 (3 pods)") && html.contains("mw3 (3 pods)"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http"));
}

#[test]
fn bad_files_and_budgets_exit_2_with_their_location() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "scale.toml", &scale_down());
    let a = tmp.path().join("a");
    run(&scenario, &a, &[]);
    let summary = fs::read_to_string(a.join("summary.json")).unwrap();
    let bad = |name: &str, text: &str, expected: &str| {
        let file = write(tmp.path(), name, text);
        enisim()
            .arg("compare")
            .arg(&a)
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{}{expected}",
                file.display()
            )));
    };
    // Cut short: the JSON parser's own location.
    let lines = summary.lines().count();
    let cut = &summary[..summary.len() - 3];
    bad("cut.json", cut, &format!(":{}:", lines - 1));
    // A figure that is not a number, at its value.
    let line = summary
        .lines()
        .position(|l| l.contains("\"idle_eni_hours\""))
        .unwrap()
        + 1;
    // The cluster's figure only (its node group's, further down, stays a number).
    let text = summary.replacen(
        "\"idle_eni_hours\": 1.099",
        "\"idle_eni_hours\": \"1.099\"",
        1,
    );
    bad(
        "string.json",
        &text,
        &format!(":{line}:23: pool.idle_eni_hours is \"1.099\": a figure is a number"),
    );
    // Not a summary at all.
    bad("other.json", "{\"a\": 1}\n", ":1:1: not an enisim summary");
    // Mismatched: another duration, located at it.
    let line = summary
        .lines()
        .position(|l| l.contains("\"duration_s\""))
        .unwrap()
        + 1;
    let text = summary.replace("\"duration_s\": 3600.0", "\"duration_s\": 7200.0");
    bad(
        "longer.json",
        &text,
        &format!(":{line}:17: 7200 s of virtual time, but"),
    );
    // Another scenario.
    let line = summary
        .lines()
        .position(|l| l.contains("\"scenario\""))
        .unwrap()
        + 1;
    bad(
        "renamed.json",
        &summary.replace("\"scenario\": \"scale\"", "\"scenario\": \"other\""),
        &format!(":{line}:15: scenario \"other\", but"),
    );
    // A figure with nothing to measure (null) is "none": a change, not an error.
    let p99 = json_of(summary.as_bytes())["startup_latency_s"]["p99"].clone();
    let nulled = write(
        tmp.path(),
        "nulled.json",
        &summary.replacen(&format!("\"p99\": {p99}"), "\"p99\": null", 1),
    );
    enisim()
        .arg("compare")
        .arg(&a)
        .arg(&nulled)
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(format!(
                r"startup_latency_s\.p99 +{} +none +\+10% \(slack 0\.5\) +changed",
                p99.to_string().replace('.', r"\.")
            ))
            .unwrap(),
        )
        .stdout(predicate::str::contains(
            "changed startup_latency_s.p99: max_increase not applied: the current side measured nothing (none)",
        ));
    // Budgets: an unknown metric, a malformed entry, bad TOML.
    let budget = |name: &str, text: &str, expected: &str| {
        let file = write(tmp.path(), name, text);
        enisim()
            .arg("compare")
            .arg(&a)
            .arg(&a)
            .arg("--budget")
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{}{expected}",
                file.display()
            )));
    };
    budget(
        "unknown.toml",
        "\"pool.idle_eni_hours\" = { max = 3 }\n\"pool.idle_hours\" = { max = 3 }\n",
        ":2:1: unknown metric \"pool.idle_hours\"",
    );
    budget(
        "percent.toml",
        "\"api.throttled\" = { max_increase = \"lots\" }\n",
        ":1:36: max_increase is a percentage of the baseline",
    );
    budget("syntax.toml", "\"api.throttled\" = {\n", ":1:");
    // Folders that are neither results nor sweeps, and a run against a sweep.
    enisim()
        .arg("compare")
        .arg(&a)
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("neither a run folder"));
}

/// `compare --seeds 12 BURSTY` with `args`, as JSON.
fn seeded(dir: &Path, args: &[&str], budget: Option<&Path>) -> (i32, Value) {
    let scenario = write(dir, "bursty.toml", &bursty());
    let mut cmd = enisim();
    cmd.arg("compare")
        .args(["--seeds", "12", "--format", "json"])
        .arg(&scenario)
        .args(args);
    if let Some(b) = budget {
        cmd.arg("--budget").arg(b);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap(), json_of(&out.stdout))
}

#[test]
fn seed_statistics_tell_noise_from_a_real_change() {
    let tmp = tempfile::tempdir().unwrap();
    // The same setting under seeds 1..12 and 1001..1012: noise only.
    let (code, report) = seeded(
        tmp.path(),
        &["--baseline-set", "seed=1", "--current-set", "seed=1001"],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(
        report["summary"],
        "no regression: no metric changed beyond seed noise"
    );
    let case = &report["cases"][0];
    assert_eq!(case["seeds"], 12);
    assert_eq!(case["baseline_runs"][0]["seed"], 1);
    assert_eq!(case["current_runs"][11]["seed"], 1012);
    let idle = metric(&report, "pool.idle_eni_hours");
    assert_eq!(idle["verdict"], "ok");
    assert_eq!(idle["seeds"]["pairs"], 12);
    let ci = idle["seeds"]["ci95"].as_array().unwrap();
    assert!(
        ci[0].as_f64().unwrap() < 0.0 && ci[1].as_f64().unwrap() > 0.0,
        "{ci:?}"
    );

    // min_warm 0 -> 2 on the same seeds: a real change, each metric the way it must go.
    let latency_only = write(
        tmp.path(),
        "latency.toml",
        "\"startup_latency_s.p99\" = { max_increase = \"10%\", slack = 0.5 }\n",
    );
    let warm = [
        "--baseline-set",
        "policy.min_warm=0",
        "--current-set",
        "policy.min_warm=2",
    ];
    let (code, report) = seeded(tmp.path(), &warm, Some(&latency_only));
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["verdict"], "no_regression");
    let idle = metric(&report, "pool.idle_eni_hours");
    assert_eq!(idle["verdict"], "changed", "{idle}");
    let low = idle["seeds"]["ci95"][0].as_f64().unwrap();
    assert!(
        low > 0.0 && idle["seeds"]["wilcoxon_p"].as_f64().unwrap() < 0.001,
        "{idle}"
    );
    let p99 = metric(&report, "startup_latency_s.p99");
    assert_eq!(p99["verdict"], "improved", "{p99}");
    assert!(p99["seeds"]["ci95"][1].as_f64().unwrap() < 0.0, "{p99}");
    assert_eq!(metric(&report, "pool.hit_rate")["verdict"], "improved");
    assert_eq!(metric(&report, "pods.created")["verdict"], "ok");
    // Under the built-in budget the extra idle ENIs break +5% (slack 1) with confidence.
    let (code, report) = seeded(tmp.path(), &warm, None);
    assert_eq!(code, 1);
    let idle = metric(&report, "pool.idle_eni_hours");
    assert_eq!(idle["verdict"], "regressed");
    assert!(idle["note"]
        .as_str()
        .unwrap()
        .ends_with("with 95% confidence"));
    // Text: how many seeds, which, and the interval.
    let scenario = tmp.path().join("bursty.toml");
    enisim()
        .arg("compare")
        .args(["--seeds", "12"])
        .arg(&scenario)
        .args(warm)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "12 seeds a side, paired by position (baseline seeds 1..12, current seeds 1..12)",
        ))
        .stdout(predicate::str::contains("95% interval"));
    // Both sides the same setting is refused.
    enisim()
        .arg("compare")
        .args(["--seeds", "3"])
        .arg(&scenario)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "both sides would be the same setting",
        ));
}

#[test]
fn sweeps_compare_variant_by_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "scale.toml", &scale_down());
    let sweep = |out: &Path, release: &str| {
        enisim()
            .arg("sweep")
            .arg(&scenario)
            .args(["--vary", "policy.max_warm=1,3", "--quiet", "--set"])
            .arg(format!("policy.release={release}"))
            .arg("--out")
            .arg(out)
            .assert()
            .success();
    };
    let (quick, slow) = (tmp.path().join("quick"), tmp.path().join("slow"));
    sweep(&quick, "quick");
    sweep(&slow, "slow");
    // Slow release frees one ENI per tick: with max_warm 1 the 3 surplus go at 1920, 2040 and
    // 2160 s instead of all at 1920, 120 + 240 s more idle = +0.1 h; with max_warm 3 the one
    // surplus goes at 1920 s either way.
    let out = enisim()
        .arg("compare")
        .arg(&quick)
        .arg(&slow)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = json_of(&out.stdout);
    let cases = report["cases"].as_array().unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["max_warm=1", "max_warm=3"]);
    let idle = |case: &Value| {
        case["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == "pool.idle_eni_hours")
            .unwrap()
            .clone()
    };
    assert_eq!(idle(&cases[0])["baseline"], 1.099);
    assert_eq!(idle(&cases[0])["current"], 1.199);
    assert_eq!(cases[1]["identical"], true);
    // A sweep against a run is refused.
    let one = tmp.path().join("one");
    run(&scenario, &one, &[]);
    enisim()
        .arg("compare")
        .arg(&quick)
        .arg(&one)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a sweep"))
        .stderr(predicate::str::contains(
            "compare a run with a run, a sweep with a sweep",
        ));
}

/// The repository's scenarios and baselines, copied for a test to change.
fn copy_repo_folders(to: &Path, stems: &[&str]) {
    fs::create_dir_all(to.join("scenarios")).unwrap();
    fs::create_dir_all(to.join("baselines")).unwrap();
    for stem in stems {
        let toml = format!("{stem}.toml");
        fs::copy(
            Path::new("scenarios").join(&toml),
            to.join("scenarios").join(&toml),
        )
        .unwrap();
        let json = format!("{stem}.json");
        fs::copy(
            Path::new("baselines").join(&json),
            to.join("baselines").join(&json),
        )
        .unwrap();
    }
    for file in ["budget.toml", "enisim-run.json"] {
        fs::copy(
            Path::new("baselines").join(file),
            to.join("baselines").join(file),
        )
        .unwrap();
    }
}

#[test]
fn baseline_check_passes_on_the_repository_and_fails_after_a_behaviour_change() {
    // Every shipped scenario against its baseline: the repository as committed.
    let scenarios = fs::read_dir("scenarios")
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("toml".as_ref()))
        .count();
    enisim()
        .args(["baseline", "check", "--quiet"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "identical behaviour: all {scenarios} cases have their baseline's fingerprints",
        )));
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_repo_folders(root, &["quickstart", "tuning"]);
    let check = || {
        let mut cmd = enisim();
        cmd.current_dir(root).args(["baseline", "check", "--quiet"]);
        cmd
    };
    check().assert().success();
    // A behaviour change: quickstart's pools keep up to 4 idle ENIs instead of 1.
    let path = root.join("scenarios/quickstart.toml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("min_warm = 1\nmax_warm = 1\n"));
    fs::write(&path, text.replacen("max_warm = 1\n", "max_warm = 4\n", 1)).unwrap();
    check()
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "REGRESSED in 1 case of 2: 1 metric over budget",
        ))
        .stdout(predicate::str::contains(
            "== quickstart\nbehaviour changed: fingerprint",
        ))
        .stdout(predicate::str::contains("== tuning: identical behaviour"))
        .stdout(
            predicate::str::is_match(
                r"regressed pool\.idle_eni_hours: rose [0-9.]+ \(\+[0-9.]+%\), budget allows",
            )
            .unwrap(),
        );
    // Updating the baselines says which fingerprint changed; then the check passes again.
    let old = json_of(&fs::read(root.join("baselines/quickstart.json")).unwrap())["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    enisim()
        .current_dir(root)
        .args(["baseline", "update", "--quiet"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "quickstart: fingerprint changed {old} -> "
        )))
        .stdout(predicate::str::contains("tuning: unchanged"))
        .stdout(predicate::str::contains(
            "2 baselines written to baselines: 1 with a new fingerprint",
        ));
    check().assert().success();
    assert!(
        root.join("baselines/budget.toml").is_file(),
        "the budget stays"
    );
    // A scenario without a baseline is bad input, naming the command that makes one.
    fs::copy(
        "scenarios/mixed-zones.toml",
        root.join("scenarios/mixed-zones.toml"),
    )
    .unwrap();
    check()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no baseline"))
        .stderr(predicate::str::contains("enisim baseline update"));
    // Against another branch's baselines a new scenario is listed, not refused.
    check()
        .arg("--allow-missing")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "mixed-zones: no baseline (a new scenario?): not compared",
        ));
}
