//! A run's result folder: the effective scenario first (scenario.toml: overrides and seed
//! applied, so the run can be repeated from it alone); the CSV streams during the run (on a
//! thread of their own, [`Relay`]); the
//! charts (drawn from the samples and distributions kept as the rows pass), report.html and
//! summary.json after; the manifest last.

use super::{Manifest, OutputDir, OutputError, MANIFEST};
use crate::report::context::RunContext;
use crate::report::files::CsvFiles;
use crate::report::relay::Relay;
use crate::report::summary::Summary;
use crate::report::{charts, html};
use crate::scenario::model::Scenario;
use crate::sim::{self, RunOptions};
use std::fs;
use std::path::Path;

/// Runs `scenario` and writes its result into `target` by the rules of [`crate::output`]:
/// `force` lets it write into a folder that enisim does not own (replacing only its own
/// files there).
pub fn run_to_dir(
    scenario: Scenario,
    target: &Path,
    force: bool,
    options: RunOptions,
) -> Result<Summary, OutputError> {
    let out = OutputDir::begin(target, force)?;
    let summary = write_run(scenario, &out, options)?;
    let mut manifest = Manifest::new("run", &summary.scenario, Vec::new());
    manifest.seed = Some(summary.seed);
    manifest.fingerprint = Some(summary.fingerprint.clone());
    out.commit(manifest)?;
    Ok(summary)
}

fn write_run(
    scenario: Scenario,
    out: &OutputDir,
    options: RunOptions,
) -> Result<Summary, OutputError> {
    let dir = out.dir();
    let io = |source| OutputError::io(dir, source);
    fs::write(dir.join("scenario.toml"), &scenario.effective).map_err(io)?;
    let ctx = RunContext::of(&scenario);
    let mut files = Relay::spawn(CsvFiles::create(dir).map_err(io)?).map_err(io)?;
    let ran = sim::run_with(scenario, &mut files, options);
    let files = files.finish();
    let mut summary = ran.map_err(OutputError::Input)?;
    let series = files.finish().map_err(io)?;
    let figures = charts::render(&series, &summary, &ctx).map_err(io)?;
    charts::write_all(dir, figures.iter().map(|f| &f.chart)).map_err(io)?;
    summary.files = out.staged_files()?;
    summary
        .files
        .extend(["report.html", "summary.json", MANIFEST].map(String::from));
    summary.files.sort();
    let page = html::render(&summary, &figures, &series, &ctx);
    fs::write(dir.join("report.html"), page).map_err(io)?;
    fs::write(dir.join("summary.json"), summary.to_json()).map_err(io)?;
    Ok(summary)
}
