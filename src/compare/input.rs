//! The two sides of a comparison read from disk: a run folder, a summary.json file (a
//! baseline kept in a repository is one) or a sweep folder, whose variants are compared one by
//! one. Every figure a summary holds under a known metric name must be a number or null; a
//! file that is not a summary, or a summary of another scenario, is refused with its location.

use super::locate;
use super::series::{Series, SeriesSource};
use super::{Case, Draw, Kind, Side};
use crate::error::InputError;
use crate::sweep::files;
use crate::sweep::metrics::{any_run_names, flatten_json, Known};
use serde_json::Value;
use std::path::Path;

/// Reads one side from `path`: a sweep folder (it holds sweep.json), a run folder (it holds
/// summary.json) or a summary file.
pub fn read(path: &Path) -> Result<Side, InputError> {
    let label = path.display().to_string();
    if path.is_dir() {
        if path.join("sweep.json").is_file() {
            return read_sweep(path, &label);
        }
        let summary = path.join("summary.json");
        if !summary.is_file() {
            return Err(InputError::new(
                &label,
                "neither a run folder (no summary.json) nor a sweep folder (no sweep.json)",
            )
            .with_hint(HINT));
        }
        let mut side = read_summary(&summary, label)?;
        side.cases[0].series = Some(SeriesSource::Dir(path.to_path_buf()));
        return Ok(side);
    }
    let mut side = read_summary(path, label)?;
    // A summary.json beside its run's files brings their series.
    let dir = path.parent().filter(|d| d.join("timeseries.csv").is_file());
    if let (Some(dir), None) = (dir, &side.cases[0].series) {
        side.cases[0].series = Some(SeriesSource::Dir(dir.to_path_buf()));
    }
    Ok(side)
}

const HINT: &str =
    "compare takes run folders, summary.json files (baselines/<scenario>.json) or sweep folders";

/// A summary file as a side of one case.
fn read_summary(path: &Path, label: String) -> Result<Side, InputError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(&file, format!("cannot read: {e}")).with_hint(HINT))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        InputError::new(&file, "not UTF-8 text: a summary.json is JSON").with_hint(HINT)
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        InputError::new(&file, format!("not a readable summary.json: {e}"))
            .at(e.line().max(1), e.column().max(1))
    })?;
    let located = |path: &[&str], message: String| {
        InputError::new(&file, message).at_offset(&text, locate::offset(&text, path))
    };
    let text_of = |key: &str| value.get(key).and_then(Value::as_str);
    let number_of = |key: &str| value.get(key).and_then(Value::as_f64);
    let (Some(scenario), Some(fingerprint), Some(seed), Some(duration_s)) = (
        text_of("scenario"),
        text_of("fingerprint"),
        value.get("seed").and_then(Value::as_u64),
        number_of("duration_s"),
    ) else {
        return Err(located(
            &[],
            "not an enisim summary: it needs \"scenario\", \"seed\", \"duration_s\" and \"fingerprint\"".into(),
        )
        .with_hint(HINT));
    };
    check_figures(&value, &mut Vec::new(), &any_run_names(), &located)?;
    let overrides: Vec<String> = value
        .get("overrides")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let name = if overrides.is_empty() {
        scenario.to_string()
    } else {
        format!("{scenario} ({})", overrides.join(", "))
    };
    let sketch = value.get("series").and_then(Series::from_sketch_json);
    Ok(Side {
        label,
        kind: Kind::Run { duration_s },
        scenario: scenario.to_string(),
        source: Some((file.clone(), text.clone())),
        cases: vec![Case {
            name,
            draws: vec![Draw {
                seed,
                fingerprint: fingerprint.to_string(),
                metrics: flatten_json(&value),
            }],
            series: sketch.map(SeriesSource::Sketch),
        }],
    })
}

/// Every figure under a known metric name is a number or null (nothing to measure).
fn check_figures<'a>(
    value: &'a Value,
    path: &mut Vec<&'a str>,
    known: &Known,
    located: &dyn Fn(&[&str], String) -> InputError,
) -> Result<(), InputError> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k);
                check_figures(v, path, known, located)?;
                path.pop();
            }
            Ok(())
        }
        Value::Number(_) | Value::Null => Ok(()),
        other => {
            let name = path.join(".");
            if known.accepts(&name) {
                return Err(located(
                    path,
                    format!("{name} is {other}: a figure is a number, or null when there was nothing to measure"),
                ));
            }
            Ok(())
        }
    }
}

/// A whole sweep's folder: one case per variant that ran, its seeds as draws.
fn read_sweep(dir: &Path, label: &str) -> Result<Side, InputError> {
    let mut sweep =
        files::read_whole(dir).map_err(|e| InputError::new(label, e).with_hint(HINT))?;
    let rows = sweep
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError::new(label, e).with_hint(HINT))?;
    let columns = sweep.columns.clone();
    let grid = &sweep.grid;
    let cases = grid
        .variants
        .iter()
        .enumerate()
        .filter(|(_, v)| v.skipped.is_none())
        .map(|(i, _)| {
            let name = grid.variant_label(i);
            let draws: Vec<Draw> = rows
                .iter()
                .filter(|r| r.variant == i)
                .map(|r| Draw {
                    seed: r.seed,
                    fingerprint: r.fingerprint.clone(),
                    metrics: columns
                        .iter()
                        .zip(&r.values)
                        .filter_map(|(name, v)| v.map(|v| (name.clone(), v)))
                        .collect(),
                })
                .collect();
            let kept = draws.first().map(|d| {
                dir.join("runs")
                    .join(format!("{i:04}-{name}-seed{}", d.seed))
            });
            Case {
                series: kept
                    .filter(|k| k.join("timeseries.csv").is_file())
                    .map(SeriesSource::Dir),
                name,
                draws,
            }
        })
        .collect();
    let json = dir.join("sweep.json");
    Ok(Side {
        label: label.to_string(),
        kind: Kind::Sweep,
        scenario: grid.name.clone(),
        source: std::fs::read_to_string(&json)
            .ok()
            .map(|t| (json.display().to_string(), t)),
        cases,
    })
}

/// Refuses sides that cannot be compared figure by figure: a run against a sweep, runs of
/// different scenarios or durations, sweeps over different grids. The error points into the
/// current side's file.
pub fn check_match(base: &Side, cur: &Side) -> Result<(), InputError> {
    let located = |path: &[&str], message: String| match &cur.source {
        Some((file, text)) => {
            InputError::new(file, message).at_offset(text, locate::offset(text, path))
        }
        None => InputError::new(&cur.label, message),
    };
    let is_sweep = |s: &Side| s.kind == Kind::Sweep;
    if is_sweep(base) != is_sweep(cur) {
        let kind = |s: &Side| if is_sweep(s) { "a sweep" } else { "a run" };
        return Err(InputError::new(
            &cur.label,
            format!(
                "{} is {}, {} is {}: compare a run with a run, a sweep with a sweep",
                base.label,
                kind(base),
                cur.label,
                kind(cur)
            ),
        ));
    }
    if base.scenario != cur.scenario {
        let key: &[&str] = if is_sweep(cur) {
            &["grid", "scenario"]
        } else {
            &["scenario"]
        };
        return Err(located(
            key,
            format!(
                "scenario \"{}\", but {} is of \"{}\": compare runs of one scenario",
                cur.scenario, base.label, base.scenario
            ),
        ));
    }
    if let (Kind::Run { duration_s: b }, Kind::Run { duration_s: c }) = (base.kind, cur.kind) {
        if b != c {
            return Err(located(
                &["duration_s"],
                format!(
                    "{c} s of virtual time, but {} covers {b} s: totals over different durations do not compare",
                    base.label
                ),
            ));
        }
    }
    if is_sweep(cur) {
        let names = |s: &Side| s.cases.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let (b, c) = (names(base), names(cur));
        if let Some(missing) = b
            .iter()
            .find(|n| !c.contains(n))
            .or(c.iter().find(|n| !b.contains(n)))
        {
            return Err(located(
                &["grid", "axes"],
                format!(
                    "variant {missing} is in one sweep only: compare sweeps over the same grid"
                ),
            ));
        }
        let seeds = |s: &Side| s.cases.first().map_or(0, |c| c.draws.len());
        if seeds(base) != seeds(cur) {
            return Err(located(
                &["grid", "seeds"],
                format!(
                    "{} seed(s) per variant, {} has {}: seeds are compared pair by pair",
                    seeds(cur),
                    base.label,
                    seeds(base)
                ),
            ));
        }
    }
    Ok(())
}
