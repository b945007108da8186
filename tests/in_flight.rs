//! Pods that end and nodes that go while their ENI is still in flight (creating, attaching,
//! detaching, deleting): the four scenarios of issue 18 and a grid of flapping timings, each
//! run with every invariant checked after every event and a drain at the end that must leave
//! nothing leaked. `run_with` fails the test on any broken invariant.

mod common;
use common::{run_with, Cluster};
use enisim::sim::RunOptions;

const CHECK: RunOptions = RunOptions {
    check: true,
    progress: None,
};

/// One S5.2XLARGE16 node on a /24 subnet, `policy` and `rest` (TOML) after them.
fn one_node(policy: &str, rest: &str) -> String {
    Cluster::new("10m").policy(policy).with(rest)
}

/// The flapping statefulset of issue 18, case 1.
const FLAPPING_DB: &str = r#"
[[workloads]]
name = "db"
kind = "statefulset"
replicas = 0
scale = [ { at = "100s", replicas = 1 }, { at = "101s", replicas = 0 },
          { at = "102s", replicas = 1 }, { at = "103s", replicas = 0 },
          { at = "104s", replicas = 1 } ]
"#;

#[test]
fn case1_flapping_statefulset_in_static_mode_ends_with_its_pod_running() {
    let (sum, rec) = run_with(&one_node("mode = \"static\"", FLAPPING_DB), &[], CHECK);
    assert_eq!(sum.invariants.leaked_enis, 0);
    assert_eq!(sum.pods.created, 3);
    let inc = rec.incarnations("db-0");
    assert_eq!(inc.len(), 3);
    assert!(inc[..2].iter().all(|p| p.end == Some("deleted")));
    assert!(inc[2].ready.is_some() && inc[2].deleted.is_none());
}

#[test]
fn case1_flapping_statefulset_without_static_ip_in_pool_mode() {
    let db = FLAPPING_DB.replace("replicas = 0\n", "replicas = 0\nstatic_ip = false\n");
    let (sum, rec) = run_with(&one_node("", &db), &[], CHECK);
    assert_eq!(sum.invariants.leaked_enis, 0);
    // min_warm 1 keeps an ENI ready: every incarnation takes the pool's idle ENI at once.
    let inc = rec.incarnations("db-0");
    assert_eq!(inc.len(), 3);
    assert!(inc.iter().all(|p| p.from_pool && p.ready == p.scheduled));
    assert_eq!(sum.static_ip.retained, 0);
}

#[test]
fn case2_flapping_trace_pod_in_static_mode() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("flap.csv");
    std::fs::write(
        &trace,
        "time,action,pod,workload,static_ip\n100,create,db-0,db,true\n101,delete,db-0,db,true\n\
         102,create,db-0,db,true\n103,delete,db-0,db,true\n104,create,db-0,db,true\n",
    )
    .unwrap();
    let workload = format!(
        "[[workloads]]\nname = \"db\"\nkind = \"trace\"\npath = {:?}\n",
        trace.display().to_string()
    );
    let (sum, rec) = run_with(&one_node("mode = \"static\"", &workload), &[], CHECK);
    assert_eq!(sum.invariants.leaked_enis, 0);
    assert_eq!(sum.pods.created, 3);
    let inc = rec.incarnations("db-0");
    assert!(inc[2].ready.is_some() && inc[2].deleted.is_none());
}

/// A trace of `rows` creates and deletes of 12 pod names, 0 to 60 s apart in the trace's
/// time (0 to 600 ms once scaled by 0.01), names reused so static-IP pods come back to their
/// kept ENI while it may still be in flight.
/// Returns the trace and its number of creates.
fn churning_trace(rows: u32, static_ip: bool) -> (String, u64) {
    let mut out = String::from("time,action,pod,workload,static_ip\n");
    let mut live = [false; 12];
    let mut x: u64 = 7;
    let mut creates = 0;
    for i in 0..rows {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let slot = (x >> 33) as usize % live.len();
        let action = if live[slot] { "delete" } else { "create" };
        live[slot] = !live[slot];
        creates += u64::from(live[slot]);
        let t = f64::from(i) * 30.0 + ((x >> 20) % 30) as f64;
        out += &format!("{t},{action},web-{slot},web,{static_ip}\n");
    }
    (out, creates)
}

#[test]
fn case3_deployment_trace_replayed_100x_faster() {
    let dir = tempfile::tempdir().unwrap();
    for (policy, static_ip) in [
        ("mode = \"static\"", true),
        ("", false),
        ("mode = \"static\"", false),
    ] {
        let trace = dir.path().join(format!("web-{static_ip}.csv"));
        let (rows, creates) = churning_trace(400, static_ip);
        std::fs::write(&trace, rows).unwrap();
        let workload = format!(
            "[[workloads]]\nname = \"web\"\nkind = \"trace\"\ntime_scale = 0.01\npath = {:?}\n",
            trace.display().to_string()
        );
        let (sum, _) = run_with(&one_node(policy, &workload), &[], CHECK);
        assert_eq!(sum.invariants.leaked_enis, 0, "{policy} {static_ip}");
        assert_eq!(sum.pods.created, creates, "{policy} {static_ip}");
    }
}

#[test]
fn case4_drain_meets_an_attach_still_in_flight() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/statefulset-restart.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let slow = text.replace(
        "attach = { median = \"2s\", p99 = \"6s\" }",
        "attach = { median = \"2s\", p99 = \"1d\" }",
    );
    assert_ne!(slow, text, "the scenario's attach latency line moved");
    let (sum, rec) = run_with(&slow, &[], CHECK);
    assert_eq!(sum.invariants.leaked_enis, 0);
    assert!(
        rec.pods.iter().any(|p| p.end == Some("node_drained")),
        "the drain ended pods"
    );
}

/// A statefulset pod that ran once (so it has a kept ENI) and then flaps every `gap_ms`,
/// under fixed attach and detach latencies: with the grid below, its next incarnation comes
/// while the kept ENI is attaching, attached, detaching or retained, and on either node.
fn flapping_after_start(gap_ms: u64, attach: &str, detach: &str) -> String {
    let mut scale = Vec::new();
    for i in 0..8u64 {
        let at = 60_000 + i * gap_ms;
        scale.push(format!("{{ at = \"{at}ms\", replicas = {} }}", (i + 1) % 2));
    }
    Cluster::new("10m")
        .policy(&format!(
            "mode = \"static\"\n[vpc.latency]\nattach = \"{attach}\"\ndetach = \"{detach}\""
        ))
        .subnet("a", "z", "10.0.0.0/28")
        .nodes("S5.LARGE8", 2)
        .with(&format!(
            r#"[[workloads]]
name = "db"
kind = "statefulset"
replicas = 2
scale = [ {} ]
[[events]]
at = "{drain}ms"
action = "drain_nodes"
node_group = "w"
count = 1"#,
            scale.join(", "),
            drain = 60_000 + 5 * gap_ms + gap_ms / 2,
        ))
}

#[test]
fn kept_enis_flapping_in_every_in_flight_state_keep_the_books() {
    for gap_ms in [300, 700, 1_000, 1_500, 2_200] {
        for attach in ["500ms", "2s", "4s"] {
            for detach in ["200ms", "1s", "3s"] {
                let toml = flapping_after_start(gap_ms, attach, detach);
                let (sum, _) = run_with(&toml, &[], CHECK);
                assert_eq!(sum.invariants.leaked_enis, 0, "{gap_ms} {attach} {detach}");
            }
        }
    }
}
