//! Sweeps: one scenario run over a grid of settings (and seeds), in parallel, to tune the
//! pool. Each run is the same library call as `enisim run`, on its own scenario value, with
//! nothing shared; results come back in grid order whatever the number of threads, so a
//! sweep's files are byte-identical for any `--jobs` and any sharding.
//!
//! Runs stream: each run's row is written as soon as the runs before it are, and a variant's
//! figures as soon as its last seed is in, so memory holds about one run per thread and a
//! few figures per variant, whatever the number of runs.
//!
//! - [`spec`]: `--vary KEY=SPEC` axes.
//! - [`target`]: `--target` bounds.
//! - [`metrics`]: dotted metric names and their spread over seeds.
//! - [`order`]: work on several threads, results taken in index order.
//! - [`outcome`]: per-variant figures, which variants meet the targets, the recommendation.
//! - [`files`]: sweep.csv, variants.csv, sweep.json, and reading shards back for a merge.
//! - [`result`]: a sweep's folder, whole or one shard's, written as rows come, and the merge
//!   of shards.
//! - [`charts`]: heatmaps, lines with seed bands, the Pareto chart.
//! - [`html`]: the report.html page.

pub mod charts;
pub mod files;
pub mod html;
pub mod metrics;
pub mod order;
pub mod outcome;
pub mod result;
pub mod spec;
pub mod target;

use crate::error::InputError;
use crate::output;
use crate::report::rows::NullSink;
use crate::report::summary::Summary;
use crate::scenario::{self, LoadError};
use crate::sim::{self, RunOptions};
use metrics::Metrics;
use rayon::prelude::*;
use spec::Axis;
use std::io;
use std::path::{Path, PathBuf};
use target::Target;

/// Most runs one sweep may hold (variants x seeds), so a typo cannot start a week of work.
pub const MAX_RUNS: u64 = 100_000;

/// The metric minimized by default: what keeping ENIs warm costs.
pub const DEFAULT_MINIMIZE: &str = "pool.idle_eni_hours";

/// The settings of a sweep, from the command line or the scenario's `[sweep]` table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    /// `--vary` axes, in order: the first varies slowest.
    pub axes: Vec<Axis>,
    /// Seeds per variant.
    pub seeds: Option<u32>,
    /// Bounds every seed of the recommended variant must meet.
    pub targets: Vec<Target>,
    /// What the recommendation minimizes.
    pub minimize: Option<String>,
}

/// A sweep ready to run: the scenario and its grid.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario file's text, loaded afresh with each variant's overrides.
    pub text: String,
    /// The scenario file's path as given (errors name it; traces are found beside it).
    pub label: String,
    /// The file stem: the scenario's name when the file has none.
    pub stem: String,
    /// What is run: all that a sweep's outputs need, and all that a merge reads back.
    pub grid: Grid,
    /// Every metric a run can have ([`metrics::columns`]): the metric columns of the files.
    pub columns: Vec<String>,
}

/// The grid of a sweep: variants, seeds, targets. Enough to write every output from the
/// runs' rows, so shards run apart can be merged without the scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The scenario's name.
    pub name: String,
    /// The first seed; a variant runs seeds `seed .. seed + seeds`.
    pub seed: u64,
    /// `--set` overrides applied to every variant, before the axes: part of what makes two
    /// shards the same sweep.
    pub overrides: Vec<String>,
    /// Axes, seeds per variant, targets and the minimized metric.
    pub settings: Settings,
    /// Every variant of the grid, in order.
    pub variants: Vec<Variant>,
}

/// One point of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// Index of each axis's value.
    pub choice: Vec<usize>,
    /// Why the scenario's rules refuse this combination, if they do: it is not run.
    pub skipped: Option<String>,
}

/// One run of a sweep: a variant under one seed.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// The variant's index in the grid.
    pub variant: usize,
    /// The seed.
    pub seed: u64,
    /// The run's fingerprint.
    pub fingerprint: String,
    /// Per metric column of the sweep, the run's value: none for a measure with nothing to
    /// measure, 0 for a count that never occurred.
    pub values: Vec<Option<f64>>,
}

impl RunRow {
    /// The row of a run whose figures are `metrics`, over the sweep's `columns`.
    pub fn new(
        variant: usize,
        seed: u64,
        fingerprint: String,
        metrics: &Metrics,
        columns: &[String],
    ) -> RunRow {
        let values = columns
            .iter()
            .map(|c| metrics.get(c).copied().or_else(|| metrics::absent_value(c)))
            .collect();
        RunRow {
            variant,
            seed,
            fingerprint,
            values,
        }
    }
}

/// Which share of the runs this process does: runs whose index is `k - 1` modulo `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub k: u32,
    /// Number of shards.
    pub n: u32,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parses `K/N` with 1 <= K <= N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("\"{text}\" is not a shard; expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether run `index` belongs to this shard.
    pub fn owns(self, index: u64) -> bool {
        index % u64::from(self.n) == u64::from(self.k - 1)
    }
}

impl Plan {
    /// Builds the plan for the scenario file at `path`: `cli` settings take precedence over
    /// the file's `[sweep]` table, key by key. Refuses a grid of more than [`MAX_RUNS`] runs,
    /// unknown metrics, and a varied value bad on its own; a combination refused by a rule
    /// between keys (min_warm above max_warm) becomes a skipped variant.
    pub fn new(path: &Path, base: &[String], cli: Settings) -> Result<Plan, InputError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(&label, format!("cannot read scenario file: {e}")))?;
        let stem = path
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
        let scenario = scenario::load_str(&text, &label, &stem, base)?;
        let file = scenario.sweep.clone().unwrap_or_default();
        let settings = Settings {
            axes: if cli.axes.is_empty() {
                file.axes
            } else {
                cli.axes
            },
            seeds: cli.seeds.or(file.seeds),
            targets: if cli.targets.is_empty() {
                file.targets
            } else {
                cli.targets
            },
            minimize: cli.minimize.or(file.minimize),
        };
        if settings.axes.is_empty() {
            return Err(
                InputError::new(&label, "nothing to sweep: no --vary and no [sweep] vary")
                    .with_hint("e.g. --vary policy.min_warm=0..4 --vary policy.max_warm=1,2,4,8"),
            );
        }
        let seeds = u64::from(settings.seeds.unwrap_or(1));
        let variants: u64 = settings
            .axes
            .iter()
            .map(|a| a.values.len() as u64)
            .product();
        if seeds == 0 {
            return Err(InputError::new(
                "--seeds 0",
                "a sweep runs each variant under at least 1 seed",
            ));
        }
        if variants.saturating_mul(seeds) > MAX_RUNS {
            return Err(InputError::new(
                "--vary",
                format!("{variants} variants x {seeds} seeds: a sweep holds 1 to {MAX_RUNS} runs"),
            )
            .with_hint("narrow the ranges, take bigger steps, or fewer seeds"));
        }
        let columns = metrics::columns(&scenario);
        let known = metrics::known_names(&scenario);
        for name in settings
            .targets
            .iter()
            .map(|t| t.metric.as_str())
            .chain(settings.minimize.as_deref())
        {
            if !known.accepts(name) {
                return Err(InputError::new(
                    "--target/--minimize",
                    format!("unknown metric \"{name}\""),
                )
                .with_hint(known.hint()));
            }
        }
        let mut plan = Plan {
            text,
            label,
            stem,
            grid: Grid {
                name: scenario.name.clone(),
                seed: scenario.seed,
                overrides: base.to_vec(),
                settings,
                variants: Vec::new(),
            },
            columns,
        };
        plan.grid.variants = plan.variants()?;
        Ok(plan)
    }

    /// Every combination of axis values, the first axis slowest, each checked once.
    fn variants(&self) -> Result<Vec<Variant>, InputError> {
        let sizes: Vec<usize> = self
            .grid
            .settings
            .axes
            .iter()
            .map(|a| a.values.len())
            .collect();
        let total: usize = sizes.iter().product();
        (0..total)
            .into_par_iter()
            .map(|i| {
                let choice = choice_of(i, &sizes);
                let skipped = match self.load(&choice, None) {
                    Ok(_) => None,
                    Err(e) if e.between_keys => Some(e.error.message),
                    Err(e) => return Err(e.error),
                };
                Ok(Variant { choice, skipped })
            })
            .collect()
    }

    /// The scenario of a variant, under `seed` if given.
    pub fn load(
        &self,
        choice: &[usize],
        seed: Option<u64>,
    ) -> Result<scenario::model::Scenario, LoadError> {
        let mut overrides = self.grid.overrides.clone();
        overrides.extend(self.grid.overrides(choice));
        if let Some(seed) = seed {
            overrides.push(format!("seed={seed}"));
        }
        scenario::load_variant(&self.text, &self.label, &self.stem, &overrides)
    }
}

impl Grid {
    /// The `--set` arguments that make a variant.
    pub fn overrides(&self, choice: &[usize]) -> Vec<String> {
        self.settings
            .axes
            .iter()
            .zip(choice)
            .map(|(axis, &i)| axis.set_arg(i))
            .collect()
    }

    /// The metrics a variant is described by: the key metrics, then those of the targets and
    /// the minimized one, each once.
    pub fn shown_metrics(&self) -> Vec<&str> {
        let mut out: Vec<&str> = metrics::KEY_METRICS.iter().map(|k| k.metric).collect();
        let extra = self.settings.targets.iter().map(|t| t.metric.as_str());
        for m in extra.chain(std::iter::once(self.minimize())) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        out
    }

    /// Seeds per variant.
    pub fn seeds(&self) -> u64 {
        u64::from(self.settings.seeds.unwrap_or(1))
    }

    /// The metric the recommendation minimizes.
    pub fn minimize(&self) -> &str {
        self.settings
            .minimize
            .as_deref()
            .unwrap_or(DEFAULT_MINIMIZE)
    }

    /// Runs in the grid, skipped variants' slots included (so run indices, and shards, do not
    /// depend on which variants are skipped).
    pub fn run_count(&self) -> u64 {
        self.variants.len() as u64 * self.seeds()
    }

    /// The variant and seed of run `index`.
    pub fn run_at(&self, index: u64) -> (usize, u64) {
        let seeds = self.seeds();
        (
            (index / seeds) as usize,
            self.seed.wrapping_add(index % seeds),
        )
    }

    /// The index of the run of `variant` under `seed` (the inverse of [`Grid::run_at`]).
    pub fn run_index(&self, variant: usize, seed: u64) -> u64 {
        variant as u64 * self.seeds() + seed.wrapping_sub(self.seed)
    }

    /// The runs `shard` does: its share of the grid's runs, skipped variants left out.
    pub fn runs_of(&self, shard: Shard) -> Vec<u64> {
        (0..self.run_count())
            .filter(|&i| shard.owns(i) && self.variants[self.run_at(i).0].skipped.is_none())
            .collect()
    }

    /// A short name for a variant: its values joined (`min_warm=1,max_warm=4`), for folders
    /// and charts.
    pub fn variant_label(&self, variant: usize) -> String {
        self.settings
            .axes
            .iter()
            .zip(&self.variants[variant].choice)
            .map(|(a, &i)| {
                format!(
                    "{}={}",
                    a.key.rsplit('.').next().unwrap_or(&a.key),
                    a.values[i].text
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The axis value indices of the `i`-th variant of a grid with axes of `sizes` values, the
/// first axis varying slowest.
pub fn choice_of(mut i: usize, sizes: &[usize]) -> Vec<usize> {
    let mut choice = vec![0; sizes.len()];
    for (slot, size) in choice.iter_mut().zip(sizes).rev() {
        *slot = i % size;
        i /= size;
    }
    choice
}

/// How to run a plan.
pub struct Execution<'a> {
    /// This process's share.
    pub shard: Shard,
    /// Threads.
    pub jobs: usize,
    /// Where to write each run's own result folder, if at all.
    pub keep_runs: Option<PathBuf>,
    /// Called after each run, from any thread.
    pub on_run: &'a (dyn Fn() + Sync),
}

/// Finished runs that may wait, per thread, for an earlier run to finish before their rows
/// are written; a thread this far ahead of the oldest unfinished run waits before starting
/// another.
pub const AHEAD_PER_JOB: usize = 4;

/// Why a sweep stopped.
#[derive(Debug)]
pub enum SweepError {
    /// Bad input found while running (a trace that changed since it was checked).
    Input(InputError),
    /// A kept run's result could not be written.
    Output(output::OutputError),
    /// The sweep's own files could not be written.
    Write(io::Error),
}

/// Runs this shard's share of the plan on `jobs` threads, handing each run's row to `sink`
/// in run order as soon as the runs before it are done. Gives the number of runs.
pub fn run(
    plan: &Plan,
    exec: &Execution,
    mut sink: impl FnMut(RunRow) -> io::Result<()> + Send,
) -> Result<usize, SweepError> {
    let mine = plan.grid.runs_of(exec.shard);
    let jobs = exec.jobs.max(1);
    let pool = crate::parallel::thread_pool(jobs).map_err(SweepError::Input)?;
    order::in_order(
        &pool,
        mine.len(),
        jobs * AHEAD_PER_JOB,
        |i| {
            let row = run_one(plan, mine[i], exec.keep_runs.as_deref());
            (exec.on_run)();
            row
        },
        |row| sink(row).map_err(SweepError::Write),
    )?;
    Ok(mine.len())
}

fn run_one(plan: &Plan, index: u64, keep: Option<&Path>) -> Result<RunRow, SweepError> {
    let grid = &plan.grid;
    let (variant, seed) = grid.run_at(index);
    let sc = plan
        .load(&grid.variants[variant].choice, Some(seed))
        .map_err(|e| SweepError::Input(e.error))?;
    let summary: Summary = match keep {
        Some(dir) => {
            let folder = dir.join(format!(
                "{:04}-{}-seed{seed}",
                variant,
                grid.variant_label(variant)
            ));
            output::run_to_dir(sc, &folder, false, RunOptions::default())
                .map_err(SweepError::Output)?
        }
        None => {
            sim::run_with(sc, &mut NullSink, RunOptions::default()).map_err(SweepError::Input)?
        }
    };
    Ok(RunRow::new(
        variant,
        seed,
        summary.fingerprint.clone(),
        &metrics::flatten(&summary),
        &plan.columns,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One small node for 30 pods, and calls that fail or time out: scheduling failures,
    /// pods pending at the end and error codes, the figures that only some runs have.
    const BUSY: &str = r#"
duration = "30m"
[vpc.faults]
create = 0.3
attach = { probability = 0.2, code = "LimitExceeded" }
timeout = 0.2
[[subnets]]
id = "a"
zone = "z"
cidr = "10.0.0.0/24"
[[node_groups]]
name = "w"
instance_type = "SA2.LARGE8"
zone = "z"
count = 1
[[workloads]]
name = "web"
kind = "deployment"
replicas = 30
"#;

    #[test]
    fn every_figure_a_run_has_is_a_column_known_before_it_runs() {
        let sc = scenario::load_str(BUSY, "busy.toml", "busy", &[]).unwrap();
        let columns = metrics::columns(&sc);
        let summary = sim::run_with(sc, &mut NullSink, RunOptions::default()).unwrap();
        let figures = metrics::flatten(&summary);
        for name in [
            "api.errors.InternalError",
            "api.errors.LimitExceeded",
            "api.errors.Timeout",
            "pods.failed_scheduling_by_reason.no_free_eni_slot",
            "pods.pending_at_end_by_reason.no_free_eni_slot",
            "subnets.a.peak_used_ips",
        ] {
            assert!(figures.contains_key(name), "the run has no {name}");
        }
        for name in figures.keys() {
            assert!(columns.contains(name), "{name} is not a column");
        }
        // And those it lacks: the codes and reasons that did not occur, the null measures.
        for name in [
            "api.errors.ResourceInsufficient",
            "pods.failed_scheduling_by_reason.no_nodes",
            "release.delay_s.p99",
        ] {
            assert!(columns.iter().any(|c| c == name), "{name}");
        }
        assert!(columns.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
        let row = RunRow::new(0, 1, String::new(), &figures, &columns);
        let at = |name: &str| columns.iter().position(|c| c == name).unwrap();
        assert_eq!(row.values[at("api.errors.ResourceInsufficient")], Some(0.0));
        assert_eq!(row.values[at("release.delay_s.p99")], None);
        let timeouts = figures["api.errors.Timeout"];
        assert_eq!(row.values[at("api.errors.Timeout")], Some(timeouts));
    }

    #[test]
    fn shards_split_runs_without_overlap() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { k: 2, n: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for i in 0..30 {
            assert_eq!(shards.iter().filter(|s| s.owns(i)).count(), 1);
        }
    }
}
