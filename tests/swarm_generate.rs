//! `swarm --generate`: generated scenarios are valid, reproducible from the files written for
//! them, pass without a bug, and find (and shrink) a bookkeeping bug planted in the
//! simulator that the shipped scenarios do not reach.

use enisim::engine::time::parse_duration;
use enisim::engine::SimTime;
use enisim::report::rows::NullSink;
use enisim::scenario;
use enisim::sim::{self, PlantedBug, RunOptions};
use enisim::swarm::{self, Checks, SeedRun};
use std::collections::BTreeSet;
use std::path::Path;

/// Seeds the generated swarm in `.ci/run` runs; the tests below use fewer.
const CI_SEEDS: u64 = 5_000;

const CHECKED: RunOptions = RunOptions {
    check: true,
    progress: None,
};

/// Every invariant checked, with `bug` planted if given.
fn checks(bug: Option<PlantedBug>) -> Checks {
    Checks {
        overrides: Vec::new(),
        planted_bug: bug,
    }
}

fn planted() -> Checks {
    checks(Some(PlantedBug::KeptEniStaysBound))
}

fn runs(seeds: std::ops::RangeInclusive<u64>, scratch: &Path, checks: &Checks) -> Vec<SeedRun> {
    let seeds: Vec<u64> = seeds.collect();
    swarm::run_generated(&seeds, 2, scratch, checks, &|_| {}).expect("generated cases load")
}

/// Every key path of a TOML value, with array indices left out: what a case is made of.
fn shapes(value: &toml::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                shapes(v, &format!("{prefix}.{k}"), out);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| shapes(v, prefix, out)),
        toml::Value::String(s) => {
            out.insert(prefix.to_string());
            out.insert(format!("{prefix}={s}"));
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

#[test]
fn generated_cases_are_deterministic_and_cover_every_kind_action_and_mode() {
    assert_eq!(swarm::generate(7), swarm::generate(7));
    assert_ne!(swarm::generate(7), swarm::generate(8));
    let mut seen = BTreeSet::new();
    let (mut tiny_subnet, mut day_tail, mut sub_second_trace, mut empty_group) = (0, 0, 0, 0);
    for seed in 1..=200 {
        let case = swarm::generate(seed);
        shapes(&toml::Value::Table(case.doc.clone()), "", &mut seen);
        let text = case.toml_text("x");
        tiny_subnet += usize::from(text.contains("/29\""));
        empty_group += usize::from(text.contains("count = 0"));
        let latency = case.doc.get("vpc").and_then(|v| v.get("latency"));
        let tails = latency
            .and_then(toml::Value::as_table)
            .into_iter()
            .flatten();
        let longest = tails
            .filter_map(|(_, l)| parse_duration(l.get("p99")?.as_str()?).ok())
            .max();
        day_tail += usize::from(longest.is_some_and(|t| t >= SimTime::from_secs(6 * 3600)));
        for pods in case.traces.values() {
            let gap = pods
                .iter()
                .filter_map(|p| Some(p.deleted_ms? - p.created_ms))
                .min();
            sub_second_trace += usize::from(gap.is_some_and(|g| g < 1000));
        }
    }
    for kind in ["deployment", "statefulset", "poisson", "burst", "trace"] {
        assert!(seen.contains(&format!(".workloads.kind={kind}")), "{kind}");
    }
    for action in [
        "add_nodes",
        "delete_nodes",
        "drain_nodes",
        "crash_nodes",
        "set_max_attach",
        "set_warm",
    ] {
        assert!(
            seen.contains(&format!(".events.action={action}")),
            "{action}"
        );
    }
    for key in [
        ".policy.mode=pool",
        ".policy.mode=static",
        ".policy.mode=reclaim",
        ".policy.mode=on_demand",
        ".policy.mode=adaptive",
        ".policy.idle_reclaim_after",
        ".policy.cooldown",
        ".policy.window",
        ".node_groups.policy.mode=reclaim",
        ".node_groups.policy.mode=on_demand",
        ".node_groups.policy.mode=adaptive",
        ".policy.release=quick",
        ".policy.static_ip_retention",
        ".policy.retry.jitter",
        ".vpc.latency.attach.p99",
        ".vpc.latency.detach.max",
        ".vpc.faults.timeout",
        ".vpc.faults.create.code",
        ".vpc.outages.apis",
        ".vpc.eni_quota",
        ".vpc.rate_limit.attach",
        ".workloads.scale.at",
        ".workloads.restart",
        ".workloads.time_scale",
        ".workloads.diurnal.amplitude",
        ".node_groups.max_attach",
        ".instance_types.eni_pods",
        ".events.detection",
    ] {
        assert!(seen.contains(key), "no generated case has {key}");
    }
    for (what, n) in [
        ("a /29 subnet", tiny_subnet),
        ("a latency p99 of 6 hours or more", day_tail),
        ("a trace pod living under a second", sub_second_trace),
        ("a node group of 0 nodes", empty_group),
    ] {
        assert!(n >= 5, "only {n} of 200 cases have {what}");
    }
}

#[test]
fn generated_cases_load_and_run_the_same_from_their_files() {
    let scratch = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    for seed in 1..=60 {
        let case = swarm::generate(seed);
        let stem = swarm::stem(seed);
        let in_memory = case
            .load(scratch.path(), &stem, &[])
            .expect("a valid scenario");
        let effective = in_memory.effective.clone();
        let fingerprint = |sc| {
            sim::run_with(sc, &mut NullSink, CHECKED)
                .unwrap()
                .fingerprint
        };
        let expected = fingerprint(in_memory);
        // The file the swarm writes, its traces beside it, as `enisim run FILE` loads it.
        let file = case.write(out.path(), &stem, "# header\n").unwrap();
        let from_file = scenario::load(&file, &[]).expect("the written file loads");
        assert_eq!(
            fingerprint(from_file),
            expected,
            "seed {seed}: written file"
        );
        // The effective scenario a run writes beside its outputs (scenario.toml).
        let label = scratch.path().join("scenario.toml").display().to_string();
        let again = scenario::load_str(&effective, &label, "x", &[]).expect("it loads");
        assert_eq!(
            fingerprint(again),
            expected,
            "seed {seed}: effective scenario"
        );
        case.remove_traces(scratch.path(), &stem);
    }
}

#[test]
fn without_a_planted_bug_hundreds_of_generated_seeds_pass() {
    let scratch = tempfile::tempdir().unwrap();
    let runs = runs(1..=300, scratch.path(), &Checks::default());
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("seed {}: {:?}", r.seed, r.summary.invariants.details))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // Nothing of the cases' traces is left behind.
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}

#[test]
fn the_generated_swarm_finds_a_planted_bug_and_shrinks_it_to_a_smaller_reproducer() {
    let scratch = tempfile::tempdir().unwrap();
    let seeds = 1..=CI_SEEDS.min(300);
    let runs = runs(seeds, scratch.path(), &planted());
    let failing: Vec<&SeedRun> = runs.iter().filter(|r| !r.passed()).collect();
    assert!(!failing.is_empty(), "no seed found the planted bug");
    let first = failing[0];
    assert!(
        first.summary.invariants.details[0].contains("bound ENIs"),
        "{:?}",
        first.summary.invariants.details
    );

    let shrunk =
        swarm::shrink_failures(&failing, 1, 2, scratch.path(), &planted(), &|| {}).unwrap();
    let shrunk = &shrunk[&first.seed];
    let (before, after) = (swarm::generate(first.seed).size(), shrunk.case.size());
    assert!(after < before, "{after:?} is not smaller than {before:?}");
    assert_eq!(
        swarm::failure_kind(&shrunk.summary),
        swarm::failure_kind(&first.summary)
    );

    // Written out, both reproduce the failure the way `enisim run FILE --check` runs them.
    let out = tempfile::tempdir().unwrap();
    let reproducer = swarm::Reproducer {
        out: out.path(),
        overrides: &[],
    };
    let lines = reproducer.write(out.path(), first, Some(shrunk)).unwrap();
    let stem = swarm::stem(first.seed);
    for file in [format!("{stem}.toml"), format!("{stem}-shrunk.toml")] {
        let path = out.path().join(&file);
        let command = format!("enisim run {} --check", path.display());
        assert!(lines.contains(&format!("reproduce: {command}")), "{lines}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!("# Reproduce: {command}")), "{text}");
        let sc = scenario::load(&path, &[]).unwrap();
        let planted = Some(PlantedBug::KeptEniStaysBound);
        let summary = sim::run_with_bug(sc, &mut NullSink, CHECKED, planted).unwrap();
        assert_eq!(
            swarm::failure_kind(&summary),
            swarm::failure_kind(&first.summary),
            "{file}"
        );
        let clean = sim::run_with(scenario::load(&path, &[]).unwrap(), &mut NullSink, CHECKED);
        assert_eq!(
            clean.unwrap().invariants.violations,
            0,
            "{file} without the bug"
        );
    }
}

mod binary;
use binary::{enisim, result_files};

/// The hexadecimal fingerprint after "fingerprint" in `text` (the readable summary or JSON).
fn fingerprint_in(text: &str) -> String {
    let after = text.split("fingerprint").nth(1).expect("a fingerprint");
    after
        .trim_start_matches(|c: char| !c.is_ascii_hexdigit())
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

#[test]
fn the_command_writes_a_seeds_scenario_that_enisim_run_repeats() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gen");
    let o = enisim()
        .args([
            "swarm",
            "--generate",
            "--seeds",
            "30",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{text}");
    assert!(
        text.contains("swarm --generate: 30 seeds, 0 failed"),
        "{text}"
    );
    let files = result_files(&out);
    assert_eq!(files.len(), 1, "only the manifest when nothing failed");

    // A seed with a trace: its file and its trace are written, and `enisim run` repeats it.
    let seed = (1..)
        .find(|&s| !swarm::generate(s).traces.is_empty())
        .unwrap();
    let stem = swarm::stem(seed);
    let o = enisim()
        .args(["swarm", "--generate", "--seed", &seed.to_string(), "--out"])
        .arg(&out)
        .args(["--set", "vpc.faults.timeout=0.05"])
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{text}");
    let file = out.join(format!("{stem}.toml"));
    let command = format!(
        "enisim run {} --check --set vpc.faults.timeout=0.05",
        file.display()
    );
    assert!(text.contains(&format!("reproduce: {command}")), "{text}");
    let names: Vec<String> = result_files(&out).into_iter().map(|f| f.0).collect();
    assert!(names.contains(&format!("{stem}.toml")), "{names:?}");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with(&stem) && n.ends_with(".csv")),
        "{names:?}"
    );
    let run = enisim()
        .args([
            "run",
            "--check",
            "--json",
            "--set",
            "vpc.faults.timeout=0.05",
            "--out",
        ])
        .arg(tmp.path().join("run"))
        .arg(&file)
        .output()
        .unwrap();
    let json = String::from_utf8(run.stdout).unwrap();
    assert!(run.status.success(), "{json}");
    assert_eq!(fingerprint_in(&json), fingerprint_in(&text));
}

#[test]
fn the_two_forms_of_swarm_do_not_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o").display().to_string();
    let scenario = "scenarios/quickstart.toml";
    let mixed: [&[&str]; 4] = [
        &["swarm"],
        &["swarm", scenario, "--generate"],
        &["swarm", scenario, "--out", &out],
        &["swarm", scenario, "--shrink", "2"],
    ];
    for args in mixed {
        let o = enisim().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn a_run_that_panics_is_a_failing_seed_shrunk_to_what_makes_it_panic() {
    let scratch = tempfile::tempdir().unwrap();
    let checks = checks(Some(PlantedBug::PanicAtClusterEvent));
    let runs = runs(1..=8, scratch.path(), &checks);
    let failing: Vec<&SeedRun> = runs.iter().filter(|r| !r.passed()).collect();
    // Exactly the seeds whose case has an event within its run panic, and the swarm goes on.
    for r in &runs {
        let case = swarm::generate(r.seed);
        let duration = parse_duration(case.doc["duration"].as_str().unwrap()).unwrap();
        let events = case.doc.get("events").and_then(toml::Value::as_array);
        let within = events
            .into_iter()
            .flatten()
            .any(|e| parse_duration(e["at"].as_str().unwrap()).unwrap() <= duration);
        assert_eq!(r.passed(), !within, "seed {}", r.seed);
    }
    let first = failing.first().expect("a seed with an event");
    assert_eq!(
        first.summary.invariants.details,
        ["the run panicked: a planted bug"]
    );
    let shrunk = swarm::shrink_failures(&failing, 1, 1, scratch.path(), &checks, &|| {}).unwrap();
    let case = &shrunk[&first.seed].case;
    let events = case.doc["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{case:?}");
    assert!(case.doc.get("workloads").is_none(), "{case:?}");
}

#[test]
fn a_node_group_sum_that_misses_a_change_is_found_at_the_next_sample() {
    let scratch = tempfile::tempdir().unwrap();
    let with_bug = checks(Some(PlantedBug::LeavingPodStaysInGroupSums));
    let failing: Vec<SeedRun> = runs(1..=40, scratch.path(), &with_bug)
        .into_iter()
        .filter(|r| !r.passed())
        .collect();
    assert!(
        failing.len() >= 10,
        "{} of 40 seeds found it",
        failing.len()
    );
    for r in &failing {
        let first = &r.summary.invariants.details[0];
        assert!(
            first.contains("at the sample at") && first.contains("the node groups' kept sums"),
            "seed {}: {first}",
            r.seed
        );
    }
    let clean = checks(None);
    let seeds: Vec<u64> = failing.iter().map(|r| r.seed).collect();
    let reruns = swarm::run_generated(&seeds, 2, scratch.path(), &clean, &|_| {}).unwrap();
    assert!(
        reruns.iter().all(SeedRun::passed),
        "the same seeds pass without the bug"
    );
}
