//! The policy families beyond TKE's two modes, end to end on small scenarios computed by
//! hand, a canary node group against single-policy runs, and their input errors. Latencies
//! are the defaults: an ENI bound at t is ready at t + 3.2 s (create 0.3 s, learned at the
//! poll at t + 1.1; attach to t + 3.1, learned at t + 3.2); a detach takes 1 s.

mod common;
use common::{ms, run, s, Cluster};
use enisim::scenario::load_str;
use enisim::sim::RunOptions;

/// One pod of "web" at a time: up at 0 s, down at `down1`, up at `up2`, down at `down2`, up
/// at `up3`.
fn one_pod_on_and_off(down1: u64, up2: u64, down2: u64, up3: u64) -> String {
    format!(
        r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 1
scale = [ {{ at = "{down1}s", replicas = 0 }}, {{ at = "{up2}s", replicas = 1 }},
          {{ at = "{down2}s", replicas = 0 }}, {{ at = "{up3}s", replicas = 1 }} ]
"#
    )
}

#[test]
fn on_demand_a_pod_within_the_cooldown_reuses_the_eni_and_one_after_it_gets_a_new_one() {
    let toml = Cluster::new("10m")
        .policy("mode = \"on_demand\"\ncooldown = \"60s\"")
        .with(&one_pod_on_and_off(60, 90, 120, 300));
    let (sum, rec) = run(&toml);
    let pods: Vec<_> = rec.pods.iter().filter(|p| p.ready.is_some()).collect();
    assert_eq!(pods.len(), 3, "{pods:?}");
    // No warm ENI: the first pod waits for its own.
    assert_eq!((pods[0].ready, pods[0].from_pool), (Some(ms(3_200)), false));
    // 90 s: 30 s into the cooldown of the first pod's ENI: it takes it at once.
    assert_eq!((pods[1].ready, pods[1].from_pool), (Some(s(90)), true));
    // 300 s: that ENI was released at 120 + 60 = 180 s; a new one is created.
    assert_eq!(
        (pods[2].ready, pods[2].from_pool),
        (Some(ms(303_200)), false)
    );
    assert_eq!(sum.churn.enis_created, 2);
    assert_eq!(sum.release.count, 1);
    let released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    assert_eq!(
        released,
        [s(180)],
        "the first ENI, at the end of its cooldown"
    );
    // Idle: 60..90 s and 120..180 s.
    assert_eq!(
        sum.pool.idle_eni_hours,
        (90.0f64 / 3600.0 * 1e3).round() / 1e3
    );
    assert_eq!(rec.at(150).enis_idle, 1);
    assert_eq!(rec.at(200).enis_idle, 0);
}

#[test]
fn reclaim_an_eni_idle_less_than_idle_reclaim_after_stays_and_batches_go_every_interval() {
    let policy = r#"mode = "reclaim"
min_pool_size = 0
max_pool_size = 5
idle_reclaim_after = "5m"
idle_reclaim_interval = "1m"
idle_reclaim_batch = 2
idle_reclaim_jitter = 0"#;
    let rest = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 5
scale = [ { at = "60s", replicas = 0 }, { at = "200s", replicas = 1 }, { at = "230s", replicas = 0 } ]
"#;
    let (sum, rec) = run(&Cluster::new("20m").policy(policy).with(rest));
    // 5 ENIs idle from 60 s. At 200 s a pod takes the freshest and gives it back at 230 s.
    // The four idle since 60 s are reclaimable from 360 s: armed then, 2 go at 420 s, 2 at
    // 480 s. The one idle since 230 s is reclaimable at 530 s: armed, it goes at 590 s.
    let mut released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    released.sort();
    assert_eq!(released, [s(420), s(420), s(480), s(480), s(590)]);
    assert_eq!(sum.release.count, 5);
    assert_eq!(sum.churn.enis_created, 5);
    assert_eq!(rec.at(410).enis_idle, 5);
    assert_eq!(rec.at(600).enis_idle, 0);
}

#[test]
fn reclaim_keeps_min_pool_size_idle() {
    let policy = "mode = \"reclaim\"\nmin_pool_size = 2\nidle_reclaim_after = \"1m\"\n\
                  idle_reclaim_interval = \"1m\"\nidle_reclaim_jitter = 0";
    let rest = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 6
scale = [ { at = "60s", replicas = 0 } ]
"#;
    let (sum, rec) = run(&Cluster::new("30m").policy(policy).with(rest));
    // 8 bound at first (6 pods + 2); 8 idle at 60 s, 3 above max_pool_size 5 go at once;
    // the other 3 above the floor go in one batch of up to 5 at 60 + 60 + 60 = 180 s.
    assert_eq!(sum.churn.enis_created, 8);
    let mut released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    released.sort();
    assert_eq!(released, [s(60), s(60), s(60), s(180), s(180), s(180)]);
    assert_eq!(rec.at(1_700).enis_idle, 2);
}

/// Two node groups of 2 nodes in one zone, each with its own policy, under Poisson load.
fn two_groups(cluster_policy: &str, w_table: &str, canary_table: &str) -> String {
    Cluster::new("2h")
        .subnet("a", "z", "10.0.0.0/22")
        .nodes("S5.2XLARGE16", 2)
        .policy(cluster_policy)
        .with(&format!(
            r#"{w_table}
[[node_groups]]
name = "canary"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 2
{canary_table}
[[workloads]]
name = "jobs"
kind = "poisson"
arrivals_per_minute = 6
lifetime = {{ mean = "5m" }}
"#
        ))
}

#[test]
fn a_mixed_policy_cluster_matches_single_policy_runs_group_by_group() {
    // No jitter: with it, a policy shared by both groups (the all-reclaim run) draws for
    // both from one stream, where the canary's own policy draws from its own.
    let reclaim = "mode = \"reclaim\"\nmin_pool_size = 1\nmax_pool_size = 3\n\
                   idle_reclaim_after = \"2m\"\nidle_reclaim_interval = \"1m\"\n\
                   idle_reclaim_jitter = 0";
    let canary = format!("[node_groups.policy]\n{reclaim}");
    let (mixed, _) = run(&two_groups("min_warm = 1\nmax_warm = 2", "", &canary));
    let (all_pool, _) = run(&two_groups("min_warm = 1\nmax_warm = 2", "", ""));
    let (all_reclaim, _) = run(&two_groups(reclaim, "", ""));
    let w = &mixed.node_groups["w"];
    let c = &mixed.node_groups["canary"];
    assert_eq!((w.policy.as_str(), c.policy.as_str()), ("pool", "reclaim"));
    let figures = |g: &enisim::report::summary::GroupSummary| {
        serde_json::to_value((
            &g.pods_started,
            &g.startup_latency_s,
            &g.pool,
            &g.churn,
            &g.releases,
        ))
        .unwrap()
    };
    assert!(
        w.pods_started > 50 && c.pods_started > 50,
        "both groups ran pods"
    );
    assert_eq!(figures(w), figures(&all_pool.node_groups["w"]));
    assert_eq!(figures(c), figures(&all_reclaim.node_groups["canary"]));
    // And the groups' shares add up to the cluster's figures.
    assert_eq!(w.pods_started + c.pods_started, mixed.pods.started);
    assert_eq!(
        w.churn.enis_created + c.churn.enis_created,
        mixed.churn.enis_created
    );
    let hours = w.pool.idle_eni_hours + c.pool.idle_eni_hours;
    assert!((hours - mixed.pool.idle_eni_hours).abs() < 0.002, "{hours}");
    // The printed summary gives a line per group when their families differ, none otherwise.
    let text = |s| enisim::report::human::render(s, std::time::Duration::ZERO, "out");
    let printed = text(&mixed);
    let line = |name: &str, g: &enisim::report::summary::GroupSummary| {
        format!(
            "  group {name} ({}): started {}  ",
            g.policy, g.pods_started
        )
    };
    assert!(printed.contains(&line("w", w)), "{printed}");
    assert!(printed.contains(&line("canary", c)), "{printed}");
    assert!(!text(&all_pool).contains("  group "));
}

#[test]
fn every_family_keeps_the_invariants_under_a_checked_run() {
    let text = std::fs::read_to_string("scenarios/quickstart.toml").unwrap();
    for mode in ["pool", "static", "reclaim", "on_demand", "adaptive"] {
        let mode_flag = format!("policy.mode={mode}");
        let mut flags = vec![mode_flag.as_str(), "duration=1h"];
        if mode == "reclaim" {
            flags.push("policy.idle_reclaim_after=3m");
        }
        let sc = load_str(
            &text,
            "quickstart.toml",
            "quickstart",
            &flags.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|e| panic!("{mode}: {e}"));
        let summary = enisim::sim::run_with(
            sc,
            &mut enisim::report::rows::NullSink,
            RunOptions {
                check: true,
                ..RunOptions::default()
            },
        )
        .unwrap();
        assert_eq!(
            (
                summary.invariants.violations,
                summary.invariants.leaked_enis
            ),
            (0, 0),
            "{mode}: {:?}",
            summary.invariants.details
        );
        assert!(summary.pods.started > 0, "{mode}");
    }
}

fn load_err(toml: &str, flags: &[&str]) -> enisim::error::InputError {
    let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    load_str(toml, "t.toml", "t", &flags).expect_err("refused")
}

#[test]
fn a_key_of_another_mode_is_refused_at_its_line_with_the_keys_of_this_mode() {
    let e = load_err(
        "duration = \"1h\"\n[policy]\nmode = \"pool\"\nidle_reclaim_after = \"5m\"\n",
        &[],
    );
    assert_eq!((e.line, e.column), (Some(4), Some(1)), "{e}");
    assert!(
        e.message.contains(
            "\"idle_reclaim_after\" is a key of policy mode \"reclaim\", not of \"pool\""
        ),
        "{e}"
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("mode \"pool\" takes: mode, min_warm, max_warm, release, release_interval, release_check")
    );
    // Through --set, the flag is blamed.
    let e = load_err("duration = \"1h\"\n", &["policy.cooldown=30s"]);
    assert!(e.file.contains("--set policy.cooldown=30s"), "{e}");
    let e = load_err(
        "duration = \"1h\"\n[policy]\nmode = \"on_demand\"\nwindow = \"1m\"\n",
        &[],
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("mode \"on_demand\" takes: mode, cooldown")
    );
}

#[test]
fn impossible_values_are_refused_at_their_value() {
    let at = |text: &str| {
        let e = load_err(&format!("duration = \"1h\"\n[policy]\n{text}\n"), &[]);
        (e.line, e.column, e.message, e.hint.unwrap_or_default())
    };
    let (line, col, message, hint) = at("mode = \"reclaim\"\nidle_reclaim_batch = 0");
    assert_eq!((line, col), (Some(4), Some(22)));
    assert!(
        message.contains("idle_reclaim_batch = 0 is out of range"),
        "{message}"
    );
    assert_eq!(hint, "an integer of at least 1");
    let (line, col, message, _) = at("mode = \"on_demand\"\ncooldown = \"-5s\"");
    assert_eq!((line, col), (Some(4), Some(12)));
    assert!(
        message.contains("cooldown = \"-5s\" is negative"),
        "{message}"
    );
    let (_, _, message, _) = at("mode = \"reclaim\"\nmin_pool_size = 4\nmax_pool_size = 2");
    assert!(
        message.contains("min_pool_size (4) is greater than max_pool_size (2)"),
        "{message}"
    );
    let (_, _, message, _) = at("mode = \"reclaim\"\nidle_reclaim_jitter = 2.0");
    assert!(message.contains("not a share from 0 to 1"), "{message}");
    let (_, _, message, _) = at("mode = \"adaptive\"\nwindow = \"0s\"");
    assert!(
        message.contains("window must be greater than zero"),
        "{message}"
    );
    let (line, col, message, hint) = at("mode = \"lifo\"");
    assert_eq!((line, col), (Some(3), Some(8)));
    assert_eq!(message, "unknown policy mode \"lifo\"");
    assert!(hint.contains("\"on_demand\", \"adaptive\""), "{hint}");
}

#[test]
fn a_node_group_policy_table_is_checked_like_policy_and_may_not_be_static() {
    let group = |table: &str| Cluster::new("1h").with(&format!("[node_groups.policy]\n{table}\n"));
    let e = load_err(&group("mode = \"static\""), &[]);
    assert!(
        e.message.contains("cannot run static IP mode on its own"),
        "{e}"
    );
    let e = load_err(&group("mode = \"reclaim\"\neni_timeout = \"1m\""), &[]);
    assert!(
        e.message
            .contains("\"eni_timeout\" concerns the whole cluster"),
        "{e}"
    );
    let e = load_err(&group("mode = \"pool\"\ncooldown = \"1m\""), &[]);
    assert!(
        e.message.contains("is a key of policy mode \"on_demand\""),
        "{e}"
    );
    let sc = load_str(
        &group("mode = \"adaptive\"\nmax_warm = 4"),
        "t.toml",
        "t",
        &[],
    )
    .unwrap();
    let own = sc.node_groups[0].policy.as_ref().expect("its own table");
    assert_eq!(
        (own.spec.mode, own.min_warm, own.max_warm),
        ("adaptive", 1, 4)
    );
    assert_eq!(sc.node_groups[0].warm(&sc.policy), (1, 4));
    // --set reaches a group's table too.
    let sc = load_str(
        &group("mode = \"adaptive\""),
        "t.toml",
        "t",
        &["node_groups.0.policy.mode=on_demand".to_string()],
    )
    .unwrap();
    assert_eq!(
        sc.node_groups[0].policy.as_ref().unwrap().spec.mode,
        "on_demand"
    );
}

#[test]
fn adaptive_a_burst_raises_the_warm_enis_by_the_estimate_then_they_go() {
    // tau 10 s, lead time 10 s: k arrivals at once are worth k ENIs; max_warm 5 caps that.
    let policy = "mode = \"adaptive\"\nmin_warm = 0\nmax_warm = 5\nwindow = \"10s\"\n\
                  lead_time = \"10s\"\nhold = \"30s\"";
    let rest = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 0
scale = [ { at = "60s", replicas = 6 } ]
"#;
    let (sum, rec) = run(&Cluster::new("10m").policy(policy).with(rest));
    // Nothing warm before the burst: no arrival, no estimate.
    assert_eq!(rec.at(50).enis_bound, 0);
    // Six pods at 60 s: six ENIs for them and min(6, 5) = 5 warm.
    let t70 = rec.at(70);
    assert_eq!((t70.enis_bound, t70.enis_idle), (11, 5));
    // The warm ENIs, idle since 63.2 s, are held 30 s. At 93.2 s the estimate has faded to
    // 6 e^-3.32 = 0.22 ENIs, so 1 warm: four go. The last goes at 100 s, when the six
    // arrivals leave the estimate's horizon (4 tau) and the estimate is 0.
    assert_eq!(rec.at(90).enis_idle, 5);
    let mut released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    released.sort();
    assert_eq!(
        released,
        [ms(93_200), ms(93_200), ms(93_200), ms(93_200), s(100)]
    );
    let t110 = rec.at(110);
    assert_eq!((t110.enis_bound, t110.enis_idle), (6, 0));
    assert_eq!(sum.release.count, 5);
    assert_eq!(sum.churn.enis_created, 11);
}
