//! A run's figures as dotted metric names (`startup_latency_s.p99`), the names that sweep
//! columns, targets and budgets use; and statistics of one metric over seeds.

use crate::report::summary::Summary;
use crate::scenario::model::Scenario;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A run's numeric figures by dotted name, sorted by name.
pub type Metrics = BTreeMap<String, f64>;

/// Summary keys that are not figures of the run's behaviour.
const NOT_METRICS: [&str; 1] = ["seed"];

/// Maps of counts whose absent keys mean zero (an error code that never occurred).
const COUNT_MAPS: [&str; 3] = [
    "api.calls.",
    "api.errors.",
    "pods.failed_scheduling_by_reason.",
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

/// The metric names a scenario's runs can have, to refuse a misspelt one before running.
pub struct Known {
    fixed: BTreeSet<String>,
    /// The subnet ids, or none when any id is accepted.
    subnets: Option<Vec<String>>,
}

/// The names every run has, those of its subnets, and any key of the maps of counts.
pub fn known_names(scenario: &Scenario) -> Known {
    Known::with_subnets(Some(
        scenario.subnets.iter().map(|s| s.id.clone()).collect(),
    ))
}

/// The names any run can have, whatever its subnets are called: for what is read without its
/// scenario (a budget file, a summary.json).
pub fn any_run_names() -> Known {
    Known::with_subnets(None)
}

impl Known {
    fn with_subnets(subnets: Option<Vec<String>>) -> Known {
        let mut fixed = BTreeSet::new();
        if let Ok(value) = serde_json::to_value(Summary::default()) {
            names(&value, "", &mut fixed);
        }
        for key in NOT_METRICS {
            fixed.remove(key);
        }
        Known { fixed, subnets }
    }

    /// Whether `name` is a metric of the scenario's runs.
    pub fn accepts(&self, name: &str) -> bool {
        let subnet_field = |rest: &str| {
            let field = |f: &str| f == ".peak_used_ips" || f == ".exhausted_s";
            match &self.subnets {
                Some(ids) => ids
                    .iter()
                    .any(|id| rest.strip_prefix(id.as_str()).is_some_and(field)),
                None => rest
                    .rfind('.')
                    .is_some_and(|dot| dot > 0 && field(&rest[dot..])),
            }
        };
        self.fixed.contains(name)
            || COUNT_MAPS
                .iter()
                .any(|p| name.len() > p.len() && name.starts_with(p))
            || name.strip_prefix("subnets.").is_some_and(subnet_field)
    }

    /// Some valid names, for an error's hint.
    pub fn hint(&self) -> String {
        let some: Vec<&str> = self
            .fixed
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
fn names(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
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
