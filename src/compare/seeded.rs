//! Both sides of a comparison run here from scenario files, each over N seeds, so that the
//! verdict rests on the distribution of the change rather than on one draw. Each side runs
//! the seeds that follow its own scenario's seed (s, s + 1, ..., s + N - 1): the same seeds on
//! both sides unless a side overrides `seed`; runs are paired by position.

use super::series::{Keep, SeriesSource};
use super::{Case, Draw, Kind, Side};
use crate::error::InputError;
use crate::report::rows::NullSink;
use crate::scenario::{self, model::Scenario};
use crate::sim::{self, RunOptions};
use crate::sweep::metrics::flatten;
use rayon::prelude::*;
use std::path::PathBuf;

/// Most seeds a side may run.
pub const MAX_SEEDS: u32 = 10_000;

/// A side to run: a scenario file and the overrides that make the setting.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The scenario file.
    pub path: PathBuf,
    /// `--set` arguments, in order.
    pub overrides: Vec<String>,
}

impl Setting {
    /// The file and its overrides, as a report names the side.
    pub fn label(&self) -> String {
        let path = self.path.display();
        if self.overrides.is_empty() {
            path.to_string()
        } else {
            format!("{path} with {}", self.overrides.join(" "))
        }
    }
}

/// Runs `base` and `current` over `seeds` seeds each on `jobs` threads, calling `on_run` after
/// each run; each side's first run keeps its time series for the charts.
pub fn run(
    base: &Setting,
    current: &Setting,
    seeds: u32,
    jobs: usize,
    on_run: &(dyn Fn() + Sync),
) -> Result<(Side, Side), InputError> {
    if seeds == 0 || seeds > MAX_SEEDS {
        return Err(InputError::new(
            format!("--seeds {seeds}"),
            format!("each side runs 1 to {MAX_SEEDS} seeds"),
        ));
    }
    let scenarios = [
        scenario::load(&base.path, &base.overrides)?,
        scenario::load(&current.path, &current.overrides)?,
    ];
    let runs: Vec<(usize, u32)> = (0..2)
        .flat_map(|side| (0..seeds).map(move |i| (side, i)))
        .collect();
    let pool = crate::parallel::thread_pool(jobs)?;
    let done: Vec<(Draw, Option<SeriesSource>)> = pool.install(|| {
        runs.par_iter()
            .map(|&(side, i)| {
                let r = run_one(&scenarios[side], i);
                on_run();
                r
            })
            .collect::<Result<_, InputError>>()
    })?;
    let mut done = done.into_iter();
    let mut side = |setting: &Setting, sc: &Scenario| {
        let (draws, series): (Vec<Draw>, Vec<Option<SeriesSource>>) =
            done.by_ref().take(seeds as usize).unzip();
        Side {
            label: setting.label(),
            kind: Kind::Seeded,
            scenario: sc.name.clone(),
            source: None,
            cases: vec![Case {
                name: if sc.overrides.is_empty() {
                    sc.name.clone()
                } else {
                    format!("{} ({})", sc.name, sc.overrides.join(", "))
                },
                draws,
                series: series.into_iter().next().flatten(),
            }],
        }
    };
    let b = side(base, &scenarios[0]);
    let c = side(current, &scenarios[1]);
    Ok((b, c))
}

/// The `i`-th seed's run of `sc`; the first keeps its series.
fn run_one(sc: &Scenario, i: u32) -> Result<(Draw, Option<SeriesSource>), InputError> {
    let mut sc = sc.clone();
    sc.seed = sc.seed.wrapping_add(u64::from(i));
    let options = RunOptions::default();
    let (summary, series) = if i == 0 {
        let mut keep = Keep::default();
        let summary = sim::run_with(sc, &mut keep, options)?;
        (summary, Some(SeriesSource::Kept(keep.finish())))
    } else {
        (sim::run_with(sc, &mut NullSink, options)?, None)
    };
    Ok((
        Draw {
            seed: summary.seed,
            fingerprint: summary.fingerprint.clone(),
            metrics: flatten(&summary),
        },
        series,
    ))
}
