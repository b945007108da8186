//! Whole scenarios made up from a seed, to find what the shipped scenarios never reach: tiny
//! subnets that run dry, node groups of 0 to 3 small nodes, every workload kind with
//! flapping scales and sub-second lifetimes, every cluster event at random times, every policy
//! family (with canary node groups) with random retention, release and family settings, and
//! VPC latencies whose tail reaches a day, with faults and outages.
//!
//! Every case is valid input (the loader accepts it) and small (a few nodes, minutes to
//! hours of virtual time, at most a few hundred pods), so that thousands of seeds run in a
//! couple of minutes. The same seed always makes the same case.

use super::case::{Case, TracePod};
use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::cloud::instance::{eni_pods_for, SIZES, SUPPORTED_FAMILIES};
use crate::engine::time::format_duration;
use crate::engine::{RngStreams, SimTime, Stream};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use toml::{Table, Value};

/// Shortest and longest run, minutes.
const RUN_MINUTES: (f64, f64) = (5.0, 180.0);
/// Most pods a poisson workload is expected to create over the run.
const MAX_POISSON_PODS: f64 = 150.0;
/// Longest tail (p99) a VPC latency is given.
const MAX_LATENCY_TAIL: SimTime = SimTime::from_secs(86_400);
/// How far from a hot spot an instant drawn near it may be.
const HOT_SPREAD: SimTime = SimTime::from_secs(20);
/// Subnet prefix lengths drawn: tiny subnets (a /29 has 5 usable addresses) run dry.
const PREFIXES: [u8; 7] = [24, 26, 27, 28, 28, 29, 29];
/// Workload kinds, as the scenario file spells them.
const KINDS: [&str; 5] = ["deployment", "statefulset", "poisson", "burst", "trace"];
/// Cluster event actions, as the scenario file spells them.
const ACTIONS: [&str; 6] = [
    "add_nodes",
    "delete_nodes",
    "drain_nodes",
    "crash_nodes",
    "set_max_attach",
    "set_warm",
];

/// The case of `seed`: a valid scenario named `gen-<seed>` that runs with that seed.
pub fn generate(seed: u64) -> Case {
    let mut rng = RngStreams::new(seed).stream(Stream::Swarm);
    let minutes = log_uniform(&mut rng, RUN_MINUTES.0, RUN_MINUTES.1);
    let duration = SimTime((minutes * 60_000.0) as u64);
    let mut g = Gen {
        rng,
        duration,
        static_mode: false,
        zones: Vec::new(),
        groups: Vec::new(),
        subnet_zones: Vec::new(),
        hot: Vec::new(),
        custom_types: Vec::new(),
    };
    let hot = g.rng.random_range(1..=3);
    g.hot = (0..hot).map(|_| g.instant()).collect();
    g.static_mode = g.rng.random_bool(0.5);
    let zone_count = g.rng.random_range(1..=3);
    g.zones = (1..=zone_count).map(|z| format!("zone-{z}")).collect();
    let mut doc = Table::new();
    doc.insert("name".into(), super::stem(seed).into());
    doc.insert("seed".into(), int(seed));
    doc.insert("duration".into(), time(duration));
    if g.rng.random_bool(0.3) {
        let interval = g.duration_between(1_000, 300_000);
        doc.insert("sample_interval".into(), interval);
    }
    let mut policy = g.policy();
    doc.insert("vpc".into(), Value::Table(g.vpc()));
    if g.maybe(0.7) {
        doc.insert("controller".into(), Value::Table(g.controller()));
    }
    doc.insert("subnets".into(), g.subnets());
    let mut groups = g.node_groups();
    if !g.static_mode {
        let mut rng = RngStreams::new(seed).stream(Stream::SwarmFamilies);
        if let Value::Array(groups) = &mut groups {
            super::families::draw(&mut rng, &mut policy, groups);
        }
    }
    doc.insert("policy".into(), Value::Table(policy));
    doc.insert("node_groups".into(), groups);
    if !g.custom_types.is_empty() {
        let types = std::mem::take(&mut g.custom_types);
        doc.insert("instance_types".into(), Value::Array(types));
    }
    let mut traces = BTreeMap::new();
    let workloads = (0..g.rng.random_range(1..=4))
        .map(|i| g.workload(i, &mut traces))
        .collect();
    doc.insert("workloads".into(), Value::Array(workloads));
    let events: Vec<Value> = (0..g.rng.random_range(0..=8)).map(|_| g.event()).collect();
    if !events.is_empty() {
        doc.insert("events".into(), Value::Array(events));
    }
    Case { doc, traces }
}

/// The drawing state of one case.
struct Gen {
    rng: ChaCha8Rng,
    duration: SimTime,
    static_mode: bool,
    zones: Vec<String>,
    /// Node groups drawn so far: name and exclusive-ENI pods per node.
    groups: Vec<(String, u64)>,
    /// Zones that have a subnet.
    subnet_zones: Vec<String>,
    /// One to three instants around which much of the case's activity is drawn.
    hot: Vec<SimTime>,
    /// `[[instance_types]]` entries drawn so far.
    custom_types: Vec<Value>,
}

impl Gen {
    /// True with probability `p`.
    fn maybe(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// A duration value from `lo` to `hi` ms, drawn evenly on a log scale.
    fn duration_between(&mut self, lo: u64, hi: u64) -> Value {
        time(self.ms_between(lo, hi))
    }

    /// A time from `lo` to `hi` ms, drawn evenly on a log scale (short and long alike).
    fn ms_between(&mut self, lo: u64, hi: u64) -> SimTime {
        let ms = log_uniform(&mut self.rng, lo.max(1) as f64, hi.max(lo).max(1) as f64);
        SimTime((ms.round() as u64).clamp(lo, hi.max(lo)))
    }

    /// An instant of the run: half the time within [`HOT_SPREAD`] of one of the case's hot
    /// spots, so that events, scale steps, bursts and outages meet each other's work in
    /// flight; near a hot spot, half the time a whole number of seconds from it, so that
    /// some fall on the very same millisecond (same-time events run in the order scheduled).
    fn instant(&mut self) -> SimTime {
        let end = self.duration.as_millis();
        match self.hot.choose(&mut self.rng).copied() {
            Some(hot) if self.rng.random_bool(0.5) => {
                let spread = HOT_SPREAD.as_millis();
                let offset = match self.rng.random_bool(0.5) {
                    true => self.rng.random_range(0..=2 * spread / 1000) * 1000,
                    false => self.rng.random_range(0..=2 * spread),
                };
                SimTime((hot.as_millis() + offset).saturating_sub(spread).min(end))
            }
            _ => SimTime(self.rng.random_range(0..=end)),
        }
    }

    /// `[policy]`: either mode, each setting given or left to its default.
    fn policy(&mut self) -> Table {
        let mut p = Table::new();
        let mode = if self.static_mode { "static" } else { "pool" };
        p.insert("mode".into(), mode.into());
        if self.maybe(0.6) {
            let (min, max) = self.warm();
            p.insert("min_warm".into(), int(min));
            p.insert("max_warm".into(), int(max));
        }
        if self.maybe(0.5) {
            let release = *["slow", "quick"].choose(&mut self.rng).unwrap_or(&"slow");
            p.insert("release".into(), release.into());
        }
        if self.maybe(0.5) {
            let interval = self.duration_between(1_000, 300_000);
            p.insert("release_interval".into(), interval);
        }
        if self.maybe(0.3) {
            let check = *["periodic", "sustained"]
                .choose(&mut self.rng)
                .unwrap_or(&"periodic");
            p.insert("release_check".into(), check.into());
        }
        if self.maybe(0.3) {
            let timeout = self.duration_between(1_000, 300_000);
            p.insert("eni_timeout".into(), timeout);
        }
        if self.maybe(0.6) {
            // TKE requires more than 5 minutes.
            let retention = match self.maybe(0.2) {
                true => "never".into(),
                false => self.duration_between(300_001, 7_200_000),
            };
            p.insert("static_ip_retention".into(), retention);
        }
        if self.maybe(0.3) {
            let cooldown = self.duration_between(1_000, 600_000);
            p.insert("subnet_cooldown".into(), cooldown);
        }
        if self.maybe(0.3) {
            let interval = self.duration_between(1_000, 300_000);
            p.insert("reconcile_interval".into(), interval);
        }
        if self.static_mode && self.maybe(0.3) {
            p.insert("ip_aware_scheduling".into(), self.maybe(0.5).into());
        }
        if self.maybe(0.3) {
            let mut retry = Table::new();
            let base = self.ms_between(100, 5_000);
            retry.insert("base".into(), time(base));
            let cap = self.ms_between(base.as_millis(), 120_000);
            retry.insert("cap".into(), time(cap));
            retry.insert("multiplier".into(), int(self.rng.random_range(1..=3)));
            let jitter = (self.rng.random_range(0.0..=1.0f64) * 100.0).round() / 100.0;
            retry.insert("jitter".into(), Value::Float(jitter));
            p.insert("retry".into(), Value::Table(retry));
        }
        p
    }

    /// A (min_warm, max_warm) pair TKE accepts: min 0 to 2, max from min (and at least 1) to
    /// min + 2. Every max is at least 1 and every min at most 2, so a `set_warm` giving only
    /// min_warm 0 or 1, or only max_warm 3 to 5, never leaves min above max.
    fn warm(&mut self) -> (u64, u64) {
        let min = self.rng.random_range(0..=2);
        let max = self.rng.random_range(min.max(1)..=min + 2);
        (min, max)
    }

    /// `[controller]`: either model, from one worker under a trickle of calls to many under a
    /// limit above the VPC's own, each setting given or left to its default.
    fn controller(&mut self) -> Table {
        let mut c = Table::new();
        let model = if self.maybe(0.2) { "per_node" } else { "queue" };
        c.insert("model".into(), model.into());
        if self.maybe(0.6) {
            c.insert("workers".into(), int(self.rng.random_range(1..=8)));
        }
        if self.maybe(0.6) {
            let qps = log_uniform(&mut self.rng, 0.2, 500.0);
            c.insert(
                "vpc_qps".into(),
                Value::Float((qps * 1000.0).round() / 1000.0),
            );
        }
        if self.maybe(0.5) {
            c.insert("vpc_burst".into(), int(self.rng.random_range(1..=200)));
        }
        if self.maybe(0.4) {
            let base = self.ms_between(1, 2_000);
            c.insert("item_backoff_base".into(), time(base));
            let max = self.ms_between(base.as_millis(), 1_000_000);
            c.insert("item_backoff_max".into(), time(max));
        }
        if self.maybe(0.4) {
            let qps = log_uniform(&mut self.rng, 0.1, 100.0);
            c.insert(
                "requeue_qps".into(),
                Value::Float((qps * 1000.0).round() / 1000.0),
            );
            c.insert("requeue_burst".into(), int(self.rng.random_range(1..=200)));
        }
        c
    }

    /// `[vpc]`: latencies with tails up to a day, rate limits, faults, lost answers, outages
    /// and a quota, each given or left to its default.
    fn vpc(&mut self) -> Table {
        let mut vpc = Table::new();
        let mut latency = Table::new();
        let mut rate_limit = Table::new();
        let mut faults = Table::new();
        for endpoint in Endpoint::ALL {
            let key = endpoint.name();
            if self.maybe(0.7) {
                latency.insert(key.into(), self.latency());
            }
            if self.maybe(0.15) {
                rate_limit.insert(key.into(), int(self.rng.random_range(1..=50)));
            }
            if self.maybe(0.4) {
                faults.insert(key.into(), self.fault());
            }
        }
        if self.maybe(0.3) {
            let timeout = (self.rng.random_range(0.0..=0.1f64) * 1000.0).round() / 1000.0;
            faults.insert("timeout".into(), Value::Float(timeout));
        }
        for (key, table) in [
            ("latency", latency),
            ("rate_limit", rate_limit),
            ("faults", faults),
        ] {
            if !table.is_empty() {
                vpc.insert(key.into(), Value::Table(table));
            }
        }
        let outages: Vec<Value> = (0..self.rng.random_range(0..=2))
            .map(|_| self.outage())
            .collect();
        if !outages.is_empty() {
            vpc.insert("outages".into(), Value::Array(outages));
        }
        if self.maybe(0.2) {
            vpc.insert("eni_quota".into(), int(self.rng.random_range(2..=40)));
        }
        if self.maybe(0.2) {
            let poll = self.duration_between(100, 5_000);
            vpc.insert("task_poll_interval".into(), poll);
        }
        vpc
    }

    /// One endpoint's latency: fixed, uniform, or lognormal with a p99 up to a day.
    fn latency(&mut self) -> Value {
        let median = self.ms_between(10, 5_000);
        match self.rng.random_range(0..3) {
            0 => time(median),
            1 => {
                let max = self.ms_between(median.as_millis(), 600_000);
                table([("min", time(median)), ("max", time(max))])
            }
            _ => {
                let p99 = self.ms_between(median.as_millis(), MAX_LATENCY_TAIL.as_millis());
                table([("median", time(median)), ("p99", time(p99))])
            }
        }
    }

    /// One endpoint's injected failure: a bare probability, or one with its error code.
    fn fault(&mut self) -> Value {
        let p = (self.rng.random_range(0.0..=0.3f64) * 1000.0).round() / 1000.0;
        if self.maybe(0.7) {
            return Value::Float(p);
        }
        table([("probability", Value::Float(p)), ("code", self.code())])
    }

    /// An error code a fault or an outage answers with.
    fn code(&mut self) -> Value {
        let codes = ApiErrorCode::ALL.map(ApiErrorCode::name);
        (*codes.choose(&mut self.rng).unwrap_or(&"InternalError")).into()
    }

    /// An outage of 10 s to 30 min, on every endpoint or some.
    fn outage(&mut self) -> Value {
        let start = self.instant();
        let length = self.ms_between(10_000, 1_800_000);
        let mut o = Table::new();
        o.insert("start".into(), time(start));
        o.insert("end".into(), time(start.plus(length)));
        if self.maybe(0.6) {
            let mut apis: Vec<Value> = Endpoint::ALL
                .into_iter()
                .filter(|_| self.rng.random_bool(0.5))
                .map(|e| e.name().into())
                .collect();
            if apis.is_empty() {
                apis.push("attach".into());
            }
            o.insert("apis".into(), Value::Array(apis));
        }
        if self.maybe(0.3) {
            o.insert("code".into(), self.code());
        }
        Value::Table(o)
    }

    /// Up to two subnets per zone, tiny ones often; the first zone has one at least, the
    /// others none now and then (a zone without a subnet places no pod).
    fn subnets(&mut self) -> Value {
        let mut subnets = Vec::new();
        for z in 0..self.zones.len() {
            let count = match (z, self.rng.random_range(0..10)) {
                (0, 0..=5) | (_, 1..=6) => 1,
                (_, 0) => 0,
                _ => 2,
            };
            for _ in 0..count {
                let i = subnets.len();
                let prefix = *PREFIXES.choose(&mut self.rng).unwrap_or(&28);
                let mut s = Table::new();
                s.insert("id".into(), format!("subnet-{i}").into());
                s.insert("zone".into(), self.zones[z].clone().into());
                if !self.subnet_zones.contains(&self.zones[z]) {
                    self.subnet_zones.push(self.zones[z].clone());
                }
                // One /16 per subnet: they never overlap.
                s.insert("cidr".into(), format!("10.{i}.0.0/{prefix}").into());
                if self.maybe(0.1) {
                    s.insert("reserved_ips".into(), int(self.rng.random_range(0..=3)));
                }
                subnets.push(Value::Table(s));
            }
        }
        Value::Array(subnets)
    }

    /// A node group's zone: mostly one with a subnet, now and then any (its pods then find
    /// no subnet).
    fn zone(&mut self) -> String {
        let zones = match self.maybe(0.9) && !self.subnet_zones.is_empty() {
            true => &self.subnet_zones,
            false => &self.zones,
        };
        zones.choose(&mut self.rng).cloned().unwrap_or_default()
    }

    /// One to three node groups of 0 to 3 nodes, mostly small instance types (4 to 19
    /// exclusive-ENI pods), sometimes with an attach limit or their own warm settings.
    fn node_groups(&mut self) -> Value {
        let groups = (0..self.rng.random_range(1..=3))
            .map(|i| {
                let (instance_type, eni_pods) = self.instance_type();
                let name = format!("ng-{i}");
                let mut g = Table::new();
                g.insert("name".into(), name.clone().into());
                g.insert("instance_type".into(), instance_type.into());
                g.insert("zone".into(), self.zone().into());
                g.insert("count".into(), int(self.rng.random_range(0..=3)));
                if self.maybe(0.3) {
                    let max_attach = self.rng.random_range(0..=eni_pods + 1);
                    g.insert("max_attach".into(), int(max_attach));
                }
                if self.maybe(0.25) {
                    let (min, max) = self.warm();
                    g.insert("min_warm".into(), int(min));
                    g.insert("max_warm".into(), int(max));
                }
                self.groups.push((name, eni_pods));
                Value::Table(g)
            })
            .collect();
        Value::Array(groups)
    }

    /// A node group's instance type and its exclusive-ENI pods: mostly a small built-in
    /// type, sometimes any built-in one, sometimes a type of the scenario's own with 0 to 3
    /// pods (added to `[[instance_types]]`).
    fn instance_type(&mut self) -> (String, u64) {
        if self.maybe(0.1) {
            let name = format!("custom-{}", self.custom_types.len());
            let eni_pods = self.rng.random_range(0..=3);
            let custom = table([("name", name.clone().into()), ("eni_pods", int(eni_pods))]);
            self.custom_types.push(custom);
            return (name, eni_pods);
        }
        let family = *SUPPORTED_FAMILIES.choose(&mut self.rng).unwrap_or(&"S5");
        let sizes = if self.maybe(0.9) { 4 } else { SIZES.len() };
        let (size, cores) = SIZES[self.rng.random_range(0..sizes)];
        let eni_pods = eni_pods_for(family, cores).unwrap_or(1);
        (format!("{family}.{size}"), u64::from(eni_pods))
    }

    /// The `i`-th workload, of a random kind; a trace workload's pods go into `traces`.
    fn workload(&mut self, i: usize, traces: &mut BTreeMap<String, Vec<TracePod>>) -> Value {
        let kind = *KINDS.choose(&mut self.rng).unwrap_or(&"deployment");
        let name = format!("{}-{i}", &kind[..3]);
        let mut w = Table::new();
        w.insert("name".into(), name.clone().into());
        w.insert("kind".into(), kind.into());
        match kind {
            "deployment" | "statefulset" => self.replicas(&mut w),
            "poisson" => self.poisson(&mut w),
            "burst" => self.burst(&mut w),
            _ => {
                let pods = self.trace(&mut w, &name);
                traces.insert(name, pods);
            }
        }
        if self.static_mode && self.maybe(0.5) {
            w.insert("static_ip".into(), self.maybe(0.6).into());
        } else if self.maybe(0.1) {
            w.insert("static_ip".into(), false.into());
        }
        Value::Table(w)
    }

    /// A deployment's or statefulset's replicas, start, scale steps (often a burst of
    /// steps a fraction of a second to a few seconds apart) and rolling restarts.
    fn replicas(&mut self, w: &mut Table) {
        w.insert("replicas".into(), int(self.rng.random_range(0..=6)));
        if self.maybe(0.5) {
            let start = SimTime(self.rng.random_range(0..=self.duration.as_millis() / 3));
            w.insert("start".into(), time(start));
        }
        let mut steps = Vec::new();
        if self.maybe(0.6) {
            let mut at = self.instant();
            for _ in 0..self.rng.random_range(2..=8) {
                steps.push(self.scale_step(at));
                at = at.plus(self.ms_between(100, 5_000));
            }
        }
        for _ in 0..self.rng.random_range(0..=3) {
            let at = self.instant();
            steps.push(self.scale_step(at));
        }
        if !steps.is_empty() {
            w.insert("scale".into(), Value::Array(steps));
        }
        let restarts: Vec<Value> = (0..self.rng.random_range(0..=2))
            .map(|_| time(self.instant()))
            .collect();
        if !restarts.is_empty() {
            w.insert("restart".into(), Value::Array(restarts));
        }
    }

    fn scale_step(&mut self, at: SimTime) -> Value {
        let replicas = self.rng.random_range(0..=5);
        table([("at", time(at)), ("replicas", int(replicas))])
    }

    /// A pod lifetime: fixed (sometimes zero), exponential or lognormal, mostly short.
    fn lifetime(&mut self) -> Value {
        let typical = self.ms_between(200, 600_000);
        match self.rng.random_range(0..4) {
            0 if self.maybe(0.1) => time(SimTime::ZERO),
            0 => time(typical),
            1 => table([("mean", time(typical))]),
            _ => {
                let p99 = self.ms_between(typical.as_millis(), 3_600_000);
                table([("median", time(typical)), ("p99", time(p99))])
            }
        }
    }

    /// Random arrivals, at most [`MAX_POISSON_PODS`] expected over the run, sometimes
    /// diurnal, with a start and an end.
    fn poisson(&mut self, w: &mut Table) {
        let minutes = self.duration.as_millis() as f64 / 60_000.0;
        let most = (MAX_POISSON_PODS / minutes).clamp(0.2, 30.0);
        let rate = (self.rng.random_range(0.1..=most) * 100.0).round() / 100.0;
        w.insert("arrivals_per_minute".into(), Value::Float(rate.max(0.01)));
        w.insert("lifetime".into(), self.lifetime());
        let start = self.maybe(0.3).then(|| self.instant());
        if let Some(start) = start {
            w.insert("start".into(), time(start));
        }
        if self.maybe(0.3) {
            let from = start.unwrap_or(SimTime::ZERO);
            let end = from.plus(self.ms_between(1_000, self.duration.as_millis()));
            w.insert("end".into(), time(end));
        }
        if self.maybe(0.2) {
            let amplitude = (self.rng.random_range(0.0..=1.0f64) * 100.0).round() / 100.0;
            let period = self.duration_between(60_000, 7_200_000);
            let peak = time(self.instant());
            w.insert(
                "diurnal".into(),
                table([
                    ("amplitude", Value::Float(amplitude)),
                    ("period", period),
                    ("peak", peak),
                ]),
            );
        }
    }

    /// One to three bursts of up to 12 pods.
    fn burst(&mut self, w: &mut Table) {
        let bursts = (0..self.rng.random_range(1..=3))
            .map(|_| {
                let at = self.instant();
                let count = self.rng.random_range(1..=12);
                table([("at", time(at)), ("count", int(count))])
            })
            .collect();
        w.insert("bursts".into(), Value::Array(bursts));
        w.insert("lifetime".into(), self.lifetime());
    }

    /// A trace of up to 6 pod names, each created and deleted up to 5 times, often a
    /// fraction of a second apart; sometimes replayed faster or slower, or only in part.
    fn trace(&mut self, w: &mut Table, workload: &str) -> Vec<TracePod> {
        let scale = match self.rng.random_range(0..4) {
            0 => Some(*[0.01, 0.1, 0.5, 2.0].choose(&mut self.rng).unwrap_or(&1.0)),
            _ => None,
        };
        let stretch = 1.0 / scale.unwrap_or(1.0);
        let span = (self.duration.as_millis() as f64 * stretch) as u64;
        let mut pods = Vec::new();
        for n in 0..self.rng.random_range(1..=6) {
            let name = format!("{workload}-p{n}");
            let mut at = (self.instant().as_millis() as f64 * stretch) as u64;
            for life in 0..self.rng.random_range(1..=5) {
                let short = self.maybe(0.6);
                let lived = match short {
                    true => self.ms_between(1, 3_000).as_millis(),
                    false => self.ms_between(1_000, span.max(1_000)).as_millis(),
                };
                let deleted = (life < 4 && self.maybe(0.85)).then_some(at + lived);
                let static_ip = match self.static_mode {
                    true => *["", "true", "false"].choose(&mut self.rng).unwrap_or(&""),
                    false => *["", "", "false"].choose(&mut self.rng).unwrap_or(&""),
                };
                pods.push(TracePod {
                    name: name.clone(),
                    created_ms: at,
                    deleted_ms: deleted,
                    static_ip,
                });
                let Some(deleted) = deleted else {
                    break;
                };
                at = deleted + self.ms_between(1, 3_000).as_millis() - 1;
            }
        }
        if let Some(scale) = scale {
            w.insert("time_scale".into(), Value::Float(scale));
        }
        if self.maybe(0.15) {
            let from = self.rng.random_range(0..=span / 2);
            w.insert("from".into(), time(SimTime(from)));
            if self.maybe(0.5) {
                let to = self.rng.random_range(from + 1..=span + 1);
                w.insert("to".into(), time(SimTime(to)));
            }
        }
        if self.maybe(0.15) {
            w.insert("limit".into(), int(self.rng.random_range(0..=10)));
        }
        pods
    }

    /// One cluster event at a random instant, of a random action on a random group.
    fn event(&mut self) -> Value {
        let action = *ACTIONS.choose(&mut self.rng).unwrap_or(&"add_nodes");
        let at = self.instant();
        let group = self.rng.random_range(0..self.groups.len().max(1));
        let (name, eni_pods) = self.groups.get(group).cloned().unwrap_or_default();
        let mut e = Table::new();
        e.insert("at".into(), time(at));
        e.insert("action".into(), action.into());
        match action {
            "set_max_attach" => {
                e.insert("node_group".into(), name.into());
                let max_attach = self.rng.random_range(0..=eni_pods + 1);
                e.insert("max_attach".into(), int(max_attach));
            }
            "set_warm" => {
                if self.maybe(0.7) {
                    e.insert("node_group".into(), name.into());
                }
                // See `warm` for why each form keeps min_warm <= max_warm everywhere.
                match self.rng.random_range(0..3) {
                    0 => {
                        let (min, max) = self.warm();
                        e.insert("min_warm".into(), int(min));
                        e.insert("max_warm".into(), int(max));
                    }
                    1 => {
                        e.insert("min_warm".into(), int(self.rng.random_range(0..=1)));
                    }
                    _ => {
                        e.insert("max_warm".into(), int(self.rng.random_range(3..=5)));
                    }
                }
            }
            _ => {
                e.insert("node_group".into(), name.into());
                e.insert("count".into(), int(self.rng.random_range(1..=3)));
                if action == "crash_nodes" && self.maybe(0.6) {
                    let detection = self.duration_between(1_000, 600_000);
                    e.insert("detection".into(), detection);
                }
            }
        }
        Value::Table(e)
    }
}

/// A number from `lo` to `hi`, drawn evenly on a log scale.
fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return lo;
    }
    (rng.random_range(lo.ln()..=hi.ln())).exp()
}

/// A duration as the scenario file writes it.
pub(super) fn time(t: SimTime) -> Value {
    Value::String(format_duration(t))
}

/// An integer value.
pub(super) fn int(n: u64) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A table of `entries`.
fn table<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Table(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}
