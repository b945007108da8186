//! What a whole sweep says: each variant's figures over its seeds, which variants meet every
//! target in every seed, and the cheapest of those.

use super::metrics::{absent_value, Spread};
use super::{Grid, RunRow};
use std::collections::{BTreeMap, BTreeSet};

/// The metric that says a run broke the simulator's books: such a run meets no target.
const VIOLATIONS: &str = "invariants.violations";

/// A whole sweep's figures.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Every metric any run has, sorted: the metric columns of the CSV files.
    pub columns: Vec<String>,
    /// Per variant, in grid order.
    pub variants: Vec<VariantOutcome>,
    /// The variant meeting every target with the least mean of the minimized metric (grid
    /// order breaks ties), and the runner-up.
    pub ranking: Vec<usize>,
    /// When targets were set and no variant meets them all: the closest miss.
    pub closest_miss: Option<Miss>,
}

/// One variant over its seeds.
#[derive(Clone, Debug, Default)]
pub struct VariantOutcome {
    /// Runs done.
    pub runs: usize,
    /// Per metric column that the variant's runs measured.
    pub spreads: BTreeMap<String, Spread>,
    /// Per target: the worst seed's value, if that seed misses it.
    pub misses: Vec<Option<f64>>,
    /// True if every seed ran, met every target and broke no invariant.
    pub meets: bool,
}

impl VariantOutcome {
    /// The mean of `metric` over the variant's seeds, if its runs measured it.
    pub fn mean(&self, metric: &str) -> Option<f64> {
        self.spreads.get(metric).map(|s| s.mean)
    }
}

/// The variant that came closest to meeting every target.
#[derive(Clone, Debug, PartialEq)]
pub struct Miss {
    /// The variant.
    pub variant: usize,
    /// The targets it misses: index, the worst seed's value, and how far off relative to
    /// the bound.
    pub targets: Vec<(usize, f64, f64)>,
}

impl Outcome {
    /// Computes the outcome of `grid` from every run's row (in run order).
    pub fn of(grid: &Grid, rows: &[RunRow]) -> Outcome {
        let columns: Vec<String> = rows
            .iter()
            .flat_map(|r| r.metrics.keys())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut by_variant: Vec<Vec<&RunRow>> = vec![Vec::new(); grid.variants.len()];
        for r in rows {
            by_variant[r.variant].push(r);
        }
        let seeds = grid.seeds() as usize;
        let variants: Vec<VariantOutcome> = by_variant
            .iter()
            .zip(&grid.variants)
            .map(|(runs, v)| {
                if v.skipped.is_some() {
                    return VariantOutcome::default();
                }
                variant(grid, &columns, runs, seeds)
            })
            .collect();
        let minimize = grid.minimize();
        let mut ranking: Vec<usize> = (0..variants.len()).filter(|&i| variants[i].meets).collect();
        let cost = |i: usize| {
            variants[i]
                .spreads
                .get(minimize)
                .map_or(f64::INFINITY, |s| s.mean)
        };
        ranking.sort_by(|&a, &b| cost(a).total_cmp(&cost(b)).then(a.cmp(&b)));
        let closest_miss = if ranking.is_empty() && !grid.settings.targets.is_empty() {
            closest(grid, &variants)
        } else {
            None
        };
        Outcome {
            columns,
            variants,
            ranking,
            closest_miss,
        }
    }
}

/// A variant's spreads and target misses over its runs.
fn variant(grid: &Grid, columns: &[String], runs: &[&RunRow], seeds: usize) -> VariantOutcome {
    let value = |r: &RunRow, metric: &str| {
        r.metrics
            .get(metric)
            .copied()
            .or_else(|| absent_value(metric))
    };
    let spreads = columns
        .iter()
        .filter_map(|c| {
            let values: Vec<f64> = runs.iter().filter_map(|r| value(r, c)).collect();
            Spread::of(&values).map(|s| (c.clone(), s))
        })
        .collect();
    let misses: Vec<Option<f64>> = grid
        .settings
        .targets
        .iter()
        .map(|t| {
            runs.iter()
                .filter_map(|r| value(r, &t.metric))
                .filter(|&v| !t.holds(v))
                .max_by(|a, b| t.shortfall(*a).total_cmp(&t.shortfall(*b)))
        })
        .collect();
    let clean = runs
        .iter()
        .all(|r| value(r, VIOLATIONS).unwrap_or(0.0) == 0.0);
    VariantOutcome {
        runs: runs.len(),
        meets: runs.len() == seeds && clean && misses.iter().all(Option::is_none),
        spreads,
        misses,
    }
}

/// The run variant with the least summed shortfall over the targets it misses.
fn closest(grid: &Grid, variants: &[VariantOutcome]) -> Option<Miss> {
    let targets = &grid.settings.targets;
    variants
        .iter()
        .enumerate()
        .filter(|(_, v)| v.runs > 0)
        .map(|(i, v)| {
            let missed: Vec<(usize, f64, f64)> = v
                .misses
                .iter()
                .enumerate()
                .filter_map(|(t, m)| m.map(|value| (t, value, targets[t].shortfall(value))))
                .collect();
            let total: f64 = missed.iter().map(|m| m.2).sum();
            (total, i, missed)
        })
        .filter(|(_, _, missed)| !missed.is_empty())
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, variant, targets)| Miss { variant, targets })
}
