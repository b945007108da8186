//! Comparing two results of enisim, for a person reviewing a change and for a CI gate that
//! must fail on a regression and only on one: every summary metric of both sides, its change,
//! its budget and a verdict. One draw against one draw is judged by the budget alone; sides
//! run under several seeds are judged on the distribution of the per-seed differences, so that
//! seed noise is not called a regression.
//!
//! - [`input`]: run folders, summary.json files and sweep folders read back.
//! - [`seeded`]: both sides run from scenario files over the same number of seeds.
//! - [`budget`]: the budget file and the built-in default budget.
//! - [`stats`]: the signed-rank test.
//! - [`judge`]: per metric: change, budget, verdict.
//! - [`series`]: the time series and latencies the charts and sparklines draw.
//! - [`text`], [`markdown`], [`json`], [`html`]: the report's formats; [`charts`]: the
//!   page's charts.
//! - [`baselines`]: a repository's `baselines/` folder: checked and updated.

pub mod baselines;
pub mod budget;
pub mod charts;
pub mod html;
pub mod input;
pub mod json;
pub mod judge;
pub mod locate;
pub mod markdown;
pub mod seeded;
pub mod series;
pub mod stats;
pub mod text;

use crate::sweep::metrics::Metrics;
use judge::{CaseResult, Verdict};
use series::SeriesSource;

/// One run's figures: a seed's draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    /// The seed.
    pub seed: u64,
    /// The run's fingerprint.
    pub fingerprint: String,
    /// Its figures by dotted name (a figure with nothing to measure is absent).
    pub metrics: Metrics,
}

impl Draw {
    /// Invariants the run broke.
    pub fn violations(&self) -> u64 {
        self.metrics
            .get("invariants.violations")
            .map_or(0, |v| *v as u64)
    }
}

/// What is compared under one name: a run, or a sweep's variant, over one or more seeds.
#[derive(Clone, Debug)]
pub struct Case {
    /// The scenario (with its overrides), or the variant's values.
    pub name: String,
    /// Its runs, in seed order.
    pub draws: Vec<Draw>,
    /// The first run's time series, where they can be had.
    pub series: Option<SeriesSource>,
}

/// What a side is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// One run: a run folder or a summary file.
    Run {
        /// Its virtual time, seconds.
        duration_s: f64,
    },
    /// A sweep: one case per variant.
    Sweep,
    /// A scenario run here under several seeds.
    Seeded,
}

/// One side of a comparison.
#[derive(Clone, Debug)]
pub struct Side {
    /// How the user named it (a path, or a scenario and its overrides).
    pub label: String,
    /// What it is.
    pub kind: Kind,
    /// The scenario's name.
    pub scenario: String,
    /// The JSON file that describes it (summary.json, sweep.json) and its text, so that a
    /// mismatch can be located in it.
    pub source: Option<(String, String)>,
    /// Its cases.
    pub cases: Vec<Case>,
}

/// A whole comparison, ready to print in any format.
pub struct Report {
    /// The baseline side's label.
    pub baseline: String,
    /// The current side's label.
    pub current: String,
    /// Where the budget came from.
    pub budget: String,
    /// Per case, in the baseline's order.
    pub cases: Vec<CaseResult>,
    /// What was left out of the comparison, one line each.
    pub notes: Vec<String>,
}

/// The verdict of a whole comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overall {
    /// Every case behaved the same: same fingerprints.
    Identical,
    /// Behaviour changed, every budget holds and no invariant broke.
    NoRegression,
    /// A budget is broken, or a run broke an invariant.
    Regressed,
}

impl Report {
    /// The report of `cases` between two sides under a budget.
    pub fn new(baseline: &str, current: &str, budget: &str, cases: Vec<CaseResult>) -> Report {
        Report {
            baseline: baseline.to_string(),
            current: current.to_string(),
            budget: budget.to_string(),
            cases,
            notes: Vec::new(),
        }
    }

    /// The verdict: regressed if any case is, identical if every case is.
    pub fn overall(&self) -> Overall {
        if self.cases.iter().any(CaseResult::failed) {
            Overall::Regressed
        } else if self.cases.iter().all(|c| c.identical) {
            Overall::Identical
        } else {
            Overall::NoRegression
        }
    }

    /// The process exit code: 1 when a budget is broken or a run broke an invariant.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.overall() == Overall::Regressed)
    }

    /// The verdict in one line, what a reader sees first.
    pub fn verdict_line(&self) -> String {
        let count = |v: Verdict| {
            self.cases
                .iter()
                .flat_map(|c| &c.rows)
                .filter(|r| r.verdict == v)
                .count()
        };
        let plural = |n: usize, what: &str| {
            if n == 1 {
                format!("1 {what}")
            } else {
                format!("{n} {what}s")
            }
        };
        let scope = if self.cases.len() > 1 {
            format!(
                " in {} of {}",
                plural(self.cases.iter().filter(|c| c.failed()).count(), "case",),
                self.cases.len()
            )
        } else {
            String::new()
        };
        match self.overall() {
            Overall::Identical => match self.cases.as_slice() {
                [] => "nothing compared".to_string(),
                [one] => format!(
                    "identical behaviour: same fingerprint {}",
                    one.baseline_fingerprints()
                ),
                many => format!(
                    "identical behaviour: all {} cases have their baseline's fingerprints",
                    many.len()
                ),
            },
            Overall::Regressed => {
                let broken: u64 = self
                    .cases
                    .iter()
                    .map(|c| c.violations.0 + c.violations.1)
                    .sum();
                let mut parts = Vec::new();
                let over = count(Verdict::Regressed);
                if over > 0 {
                    parts.push(format!("{} over budget", plural(over, "metric")));
                }
                if broken > 0 {
                    parts.push(format!("{} broken", plural(broken as usize, "invariant")));
                }
                format!("REGRESSED{scope}: {}", parts.join(", "))
            }
            Overall::NoRegression => {
                let changed = count(Verdict::Changed);
                let improved = count(Verdict::Improved);
                let same = self.cases.iter().filter(|c| c.identical).count();
                let seeded = self.cases.iter().any(|c| c.seeds() > 1);
                let mut line = if changed + improved == 0 && seeded {
                    "no regression: no metric changed beyond seed noise".to_string()
                } else if changed + improved == 0 {
                    "no regression: no metric changed".to_string()
                } else {
                    format!(
                        "no regression: {} changed within budget, {improved} improved",
                        plural(changed, "metric")
                    )
                };
                if self.cases.len() > 1 {
                    line.push_str(&format!("; {same} of {} cases identical", self.cases.len()));
                }
                line
            }
        }
    }
}
