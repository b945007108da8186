//! Static IP mode, statefulsets, zones and node lifecycle (SPEC), on small scenarios whose
//! outcome is computed by hand. Default latencies: create 300 ms, attach 2 s, detach 1 s,
//! delete 300 ms; each task's outcome is read by polling every 1 s, the poll answering in
//! 100 ms. So a detach issued at t is learned at t + 1.1, an attach at t + 2.1 (the poll at
//! t + 1 is too early) ... + 0.1: an ENI created for a pod at t is ready at t + 3.2, a kept ENI
//! moving nodes (detach, then attach) at t + 1.1 + 2.1 = t + 3.2.

mod common;
use common::{ms, run, s};

/// A static-mode cluster: one /24 subnet in zone z1 and `groups` (TOML) after it.
fn static_cluster(policy: &str, rest: &str) -> String {
    format!(
        r#"
duration = "2h"
[policy]
mode = "static"
{policy}
[[subnets]]
id = "s1"
zone = "z1"
cidr = "10.0.0.0/24"
{rest}
"#
    )
}

fn group(name: &str, zone: &str, count: u32) -> String {
    format!(
        "[[node_groups]]\nname = \"{name}\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"{zone}\"\ncount = {count}\n"
    )
}

const DB3_RESTART: &str = r#"
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 3
restart = ["10m"]
"#;

#[test]
fn statefulset_restart_keeps_every_ip_and_creates_no_new_eni() {
    let (sum, rec) = run(&static_cluster("", &(group("w", "z1", 2) + DB3_RESTART)));
    assert_eq!(sum.churn.enis_created, 3);
    assert_eq!(sum.static_ip.retained, 3);
    assert_eq!(sum.static_ip.reattached, 3);
    // One at a time from the highest ordinal: each step is a detach then a re-attach, 3.2 s.
    for (name, ready) in [("db-2", 603_200), ("db-1", 606_400), ("db-0", 609_600)] {
        let inc = rec.incarnations(name);
        assert_eq!(inc.len(), 2, "{name}");
        assert_eq!(inc[0].end, Some("restarted"));
        assert_eq!(inc[0].ip, inc[1].ip, "{name} keeps its IP");
        assert_eq!(inc[1].ready, Some(ms(ready)), "{name}");
    }
}

/// A statefulset of 3 on one pool-mode node (TKE's default pool, 1/1) for an hour.
fn pool_statefulset(rest: &str) -> (enisim::report::summary::Summary, common::Recorder) {
    let toml = format!(
        "duration = \"1h\"\n[[subnets]]\nid = \"s1\"\nzone = \"z1\"\ncidr = \"10.0.0.0/24\"\n{}\n[[workloads]]\nname = \"db\"\nkind = \"statefulset\"\nreplicas = 3\n{rest}",
        group("w", "z1", 1)
    );
    run(&toml)
}

#[test]
fn statefulset_restart_in_pool_mode_takes_pooled_enis() {
    let (sum, rec) = pool_statefulset("restart = [\"10m\"]\n");
    // 0 s: the warm ENI and one per pod (B = P + min_warm = 4), ready at 3.2 s. The restart at
    // 10 min deletes db-2: its ENI goes back to the pool (2 idle), and the new db-2 takes an
    // idle ENI at once; then db-1 and db-0 the same, all at 600 s. Nothing kept, nothing new.
    assert_eq!(sum.churn.enis_created, 4);
    assert_eq!(sum.static_ip.retained, 0);
    assert_eq!(sum.static_ip.reattached, 0);
    for name in ["db-0", "db-1", "db-2"] {
        let inc = rec.incarnations(name);
        assert_eq!(inc.len(), 2, "{name}");
        assert_eq!(
            (inc[1].ready, inc[1].from_pool),
            (Some(s(600)), true),
            "{name}"
        );
    }
}

#[test]
fn statefulset_scaled_to_zero_in_pool_mode_gives_its_enis_back() {
    let (sum, rec) = pool_statefulset("scale = [ { at = \"10m\", replicas = 0 } ]\n");
    // 600 s: the 3 ENIs go back to the pool: B = 4 over P + max_warm = 1, surplus 3, which
    // appeared at the tick of 600 s: released at the ticks of 720, 840 and 960 s.
    let mut released: Vec<_> = rec.enis.iter().filter_map(|e| e.released).collect();
    released.sort();
    assert_eq!(released, vec![s(720), s(840), s(960)]);
    assert_eq!(sum.static_ip.retained_at_end, 0);
    assert_eq!(rec.samples.last().unwrap().enis_total, 1, "the warm ENI");
}

#[test]
fn plain_pods_in_static_mode_create_and_delete_one_eni_per_incarnation() {
    let rest = group("w", "z1", 1)
        + r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 4
restart = ["10m"]
"#;
    let (sum, rec) = run(&static_cluster("", &rest));
    // 4 pods, then 4 replacements under new names: 8 ENIs; the old 4 are deleted.
    assert_eq!(sum.pods.created, 8);
    assert_eq!(sum.churn.enis_created, 8);
    assert_eq!(sum.churn.enis_deleted, 4);
    assert_eq!(sum.static_ip.retained, 0);
    assert_eq!(sum.pool.hit_rate, Some(0.0), "no pool in static mode");
    // Each step: the old pod goes, the new one gets an ENI 3.2 s later, then the next step.
    let mut replacements: Vec<_> = rec
        .pods
        .iter()
        .filter_map(|p| p.ready)
        .filter(|t| *t >= s(600))
        .collect();
    replacements.sort();
    assert_eq!(
        replacements,
        vec![ms(603_200), ms(606_400), ms(609_600), ms(612_800)]
    );
    assert_eq!(rec.samples.last().unwrap().enis_total, 4);
}

#[test]
fn static_mode_prebinds_nothing() {
    let (sum, rec) = run(&static_cluster(
        "min_warm = 3\nmax_warm = 5",
        &group("w", "z1", 3),
    ));
    assert_eq!(sum.churn.enis_created, 0);
    assert_eq!(sum.api.calls["create"], 0);
    assert!(rec.samples.iter().all(|r| r.enis_total == 0));
}

/// db-0 alone in static mode: it ends at 10 min and comes back at 1 h; `detach` is the
/// DetachNetworkInterface latency.
fn retention_with(
    setting: &str,
    detach: &str,
) -> (enisim::report::summary::Summary, common::Recorder) {
    let rest = group("w", "z1", 1)
        + &format!(
            r#"
[vpc.latency]
detach = "{detach}"
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 1
scale = [ {{ at = "10m", replicas = 0 }}, {{ at = "1h", replicas = 1 }} ]
"#
        );
    run(&static_cluster(
        &format!("static_ip_retention = \"{setting}\""),
        &rest,
    ))
}

fn retention(setting: &str) -> (enisim::report::summary::Summary, common::Recorder) {
    retention_with(setting, "1s")
}

#[test]
fn retention_never_keeps_the_unbound_eni() {
    let (sum, rec) = retention("never");
    assert_eq!(sum.churn.enis_created, 1);
    assert_eq!(sum.static_ip.expired, 0);
    assert_eq!(sum.static_ip.reattached, 1);
    // Between 10m and 1h the ENI exists, kept for db-0, unattached.
    let mid = rec.at(1800);
    assert_eq!(
        (mid.enis_total, mid.enis_retained, mid.enis_bound),
        (1, 1, 0)
    );
    let inc = rec.incarnations("db-0");
    assert_eq!(inc[0].ip, inc[1].ip);
}

#[test]
fn retention_30m_deletes_the_eni_30_minutes_after_the_pod_ended() {
    let (sum, rec) = retention("30m");
    // db-0 ends at 600 s (its detach is learned at 601.1 s); its retention runs out at
    // 600 + 1800 = 2400 s: the delete is sent then and learned at the poll of 2401 s (+100 ms).
    assert_eq!(sum.static_ip.expired, 1);
    let first = rec.enis.iter().find(|e| e.eni == 0).unwrap();
    assert_eq!(first.released, Some(s(2400)));
    assert_eq!(first.deleted, Some(ms(2_401_100)));
    assert_eq!(rec.at(2390).enis_retained, 1);
    assert_eq!(rec.at(2400).enis_retained, 0);
    assert_eq!(rec.at(2410).enis_total, 0);
    // Back at 1 h, db-0 gets a new ENI, and so a new IP.
    assert_eq!(sum.churn.enis_created, 2);
    assert_eq!(sum.static_ip.reattached, 0);
    let inc = rec.incarnations("db-0");
    assert_ne!(inc[0].ip, inc[1].ip);
}

#[test]
fn retention_just_over_5m_runs_from_the_pod_end_whatever_the_detach_latency() {
    // db-0 ends at 600 s; 5m1s later, at 901 s, its kept ENI is deleted, whether the detach
    // took 1 s (kept from 601.1 s) or 2 min (kept from 720.1 s).
    for detach in ["1s", "2m"] {
        let (sum, rec) = retention_with("5m1s", detach);
        assert_eq!(sum.static_ip.expired, 1, "detach {detach}");
        let first = rec.enis.iter().find(|e| e.eni == 0).unwrap();
        assert_eq!(first.released, Some(s(901)), "detach {detach}");
        assert_eq!(first.deleted, Some(ms(902_100)), "detach {detach}");
    }
    // A detach of 6 min outlasts the retention: at 901 s the name lets the ENI go, and it is
    // deleted as soon as the detach is learned, at 960.1 s (the poll of 960 s + 100 ms).
    let (sum, rec) = retention_with("5m1s", "6m");
    assert_eq!(sum.static_ip.expired, 1);
    assert_eq!(sum.static_ip.retained_at_end, 0);
    let first = rec.enis.iter().find(|e| e.eni == 0).unwrap();
    assert_eq!(first.released, Some(ms(960_100)));
    assert_eq!(
        sum.churn.enis_created, 2,
        "db-0 comes back at 1 h with a new ENI"
    );
}

/// Two single-node groups in z1; db-0 lands on a-0, db-1 on b-0; then `action` hits group a.
fn two_nodes_then(action: &str) -> (enisim::report::summary::Summary, common::Recorder) {
    let rest = group("a", "z1", 1)
        + &group("b", "z1", 1)
        + &format!(
            r#"
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 2
[[events]]
at = "10m"
action = "{action}"
node_group = "a"
count = 1
"#
        );
    run(&static_cluster("", &rest))
}

#[test]
fn drain_moves_static_pods_with_their_ips() {
    let (sum, rec) = two_nodes_then("drain_nodes");
    let inc = rec.incarnations("db-0");
    assert_eq!(inc[0].node.as_deref(), Some("a-0"));
    assert_eq!(inc[0].end, Some("node_drained"));
    assert_eq!(inc[1].node.as_deref(), Some("b-0"));
    assert_eq!(inc[0].ip, inc[1].ip);
    // Detached from a-0 (learned at 601.1 s), attached to b-0 (learned at 603.2 s).
    assert_eq!(inc[1].ready, Some(ms(603_200)));
    assert_eq!(sum.churn.enis_created, 2);
    assert_eq!(sum.static_ip.lost, 0);
}

#[test]
fn crash_makes_static_pods_take_new_enis() {
    let (sum, rec) = two_nodes_then("crash_nodes");
    let inc = rec.incarnations("db-0");
    assert_eq!(inc[0].end, Some("node_crashed"));
    assert_eq!(inc[0].deleted, Some(s(600)));
    assert_ne!(inc[0].ip, inc[1].ip);
    // Kubernetes notices after 5m40s; the new ENI is ready 3.2 s later.
    assert_eq!(inc[1].scheduled, Some(s(940)));
    assert_eq!(inc[1].ready, Some(ms(943_200)));
    assert_eq!(sum.static_ip.lost, 1);
    assert_eq!(sum.churn.enis_created, 3);
    assert_eq!(sum.invariants.leaked_enis, 0);
}

#[test]
fn delete_nodes_replaces_pods_at_once_with_new_enis() {
    let (sum, rec) = two_nodes_then("delete_nodes");
    let inc = rec.incarnations("db-0");
    assert_eq!(inc[0].end, Some("node_deleted"));
    assert_eq!(inc[1].scheduled, Some(s(600)));
    assert_ne!(inc[0].ip, inc[1].ip);
    assert_eq!(sum.static_ip.lost, 1);
}

#[test]
fn static_pod_waits_for_its_zone_rather_than_moving() {
    let rest = format!(
        "[[subnets]]\nid = \"s2\"\nzone = \"z2\"\ncidr = \"10.0.1.0/24\"\n{}{}",
        group("a", "z1", 1),
        group("b", "z2", 1)
    ) + r#"
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 1
[[events]]
at = "10m"
action = "drain_nodes"
node_group = "a"
count = 1
[[events]]
at = "20m"
action = "add_nodes"
node_group = "a"
count = 1
"#;
    let (sum, rec) = run(&static_cluster("", &rest));
    let inc = rec.incarnations("db-0");
    assert_eq!(inc[0].zone.as_deref(), Some("z1"));
    // b-0 in z2 has room, but db-0's IP lives in z1: it waits for a-1.
    assert_eq!(inc[1].failure, Some("no_node_in_ip_zone"));
    assert_eq!(inc[1].node.as_deref(), Some("a-1"));
    // Its kept ENI attaches at once: done at 1202 s, the poll at 1202 s answers at 1202.1 s.
    assert_eq!(inc[1].scheduled, Some(s(1200)));
    assert_eq!(inc[1].ready, Some(ms(1_202_100)));
    assert_eq!(inc[0].ip, inc[1].ip);
    assert_eq!(
        sum.pods.failed_scheduling_by_reason["no_node_in_ip_zone"],
        1
    );
    assert!(rec.pods.iter().all(|p| p.node.as_deref() != Some("b-0")));
}

#[test]
fn nodes_in_a_zone_without_subnet_run_nothing_and_say_why() {
    let rest = group("w", "z3", 2)
        + "[[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 3\n";
    let (sum, rec) = run(&static_cluster("", &rest));
    assert_eq!(sum.pods.pending_at_end, 3);
    assert_eq!(sum.pods.failed_scheduling_by_reason["no_subnet_in_zone"], 3);
    assert!(rec
        .pods
        .iter()
        .all(|p| p.failure == Some("no_subnet_in_zone")));
}

#[test]
fn pods_spread_across_zones_then_nodes() {
    let rest = format!(
        "[[subnets]]\nid = \"s2\"\nzone = \"z2\"\ncidr = \"10.0.1.0/24\"\n{}{}",
        group("a", "z1", 2),
        group("b", "z2", 1)
    ) + "[[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 6\n";
    let (_, rec) = run(&static_cluster("", &rest));
    let on = |node: &str| {
        rec.pods
            .iter()
            .filter(|p| p.node.as_deref() == Some(node))
            .count()
    };
    // 3 per zone; z1's 3 over its two nodes.
    assert_eq!((on("a-0"), on("a-1"), on("b-0")), (2, 1, 3));
}
