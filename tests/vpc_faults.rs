//! The fake VPC under load and faults, through the simulator: rate limits, outages, quotas,
//! subnet exhaustion, lost answers and the checks that nothing leaks. Hand-computed where the
//! timing is exact. Defaults: create 300 ms, attach 2 s, detach 1 s, delete 300 ms,
//! DescribeVpcTaskResult 100 ms polled every 1 s; retries back off 1, 2, 4, ... 60 s.

mod common;
use common::{run, run_with, Cluster};
use enisim::sim::RunOptions;

/// Nothing bound in advance (min_warm = max_warm = 0) and `extra` (TOML) after it, one /20
/// subnet, `nodes` S5.2XLARGE16 nodes, then `rest`.
fn cluster(extra: &str, nodes: u32, rest: &str) -> String {
    Cluster::new("3h")
        .policy(&format!("min_warm = 0\nmax_warm = 0\n{extra}"))
        .subnet("a", "z", "10.0.0.0/20")
        .nodes("S5.2XLARGE16", nodes)
        .with(rest)
}

fn deployment(replicas: u32, scale: &str) -> String {
    format!(
        "[[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = {replicas}\nscale = [{scale}]\n"
    )
}

#[test]
fn fifteen_hundred_attaches_at_10_per_second_take_at_least_150_seconds() {
    // 39 nodes x 39 slots for 1,500 pods at once; creates and polls are not the bottleneck.
    let vpc = "[vpc.rate_limit]\nattach = 10\ncreate = 100000\ndescribe_task = 100000\n";
    let (sum, rec) = run(&cluster(vpc, 39, &(deployment(1500, "") + "\n")));
    assert_eq!(sum.pods.started, 1500);
    // A bucket of 10 plus 10 per second admits the 1,500th attach no earlier than 149 s; the
    // attach itself takes 2 s more.
    assert!(
        sum.startup_latency_s.max >= Some(151.0),
        "{:?}",
        sum.startup_latency_s
    );
    // The 99th percentile pod (rank 1485) cannot have been admitted before (1485 - 10) / 10 s.
    assert!(
        sum.startup_latency_s.p99 >= Some(147.5 + 2.0),
        "{:?}",
        sum.startup_latency_s
    );
    assert!(sum.api.throttled > 0);
    assert_eq!(sum.api.errors["RequestLimitExceeded"], sum.api.throttled);
    // The attaches that got through: the 1,500th was sent no earlier than 149 s.
    let mut admitted: Vec<_> = rec
        .calls
        .iter()
        .filter(|c| c.api == "attach" && c.result == "ok")
        .map(|c| c.issued)
        .collect();
    admitted.sort();
    assert_eq!(admitted.len(), 1500);
    assert!(admitted[1499] >= common::s(149), "{:?}", admitted[1499]);
    assert!(
        sum.api.calls["attach"] > 1500,
        "throttled attaches are retried"
    );
}

/// One node; 5 pods at 10 min, just as attaches go down until 20 min; `retry` is extra
/// `[policy]` text.
fn attach_outage(retry: &str) -> (enisim::report::summary::Summary, common::Recorder) {
    let vpc =
        format!("{retry}\n[[vpc.outages]]\nstart = \"10m\"\nend = \"20m\"\napis = [\"attach\"]\n");
    run(&cluster(
        &vpc,
        1,
        &deployment(0, "{ at = \"10m\", replicas = 5 }"),
    ))
}

#[test]
fn an_attach_outage_delays_the_pods_that_need_an_eni_by_its_window() {
    let (sum, rec) = attach_outage("");
    // Created at 600 s (learned 601.1 s), each attach is refused, answered 100 ms later, and
    // retried after 1, 2, 4, 8, 16, 32, then 60 s: refusals at 601.1, 602.2, 604.3, 608.4,
    // 616.5, 632.6, 664.7, then every 60.1 s to 1145.5 (15 in all); the retry at 1205.6 s is
    // admitted, runs 2 s, and the poll at 1207.6 s answers at 1207.7 s.
    assert_eq!(sum.pods.started, 5);
    let l = &sum.startup_latency_s;
    assert_eq!((l.p50, l.max), (Some(607.7), Some(607.7)));
    assert_eq!(sum.api.errors["InternalError"], 5 * 15);
    assert!(rec
        .pods
        .iter()
        .all(|p| p.ready == Some(common::ms(1_207_700))));
}

#[test]
fn an_eni_quota_of_30_stops_at_30_running_pods() {
    let vpc = "[vpc]\neni_quota = 30\n";
    let (sum, _) = run(&cluster(vpc, 2, &deployment(40, "")));
    assert_eq!(sum.pods.running_at_end, 30);
    assert_eq!(sum.pods.waiting_eni_at_end, 10);
    assert_eq!(sum.churn.enis_created, 30);
    assert!(sum.api.errors["LimitExceeded"] > 0);
}

#[test]
fn a_slash_27_runs_29_pods_and_recovers_after_a_scale_in() {
    let toml = cluster(
        "",
        1,
        &deployment(
            35,
            "{ at = \"1h\", replicas = 20 }, { at = \"2h\", replicas = 29 }",
        ),
    )
    .replace("10.0.0.0/20", "10.0.0.0/27");
    let (sum, rec) = run(&toml);
    // 29 addresses: 29 pods run, 6 wait while the VPC answers ResourceInsufficient.
    assert_eq!(rec.at(1800).pods_running, 29);
    assert_eq!(rec.at(1800).pods_waiting_eni, 6);
    assert!(sum.api.errors["ResourceInsufficient"] > 0);
    // At 1 h the 6 waiting pods and 9 running ones go; with max_warm 0 the 9 idle ENIs are
    // released one per 2 minutes from 1h2m. The first release frees an address when its
    // delete is learned: detach 1 s (learned +1.1 s), delete 300 ms (learned at the poll
    // 1 s later, +1.1 s): 3722.2 s. Exhausted from t=0 until then, and again from 2 h, when
    // the 9 new pods' creates take the last 9 addresses, to the end at 3 h.
    assert_eq!(sum.subnets["a"].exhausted_s, 3722.2 + 3600.0);
    // At 2 h, 9 more pods find the addresses again.
    assert_eq!(sum.pods.running_at_end, 29);
    assert_eq!(sum.pods.waiting_eni_at_end, 0);
}

#[test]
fn heavy_faults_on_every_api_lose_nothing() {
    let faults = r#"
[vpc.faults]
create = 0.25
attach = 0.3
detach = 0.2
delete = 0.3
describe_task = 0.1
timeout = 0.1
"#;
    let toml = cluster(
        faults,
        4,
        &deployment(
            40,
            "{ at = \"1h\", replicas = 80 }, { at = \"2h\", replicas = 30 }",
        ),
    );
    for seed in 1..=5 {
        let seed_flag = format!("seed={seed}");
        let (sum, _) = run_with(
            &toml,
            &[seed_flag.as_str()],
            RunOptions {
                check: true,
                progress: None,
            },
        );
        let inv = &sum.invariants;
        assert_eq!(
            (inv.violations, inv.leaked_enis),
            (0, 0),
            "seed {seed}: {:?}",
            inv.details
        );
        assert_eq!(
            inv.orphans_at_end, 0,
            "seed {seed}: the reconciler found every orphan"
        );
        assert_eq!(sum.pods.running_at_end, 30, "seed {seed}");
        // The faults really fired.
        for code in ["InternalError", "Timeout"] {
            assert!(
                sum.api.errors.get(code).copied().unwrap_or(0) > 0,
                "seed {seed}: {code}"
            );
        }
        assert!(
            inv.orphans > 0,
            "seed {seed}: lost create answers made orphans"
        );
    }
}

#[test]
fn retry_jitter_spreads_the_retries_of_callers_that_failed_together() {
    let (sum, rec) = attach_outage("[policy.retry]\njitter = 1.0");
    assert_eq!(sum.pods.started, 5);
    let ready: Vec<u64> = rec
        .pods
        .iter()
        .filter_map(|p| p.ready)
        .map(|t| t.as_millis())
        .collect();
    // The first attach admitted is at or after 1200 s (the outage's end) and, the jittered
    // waits being at most the 60 s cap, before 1260.1 s; it is learned 2.1 s later.
    assert!(
        ready.iter().all(|&t| (1_202_100..=1_262_300).contains(&t)),
        "{ready:?}"
    );
    let mut distinct = ready.clone();
    distinct.sort();
    distinct.dedup();
    assert!(
        distinct.len() > 1,
        "without jitter all five are ready at 1207.7 s: {ready:?}"
    );
}
