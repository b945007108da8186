//! A run's figures as dotted metric names (`startup_latency_s.p99`), the names that sweep
//! columns, targets and budgets use; and statistics of one metric over seeds.

use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::cluster::pod::SchedulingFailure;
use crate::report::summary::{GroupSummary, SubnetSummary, Summary};
use crate::scenario::model::Scenario;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A run's numeric figures by dotted name, sorted by name.
pub type Metrics = BTreeMap<String, f64>;

/// Summary keys that are not figures of the run's behaviour.
const NOT_METRICS: [&str; 1] = ["seed"];

/// Maps of counts whose absent keys mean zero (an error code that never occurred).
const COUNT_MAPS: [&str; 4] = [
    "api.calls.",
    "api.errors.",
    "pods.failed_scheduling_by_reason.",
    "pods.pending_at_end_by_reason.",
];

/// Every number of `summary` under its dotted name. Measures with nothing to measure (null)
/// are left out, as are texts and lists.
pub fn flatten(summary: &Summary) -> Metrics {
    serde_json::to_value(summary).map_or_else(|_| Metrics::new(), |v| flatten_json(&v))
}

/// Every number of a summary.json already parsed, under its dotted name.
pub fn flatten_json(value: &Value) -> Metrics {
    let mut out = Metrics::new();
    walk(value, "", &mut out);
    for key in NOT_METRICS {
        out.remove(key);
    }
    out
}

/// A metric a tuner reads first: charted for every sweep, shown with every recommendation.
pub struct KeyMetric {
    /// The dotted metric.
    pub metric: &'static str,
    /// What it measures, in words.
    pub title: &'static str,
    /// Its unit, empty for a count; `s` is shown in minutes or hours when seconds run long.
    pub unit: &'static str,
}

/// The key metrics: service, cost, API load and churn, in the order reports show them.
pub const KEY_METRICS: [KeyMetric; 6] = [
    KeyMetric {
        metric: "startup_latency_s.p99",
        title: "p99 start-up latency",
        unit: "s",
    },
    KeyMetric {
        metric: "pool.idle_eni_hours",
        title: "Idle ENI time",
        unit: "ENI-hours",
    },
    KeyMetric {
        metric: "api.calls_total",
        title: "VPC API calls, all APIs",
        unit: "",
    },
    KeyMetric {
        metric: "api.throttled",
        title: "VPC API calls throttled",
        unit: "",
    },
    KeyMetric {
        metric: "churn.enis_created",
        title: "ENIs created",
        unit: "",
    },
    KeyMetric {
        metric: "pods.failed_scheduling",
        title: "Pods that failed scheduling",
        unit: "",
    },
];

fn walk(value: &Value, prefix: &str, out: &mut Metrics) {
    leaves(value, prefix, &mut |name, leaf| {
        if let Some(x) = leaf.as_f64() {
            out.insert(name, x);
        }
    });
}

/// Calls `f` with the dotted name and value of every leaf under `value` (objects are walked,
/// anything else is a leaf).
fn leaves(value: &Value, prefix: &str, f: &mut impl FnMut(String, &Value)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &name, f);
            }
        }
        leaf => f(prefix.to_string(), leaf),
    }
}

/// Every metric name a run of `scenario` can have, sorted: each figure of summary.json
/// (numbers, and measures that may be null), every key of its maps of counts (each API, error
/// code and scheduling failure reason), each subnet's figures and each node group's. Known
/// before anything runs,
/// so a sweep writes its header first and its rows as they come, and sweeps of one scenario
/// share their columns.
pub fn columns(scenario: &Scenario) -> Vec<String> {
    let ids: Vec<String> = scenario.subnets.iter().map(|s| s.id.clone()).collect();
    let groups: Vec<String> = scenario
        .node_groups
        .iter()
        .map(|g| g.name.clone())
        .collect();
    names_with(&ids, &groups).into_iter().collect()
}

/// The [`columns`] of runs whose subnets are `ids` and node groups `groups`.
fn names_with(ids: &[String], groups: &[String]) -> BTreeSet<String> {
    let zeros = |names: &mut dyn Iterator<Item = &'static str>| {
        names
            .map(|n| (n.to_string(), 0))
            .collect::<BTreeMap<_, u64>>()
    };
    let reasons = zeros(&mut SchedulingFailure::ALL.iter().map(|r| r.name()));
    let mut full = Summary::default();
    full.api.calls = zeros(&mut Endpoint::ALL.iter().map(|e| e.name()));
    full.api.errors = zeros(&mut ApiErrorCode::ALL.iter().map(|c| c.name()));
    full.pods.failed_scheduling_by_reason = reasons.clone();
    full.pods.pending_at_end_by_reason = reasons;
    full.subnets = ids
        .iter()
        .map(|id| (id.clone(), SubnetSummary::default()))
        .collect();
    full.node_groups = groups
        .iter()
        .map(|g| (g.clone(), GroupSummary::default()))
        .collect();
    let mut out = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(full) {
        names_of(&value, "", &mut out);
    }
    for key in NOT_METRICS {
        out.remove(key);
    }
    out
}

/// The metric names a scenario's runs can have, to refuse a misspelt one before running.
pub struct Known {
    names: BTreeSet<String>,
    /// True when a subnet's and a node group's figures are accepted whatever their names.
    any_subnet: bool,
}

/// The names a run of `scenario` can have: its [`columns`].
pub fn known_names(scenario: &Scenario) -> Known {
    Known {
        names: columns(scenario).into_iter().collect(),
        any_subnet: false,
    }
}

/// The names any run can have, whatever its subnets and node groups are called: for what is
/// read without its scenario (a budget file, a summary.json).
pub fn any_run_names() -> Known {
    Known {
        names: names_with(&[], &[]),
        any_subnet: true,
    }
}

/// Whether `name` is `node_groups.<group>.<figure>` for a figure every node group has.
fn is_group_figure(name: &str) -> bool {
    const PROBE: &str = "node_groups.g.";
    let Some(rest) = name.strip_prefix("node_groups.") else {
        return false;
    };
    let groups = names_with(&[], &["g".to_string()]);
    groups
        .iter()
        .filter_map(|n| n.strip_prefix(PROBE))
        .any(|figure| {
            rest.len() > figure.len() + 1
                && rest.ends_with(figure)
                && rest[..rest.len() - figure.len()].ends_with('.')
        })
}

impl Known {
    /// Whether `name` is a metric of the scenario's runs.
    pub fn accepts(&self, name: &str) -> bool {
        self.names.contains(name)
            || (self.any_subnet
                && name.strip_prefix("subnets.").is_some_and(|rest| {
                    rest.rfind('.').is_some_and(|dot| {
                        dot > 0 && matches!(&rest[dot..], ".peak_used_ips" | ".exhausted_s")
                    })
                }))
            || (self.any_subnet && is_group_figure(name))
    }

    /// Some valid names, for an error's hint.
    pub fn hint(&self) -> String {
        let some: Vec<&str> = self
            .names
            .iter()
            .map(String::as_str)
            .filter(|n| n.matches('.').count() == 1)
            .collect();
        format!(
            "metrics are summary.json's numbers as dotted names, e.g. {}",
            some.join(", ")
        )
    }
}

/// Every leaf name under `value`, numbers and nulls alike.
fn names_of(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    leaves(value, prefix, &mut |name, leaf| {
        if leaf.is_number() || leaf.is_null() {
            out.insert(name);
        }
    });
}

/// The value of `metric` in a run that lacks it: zero for a count in a map of counts, else
/// nothing (the run had nothing to measure).
pub fn absent_value(metric: &str) -> Option<f64> {
    COUNT_MAPS
        .iter()
        .any(|p| metric.starts_with(p))
        .then_some(0.0)
}

/// One metric over a variant's seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Runs that measured it.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
    /// 95% confidence interval of the mean (Student's t over the seeds); the mean itself for
    /// one seed.
    pub ci95: (f64, f64),
}

impl Spread {
    /// The spread of `values`, or none if there are none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let half = if n > 1 {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t975(n - 1) * (var / n as f64).sqrt()
        } else {
            0.0
        };
        Some(Spread {
            n,
            mean,
            min,
            max,
            ci95: (mean - half, mean + half),
        })
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95%), from the
/// standard table; 1.96 (the normal's) beyond 120.
fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => 0.0,
        1..=30 => TABLE[df - 1],
        31..=40 => 2.021,
        41..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_flatten_to_dotted_names() {
        let v: Value = serde_json::json!({
            "seed": 4,
            "pods": { "created": 3, "by_reason": { "no_nodes": 1 } },
            "startup_latency_s": { "p99": 2.5, "p50": null },
            "fingerprint": "ab",
            "invariants": { "details": ["x"] }
        });
        let m = flatten_json(&v);
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            [
                ("pods.by_reason.no_nodes".to_string(), 1.0),
                ("pods.created".to_string(), 3.0),
                ("startup_latency_s.p99".to_string(), 2.5),
            ]
        );
        assert_eq!(absent_value("api.errors.LimitExceeded"), Some(0.0));
        assert_eq!(absent_value("release.delay_s.p50"), None);
    }

    #[test]
    fn spread_over_seeds_with_a_t_interval() {
        let s = Spread::of(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!((s.n, s.mean, s.min, s.max), (3, 2.0, 1.0, 3.0));
        // sd = 1, half-width = t(2) * 1 / sqrt(3) = 4.303 / 1.7320508 = 2.484338
        assert!((s.ci95.1 - 2.0 - 2.484_338).abs() < 1e-5, "{:?}", s.ci95);
        let one = Spread::of(&[5.0]).unwrap();
        assert_eq!(one.ci95, (5.0, 5.0));
        assert!(Spread::of(&[]).is_none());
    }
}
