//! The scenario loader through the library's public API: values and defaults of valid files,
//! and the exact location and message of errors in invalid ones.

mod loader;
use enisim::engine::SimTime;
use enisim::policy::pool::ReleaseMode;
use enisim::scenario::model::{EventAction, LatencyModel, PolicyMode, WorkloadKind};
use enisim::scenario::{load, load_str};
use loader::{assert_at, err, err_with, ok};

const FULL: &str = r#"
name = "quickstart"
seed = 42
duration = "6h"
sample_interval = "5s"

[policy]
mode = "pool"
min_warm = 0
max_warm = 2
release = "quick"
release_interval = "1m"
eni_timeout = "30s"

[vpc.latency]
create = "200ms"
attach = { median = "2s", p99 = "8s" }

[[instance_types]]
name = "X9.LARGE8"
eni_pods = 12

[[subnets]]
id = "subnet-a"
zone = "ap-guangzhou-3"
cidr = "10.0.0.0/24"

[[subnets]]
id = "subnet-b"
zone = "ap-guangzhou-4"
cidr = "10.0.1.0/26"
reserved_ips = 5

[[node_groups]]
name = "workers"
instance_type = "S5.2XLARGE16"
zone = "ap-guangzhou-3"
count = 10
max_attach = 20
min_warm = 1
max_warm = 3

[[node_groups]]
name = "custom"
instance_type = "X9.LARGE8"
zone = "ap-guangzhou-6"
count = 0

[[workloads]]
name = "web"
kind = "deployment"
replicas = 20
scale = [ { at = "3h", replicas = 10 }, { at = "1h", replicas = 80 } ]

[[events]]
at = "3h"
action = "delete_nodes"
node_group = "workers"
count = 2

[[events]]
at = "4h"
action = "set_warm"
max_warm = 4
"#;

const MINIMAL: &str = "duration = \"1h\"\n";

#[test]
fn full_scenario_loads_with_its_values() {
    let s = ok(FULL, &[]);
    assert_eq!((s.name.as_str(), s.seed), ("quickstart", 42));
    assert_eq!(s.duration, SimTime::from_secs(6 * 3600));
    assert_eq!(s.sample_interval, SimTime::from_secs(5));
    let p = &s.policy;
    assert_eq!((p.mode, p.min_warm, p.max_warm), (PolicyMode::Pool, 0, 2));
    assert_eq!(p.release, ReleaseMode::Quick);
    assert_eq!(p.release_interval, SimTime::from_secs(60));
    assert_eq!(p.eni_timeout, SimTime::from_secs(30));
    let lat = s.vpc.latency;
    assert_eq!(lat.create, LatencyModel::Fixed(SimTime::from_millis(200)));
    let (median, p99) = (SimTime::from_secs(2), SimTime::from_secs(8));
    assert_eq!(lat.attach, LatencyModel::LogNormal { median, p99 });
    assert_eq!(lat.detach, LatencyModel::Fixed(SimTime::from_secs(1)));

    assert_eq!(s.subnets.len(), 2);
    assert_eq!(s.subnets[0].cidr.to_string(), "10.0.0.0/24");
    assert_eq!(
        (s.subnets[0].reserved_ips, s.subnets[1].reserved_ips),
        (3, 5)
    );

    let workers = &s.node_groups[0];
    assert_eq!(
        (workers.instance_type.cores, workers.instance_type.eni_pods),
        (8, 39)
    );
    assert_eq!(workers.max_attach, Some(20));
    assert_eq!((workers.min_warm, workers.max_warm), (Some(1), Some(3)));
    let custom = &s.node_groups[1];
    assert_eq!((custom.instance_type.eni_pods, custom.count), (12, 0));
    assert_eq!(
        custom.zone, "ap-guangzhou-6",
        "a zone without subnet is allowed"
    );

    let WorkloadKind::Deployment(spec) = &s.workloads[0].kind else {
        panic!("web is a deployment");
    };
    assert_eq!((spec.replicas, spec.start), (20, SimTime::ZERO));
    assert!(!spec.static_ip, "deployments have no static IP by default");
    let steps: Vec<(u64, u32)> = spec
        .scale
        .iter()
        .map(|st| (st.at.as_millis() / 3_600_000, st.replicas))
        .collect();
    assert_eq!(steps, [(1, 80), (3, 10)], "scale steps are sorted by time");

    assert_eq!(
        s.events[0].action,
        EventAction::DeleteNodes { group: 0, count: 2 }
    );
    let all_groups = EventAction::SetWarm {
        group: None,
        min_warm: None,
        max_warm: Some(4),
    };
    assert_eq!(s.events[1].action, all_groups);
}

#[test]
fn minimal_scenario_gets_the_documented_defaults() {
    let s = ok(MINIMAL, &[]);
    assert_eq!((s.name.as_str(), s.seed), ("stem", 1));
    assert_eq!(s.sample_interval, SimTime::from_secs(10));
    let p = &s.policy;
    assert_eq!(
        (p.mode, p.min_warm, p.max_warm, p.release),
        (PolicyMode::Pool, 1, 1, ReleaseMode::Slow)
    );
    assert_eq!(
        (p.release_interval, p.eni_timeout),
        (SimTime::from_secs(120), SimTime::from_secs(120))
    );
    let lat = s.vpc.latency;
    assert_eq!(lat.create, LatencyModel::Fixed(SimTime::from_millis(300)));
    assert_eq!(lat.attach, LatencyModel::Fixed(SimTime::from_secs(2)));
    assert_eq!(lat.detach, LatencyModel::Fixed(SimTime::from_secs(1)));
    assert_eq!(lat.delete, LatencyModel::Fixed(SimTime::from_millis(300)));
    assert!(
        s.subnets.is_empty()
            && s.node_groups.is_empty()
            && s.workloads.is_empty()
            && s.events.is_empty()
    );
}

#[test]
fn load_reads_files_and_names_the_scenario_after_the_stem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("burst.toml");
    std::fs::write(&path, MINIMAL).unwrap();
    assert_eq!(load(&path, &[]).unwrap().name, "burst");

    let missing = dir.path().join("nope.toml");
    let e = load(&missing, &[]).unwrap_err();
    assert_eq!(e.file, missing.display().to_string());
    assert_eq!(e.line, None);
    assert!(e.message.contains("cannot read scenario file"), "{e}");
}

#[test]
fn toml_syntax_error() {
    let e = err("duration = \"1h\"\n[policy\nmin_warm = 1\n");
    assert_at(&e, 2, 8, "invalid table header");
    assert!(!e.message.contains('\n'), "{e:?}");
}

#[test]
fn unknown_key_lists_the_valid_ones() {
    let e = err("duration = \"1h\"\n[policy]\nmin_wram = 1\n");
    assert_at(
        &e,
        3,
        1,
        "unknown field `min_wram`, expected one of `mode`, `min_warm`",
    );
}

#[test]
fn keys_of_later_versions_are_unknown_not_ignored() {
    let e = err("duration = \"1h\"\n[vpc]\nquota = 30\n");
    assert_at(&e, 3, 1, "unknown field `quota`");
}

#[test]
fn missing_required_key() {
    let e = err("seed = 1\n");
    assert!(e.message.contains("missing field `duration`"), "{e}");
}

#[test]
fn bad_duration_points_at_the_value() {
    let e = err("duration = \"1h\"\n[policy]\nrelease_interval = \"2 min\"\n");
    assert_at(&e, 3, 20, "unknown unit \"min\" in duration \"2 min\"");
}

#[test]
fn zero_durations_are_rejected() {
    let e = err("duration = \"0s\"\n");
    assert_at(&e, 1, 12, "duration must be greater than zero");
    let e = err("duration = \"1h\"\nsample_interval = \"0ms\"\n");
    assert_at(&e, 2, 19, "sample_interval must be greater than zero");
}

#[test]
fn bad_latency_forms() {
    let text = "duration = \"1h\"\n[vpc.latency]\nattach = { median = \"8s\", p99 = \"2s\" }\n";
    assert_at(&err(text), 3, 10, "must not be below the median");
    let text = "duration = \"1h\"\n[vpc.latency]\nattach = { median = \"8s\" }\n";
    assert_at(&err(text), 3, 10, "missing field `p99`");
    let text = "duration = \"1h\"\n[vpc.latency]\ndetach = 5\n";
    assert_at(&err(text), 3, 10, "expected a duration");
}

const SUBNET: &str = "duration = \"1h\"\n[[subnets]]\nid = \"a\"\nzone = \"z\"\n";

#[test]
fn bad_cidr_suggests_the_network_address() {
    let e = err(&format!("{SUBNET}cidr = \"10.0.0.1/24\"\n"));
    assert_at(&e, 5, 8, "did you mean \"10.0.0.0/24\"");
    let e = err(&format!("{SUBNET}cidr = \"10.0.0.0/30\"\n"));
    assert_at(&e, 5, 8, "between /8 and /29");
}

#[test]
fn overlapping_and_duplicate_subnets() {
    let two = format!("{SUBNET}cidr = \"10.0.0.0/16\"\n[[subnets]]\nid = \"b\"\nzone = \"z\"\ncidr = \"10.0.4.0/24\"\n");
    assert_at(
        &err(&two),
        9,
        8,
        "subnet \"b\" (10.0.4.0/24) overlaps subnet \"a\" (10.0.0.0/16)",
    );
    let dup = two
        .replace("id = \"b\"", "id = \"a\"")
        .replace("10.0.4.0/24", "10.1.0.0/24");
    assert_at(&err(&dup), 7, 6, "duplicate id \"a\"");
}

#[test]
fn reserved_ips_must_leave_a_usable_ip() {
    let e = err(&format!(
        "{SUBNET}cidr = \"10.0.0.0/29\"\nreserved_ips = 8\n"
    ));
    assert_at(&e, 6, 16, "leaves no usable IP");
}

const GROUP: &str = "duration = \"1h\"\n[[node_groups]]\nname = \"w\"\nzone = \"z\"\ncount = 1\n";

#[test]
fn unknown_instance_family_lists_the_supported_ones() {
    let e = err(&format!("{GROUP}instance_type = \"C5.LARGE8\"\n"));
    assert_at(&e, 6, 17, "instance family \"C5\"");
    assert!(e.message.contains("S5, SA2, IT5, SA3"), "{e}");
    let e = err(&format!("{GROUP}instance_type = \"S5.HUGE8\"\n"));
    assert_at(&e, 6, 17, "unknown size \"HUGE\"");
}

#[test]
fn zone_must_be_a_string() {
    let e = err("duration = \"1h\"\n[[node_groups]]\nname = \"w\"\nzone = 3\ncount = 1\ninstance_type = \"S5.LARGE8\"\n");
    assert_at(&e, 4, 8, "invalid type: integer `3`, expected a string");
}

#[test]
fn min_warm_above_max_warm_in_policy() {
    let e = err("duration = \"1h\"\n[policy]\nmax_warm = 1\nmin_warm = 4\n");
    assert_at(
        &e,
        4,
        12,
        "min_warm (4, from policy.min_warm) is greater than max_warm (1, from policy.max_warm)",
    );
}

#[test]
fn min_warm_above_max_warm_in_a_node_group() {
    let typed = format!("{GROUP}instance_type = \"S5.LARGE8\"\n");
    let e = err(&format!("{typed}min_warm = 3\nmax_warm = 2\n"));
    assert_at(
        &e,
        7,
        12,
        "node group \"w\": min_warm (3, from node_groups.0.min_warm)",
    );
    // The group's max_warm against the policy's min_warm: reported at the group's key.
    let text = typed.replace(
        "[[node_groups]]",
        "[policy]\nmin_warm = 2\nmax_warm = 5\n[[node_groups]]",
    );
    let e = err(&format!("{text}max_warm = 1\n"));
    assert_at(&e, 10, 12, "min_warm (2, from policy.min_warm) is greater than max_warm (1, from node_groups.0.max_warm)");
}

#[test]
fn duplicate_node_group_names() {
    let typed = format!("{GROUP}instance_type = \"S5.LARGE8\"\n");
    let e = err(&format!(
        "{typed}{}",
        typed.replace("duration = \"1h\"\n", "")
    ));
    assert_at(&e, 8, 8, "duplicate name \"w\" in [[node_groups]]");
}

const EVENT: &str = "duration = \"1h\"\n[[node_groups]]\nname = \"w\"\nzone = \"z\"\ncount = 1\ninstance_type = \"S5.LARGE8\"\n[[events]]\nat = \"10m\"\n";

#[test]
fn event_with_unknown_node_group_lists_the_groups() {
    let e = err(&format!(
        "{EVENT}action = \"add_nodes\"\nnode_group = \"x\"\ncount = 1\n"
    ));
    assert_at(&e, 10, 14, "unknown node group \"x\"");
    assert_eq!(e.hint.as_deref(), Some("node groups: \"w\""));
}

#[test]
fn event_actions_check_their_keys() {
    let e = err(&format!(
        "{EVENT}action = \"add_nodes\"\nnode_group = \"w\"\n"
    ));
    assert_at(&e, 7, 1, "action \"add_nodes\" needs \"count\"");
    let e = err(&format!(
        "{EVENT}action = \"set_max_attach\"\nnode_group = \"w\"\ncount = 1\n"
    ));
    assert_at(
        &e,
        11,
        9,
        "\"count\" does not apply to action \"set_max_attach\"",
    );
    let e = err(&format!("{EVENT}action = \"set_warm\"\n"));
    assert_at(&e, 7, 1, "needs \"min_warm\", \"max_warm\" or both");
    let e = err(&format!("{EVENT}action = \"drain_nodes\"\n"));
    assert_at(&e, 7, 1, "action \"drain_nodes\" needs \"node_group\"");
    let e = err(&format!(
        "{EVENT}action = \"drain_nodes\"\nnode_group = \"w\"\ncount = 1\ndetection = \"1m\"\n"
    ));
    assert_at(
        &e,
        12,
        13,
        "\"detection\" does not apply to action \"drain_nodes\"",
    );
    let e = err(&format!("{EVENT}action = \"explode_nodes\"\n"));
    assert_at(&e, 9, 10, "unknown event action \"explode_nodes\"");
    assert!(
        e.to_string().contains(
            "hint: supported: \"add_nodes\", \"delete_nodes\", \"drain_nodes\", \"crash_nodes\", \"set_max_attach\", \"set_warm\""
        ),
        "{e}"
    );
}

/// One node group "w" (1/1 unless `group` says otherwise) and `events`.
fn warm_events(group: &str, events: &str) -> String {
    format!("duration = \"1h\"\n[[node_groups]]\nname = \"w\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"z\"\ncount = 1\n{group}{events}")
}

#[test]
fn set_warm_that_leaves_min_above_max_is_refused_as_tke_does() {
    let e = err(&warm_events(
        "",
        "[[events]]\nat = \"10m\"\naction = \"set_warm\"\nnode_group = \"w\"\nmin_warm = 3\n",
    ));
    assert_at(
        &e,
        11,
        12,
        "set_warm at 600.000 s leaves node group \"w\" with min_warm 3 above max_warm 1",
    );
    assert!(e.hint.as_deref().unwrap_or("").contains("give both"));
    // Events apply in time order: max_warm = 5 at 5m comes before min_warm = 3 at 10m, even
    // though the file lists it second.
    let s = ok(
        &warm_events(
            "",
            "[[events]]\nat = \"10m\"\naction = \"set_warm\"\nmin_warm = 3\n\
             [[events]]\nat = \"5m\"\naction = \"set_warm\"\nnode_group = \"w\"\nmax_warm = 5\n",
        ),
        &[],
    );
    assert!(s.warnings.is_empty());
    // A max_warm lowered under the group's min_warm is refused at the max_warm key.
    let e = err(&warm_events(
        "min_warm = 2\nmax_warm = 4\n",
        "[[events]]\nat = \"10m\"\naction = \"set_warm\"\nmax_warm = 1\n",
    ));
    assert_at(&e, 12, 12, "min_warm 2 above max_warm 1");
}

#[test]
fn min_warm_0_loads_with_a_warning_wherever_it_is_used() {
    let zero = "TKE does not accept a pre-binding of 0";
    // The group overrides the policy's 0: only the group's own 0 and the event's are warned of.
    let s = ok(
        &warm_events(
            "min_warm = 0\n",
            "[policy]\nmin_warm = 0\n[[events]]\nat = \"1h\"\naction = \"set_warm\"\nmin_warm = 0\n",
        ),
        &[],
    );
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    assert!(s.warnings[0].starts_with("node group \"w\": min_warm = 0: "));
    assert!(s.warnings[1].starts_with("set_warm at 3600.000 s (events.0): min_warm = 0: "));
    assert!(s.warnings.iter().all(|w| w.contains(zero)));
    let s = ok(&warm_events("", ""), &["policy.min_warm=0"]);
    assert_eq!(s.warnings, [format!("policy.min_warm = 0: {zero} (its non-static IP mode always keeps at least one ENI bound above a node's pods); this run uses 0 as a what-if")]);
    assert!(ok(&warm_events("", ""), &[]).warnings.is_empty());
}

#[test]
fn event_actions_build_the_model() {
    let s = ok(
        &format!("{EVENT}action = \"set_max_attach\"\nnode_group = \"w\"\nmax_attach = 3\n"),
        &[],
    );
    assert_eq!(
        s.events[0].action,
        EventAction::SetMaxAttach {
            group: 0,
            max_attach: 3
        }
    );
    assert_eq!(s.events[0].at, SimTime::from_secs(600));
}

const WORKLOAD: &str = "duration = \"1h\"\n[[workloads]]\nname = \"web\"\n";

#[test]
fn unknown_workload_kind_and_keys_that_do_not_apply() {
    let e = err(&format!("{WORKLOAD}kind = \"cronjob\"\nreplicas = 3\n"));
    assert_at(&e, 4, 8, "unknown workload kind \"cronjob\"");
    assert_eq!(
        e.hint.as_deref(),
        Some("supported: \"deployment\", \"statefulset\", \"poisson\", \"burst\", \"trace\"")
    );
    // The kind is the problem, not the keys that belong to it.
    let e = err(&format!(
        "{WORKLOAD}kind = \"cronjob\"\nschedule = \"* * * * *\"\n"
    ));
    assert_at(&e, 4, 8, "unknown workload kind \"cronjob\"");
    let e = err(&format!(
        "{WORKLOAD}kind = \"poisson\"\narrivals_per_minute = 3.0\nlifetime = \"1m\"\nreplicas = 2\n"
    ));
    assert_at(
        &e,
        7,
        12,
        "\"replicas\" does not apply to workload kind \"poisson\"",
    );
    let e = err(&format!(
        "{WORKLOAD}kind = \"deployment\"\nreplicas = 1\nstatic_ip = \"yes\"\n"
    ));
    assert_at(&e, 6, 13, "expected a boolean");
}

#[test]
fn static_ips_exist_only_in_static_ip_mode() {
    // Pool mode (the default): static_ip = true is refused, whatever the kind.
    for kind in [
        "kind = \"statefulset\"\nreplicas = 3",
        "kind = \"burst\"\nbursts = [ { at = \"1m\", count = 1 } ]\nlifetime = \"1m\"",
    ] {
        let e = err(&format!("{WORKLOAD}{kind}\nstatic_ip = true\n"));
        let line = 4 + kind.lines().count();
        assert_at(&e, line, 13, "static_ip = true needs static IP mode");
        assert!(e
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("policy.mode = \"static\""));
    }
    // ... and a --set that turns a static-mode file with static IPs into pool mode is blamed.
    let static_file =
        "duration = \"1h\"\n[policy]\nmode = \"static\"\n[[workloads]]\nname = \"db\"\nkind = \"statefulset\"\nreplicas = 3\nstatic_ip = true\n";
    let e = err_with(static_file, &["policy.mode=pool"]);
    assert!(e.to_string().contains("--set policy.mode=pool"), "{e}");
    // A statefulset keeps its IPs by default in static mode only.
    let statefulset = |mode: &str| {
        let s = ok(
            &format!("duration = \"1h\"\n[policy]\nmode = \"{mode}\"\n[[workloads]]\nname = \"db\"\nkind = \"statefulset\"\nreplicas = 3\n"),
            &[],
        );
        s.workloads[0].kind.replicas().unwrap().static_ip
    };
    assert!(statefulset("static"));
    assert!(!statefulset("pool"));
}

#[test]
fn deployment_needs_replicas() {
    let e = err(&format!("{WORKLOAD}kind = \"deployment\"\n"));
    assert_at(&e, 2, 1, "deployment \"web\" needs \"replicas\"");
}

#[test]
fn unsupported_policy_mode_and_bad_release() {
    let e = err("duration = \"1h\"\npolicy.mode = \"dynamic\"\n");
    assert_at(&e, 2, 15, "unknown policy mode \"dynamic\"");
    assert_eq!(
        e.hint.as_deref(),
        Some("supported: \"pool\", \"static\", \"reclaim\", \"on_demand\", \"adaptive\"")
    );
    for short in ["3m", "5m"] {
        let e = err(&format!(
            "duration = \"1h\"\n[policy]\nstatic_ip_retention = \"{short}\"\n"
        ));
        assert_at(&e, 3, 23, &format!("\"{short}\" is not more than 5m"));
        assert!(e.hint.as_deref().unwrap_or("").contains("5m1s"));
    }
    let s = ok(
        "duration = \"1h\"\n[policy]\nmode = \"static\"\nstatic_ip_retention = \"5m1s\"\n",
        &[],
    );
    assert_eq!(s.policy.static_ip_retention, Some(SimTime::from_secs(301)));
    let e = err("duration = \"1h\"\n[policy]\nstatic_ip_retention = \"forever\"\n");
    assert_at(&e, 3, 23, "invalid duration \"forever\"");
    assert!(e.hint.as_deref().unwrap_or("").contains("never"));
    let s = ok(
        "duration = \"1h\"\n[policy]\nmode = \"static\"\nstatic_ip_retention = \"30m\"\n",
        &[],
    );
    assert_eq!(s.policy.mode, PolicyMode::Static);
    assert_eq!(s.policy.static_ip_retention, Some(SimTime::from_secs(1800)));
    let e = err("duration = \"1h\"\n[policy]\nrelease = \"fast\"\n");
    assert_at(&e, 3, 11, "unknown release mode \"fast\"");
}

#[test]
fn overrides_set_scalars() {
    let text = format!("{GROUP}instance_type = \"S5.LARGE8\"\n");
    let s = ok(
        &text,
        &[
            "policy.max_warm=3",
            "seed=7",
            "duration=2h",
            "node_groups[0].count=5",
            "node_groups.0.max_attach=4",
            "name=\"run\"",
        ],
    );
    assert_eq!(
        (s.policy.max_warm, s.seed, s.duration),
        (3, 7, SimTime::from_secs(7200))
    );
    assert_eq!(
        (s.node_groups[0].count, s.node_groups[0].max_attach),
        (5, Some(4))
    );
    assert_eq!(s.name, "run");
    // An override may also complete a file that lacks a required key.
    assert_eq!(
        ok("", &["duration=\"3h\""]).duration,
        SimTime::from_secs(3 * 3600)
    );
}

#[test]
fn a_long_override_is_recorded_whole_and_cut_only_in_errors() {
    let typed = format!("{GROUP}instance_type = \"S5.LARGE8\"\n");
    let name = "a-workload-group-name-long-enough-to-pass-sixty-characters-x";
    let arg = format!("node_groups.0.name={name}");
    assert!(arg.chars().count() > 60);
    let s = ok(&typed, &[&arg]);
    assert_eq!(s.node_groups[0].name, name);
    assert_eq!(s.overrides, vec![arg.clone()]);
    let bad = format!("{arg}-");
    let e = err_with(&typed, &[&bad]);
    assert_eq!(
        e.file,
        format!("--set {}... (80 characters)", &bad[..60]),
        "{e}"
    );
}

#[test]
fn bad_overrides_name_the_flag() {
    let typed = format!("{GROUP}instance_type = \"S5.LARGE8\"\n");
    let cases: [(&str, &str); 6] = [
        (
            "policy.max_warm=abc",
            "invalid type: string \"abc\", expected u32",
        ),
        ("policy.max_wram=3", "unknown field `max_wram`"),
        ("node_groups.2.count=1", "index 2 is out of range"),
        (
            "policy.min_warm=5",
            "min_warm (5, from policy.min_warm) is greater than max_warm",
        ),
        (
            "node_groups.0.instance_type=C5.LARGE8",
            "instance family \"C5\"",
        ),
        ("duration=0s", "duration must be greater than zero"),
    ];
    for (flag, needle) in cases {
        let e = err_with(&typed, &[flag]);
        assert_eq!(
            (e.file.clone(), e.line),
            (format!("--set {flag}"), None),
            "{e}"
        );
        assert!(e.message.contains(needle), "{flag}: {e}");
    }
}

#[test]
fn file_errors_still_point_at_the_file_with_overrides() {
    let e = err_with("duration = \"1h\"\nseed = \"x\"\n", &["policy.max_warm=3"]);
    assert_at(&e, 2, 8, "invalid type: string \"x\"");
}

#[test]
fn no_panic_on_damaged_files_or_odd_flags() {
    for (i, _) in FULL.char_indices() {
        let _ = load_str(&FULL[..i], "t.toml", "stem", &[]);
        let without_char: String = FULL
            .char_indices()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| c)
            .collect();
        let _ = load_str(&without_char, "t.toml", "stem", &[]);
    }
    let flags = [
        "",
        "=",
        "a.=1",
        ".a=1",
        "[0]=1",
        "a[]=1",
        "a[99999999999999999999]=1",
        "node_groups.0=1",
        "node_groups.0.name.x=1",
        "events[0][1]=2",
        "seed=1e400",
        "seed=-1",
        "policy=",
        "x=\"",
        "vpc.latency.attach.median=1s",
    ];
    for flag in flags {
        let _ = load_str(FULL, "t.toml", "stem", &[flag.to_string()]);
    }
}

#[test]
fn sizes_beyond_any_cluster_are_refused_before_they_exhaust_memory() {
    let e = err("duration = \"1h\"\n[[node_groups]]\nname = \"w\"\ninstance_type = \"S5.LARGE8\"\nzone = \"z\"\ncount = 4000000000\n");
    assert_at(
        &e,
        6,
        9,
        "node_groups.0.count = 4000000000 is more than the 100000",
    );
    let e = err(&format!("{WORKLOAD}kind = \"deployment\"\nreplicas = 1\nscale = [ {{ at = \"1m\", replicas = 99999999 }} ]\n"));
    assert!(e.message.contains("is more than the 10000000"), "{e}");
    assert_eq!(e.line, Some(6), "{e}");
    let e = err(&format!(
        "{WORKLOAD}kind = \"poisson\"\narrivals_per_minute = 1e9\nlifetime = \"1m\"\n"
    ));
    assert_at(&e, 5, 23, "is more than the 1000000");
}

#[test]
fn removing_more_nodes_than_a_group_has_is_a_warning() {
    let event = |at: &str, action: &str, count: u32| {
        format!("[[events]]\nat = \"{at}\"\naction = \"{action}\"\nnode_group = \"w\"\ncount = {count}\n")
    };
    // The group starts with 1 node: 2 drained at 10m (has 1: 0 left), 3 added at 20m (3),
    // 2 crashed at 30m (1 left), 2 deleted at 40m (has 1), 1 more at 50m (has none). Events
    // run in time order, whatever the file's order; an event after the end never runs.
    let events = [
        event("20m", "add_nodes", 3),
        event("10m", "drain_nodes", 2),
        event("30m", "crash_nodes", 2),
        event("40m", "delete_nodes", 2),
        event("2h", "delete_nodes", 9),
        event("50m", "drain_nodes", 1),
    ]
    .concat();
    let s = ok(&warm_events("", &events), &[]);
    assert_eq!(
        s.warnings,
        [
            "drain_nodes at 600.000 s (events.1) asks for 2 node(s) of node group \"w\", which \
             has 1 then; the run drains the 1 there are",
            "delete_nodes at 2400.000 s (events.3) asks for 2 node(s) of node group \"w\", \
             which has 1 then; the run deletes the 1 there are",
            "drain_nodes at 3000.000 s (events.5) asks for 1 node(s) of node group \"w\", which \
             has 0 then; the run drains none",
        ]
    );
    // Exactly the group's size is no warning.
    let s = ok(&warm_events("", &event("10m", "crash_nodes", 1)), &[]);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}
