//! What a whole sweep says: each variant's figures over its seeds, which variants meet every
//! target in every seed, and the cheapest of those.
//!
//! A variant's runs are consecutive, so its figures are tallied as its rows stream by and
//! finished when its last seed is in: every metric's spread goes to variants.csv at once, and
//! only the spreads of the metrics shown later (key metrics, targets, the minimized one) are
//! kept, with the target misses: a few hundred bytes per variant.

use super::metrics::Spread;
use super::{Grid, RunRow};

/// The metric that says a run broke the simulator's books: such a run meets no target.
const VIOLATIONS: &str = "invariants.violations";

/// A whole sweep's figures. What is kept of the variants is held in flat tables, each one
/// allocation, rather than a few small allocations per variant.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The metrics each variant keeps: the grid's [`Grid::shown_metrics`].
    pub shown: Vec<String>,
    /// Per variant, in grid order.
    pub variants: Vec<VariantOutcome>,
    /// Per variant, per shown metric: its spread over the seeds, if its runs measured it.
    spreads: Vec<Option<Spread>>,
    /// Per variant, per target: the worst seed's value, if that seed misses it.
    misses: Vec<Option<f64>>,
    /// Targets per variant in `misses`.
    targets: usize,
    /// The variant meeting every target with the least mean of the minimized metric (grid
    /// order breaks ties), and the runner-up.
    pub ranking: Vec<usize>,
    /// When targets were set and no variant meets them all: the closest miss.
    pub closest_miss: Option<Miss>,
}

/// One variant over its seeds.
#[derive(Clone, Copy, Debug, Default)]
pub struct VariantOutcome {
    /// Runs done.
    pub runs: usize,
    /// True if every seed ran, met every target and broke no invariant.
    pub meets: bool,
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
    /// An outcome of `grid` with no variant yet, with room for all of them.
    pub fn new(grid: &Grid) -> Outcome {
        let shown: Vec<String> = grid.shown_metrics().into_iter().map(String::from).collect();
        let n = grid.variants.len();
        let targets = grid.settings.targets.len();
        Outcome {
            spreads: Vec::with_capacity(n * shown.len()),
            misses: Vec::with_capacity(n * targets),
            targets,
            shown,
            variants: Vec::with_capacity(n),
            ranking: Vec::new(),
            closest_miss: None,
        }
    }

    /// Adds the next variant: what it did, per shown metric its spread, per target of the
    /// grid its worst seed's miss.
    pub fn push(
        &mut self,
        variant: VariantOutcome,
        spreads: impl IntoIterator<Item = Option<Spread>>,
        misses: impl IntoIterator<Item = Option<f64>>,
    ) {
        self.variants.push(variant);
        self.spreads.extend(spreads);
        self.misses.extend(misses);
    }

    /// Ranks the variants by the grid's targets: the recommendation, the runner-up, or the
    /// closest miss.
    pub fn rank(&mut self, grid: &Grid) {
        let minimize = grid.minimize();
        let cost = |i: usize| self.mean(i, minimize).unwrap_or(f64::INFINITY);
        let mut ranking: Vec<usize> = (0..self.variants.len())
            .filter(|&i| self.variants[i].meets)
            .collect();
        ranking.sort_by(|&a, &b| cost(a).total_cmp(&cost(b)).then(a.cmp(&b)));
        if ranking.is_empty() && !grid.settings.targets.is_empty() {
            self.closest_miss = closest(grid, self);
        }
        self.ranking = ranking;
    }

    /// The spread of `metric` over `variant`'s seeds, if it is shown and was measured.
    pub fn spread(&self, variant: usize, metric: &str) -> Option<&Spread> {
        let at = self.shown.iter().position(|m| m == metric)?;
        self.spreads.get(variant * self.shown.len() + at)?.as_ref()
    }

    /// The mean of `metric` over `variant`'s seeds, if it is shown and was measured.
    pub fn mean(&self, variant: usize, metric: &str) -> Option<f64> {
        self.spread(variant, metric).map(|s| s.mean)
    }

    /// Per target, the worst seed's value of `variant` if that seed misses it.
    pub fn misses(&self, variant: usize) -> &[Option<f64>] {
        let t = self.targets;
        self.misses
            .get(variant * t..(variant + 1) * t)
            .unwrap_or(&[])
    }
}

/// A variant's runs as they arrive: per metric column its values (a count absent from a run
/// is 0, a measure with nothing to measure is left out), per target its worst miss.
#[derive(Debug)]
pub struct Tally {
    /// Per column, the values of the variant's runs so far.
    values: Vec<Vec<f64>>,
    runs: usize,
    /// Per target, its column and the worst seed's value missing it.
    targets: Vec<(Option<usize>, Option<f64>)>,
    /// The column of invariant violations.
    violations: Option<usize>,
    clean: bool,
    /// The columns of the shown metrics.
    shown: Vec<Option<usize>>,
}

impl Tally {
    /// An empty tally for a sweep of `grid` whose rows hold `columns`.
    pub fn new(grid: &Grid, columns: &[String]) -> Tally {
        let at = |metric: &str| columns.iter().position(|c| c == metric);
        Tally {
            values: vec![Vec::new(); columns.len()],
            runs: 0,
            targets: grid
                .settings
                .targets
                .iter()
                .map(|t| (at(&t.metric), None))
                .collect(),
            violations: at(VIOLATIONS),
            clean: true,
            shown: grid.shown_metrics().into_iter().map(at).collect(),
        }
    }

    /// Counts a run of the variant being tallied.
    pub fn add(&mut self, grid: &Grid, row: &RunRow) {
        self.runs += 1;
        for (values, v) in self.values.iter_mut().zip(&row.values) {
            values.extend(*v);
        }
        let value = |column: Option<usize>| column.and_then(|c| row.values.get(c).copied()?);
        for (target, (column, worst)) in grid.settings.targets.iter().zip(&mut self.targets) {
            if let Some(v) = value(*column).filter(|&v| !target.holds(v)) {
                // The last of equally bad seeds, as `Iterator::max_by` picks.
                if worst.is_none_or(|w| target.shortfall(v).total_cmp(&target.shortfall(w)).is_ge())
                {
                    *worst = Some(v);
                }
            }
        }
        self.clean &= value(self.violations).unwrap_or(0.0) == 0.0;
    }

    /// Ends the variant: adds what the rest of the sweep keeps of it to `outcome`, and gives
    /// every column's spread (for variants.csv). The tally is empty again for the next
    /// variant.
    pub fn finish(&mut self, grid: &Grid, outcome: &mut Outcome) -> Vec<Option<Spread>> {
        let spreads: Vec<Option<Spread>> = self.values.iter().map(|v| Spread::of(v)).collect();
        let met = self.targets.iter().all(|t| t.1.is_none());
        outcome.push(
            VariantOutcome {
                runs: self.runs,
                meets: self.runs as u64 == grid.seeds() && self.clean && met,
            },
            self.shown.iter().map(|c| c.and_then(|c| spreads[c])),
            self.targets.iter().map(|t| t.1),
        );
        for v in &mut self.values {
            v.clear();
        }
        self.runs = 0;
        self.clean = true;
        for t in &mut self.targets {
            t.1 = None;
        }
        spreads
    }
}

/// The run variant with the least summed shortfall over the targets it misses.
fn closest(grid: &Grid, outcome: &Outcome) -> Option<Miss> {
    let targets = &grid.settings.targets;
    outcome
        .variants
        .iter()
        .enumerate()
        .filter(|(_, v)| v.runs > 0)
        .map(|(i, _)| {
            let missed: Vec<(usize, f64, f64)> = outcome
                .misses(i)
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
