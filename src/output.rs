//! A run written to a directory: the CSV streams during the run; the charts, report.html and
//! summary.json after, all staged so that a failed run leaves nothing that looks complete.

use crate::error::InputError;
use crate::report::files::{CsvFiles, Staging};
use crate::report::summary::Summary;
use crate::report::{charts, html};
use crate::scenario::model::Scenario;
use crate::sim::{self, RunOptions};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a run's outputs could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// A file could not be written.
    Io {
        /// The output directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Bad input found during the run (a trace that changed since it was loaded).
    Input(InputError),
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Io { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            OutputError::Input(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OutputError {}

/// Runs `scenario` and writes every output file into `dir`, replacing what was there only
/// once all files are complete.
pub fn run_to_dir(
    scenario: Scenario,
    dir: &Path,
    options: RunOptions,
) -> Result<Summary, OutputError> {
    let err = |source| OutputError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let staging = Staging::create(dir).map_err(err)?;
    match write_run(scenario, staging.dir(), options) {
        Ok(summary) => {
            staging.commit().map_err(err)?;
            Ok(summary)
        }
        Err(e) => {
            staging.abandon();
            Err(match e {
                OutputError::Io { source, .. } => err(source),
                input => input,
            })
        }
    }
}

fn write_run(scenario: Scenario, dir: &Path, options: RunOptions) -> Result<Summary, OutputError> {
    let io = |source| OutputError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = CsvFiles::create(dir).map_err(io)?;
    let summary = sim::run_with(scenario, &mut files, options).map_err(OutputError::Input)?;
    let samples = files.finish().map_err(io)?;
    let charts = charts::render(&samples).map_err(io)?;
    fs::create_dir_all(dir.join("charts")).map_err(io)?;
    for chart in &charts {
        fs::write(dir.join("charts").join(chart.file), &chart.svg).map_err(io)?;
    }
    fs::write(dir.join("report.html"), html::render(&summary, &charts)).map_err(io)?;
    fs::write(dir.join("summary.json"), summary.to_json()).map_err(io)?;
    Ok(summary)
}
