//! Each rule of the pool policy (SPEC, non-static IP mode) on a small scenario whose outcome
//! is computed by hand. Latencies are the defaults: create 300 ms, attach 2 s, detach 1 s,
//! delete 300 ms, DescribeVpcTaskResult 100 ms, polled every 1 s from the call. So an ENI bound
//! at t is created at t + 0.3, learned at the poll at t + 1 (answer t + 1.1); its attach runs
//! to t + 3.1, the poll at t + 2.1 is too early, the one at t + 3.1 answers at t + 3.2.

mod common;
use common::{ms, run, s, Cluster};

/// One zone, one /24 subnet, and a node group of `count` nodes of `itype`.
fn cluster(policy: &str, itype: &str, count: u32, rest: &str) -> String {
    Cluster::new("2h")
        .policy(policy)
        .nodes(itype, count)
        .with(rest)
}

#[test]
fn warm_floor_binds_min_warm_per_node_with_no_pods() {
    let (sum, rec) = run(&cluster(
        "min_warm = 2\nmax_warm = 3",
        "S5.2XLARGE16",
        3,
        "",
    ));
    // At t=0 each of 3 nodes creates 2 ENIs: bound at once, in flight until 3.2 s.
    let t0 = rec.at(0);
    assert_eq!((t0.enis_bound, t0.enis_idle, t0.enis_in_flight), (6, 0, 6));
    let t10 = rec.at(10);
    assert_eq!(
        (t10.enis_bound, t10.enis_idle, t10.enis_in_flight),
        (6, 6, 0)
    );
    assert_eq!(t10.enis_total, 6);
    assert_eq!(sum.churn.enis_created, 6);
    assert_eq!(sum.churn.enis_attached, 6);
    assert_eq!(sum.api.calls["create"], 6);
    assert_eq!(sum.api.calls["attach"], 6);
    assert_eq!(sum.release.count, 0, "idle ENIs within max_warm stay");
    assert_eq!(sum.pool.peak_idle_enis, 6);
    // 6 idle ENIs from 3.2 s to 7200 s: 6 * 7196.8 s = 11.9947 h (rounded to 3 decimals).
    assert_eq!(sum.pool.idle_eni_hours, 11.995);
    // Each create and attach was polled: 2 polls per create (1 s, 2 s... the first at 1 s
    // answers), attach 2 (at 2.1 s too early, at 3.1 s done): 6 x (1 + 2) = 18.
    assert_eq!(sum.api.calls["describe_task"], 18);
}

#[test]
fn scale_up_binds_pods_plus_min_warm() {
    let rest = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 0
scale = [ { at = "60s", replicas = 10 } ]
"#;
    let (sum, rec) = run(&cluster(
        "min_warm = 1\nmax_warm = 3",
        "S5.2XLARGE16",
        1,
        rest,
    ));
    // The warm ENI serves the first pod at once; each placement raises the target by one,
    // so 10 more ENIs are bound at 60 s and ready at 63.2 s: 9 go to waiting pods, 1 stays idle.
    let t = rec.at(120);
    assert_eq!((t.pods_running, t.enis_bound, t.enis_idle), (10, 11, 1));
    assert_eq!(sum.churn.enis_created, 11);
    assert_eq!(sum.pods.started, 10);
    assert_eq!(sum.pool.hit_rate, Some(0.1));
    let l = &sum.startup_latency_s;
    assert_eq!(
        (l.p50, l.p99, l.max, l.mean),
        (Some(3.2), Some(3.2), Some(3.2), Some(2.88))
    );
    let from_pool: Vec<_> = rec.pods.iter().filter(|p| p.from_pool).collect();
    assert_eq!(from_pool.len(), 1);
    assert_eq!(from_pool[0].ready, Some(s(60)));
    assert!(rec
        .pods
        .iter()
        .filter(|p| !p.from_pool)
        .all(|p| p.ready == Some(ms(63_200))));
}

/// One SA2.MEDIUM4 node (9 exclusive-ENI pods) with max_attach 5, 8 replicas; `events` after.
fn capped_at_5(events: &str) -> (enisim::report::summary::Summary, common::Recorder) {
    let rest = format!(
        "max_attach = 5\n[[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 8\n{events}"
    );
    run(&cluster(
        "min_warm = 1\nmax_warm = 1",
        "SA2.MEDIUM4",
        1,
        &rest,
    ))
}

#[test]
fn bound_enis_cap_at_max_attach_and_excess_pods_stay_pending() {
    // SA2.MEDIUM4 allows 9 exclusive-ENI pods; max_attach lowers M to 5.
    let (sum, rec) = capped_at_5("");
    assert_eq!(sum.pods.running_at_end, 5);
    assert_eq!(sum.pods.pending_at_end, 3);
    assert_eq!(sum.pods.failed_scheduling, 3);
    assert_eq!(sum.pods.failed_scheduling_by_reason["no_free_eni_slot"], 3);
    assert_eq!(
        sum.pool.peak_bound_enis, 5,
        "min(P + min_warm, M) = min(6, 5)"
    );
    assert_eq!(sum.churn.enis_created, 5);
    let failed: Vec<_> = rec.pods.iter().filter(|p| p.failure.is_some()).collect();
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|p| p.scheduled.is_none()));
}

#[test]
fn pending_pods_run_once_capacity_appears() {
    let (sum, rec) = capped_at_5(
        "[[events]]\nat = \"10m\"\naction = \"add_nodes\"\nnode_group = \"w\"\ncount = 1\n",
    );
    assert_eq!(sum.pods.running_at_end, 8);
    assert_eq!(sum.pods.pending_at_end, 0);
    assert_eq!(sum.pods.failed_scheduling, 3);
    let late: Vec<_> = rec.pods.iter().filter(|p| p.failure.is_some()).collect();
    assert!(late.iter().all(|p| p.scheduled == Some(s(600))));
    assert!(late.iter().all(|p| p.node.as_deref() == Some("w-1")));
}

fn scale_down(release: &str) -> (enisim::report::summary::Summary, common::Recorder) {
    let rest = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 10
scale = [ { at = "1h", replicas = 2 } ]
"#;
    let policy = format!("min_warm = 0\nmax_warm = 1\nrelease = \"{release}\"");
    run(&cluster(&policy, "S5.2XLARGE16", 1, rest))
}

#[test]
fn slow_release_frees_one_surplus_eni_per_interval() {
    let (sum, rec) = scale_down("slow");
    // At 1 h: P = 2, B = 10, P + max_warm = 3, so 7 surplus; one goes every 2 minutes from
    // 1h2m to 1h14m.
    assert_eq!(sum.release.count, 7);
    let mut released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    released.sort();
    let expected: Vec<_> = (1..=7).map(|k| s(3600 + 120 * k)).collect();
    assert_eq!(released, expected);
    assert_eq!(sum.release.delay_s.p50, Some(480.0));
    assert_eq!(sum.release.delay_s.p99, Some(840.0));
    assert_eq!(sum.release.delay_s.max, Some(840.0));
    assert_eq!(rec.at(4430).enis_bound, 4);
    assert_eq!(rec.at(4440).enis_bound, 3);
    assert_eq!(
        rec.at(4450).enis_total,
        3,
        "released ENIs are deleted in the VPC"
    );
    assert_eq!(sum.churn.enis_deleted, 7);
    assert_eq!(sum.api.calls["detach"], 7);
}

#[test]
fn quick_release_frees_all_surplus_at_the_interval() {
    let (sum, rec) = scale_down("quick");
    assert_eq!(sum.release.count, 7);
    assert!(rec
        .enis
        .iter()
        .filter_map(|e| e.released)
        .all(|t| t == s(3720)));
    assert_eq!(sum.release.delay_s.max, Some(120.0));
    assert_eq!(rec.at(3710).enis_bound, 10);
    assert_eq!(rec.at(3720).enis_bound, 3);
}

#[test]
fn set_max_attach_releases_surplus_over_m_at_once() {
    let rest = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 3
start = "2m"
[[events]]
at = "60s"
action = "set_max_attach"
node_group = "w"
max_attach = 2
"#;
    let (sum, rec) = run(&cluster(
        "min_warm = 6\nmax_warm = 6",
        "S5.2XLARGE16",
        1,
        rest,
    ));
    // 6 warm ENIs; M drops to 2 at 60 s: 4 released at once, not paced.
    let released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    assert_eq!(released, vec![s(60); 4]);
    assert_eq!(sum.release.delay_s.max, Some(0.0));
    assert_eq!(rec.at(70).enis_bound, 2);
    // Two slots left for three pods.
    assert_eq!(sum.pods.running_at_end, 2);
    assert_eq!(sum.pods.pending_at_end, 1);
    assert_eq!(sum.pool.hit_rate, Some(1.0), "both pods found a warm ENI");
}

fn delete_all_nodes_at(at: &str) -> (enisim::report::summary::Summary, common::Recorder) {
    let rest = format!(
        r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 10
[[events]]
at = "{at}"
action = "delete_nodes"
node_group = "w"
count = 2
"#
    );
    run(&cluster(
        "min_warm = 2\nmax_warm = 2",
        "S5.2XLARGE16",
        2,
        &rest,
    ))
}

#[test]
fn deleting_nodes_deletes_every_eni_and_recreates_their_pods() {
    // At 10 min every ENI is attached; at 1 s they are still being created or attached.
    for at in ["10m", "1s"] {
        let (sum, rec) = delete_all_nodes_at(at);
        assert_eq!(sum.churn.enis_created, sum.churn.enis_deleted, "at {at}");
        assert_eq!(rec.samples.last().unwrap().enis_total, 0, "at {at}");
        assert_eq!(sum.invariants.leaked_enis, 0);
        assert!(rec.enis.iter().all(|e| e.state == "deleted"));
        // The 10 pods ended with their nodes; the deployment made 10 more, with no node to go to.
        assert_eq!(sum.pods.created, 20);
        assert_eq!(sum.pods.pending_at_end, 10);
        assert_eq!(sum.pods.failed_scheduling_by_reason["no_nodes"], 10);
        assert_eq!(
            rec.pods
                .iter()
                .filter(|p| p.end == Some("node_deleted"))
                .count(),
            10
        );
    }
}

#[test]
fn new_enis_go_to_the_subnet_with_most_free_ips_ties_to_the_first() {
    let toml = r#"
duration = "10m"
[policy]
min_warm = 3
max_warm = 3
[[subnets]]
id = "a"
zone = "z"
cidr = "10.0.0.0/28"
[[subnets]]
id = "elsewhere"
zone = "y"
cidr = "10.0.1.0/24"
[[subnets]]
id = "b"
zone = "z"
cidr = "10.0.0.16/28"
[[node_groups]]
name = "w"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 1
"#;
    // a and b have 13 free each: a (tie, first in file), then b (13 > 12), then a (tie).
    let (_, rec) = run(toml);
    let placed: Vec<(&str, &str)> = rec
        .enis
        .iter()
        .map(|e| (e.subnet.as_str(), e.ip.as_str()))
        .collect();
    assert_eq!(
        placed,
        vec![("a", "10.0.0.2"), ("b", "10.0.0.18"), ("a", "10.0.0.3")]
    );
}

/// One node with TKE's default pool (1/1) for `duration`, `release_check` as given.
fn one_node(
    duration: &str,
    check: &str,
    rest: &str,
) -> (enisim::report::summary::Summary, common::Recorder) {
    let toml = format!(
        "duration = \"{duration}\"\n[policy]\nrelease_check = \"{check}\"\n[[subnets]]\nid = \"a\"\nzone = \"z\"\ncidr = \"10.0.0.0/24\"\n[[node_groups]]\nname = \"w\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"z\"\ncount = 1\n{rest}"
    );
    run(&toml)
}

/// Bursts of 5 pods every 100 s from 5 s, each pod living 10 s.
const BURSTS: &str = r#"
[[workloads]]
name = "jobs"
kind = "burst"
lifetime = "10s"
bursts = [ { at = "5s", count = 5 }, { at = "105s", count = 5 }, { at = "205s", count = 5 },
           { at = "305s", count = 5 }, { at = "405s", count = 5 }, { at = "505s", count = 5 } ]
"#;

/// Creates sent, in time order.
fn creates(rec: &common::Recorder) -> Vec<enisim::engine::SimTime> {
    let mut v: Vec<_> = rec
        .calls
        .iter()
        .filter(|c| c.api == "create")
        .map(|c| c.issued)
        .collect();
    v.sort();
    v
}

#[test]
fn periodic_checks_release_a_bursty_nodes_surplus_at_each_tick_and_it_binds_again() {
    let (sum, rec) = one_node("10m", "periodic", BURSTS);
    // 0 s: the warm ENI (ready 3.2 s). 5 s: the first pod takes it, the other 4 wait, and
    // B rises to P + min_warm = 6. 15 s: the pods end, B = 6 over P + max_warm = 1: surplus 5.
    // Each burst at 100k + 5 s takes 5 idle ENIs (surplus 0), each end at 100k + 15 s brings
    // the surplus back. The ticks at 120, 240, 360, 480 and 600 s each fall in a surplus window
    // and release one ENI; the next burst then takes the 5 left, so the fifth pod finds
    // B = P = 5 and binds one more at 205, 305, 405 and 505 s.
    let mut released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    released.sort();
    assert_eq!(released, vec![s(120), s(240), s(360), s(480), s(600)]);
    assert_eq!(sum.release.count, 5);
    // Surplus stamped at 115, 215, ... 515 s: 5, 25, 45, 65, 85 s before each tick.
    assert_eq!(sum.release.delay_s.p50, Some(45.0));
    assert_eq!(sum.release.delay_s.max, Some(85.0));
    let mut expected = vec![s(0)];
    expected.extend([s(5); 5]);
    expected.extend([s(205), s(305), s(405), s(505)]);
    assert_eq!(creates(&rec), expected);
    // The detach of the release at 600 s is still in flight at the end.
    assert_eq!(sum.churn.enis_deleted, 4);
    // Pool hits: 1 of the first burst, then every pod.
    assert_eq!(sum.pods.started, 30);
    assert_eq!(sum.pool.hit_rate, Some(0.8667));
}

#[test]
fn sustained_checks_never_release_a_surplus_that_lasts_90_s() {
    let (sum, rec) = one_node("10m", "sustained", BURSTS);
    // Each surplus window (15 to 105 s, ...) is shorter than the 120 s the surplus must last.
    assert_eq!(sum.release.count, 0);
    assert_eq!(creates(&rec).len(), 6);
    // B stays 6: after the first burst every pod finds an idle ENI (26 of 30).
    assert_eq!(sum.pool.hit_rate, Some(0.8667));
}

/// 10 replicas from the start, scaled to 0 at 10m, back to 10 at 11m and to 0 at 11m30s.
const SCALE_DOWN_UP_DOWN: &str = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 10
scale = [ { at = "10m", replicas = 0 }, { at = "11m", replicas = 10 },
          { at = "11m30s", replicas = 0 } ]
"#;

/// Release times of ENIs, in order.
fn released(rec: &common::Recorder) -> Vec<enisim::engine::SimTime> {
    let mut v: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    v.sort();
    v
}

#[test]
fn periodic_check_releases_at_the_first_tick_after_the_surplus_appears() {
    let (sum, rec) = one_node("20m", "periodic", SCALE_DOWN_UP_DOWN);
    // 0 s: B = P + min_warm = 11. 600 s: P = 0, surplus 10; it appeared at the tick of 600 s
    // so it waits for 720 s, but at 660 s the 10 new pods take 10 idle ENIs (no surplus).
    // 690 s: surplus 10 again; the tick of 720 s releases one, then one per tick.
    assert_eq!(
        released(&rec),
        vec![s(720), s(840), s(960), s(1080), s(1200)]
    );
    assert_eq!(
        sum.release.delay_s.p50,
        Some(270.0),
        "stamped 690 s: 30, 150, 270, 390, 510"
    );
    assert_eq!(sum.release.delay_s.max, Some(510.0));
    assert_eq!(rec.at(710).enis_bound, 11);
    assert_eq!(rec.at(720).enis_bound, 10);
}

#[test]
fn sustained_check_waits_for_an_unbroken_interval() {
    let (_, rec) = one_node("20m", "sustained", SCALE_DOWN_UP_DOWN);
    // The surplus of 600 s is broken at 660 s; the one of 690 s lasts to 810 s.
    assert_eq!(released(&rec), vec![s(810), s(930), s(1050), s(1170)]);
}

#[test]
fn min_warm_0_runs_as_a_what_if_with_a_warning() {
    let rest =
        "[[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 1\nstart = \"1m\"\n";
    let (sum, rec) = run(&cluster("min_warm = 0", "S5.2XLARGE16", 1, rest));
    // Nothing bound in advance: the pod placed at 60 s waits for a create and an attach.
    assert_eq!(rec.at(50).enis_total, 0);
    assert_eq!(rec.incarnations("web-0")[0].ready, Some(ms(63_200)));
    assert_eq!(sum.pool.hit_rate, Some(0.0));
    assert_eq!(sum.warnings.len(), 1);
    assert!(sum.warnings[0].starts_with("policy.min_warm = 0: TKE does not accept"));
}

#[test]
fn set_max_attach_below_a_nodes_pods_runs_with_a_warning() {
    let rest = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 3
[[events]]
at = "1m"
action = "set_max_attach"
node_group = "w"
max_attach = 2
"#;
    let (sum, rec) = run(&cluster("", "S5.2XLARGE16", 1, rest));
    // B = 4 (3 pods + 1 warm) over M = 2: the idle ENI goes at once, the pods keep theirs.
    assert_eq!(sum.warnings.len(), 1, "{:?}", sum.warnings);
    assert!(sum.warnings[0].starts_with(
        "set_max_attach = 2 at 60.000 s on node group \"w\": 1 node(s) already use more ENIs \
         for pods (most: w-0 with 3); TKE refuses"
    ));
    let released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    assert_eq!(released, vec![s(60)]);
    assert_eq!(sum.pods.running_at_end, 3);
}
