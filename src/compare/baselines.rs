//! A repository's baselines: `baselines/<scenario>.json`, the summary of each scenario in a
//! scenarios folder as the main branch runs it, and `baselines/budget.toml`. `check` runs
//! every scenario and compares it with its baseline; `update` rewrites them, as one result
//! folder (its manifest lists the baselines; budget.toml, written by hand, stays).

use super::budget::Budget;
use super::input;
use super::judge::{self, CaseResult};
use super::series::{Keep, Series, SeriesSource};
use super::{Case, Draw, Kind, Side};
use crate::error::InputError;
use crate::output::{Manifest, OutputDir, OutputError};
use crate::report::summary::Summary;
use crate::scenario;
use crate::sim::{self, RunOptions};
use crate::sweep::metrics::flatten;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The budget file in a baselines folder; without it, the built-in budget applies.
pub const BUDGET_FILE: &str = "budget.toml";

/// A scenario file of the scenarios folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScenarioFile {
    /// The file stem: its baseline is `<stem>.json`.
    pub stem: String,
    /// The file.
    pub path: PathBuf,
}

/// Every scenario file (`*.toml`) of `dir`, sorted.
pub fn scenarios(dir: &Path) -> Result<Vec<ScenarioFile>, InputError> {
    let label = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError::new(&label, format!("cannot read the scenarios folder: {e}")))?;
    let mut out: Vec<ScenarioFile> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|path| {
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            Some(ScenarioFile { stem, path })
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(InputError::new(&label, "no scenario files (*.toml) in it"));
    }
    Ok(out)
}

/// One scenario's run: its summary and its series.
pub struct Run {
    /// The summary.
    pub summary: Summary,
    /// The series, for sparklines against the baseline's sketch.
    pub series: Series,
}

/// Runs every scenario once under its own seed on `jobs` threads, calling `on_run` after
/// each; runs in the scenarios' order.
pub fn run_all(
    scenarios: &[ScenarioFile],
    jobs: usize,
    on_run: &(dyn Fn() + Sync),
) -> Result<Vec<Run>, InputError> {
    let loaded = scenarios
        .iter()
        .map(|f| scenario::load(&f.path, &[]))
        .collect::<Result<Vec<_>, _>>()?;
    crate::parallel::thread_pool(jobs)?.install(|| {
        loaded
            .into_par_iter()
            .map(|sc| {
                let mut keep = Keep::default();
                let summary = sim::run_with(sc, &mut keep, RunOptions::default());
                on_run();
                Ok(Run {
                    summary: summary?,
                    series: keep.finish(),
                })
            })
            .collect()
    })
}

/// A baseline file: the run's summary.json with a sketch of its series under `series`.
pub fn baseline_json(run: &Run) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        #[serde(flatten)]
        summary: &'a Summary,
        series: serde_json::Value,
    }
    let file = File {
        summary: &run.summary,
        series: run.series.sketch_json(),
    };
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
    s.push('\n');
    s
}

/// The baseline file of scenario `stem`.
pub fn baseline_path(baselines: &Path, stem: &str) -> PathBuf {
    baselines.join(format!("{stem}.json"))
}

/// The budget of a baselines folder: `budget` if given, else its budget.toml, else the
/// built-in one.
pub fn budget(baselines: &Path, budget: Option<&Path>) -> Result<Budget, InputError> {
    let own = baselines.join(BUDGET_FILE);
    match budget {
        Some(path) => Budget::load(path),
        None if own.is_file() => Budget::load(&own),
        None => Ok(Budget::builtin()),
    }
}

/// A run held in memory as a side.
fn side_of(label: &str, stem: &str, run: &Run) -> Side {
    let s = &run.summary;
    Side {
        label: label.to_string(),
        kind: Kind::Run {
            duration_s: s.duration_s,
        },
        scenario: s.scenario.clone(),
        source: None,
        cases: vec![Case {
            name: stem.to_string(),
            draws: vec![Draw {
                seed: s.seed,
                fingerprint: s.fingerprint.clone(),
                metrics: flatten(s),
            }],
            series: Some(SeriesSource::Kept(run.series.clone())),
        }],
    }
}

/// What a check compared, and what it could not.
pub struct Checked {
    /// Each scenario compared with its baseline.
    pub cases: Vec<CaseResult>,
    /// What was left out, one line each (only with `allow_missing`).
    pub left_out: Vec<String>,
}

/// Compares each scenario's run with its baseline. A scenario without a baseline, a
/// baseline without its scenario, or a run that does not compare with its baseline (another
/// duration) is bad input: the baselines are out of date. With `allow_missing` (a branch
/// checked against its target branch's baselines, which may add, remove or reshape
/// scenarios) each is left out and said instead.
pub fn check(
    baselines: &Path,
    scenarios: &[ScenarioFile],
    runs: &[Run],
    budget: &Budget,
    allow_missing: bool,
) -> Result<Checked, InputError> {
    let mut left_out = Vec::new();
    let mut leave_out = |e: InputError, what: String| {
        if allow_missing {
            left_out.push(what);
            Ok(())
        } else {
            Err(e)
        }
    };
    for stale in stale(baselines, scenarios)? {
        let name = stale.display().to_string();
        leave_out(
            InputError::new(&name, "a baseline without its scenario")
                .with_hint("remove it, or run `enisim baseline update` to rewrite the baselines"),
            format!("{name}: a baseline without its scenario (removed?): not compared"),
        )?;
    }
    let mut cases = Vec::new();
    for (ScenarioFile { stem, path }, run) in scenarios.iter().zip(runs) {
        let file = baseline_path(baselines, stem);
        if !file.is_file() {
            leave_out(
                InputError::new(
                    path.display().to_string(),
                    format!("no baseline ({} is missing)", file.display()),
                )
                .with_hint("run `enisim baseline update` and commit the new baseline"),
                format!("{stem}: no baseline (a new scenario?): not compared"),
            )?;
            continue;
        }
        let mut base = input::read(&file)?;
        base.cases[0].name = stem.clone();
        let current = side_of(&path.display().to_string(), stem, run);
        if let Err(e) = input::check_match(&current, &base) {
            let what = format!("{stem}: not compared: {}", e.message);
            leave_out(e, what)?;
            continue;
        }
        cases.extend(judge::compare(&base, &current, budget));
    }
    Ok(Checked { cases, left_out })
}

/// The `*.json` files of `baselines` that no scenario has.
fn stale(baselines: &Path, scenarios: &[ScenarioFile]) -> Result<Vec<PathBuf>, InputError> {
    let Ok(entries) = std::fs::read_dir(baselines) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != crate::output::MANIFEST))
        .filter(|p| {
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
            !scenarios.iter().any(|f| Some(&f.stem) == stem.as_ref())
        })
        .collect();
    out.sort();
    Ok(out)
}

/// What `update` did to one baseline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A scenario that had none.
    New(String),
    /// Same fingerprint as before.
    Unchanged(String),
    /// The fingerprint changed: old, new.
    Changed(String, String),
    /// Removed with its scenario.
    Removed,
    /// Without its scenario, but not written by enisim: left for the user to remove.
    Left,
}

/// Rewrites the baselines of every scenario into `baselines`, and says per baseline what
/// changed.
pub fn update(
    baselines: &Path,
    scenarios: &[ScenarioFile],
    runs: &[Run],
    force: bool,
) -> Result<Vec<(String, Change)>, OutputError> {
    let mut changes = Vec::new();
    for (ScenarioFile { stem, .. }, run) in scenarios.iter().zip(runs) {
        let s = &run.summary;
        let old = input::read(&baseline_path(baselines, stem))
            .ok()
            .and_then(|side| side.cases.into_iter().next())
            .and_then(|c| c.draws.into_iter().next())
            .map(|d| d.fingerprint);
        let change = match old {
            None => Change::New(s.fingerprint.clone()),
            Some(f) if f == s.fingerprint => Change::Unchanged(f),
            Some(f) => Change::Changed(f, s.fingerprint.clone()),
        };
        changes.push((stem.clone(), change));
    }
    let owned = Manifest::read(baselines);
    for path in stale(baselines, scenarios).map_err(OutputError::Input)? {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let change = if owned.as_ref().is_some_and(|m| m.lists(&name)) {
            Change::Removed
        } else {
            Change::Left
        };
        changes.push((name, change));
    }
    let dir = OutputDir::begin(baselines, force)?;
    for (ScenarioFile { stem, .. }, run) in scenarios.iter().zip(runs) {
        let file = baseline_path(dir.dir(), stem);
        std::fs::write(&file, baseline_json(run)).map_err(|e| OutputError::io(&file, e))?;
    }
    dir.commit(Manifest::new("baseline", "baselines", Vec::new()))?;
    Ok(changes)
}
