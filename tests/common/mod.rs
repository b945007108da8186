//! Helpers shared by the behaviour tests: run a scenario written inline and keep every row.

#![allow(dead_code)]

use enisim::engine::SimTime;
use enisim::report::rows::{ApiCallRow, EniRow, PodRow, SampleRow, Sink};
use enisim::report::summary::Summary;

/// An ENI row, owned.
#[derive(Clone, Debug)]
pub struct Eni {
    pub eni: u32,
    pub subnet: String,
    pub ip: String,
    pub node: String,
    pub created: SimTime,
    pub attached: Option<SimTime>,
    pub released: Option<SimTime>,
    pub deleted: Option<SimTime>,
    pub state: &'static str,
}

/// A pod row, owned.
#[derive(Clone, Debug)]
pub struct Pod {
    pub name: String,
    pub node: Option<String>,
    pub zone: Option<String>,
    pub ip: Option<String>,
    pub scheduled: Option<SimTime>,
    pub ready: Option<SimTime>,
    pub deleted: Option<SimTime>,
    pub from_pool: bool,
    pub failure: Option<&'static str>,
    pub end: Option<&'static str>,
}

/// An API call row, owned.
#[derive(Clone, Debug)]
pub struct Call {
    pub issued: SimTime,
    pub api: &'static str,
    pub node: String,
    pub latency: SimTime,
    pub result: &'static str,
}

/// Keeps every row a run streams.
#[derive(Default)]
pub struct Recorder {
    pub pods: Vec<Pod>,
    pub enis: Vec<Eni>,
    pub calls: Vec<Call>,
    pub samples: Vec<SampleRow>,
}

impl Sink for Recorder {
    fn pod(&mut self, r: &PodRow) {
        self.pods.push(Pod {
            name: format!("{}-{}", r.workload, r.serial),
            node: r.node.map(|(g, o)| format!("{g}-{o}")),
            zone: r.zone.map(str::to_string),
            ip: r.ip.map(|ip| ip.to_string()),
            scheduled: r.scheduled,
            ready: r.ready,
            deleted: r.deleted,
            from_pool: r.from_pool,
            failure: r.failure,
            end: r.end,
        });
    }
    fn eni(&mut self, r: &EniRow) {
        self.enis.push(Eni {
            eni: r.eni,
            subnet: r.subnet.to_string(),
            ip: r.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            node: format!("{}-{}", r.node.0, r.node.1),
            created: r.created,
            attached: r.attached,
            released: r.released,
            deleted: r.deleted,
            state: r.state,
        });
    }
    fn api_call(&mut self, r: &ApiCallRow) {
        self.calls.push(Call {
            issued: r.issued,
            api: r.api,
            node: format!("{}-{}", r.node.0, r.node.1),
            latency: r.latency,
            result: r.result,
        });
    }
    fn sample(&mut self, r: &SampleRow) {
        self.samples.push(*r);
    }
}

impl Recorder {
    /// Every incarnation of the pod named `name`, in the order their rows were written.
    pub fn incarnations(&self, name: &str) -> Vec<&Pod> {
        let mut v: Vec<&Pod> = self.pods.iter().filter(|p| p.name == name).collect();
        v.sort_by_key(|p| p.scheduled);
        v
    }

    /// The sample taken at `secs` seconds.
    pub fn at(&self, secs: u64) -> SampleRow {
        *self
            .samples
            .iter()
            .find(|s| s.time == SimTime::from_secs(secs))
            .unwrap_or_else(|| panic!("no sample at {secs}s"))
    }
}

/// A one-zone cluster as scenario TOML, where most behaviour tests start: a run of
/// `duration`, a `[policy]` table, one subnet and node group "w" in its zone. Unless a setter
/// says otherwise: subnet "a" (10.0.0.0/24) in zone "z", one S5.2XLARGE16 node, default
/// policy; [`Cluster::with`] appends the rest (workloads, events, more tables).
#[derive(Clone, Debug)]
pub struct Cluster {
    duration: String,
    sample_interval: Option<String>,
    policy: String,
    subnet: (String, String, String),
    nodes: (String, u32),
}

impl Cluster {
    /// The cluster above, for a run of `duration` (e.g. "2h").
    pub fn new(duration: &str) -> Self {
        Cluster {
            duration: duration.into(),
            sample_interval: None,
            policy: String::new(),
            subnet: ("a".into(), "z".into(), "10.0.0.0/24".into()),
            nodes: ("S5.2XLARGE16".into(), 1),
        }
    }

    /// Writes `sample_interval` out (after `duration`).
    pub fn sample_interval(mut self, interval: &str) -> Self {
        self.sample_interval = Some(interval.into());
        self
    }

    /// Lines under `[policy]`: its keys, then any tables that may follow it
    /// (`[vpc.latency]`, `[vpc.rate_limit]`).
    pub fn policy(mut self, lines: &str) -> Self {
        self.policy = lines.into();
        self
    }

    /// The one subnet: its `id`, `zone` (the node group's too) and `cidr`.
    pub fn subnet(mut self, id: &str, zone: &str, cidr: &str) -> Self {
        self.subnet = (id.into(), zone.into(), cidr.into());
        self
    }

    /// Node group "w": `count` nodes of `instance_type`.
    pub fn nodes(mut self, instance_type: &str, count: u32) -> Self {
        self.nodes = (instance_type.into(), count);
        self
    }

    /// The scenario, with `rest` (TOML) after the node group.
    pub fn with(&self, rest: &str) -> String {
        let Cluster {
            duration,
            sample_interval,
            policy,
            subnet: (id, zone, cidr),
            nodes: (instance_type, count),
        } = self;
        let sample_interval = sample_interval
            .as_ref()
            .map_or(String::new(), |i| format!("sample_interval = \"{i}\"\n"));
        format!(
            r#"
duration = "{duration}"
{sample_interval}[policy]
{policy}
[[subnets]]
id = "{id}"
zone = "{zone}"
cidr = "{cidr}"
[[node_groups]]
name = "w"
instance_type = "{instance_type}"
zone = "{zone}"
count = {count}
{rest}
"#
        )
    }
}

/// Runs a scenario given as TOML text and returns its summary and every row.
pub fn run(toml: &str) -> (Summary, Recorder) {
    run_with(toml, &[], enisim::sim::RunOptions::default())
}

/// The behaviour tests' timings were computed by hand for the per-node executor (each VPC
/// call sent as soon as it is decided, each failure retried on its own): a scenario without
/// a `[controller]` table of its own runs under it.
pub fn per_node_unless_given(toml: &str) -> String {
    if toml.contains("[controller]") {
        return toml.to_string();
    }
    format!("{toml}\n[controller]\nmodel = \"per_node\"\n")
}

/// As [`run`], with `--set` overrides and run options.
pub fn run_with(
    toml: &str,
    overrides: &[&str],
    options: enisim::sim::RunOptions,
) -> (Summary, Recorder) {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let toml = per_node_unless_given(toml);
    let sc = enisim::scenario::load_str(&toml, "test.toml", "test", &overrides)
        .unwrap_or_else(|e| panic!("scenario does not load: {e}"));
    let mut rec = Recorder::default();
    let summary =
        enisim::sim::run_with(sc, &mut rec, options).unwrap_or_else(|e| panic!("run failed: {e}"));
    assert_eq!(
        summary.invariants.violations, 0,
        "invariants broken: {:?}",
        summary.invariants.details
    );
    (summary, rec)
}

/// Seconds as virtual time.
pub fn s(secs: u64) -> SimTime {
    SimTime::from_secs(secs)
}

/// Milliseconds as virtual time.
pub fn ms(ms: u64) -> SimTime {
    SimTime::from_millis(ms)
}
