//! Where results go, for every command that writes a folder.
//!
//! The rules, so that no user file is ever lost and no half-written result ever looks whole:
//!
//! - enisim writes only into a folder it owns: a new or empty one, or one holding its
//!   manifest ([`MANIFEST`]) from an earlier result. Any other non-empty folder is refused
//!   unless `--force`, and even then only the files enisim writes are replaced.
//! - Each writer stages into its own hidden folder beside the target and swaps the finished
//!   result in under a lock on the parent folder: two writers into one target never mix
//!   files, the last to finish wins whole.
//! - The manifest is the last file to land: a folder whose manifest lists every file present
//!   at its size is a complete result ([`verify`]); anything else is not.
//! - A writer killed at any moment leaves the previous result or none, and a staging folder
//!   that the next writer of that target removes (only folders carrying enisim's staging
//!   mark, whose owner no longer holds its lock).

mod dir;
mod file;
mod manifest;
mod run;

pub use dir::OutputDir;
pub use file::OutputFile;
pub use manifest::{verify, FileEntry, Manifest, MANIFEST};
pub use run::run_to_dir;

use crate::error::InputError;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a result could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// The target is not enisim's to write: a non-empty folder without its manifest (and no
    /// `--force`), or not a folder at all. Bad input, exit code 2.
    Refused {
        /// The target.
        path: PathBuf,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A file could not be written (read-only place, disk full). Exit code 1.
    Io {
        /// The file or folder that could not be written.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Bad input found during the run (a trace that changed since it was loaded). Exit 2.
    Input(InputError),
}

impl OutputError {
    /// The process exit code for this error: 2 for what the user can fix in their input or
    /// flags, 1 for a failure of the place written to.
    pub fn exit_code(&self) -> u8 {
        match self {
            OutputError::Refused { .. } | OutputError::Input(_) => 2,
            OutputError::Io { .. } => 1,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        OutputError::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Refused { path, reason } => {
                write!(f, "{}: {reason}", path.display())
            }
            OutputError::Io { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            OutputError::Input(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OutputError {}
