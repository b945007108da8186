//! Static IP mode's address check (TKE's tke-eni-ip-scheduler), on small scenarios whose
//! outcome is computed by hand. A /28 subnet has 16 − 3 = 13 usable addresses; an
//! S5.2XLARGE16 node takes 39 exclusive-ENI pods, so nodes always have room and addresses are
//! what runs out. Default latencies: an ENI created for a pod placed at t is ready at t + 3.2 s;
//! a detach or a delete issued at t is learned at t + 1.1 s (see tests/static_ip.rs).

mod common;
use common::{ms, run, run_with, s, Cluster};
use enisim::cluster::pod::SchedulingFailure;
use enisim::sim::RunOptions;

const CHECKED: RunOptions = RunOptions {
    check: true,
    progress: None,
};

/// Index of `no_free_ip_in_zone` in the pending-by-reason counts.
const NO_IP: usize = SchedulingFailure::NoFreeIpInZone as usize;

/// A static-mode cluster of two S5.2XLARGE16 nodes in z1, whose one subnet is a /28, then
/// `rest` (workloads, more settings).
fn small_subnet(rest: &str) -> String {
    Cluster::new("1h")
        .policy("mode = \"static\"")
        .subnet("s1", "z1", "10.0.0.0/28")
        .nodes("S5.2XLARGE16", 2)
        .with(rest)
}

const WEB20: &str = r#"
[[workloads]]
name = "web"
kind = "deployment"
replicas = 20
"#;

fn names(rec: &common::Recorder, keep: impl Fn(&common::Pod) -> bool) -> Vec<String> {
    let mut v: Vec<String> = rec
        .pods
        .iter()
        .filter(|p| keep(p))
        .map(|p| p.name.clone())
        .collect();
    v.sort_by_key(|n| n[4..].parse::<u32>().unwrap());
    v
}

#[test]
fn pods_beyond_the_subnet_stay_pending_with_their_reason_and_nothing_is_asked_of_the_vpc() {
    let (sum, rec) = run_with(&small_subnet(WEB20), &[], CHECKED);
    // 13 addresses: the 13 oldest pods are placed and run, each on an ENI of its own.
    assert_eq!(sum.pods.running_at_end, 13);
    assert_eq!(sum.pods.waiting_eni_at_end, 0);
    assert_eq!(sum.pods.pending_at_end, 7);
    assert_eq!(sum.pods.failed_scheduling, 7);
    assert_eq!(
        sum.pods.failed_scheduling_by_reason["no_free_ip_in_zone"],
        7
    );
    assert_eq!(sum.pods.pending_at_end_by_reason["no_free_ip_in_zone"], 7);
    assert_eq!(sum.pods.eni_timeouts, 0);
    assert_eq!(sum.api.calls["create"], 13);
    assert_eq!(sum.api.errors.get("ResourceInsufficient"), None);
    assert!(sum.api.errors.is_empty());
    let pending = names(&rec, |p| p.scheduled.is_none());
    let expected: Vec<String> = (13..20).map(|i| format!("web-{i}")).collect();
    assert_eq!(pending, expected);
    for name in &pending {
        let pod = &rec.incarnations(name)[0];
        assert_eq!(pod.failure, Some("no_free_ip_in_zone"), "{name}");
    }
    let running = names(&rec, |p| p.ready.is_some());
    assert_eq!(running.len(), 13);
    assert!(rec
        .pods
        .iter()
        .filter(|p| p.ready.is_some())
        .all(|p| p.ready == Some(ms(3200)) && p.failure.is_none()));
    // The pending-by-reason series: all 7 under the new reason from the first sample on.
    for sample in &rec.samples {
        let mut expected = [0; 6];
        expected[NO_IP] = 7;
        assert_eq!(sample.pending_by_reason, expected, "at {}", sample.time);
        assert_eq!(sample.pods_pending, 7);
        assert_eq!(sample.subnet_free_ips, 0);
    }
}

#[test]
fn scale_in_deletes_the_pending_pods_first_then_the_newest_running() {
    let rest = WEB20.replace(
        "replicas = 20\n",
        "replicas = 20\nscale = [ { at = \"30m\", replicas = 10 } ]\n",
    );
    let (sum, rec) = run_with(&small_subnet(&rest), &[], CHECKED);
    let deleted = names(&rec, |p| p.deleted == Some(s(1800)));
    let expected: Vec<String> = (10..20).map(|i| format!("web-{i}")).collect();
    assert_eq!(deleted, expected, "7 pending, then web-12, web-11, web-10");
    for i in 10..13 {
        let pod = &rec.incarnations(&format!("web-{i}"))[0];
        assert_eq!(pod.ready, Some(ms(3200)), "web-{i} ran before it went");
    }
    assert_eq!(sum.pods.running_at_end, 10);
    assert_eq!(sum.pods.pending_at_end, 0);
    assert!(sum.pods.pending_at_end_by_reason.is_empty());
    assert_eq!(sum.pods.created, 20, "nothing replaced");
    // The 3 running pods' ENIs: detached (learned at 1801.1 s) and deleted (1802.2 s).
    assert_eq!(sum.churn.enis_deleted, 3);
    let freed: Vec<_> = rec.enis.iter().filter_map(|e| e.deleted).collect();
    assert_eq!(freed, vec![ms(1_802_200); 3]);
    assert_eq!(rec.at(1790).pending_by_reason[NO_IP], 7);
    assert_eq!(rec.at(1800).pending_by_reason, [0; 6]);
    assert_eq!(rec.at(1810).subnet_free_ips, 3);
}

#[test]
fn a_pending_pod_is_placed_as_soon_as_an_address_frees() {
    // "batch" takes 3 addresses first; at 20m it is scaled to 0 and its ENIs are deleted.
    let rest = r#"
[[workloads]]
name = "batch"
kind = "deployment"
replicas = 3
scale = [ { at = "20m", replicas = 0 } ]
"#
    .to_string()
        + WEB20;
    let (sum, rec) = run_with(&small_subnet(&rest), &[], CHECKED);
    // 3 + 10 addresses at the start: web-0..web-9 run, web-10..web-19 wait.
    assert_eq!(rec.at(600).pods_running, 13);
    assert_eq!(rec.at(600).pending_by_reason[NO_IP], 10);
    // Each batch ENI is detached at 1200 s (learned 1201.1 s) and deleted (learned 1202.2 s):
    // its address goes at once to the oldest pending pods, ready 3.2 s later.
    for i in 10..13 {
        let pod = &rec.incarnations(&format!("web-{i}"))[0];
        assert_eq!(pod.failure, Some("no_free_ip_in_zone"), "web-{i}");
        assert_eq!(pod.scheduled, Some(ms(1_202_200)), "web-{i}");
        assert_eq!(pod.ready, Some(ms(1_205_400)), "web-{i}");
    }
    assert_eq!(sum.pods.running_at_end, 13);
    assert_eq!(sum.pods.pending_at_end, 7);
    assert_eq!(sum.pods.pending_at_end_by_reason["no_free_ip_in_zone"], 7);
    assert_eq!(sum.pods.failed_scheduling, 10);
    assert_eq!(sum.pods.eni_timeouts, 0);
    assert!(sum.api.errors.is_empty());
    assert_eq!(sum.api.calls["create"], 16);
}

#[test]
fn addresses_promised_to_creates_not_yet_made_count_as_taken() {
    // Creates at 5/s: of the 13 sent at 0 s, 8 are refused (learned at 0.1 s) and sent again
    // after the node's backoff (1 s). Their pods are owed the 8 addresses still free: the pod
    // arriving at 50 ms (the refused creates still bound) and the one at 1 s (the nodes backing
    // off) must wait.
    let rest = r#"
[vpc.rate_limit]
create = 5
[[workloads]]
name = "web"
kind = "deployment"
replicas = 13
[[workloads]]
name = "early"
kind = "deployment"
replicas = 1
start = "50ms"
[[workloads]]
name = "late"
kind = "deployment"
replicas = 1
start = "1s"
"#;
    let (sum, rec) = run_with(&small_subnet(rest), &[], CHECKED);
    let early = &rec.incarnations("early-0")[0];
    assert_eq!(early.scheduled, None);
    assert_eq!(early.failure, Some("no_free_ip_in_zone"));
    let first_round: Vec<&str> = rec
        .calls
        .iter()
        .filter(|c| c.api == "create" && c.issued == s(0))
        .map(|c| c.result)
        .collect();
    let refused = first_round
        .iter()
        .filter(|r| **r == "RequestLimitExceeded")
        .count();
    assert_eq!((first_round.len(), refused), (13, 8), "{first_round:?}");
    let late = &rec.incarnations("late-0")[0];
    assert_eq!(late.scheduled, None);
    assert_eq!(late.failure, Some("no_free_ip_in_zone"));
    assert_eq!(sum.pods.running_at_end, 13);
    assert_eq!(sum.api.errors.get("ResourceInsufficient"), None);
    assert!(sum.api.errors["RequestLimitExceeded"] > 0);
}

#[test]
fn a_statefulset_whose_kept_ips_are_in_a_full_subnet_still_restarts_with_its_ips() {
    let rest = r#"
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 3
restart = ["10m"]
[[workloads]]
name = "web"
kind = "deployment"
replicas = 12
"#;
    let (sum, rec) = run_with(&small_subnet(rest), &[], CHECKED);
    // db takes 3 addresses, web 10: the subnet is full and web-10, web-11 wait.
    assert_eq!(sum.pods.pending_at_end_by_reason["no_free_ip_in_zone"], 2);
    // Kept ENIs need no new address: the restart goes as on an empty subnet, one pod at a
    // time from the highest ordinal, each a detach then a re-attach of 3.2 s.
    for (name, ready) in [("db-2", 603_200), ("db-1", 606_400), ("db-0", 609_600)] {
        let inc = rec.incarnations(name);
        assert_eq!(inc.len(), 2, "{name}");
        assert_eq!(inc[0].ip, inc[1].ip, "{name} keeps its IP");
        assert_eq!(inc[1].failure, None, "{name} was placed at once");
        assert_eq!(inc[1].ready, Some(ms(ready)), "{name}");
    }
    assert_eq!(sum.static_ip.reattached, 3);
    assert_eq!(sum.churn.enis_created, 13);
    assert_eq!(sum.pods.running_at_end, 13);
    assert_eq!(
        sum.pods.pending_at_end, 2,
        "a kept address is not a free one"
    );
    assert!(sum.api.errors.is_empty());
}

#[test]
fn switching_the_check_off_gives_the_eni_timeouts_and_refused_creates_back() {
    let off = ["policy.ip_aware_scheduling=false"];
    let (sum, _) = run_with(&small_subnet(WEB20), &off, CHECKED);
    // Every pod is placed; 7 wait for an ENI that can never be created.
    assert_eq!(sum.pods.failed_scheduling, 0);
    assert_eq!(sum.pods.running_at_end, 13);
    assert_eq!(sum.pods.waiting_eni_at_end, 7);
    assert_eq!(sum.pods.eni_timeouts, 7);
    assert_eq!(sum.api.calls["create"], 97);
    assert_eq!(sum.api.errors["ResourceInsufficient"], 84);
}

#[test]
fn pool_mode_runs_no_address_check() {
    let toml = small_subnet(WEB20).replace("mode = \"static\"", "mode = \"pool\"");
    let (sum, _) = run(&toml);
    assert_eq!(sum.pods.failed_scheduling, 0);
    assert_eq!(sum.pods.running_at_end, 13);
    assert_eq!(sum.pods.waiting_eni_at_end, 7);
}

#[test]
fn an_address_freed_by_retention_goes_to_a_pending_pod() {
    let rest = r#"
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 3
scale = [ { at = "10m", replicas = 0 } ]
[[workloads]]
name = "web"
kind = "deployment"
replicas = 12
"#;
    let toml = small_subnet(rest).replace(
        "mode = \"static\"",
        "mode = \"static\"\nstatic_ip_retention = \"5m1s\"",
    );
    let (sum, rec) = run_with(&toml, &[], CHECKED);
    // db's pods end at 600 s and their ENIs are kept, so their addresses stay taken until
    // retention (5m1s from the pod's end) deletes them at 901 s, learned at the poll 1 s
    // later, 902.1 s; then web-10 and web-11 are placed and ready 3.2 s later.
    assert_eq!(rec.at(900).pending_by_reason[NO_IP], 2);
    assert_eq!(rec.at(900).enis_retained, 3);
    for name in ["web-10", "web-11"] {
        let pod = &rec.incarnations(name)[0];
        assert_eq!(pod.scheduled, Some(ms(902_100)), "{name}");
        assert_eq!(pod.ready, Some(ms(905_300)), "{name}");
    }
    assert_eq!(sum.static_ip.expired, 3);
    assert_eq!(sum.pods.running_at_end, 12);
    assert_eq!(sum.pods.pending_at_end, 0);
    assert_eq!(rec.samples.last().unwrap().subnet_free_ips, 1);
}
