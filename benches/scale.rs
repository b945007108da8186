//! Scale benchmark: `cargo bench --bench scale [-- SIZE...]`.
//!
//! For each cluster size (250, 500, 1,000, 2,000, 10,000 and 50,000 nodes; 2,000 is
//! `scenarios/large.toml` unchanged, the other sizes are the same file with `--set`-style
//! overrides giving the same churn per node, and above 2,000 nodes subnets of /11 instead of
//! /16 so that addresses do not run out) and each mode (`null`: `sim::run` into a `NullSink`;
//! `outputs`: `output::run_to_dir` into a temporary directory; `checked`: `sim::run_with` with
//! `RunOptions { check: true, progress: None }`, as `enisim run --check`, into a `NullSink`;
//! and, to tell where the outputs' cost lies, `rows`: every row built and dropped at once,
//! and `relay`: every row handed to the writer thread, which drops it),
//! the bench re-executes itself as a child
//! process (`scale --child SIZE MODE`), so that each run's peak memory (`VmHWM` from
//! `/proc/self/status`, the child's peak resident set) is its own. The child prints one
//! `RESULT` line; the parent gathers them into a table.
//!
//! In `null` mode the child then runs two baselines, in the same process right after the
//! simulation, processing the same number of events:
//! - `heap`: a bare `std::collections::BinaryHeap` of `Reverse((time, seq, payload))` with an
//!   8-byte `Copy` payload, prefilled with as many events as the sim had pods running at the
//!   end (the sim's queue holds about one expiry per live pod), where each pop schedules one
//!   new event at a random later time (up to twice the pods' mean lifetime);
//! - `queue`: the same pattern through `enisim::engine::EventQueue`, the sim's own queue.
//!
//! The ratio printed is (baseline events/s) / (sim events/s): how many times slower the whole
//! simulation (event loop, dispatch and model, no outputs) is than the bare heap alone.
//!
//! In `checked` mode the child then runs the same scenario unchecked (`sim::run`, `NullSink`),
//! in the same process right after; the ratio printed is checked wall time / unchecked wall
//! time, the cost of `--check` (the checked run includes its drain past the end).
//!
//! Selection: positional arguments or `SCALE_SIZES=250,500` pick sizes; `SCALE_MODES=null`
//! picks modes; `SCALE_SET=controller.workers=16,controller.vpc_qps=100` adds overrides to
//! every size; `SCALE_LIMITS=fixed` keeps large.toml's VPC limits and controller at every
//! size instead of scaling them with the nodes (see [`same_capacity_per_node`]); `SCALE_REPS=3` runs each measurement 3 times in its child and keeps the fastest
//! (peak memory is read after the first run, before repetitions can inherit its freed memory).
//! `SCALE_BASELINE=0` skips the baselines (to profile a child alone:
//! `perf record target/release/deps/scale-* --child 2000 null`).

mod common;
use common::{child_result, vm_hwm_kib};
use enisim::engine::{EventQueue, SimTime};
use enisim::report::relay::Relay;
use enisim::report::rows::{ApiCallRow, EniRow, NullSink, PodRow, SampleRow, Sink};
use enisim::sim::RunOptions;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// As the `enisim` binary: big tables on huge pages.
#[global_allocator]
static ALLOCATOR: enisim::engine::huge_pages::HugePageAlloc =
    enisim::engine::huge_pages::HugePageAlloc;

const SIZES: [u32; 6] = [250, 500, 1000, 2000, 10_000, 50_000];
const CHECKED: RunOptions = RunOptions {
    check: true,
    progress: None,
};
/// large.toml's nodes and arrival rate: the churn per node every size keeps.
const LARGE_NODES: u32 = 2000;
const LARGE_RATE: f64 = 694.4;
const GROUPS: u32 = 3;
/// large.toml's mean pod lifetime, ms.
const MEAN_LIFETIME_MS: u64 = 3_456_000;

fn scenario_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/large.toml")
}

/// `--set`-style overrides for `nodes` nodes at large.toml's churn per node, then those of
/// `SCALE_SET`.
fn overrides(nodes: u32) -> Vec<String> {
    let mut v = Vec::new();
    if nodes != LARGE_NODES {
        v.extend((0..GROUPS).map(|g| {
            let count = nodes / GROUPS + u32::from(g < nodes % GROUPS);
            format!("node_groups.{g}.count={count}")
        }));
        let rate = LARGE_RATE * f64::from(nodes) / f64::from(LARGE_NODES);
        v.push(format!("workloads.0.arrivals_per_minute={rate}"));
    }
    if nodes > LARGE_NODES {
        // A /16 per zone holds large.toml's ~14,000 ENIs a zone, not 5 or 25 times that.
        v.extend((0..GROUPS).map(|g| format!("subnets.{g}.cidr=10.{}.0.0/11", g * 32)));
    }
    if nodes != LARGE_NODES && std::env::var("SCALE_LIMITS").as_deref() != Ok("fixed") {
        v.extend(same_capacity_per_node(nodes));
    }
    if let Ok(extra) = std::env::var("SCALE_SET") {
        v.extend(extra.split(',').map(|s| s.trim().to_string()));
    }
    v
}

/// The VPC's rate limits and the ENI controller (workers, client limit, requeue bucket) in
/// proportion to the nodes, so that every size has large.toml's capacity per node and does
/// the same work per node: with large.toml's fixed limits a bigger cluster saturates them
/// (`SCALE_LIMITS=fixed`), and then the model does less per pod, not the simulator more.
fn same_capacity_per_node(nodes: u32) -> Vec<String> {
    let scale = f64::from(nodes) / f64::from(LARGE_NODES);
    // Counts (rate limits in whole calls, workers, bursts) round, to at least 1.
    let times = |base: f64| (base * scale).round().max(1.0);
    let mut v: Vec<String> = [
        ("create", 100.0),
        ("attach", 100.0),
        ("detach", 50.0),
        ("delete", 100.0),
        ("describe_task", 20.0),
    ]
    .iter()
    .map(|(api, rate)| format!("vpc.rate_limit.{api}={}", times(*rate)))
    .collect();
    v.push(format!("controller.workers={}", times(1.0)));
    v.push(format!("controller.vpc_qps={}", 5.0 * scale));
    v.push(format!("controller.vpc_burst={}", times(10.0)));
    v.push(format!("controller.requeue_qps={}", 10.0 * scale));
    v.push(format!("controller.requeue_burst={}", times(100.0)));
    v
}

fn reps() -> usize {
    std::env::var("SCALE_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize)
        .max(1)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--bench") && a != "--nocapture")
        .collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(&args[1], &args[2]);
    } else {
        parent(&args);
    }
}

/// One size in one mode, in this process.
fn child(size: &str, mode: &str) {
    let nodes: u32 = size.parse().expect("size");
    let load_started = Instant::now();
    let scenario =
        enisim::scenario::load(&scenario_path(), &overrides(nodes)).expect("scenario loads");
    let load = load_started.elapsed();
    let mut best = Duration::MAX;
    let mut summary = None;
    // Peak memory of the first run alone: later repetitions reuse memory the allocator kept.
    let mut hwm = 0;
    for _ in 0..reps() {
        let sc = scenario.clone();
        let started = Instant::now();
        let s = match mode {
            "null" => enisim::sim::run(sc, &mut NullSink).expect("run"),
            "checked" => enisim::sim::run_with(sc, &mut NullSink, CHECKED).expect("run"),
            "rows" => enisim::sim::run(sc, &mut Dropping).expect("run"),
            "relay" => {
                let mut relay = Relay::spawn(Dropping).expect("thread");
                let s = enisim::sim::run(sc, &mut relay).expect("run");
                relay.finish();
                s
            }
            "outputs" => {
                let dir = tempfile::tempdir().expect("tempdir");
                let s = enisim::output::run_to_dir(
                    sc,
                    &dir.path().join("out"),
                    false,
                    Default::default(),
                )
                .expect("run");
                best = best.min(started.elapsed());
                summary = Some(s);
                if hwm == 0 {
                    hwm = vm_hwm_kib();
                }
                continue;
            }
            other => panic!("unknown mode {other}"),
        };
        best = best.min(started.elapsed());
        summary = Some(s);
        if hwm == 0 {
            hwm = vm_hwm_kib();
        }
    }
    let s = summary.expect("ran");
    let events = s.events_processed;
    print!(
        "RESULT nodes={nodes} mode={mode} events={events} lifecycles={} running_end={} load_s={:.4} wall_s={:.4} hwm_kib={hwm} fingerprint={}",
        s.pods.created,
        s.pods.running_at_end,
        load.as_secs_f64(),
        best.as_secs_f64(),
        s.fingerprint,
    );
    if mode == "checked" {
        assert_eq!(s.invariants.violations, 0, "{:?}", s.invariants.details);
        // The same run unchecked, in the same process right after: the checks' cost.
        let mut plain = Duration::MAX;
        for _ in 0..reps() {
            let started = Instant::now();
            let p = enisim::sim::run(scenario.clone(), &mut NullSink).expect("run");
            plain = plain.min(started.elapsed());
            assert_eq!(p.pods.created, s.pods.created, "checks change nothing");
        }
        print!(" plain_s={:.4}", plain.as_secs_f64());
    }
    if mode == "null" && std::env::var("SCALE_BASELINE").as_deref() != Ok("0") {
        let prefill = s.pods.running_at_end as usize;
        let mut heap_best = Duration::MAX;
        let mut queue_best = Duration::MAX;
        let mut check = 0;
        for _ in 0..reps() {
            let (t, c) = bare_heap(events, prefill);
            heap_best = heap_best.min(t);
            let (t, c2) = event_queue(events, prefill);
            queue_best = queue_best.min(t);
            assert_eq!(c, c2, "both baselines pop the same events");
            check = c;
        }
        print!(
            " heap_s={:.4} queue_s={:.4} check={check:x}",
            heap_best.as_secs_f64(),
            queue_best.as_secs_f64()
        );
    }
    println!();
}

/// Takes every row and drops it: what building the rows costs the simulation (`rows`
/// mode), or handing them to another thread (`relay` mode), without formatting or writing.
struct Dropping;

impl Sink for Dropping {
    fn pod(&mut self, _: &PodRow) {}
    fn eni(&mut self, _: &EniRow) {}
    fn api_call(&mut self, _: &ApiCallRow) {}
    fn sample(&mut self, _: &SampleRow) {}
}

/// A small `Copy` payload like the sim's `Event` (a tag and an id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Payload {
    tag: u32,
    id: u32,
}

/// splitmix64: a fast deterministic generator, so the baseline's time is the heap's.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn delay(&mut self) -> u64 {
        self.next() % (2 * MEAN_LIFETIME_MS)
    }
}

/// A bare binary-heap event loop: `events` pops, each scheduling one new event.
fn bare_heap(events: u64, prefill: usize) -> (Duration, u64) {
    let mut rng = Rng(1);
    let mut heap = BinaryHeap::with_capacity(prefill + 1);
    let mut seq = 0u64;
    for i in 0..prefill {
        let payload = Payload {
            tag: 11,
            id: i as u32,
        };
        heap.push(Reverse((rng.delay(), seq, payload)));
        seq += 1;
    }
    let started = Instant::now();
    let mut check = 0u64;
    for _ in 0..events {
        let Some(Reverse((t, _, p))) = heap.pop() else {
            break;
        };
        check = check.wrapping_mul(31).wrapping_add(t ^ u64::from(p.id));
        let next = Payload {
            tag: p.tag,
            id: p.id.wrapping_add(1),
        };
        heap.push(Reverse((t + rng.delay(), seq, next)));
        seq += 1;
    }
    (started.elapsed(), check)
}

/// The same pattern through the sim's `EventQueue`.
fn event_queue(events: u64, prefill: usize) -> (Duration, u64) {
    let mut rng = Rng(1);
    let mut queue = EventQueue::new();
    for i in 0..prefill {
        let payload = Payload {
            tag: 11,
            id: i as u32,
        };
        queue.schedule(SimTime(rng.delay()), payload);
    }
    let started = Instant::now();
    let mut check = 0u64;
    for _ in 0..events {
        let Some((t, p)) = queue.pop() else {
            break;
        };
        let t = t.as_millis();
        check = check.wrapping_mul(31).wrapping_add(t ^ u64::from(p.id));
        let next = Payload {
            tag: p.tag,
            id: p.id.wrapping_add(1),
        };
        queue.schedule(SimTime(t + rng.delay()), next);
    }
    (started.elapsed(), check)
}

/// Fields of a child's `RESULT` line.
struct Row(Vec<(String, String)>);

impl Row {
    fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
    fn f(&self, key: &str) -> f64 {
        self.get(key).parse().unwrap_or(f64::NAN)
    }
}

fn parent(args: &[String]) {
    let sizes: Vec<u32> = if !args.is_empty() {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    } else if let Ok(v) = std::env::var("SCALE_SIZES") {
        v.split(',').filter_map(|a| a.trim().parse().ok()).collect()
    } else {
        SIZES.to_vec()
    };
    let modes: Vec<String> = std::env::var("SCALE_MODES")
        .map(|v| v.split(',').map(|m| m.trim().to_string()).collect())
        .unwrap_or_else(|_| vec!["null".into(), "outputs".into(), "checked".into()]);
    println!(
        "scale bench: {} (24 h virtual, {LARGE_RATE} arrivals/min per {LARGE_NODES} nodes), each run in its own child process, best of {} rep(s)",
        scenario_path().display(),
        reps()
    );
    println!(
        "{:>6} {:>7} {:>10} {:>9} {:>8} {:>8} {:>11} {:>12} {:>9} {:>17}",
        "nodes",
        "mode",
        "events",
        "pods",
        "ev/pod",
        "wall_s",
        "events/s",
        "lifecycles/s",
        "peak_MiB",
        "fingerprint"
    );
    let mut baselines = Vec::new();
    let mut checked = Vec::new();
    for &nodes in &sizes {
        for mode in &modes {
            let line = child_result(["--child", &nodes.to_string(), mode]);
            let row = Row(line
                .split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect());
            let wall = row.f("wall_s");
            println!(
                "{:>6} {:>7} {:>10} {:>9} {:>8.2} {:>8.3} {:>11.0} {:>12.0} {:>9.1} {:>17}",
                nodes,
                mode,
                row.get("events"),
                row.get("lifecycles"),
                row.f("events") / row.f("lifecycles"),
                wall,
                row.f("events") / wall,
                row.f("lifecycles") / wall,
                row.f("hwm_kib") / 1024.0,
                row.get("fingerprint"),
            );
            match mode.as_str() {
                // Without `SCALE_BASELINE=0` only: there is nothing to compare otherwise.
                "null" if !row.get("heap_s").is_empty() => baselines.push((nodes, row)),
                "checked" => checked.push((nodes, row)),
                _ => {}
            }
        }
    }
    if !checked.is_empty() {
        println!();
        println!(
            "checked runs (--check, no outputs) against the same run unchecked, in the same child:"
        );
        println!(
            "{:>5} {:>9} {:>10} {:>10} {:>8}",
            "nodes", "events", "checked_s", "plain_s", "ratio"
        );
        for (nodes, row) in &checked {
            println!(
                "{:>5} {:>9} {:>10.3} {:>10.3} {:>7.2}x",
                nodes,
                row.get("events"),
                row.f("wall_s"),
                row.f("plain_s"),
                row.f("wall_s") / row.f("plain_s")
            );
        }
        println!("ratio: checked wall time / unchecked wall time (the checked run also drains the VPC's work after the end)");
    }
    if baselines.is_empty() {
        return;
    }
    println!();
    println!("baselines (same child, right after the null-sink run; same number of events):");
    println!(
        "{:>6} {:>9} {:>12} {:>12} {:>12} {:>10} {:>10}",
        "nodes", "prefill", "sim ev/s", "heap ev/s", "queue ev/s", "heap/sim", "heap/queue"
    );
    for (nodes, row) in &baselines {
        let events = row.f("events");
        let sim = events / row.f("wall_s");
        let heap = events / row.f("heap_s");
        let queue = events / row.f("queue_s");
        println!(
            "{:>6} {:>9} {:>12.0} {:>12.0} {:>12.0} {:>9.2}x {:>9.2}x",
            nodes,
            row.get("running_end"),
            sim,
            heap,
            queue,
            heap / sim,
            heap / queue
        );
    }
    println!("heap/sim: how many times slower the whole simulation (NullSink) is than a bare BinaryHeap loop; heap/queue: the same for enisim's EventQueue alone");
}
