//! A run written to a directory: the CSV streams during the run, summary.json after, all
//! staged so that a failed run leaves nothing that looks complete.

use crate::report::files::{CsvFiles, Staging};
use crate::report::summary::Summary;
use crate::scenario::model::Scenario;
use crate::sim;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A failure to write a run's outputs, naming the path.
#[derive(Debug)]
pub struct OutputError {
    /// The path that could not be written.
    pub path: PathBuf,
    /// Why.
    pub source: io::Error,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for OutputError {}

/// Runs `scenario` and writes every output file into `dir`, replacing what was there only
/// once all files are complete.
pub fn run_to_dir(scenario: Scenario, dir: &Path) -> Result<Summary, OutputError> {
    let err = |source| OutputError {
        path: dir.to_path_buf(),
        source,
    };
    let staging = Staging::create(dir).map_err(err)?;
    let result = write_run(scenario, staging.dir());
    match result {
        Ok(summary) => {
            staging.commit().map_err(err)?;
            Ok(summary)
        }
        Err(e) => {
            staging.abandon();
            Err(err(e))
        }
    }
}

fn write_run(scenario: Scenario, dir: &Path) -> io::Result<Summary> {
    let mut files = CsvFiles::create(dir)?;
    let summary = sim::run(scenario, &mut files);
    files.finish()?;
    fs::write(dir.join("summary.json"), summary.to_json())?;
    Ok(summary)
}
