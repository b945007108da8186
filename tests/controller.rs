//! The ENI controller's work queue (`[controller] model = "queue"`), computed by hand on small
//! clusters, and the per-node model reproducing enisim's earlier figures. Defaults: create
//! 300 ms, attach 2 s, DescribeVpcTaskResult 100 ms polled every 1 s; a refusal answers after
//! 100 ms; a worker is held for 100 ms by each call it sends.

mod common;
use common::{ms, run, Cluster};
use enisim::engine::SimTime;
use enisim::report::rows::NullSink;

/// When each `api` call was sent, in order, with its result.
fn sent(rec: &common::Recorder, api: &str) -> Vec<(SimTime, &'static str)> {
    let mut v: Vec<_> = rec
        .calls
        .iter()
        .filter(|c| c.api == api)
        .map(|c| (c.issued, c.result))
        .collect();
    v.sort();
    v
}

#[test]
fn one_worker_at_5_per_second_sends_50_creates_200_ms_apart_and_none_is_throttled() {
    // 50 empty nodes each want one ENI (min_warm = 1). The worker takes the nodes in order;
    // each create waits for the client bucket (5 per second, burst 1): 0, 0.2, ..., 9.8 s.
    // A node whose create is learned (1.1 s after it) is queued again behind the nodes not
    // yet served, so the attaches follow the creates: 10.0, 10.2, ..., 19.8 s.
    let toml = Cluster::new("2m")
        .policy("[controller]\nworkers = 1\nvpc_qps = 5\nvpc_burst = 1\n")
        .nodes("S5.2XLARGE16", 50)
        .with("");
    let (sum, rec) = run(&toml);
    let creates = sent(&rec, "create");
    let expected: Vec<_> = (0..50).map(|k| (ms(200 * k), "ok")).collect();
    assert_eq!(creates, expected);
    let attaches = sent(&rec, "attach");
    let expected: Vec<_> = (0..50).map(|k| (ms(10_000 + 200 * k), "ok")).collect();
    assert_eq!(attaches, expected);
    assert_eq!(sum.api.throttled, 0, "{:?}", sum.api.errors);
    assert_eq!(sum.pool.peak_idle_enis, 50);
    assert_eq!(sum.controller.client_throttled_calls, Some(99));
    assert_eq!(sum.controller.model, "queue");
}

#[test]
fn a_failing_item_backs_off_5_10_20_ms_to_its_cap_and_a_success_forgets_it() {
    // One node wanting one ENI while creates are down (refused after 100 ms) from 0 to 1 s,
    // and again from 10 s to 11 s, when a pod takes the node's idle ENI and the pool wants
    // another. Each refusal requeues the node after 5 ms, 10 ms, 20 ms, then the 40 ms cap.
    let toml = Cluster::new("1m")
        .policy(concat!(
            "[controller]\nvpc_qps = 1000\nvpc_burst = 1000\nitem_backoff_max = \"40ms\"\n",
            "[[vpc.outages]]\nstart = \"0s\"\nend = \"1s\"\napis = [\"create\"]\n",
            "[[vpc.outages]]\nstart = \"10s\"\nend = \"11s\"\napis = [\"create\"]\n",
        ))
        .with(
            "[[workloads]]\nname = \"web\"\nkind = \"deployment\"\nreplicas = 1\nstart = \"10s\"\n",
        );
    let (sum, rec) = run(&toml);
    let creates = sent(&rec, "create");
    let round = |from: u64| -> Vec<(SimTime, &'static str)> {
        let mut at = from;
        let mut v = Vec::new();
        for wait in [5, 10, 20, 40, 40, 40, 40, 40] {
            v.push((ms(at), "InternalError"));
            at += 100 + wait;
        }
        v.push((ms(at), "ok"));
        v
    };
    let expected = [round(0), round(10_000)].concat();
    assert_eq!(creates, expected);
    // The success at 1,035 ms is learned at 2,135 ms: the second round starts from 5 ms again.
    assert_eq!(sum.controller.requeues, Some(16));
    assert_eq!(sum.churn.enis_created, 2);
}

/// The fingerprints of the shipped scenarios before the queue model existed.
const PER_NODE_FINGERPRINTS: [(&str, &str); 8] = [
    ("alibaba-replay", "2348ab2f151f5b58"),
    ("diurnal-web-day", "1dbefca7966505c2"),
    ("large", "3c70c488718e6eee"),
    ("mixed-zones", "59ffd09546af5f29"),
    ("quickstart", "04c0b4f734cc796a"),
    ("scale-up-storm", "fd7b24aca674395c"),
    ("statefulset-restart", "92782f9f60c124f2"),
    ("tuning", "293f9813183302ae"),
];

#[test]
fn the_per_node_model_reproduces_the_shipped_scenarios_event_for_event() {
    let per_node = ["controller.model=per_node".to_string()];
    for (name, fingerprint) in PER_NODE_FINGERPRINTS {
        let path = format!("scenarios/{name}.toml");
        let sc = enisim::scenario::load(std::path::Path::new(&path), &per_node).unwrap();
        let sum = enisim::sim::run(sc, &mut NullSink).unwrap();
        assert_eq!(sum.fingerprint, fingerprint, "{name}");
        assert_eq!(sum.controller.model, "per_node");
        assert_eq!(
            sum.controller.reconciles, None,
            "no queue: nothing to count"
        );
    }
}
