//! Single-file results (an imported trace, node groups): written beside the target under a
//! temporary name and renamed over it only once whole, so a failed or killed writer never
//! leaves a half-written file that looks complete.

use super::OutputError;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A file being written; [`OutputFile::commit`] puts it in place, dropping it leaves the
/// target untouched.
pub struct OutputFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Starts writing `target`. An existing file is replaced only if it starts with `mark`
    /// (enisim wrote it: a trace's header, a marker comment) or with `force`; a folder is
    /// never replaced.
    pub fn begin(target: &Path, force: bool, mark: &str) -> Result<Self, OutputError> {
        if target.is_dir() {
            return Err(OutputError::Refused {
                path: target.to_path_buf(),
                reason: "is a folder; give a file name".to_string(),
            });
        }
        if target.exists() && !force && !starts_with(target, mark) {
            return Err(OutputError::Refused {
                path: target.to_path_buf(),
                reason: "exists and is not a file enisim wrote; pass --force to replace it"
                    .to_string(),
            });
        }
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let io_error = |path: &Path, source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        };
        fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        let temp = dir.join(format!(".{name}.enisim-partial-{}", std::process::id()));
        let file = File::create(&temp).map_err(|e| io_error(&temp, e))?;
        Ok(OutputFile {
            target: target.to_path_buf(),
            temp,
            writer: Some(BufWriter::new(file)),
        })
    }

    /// Where the bytes go.
    pub fn writer(&mut self) -> &mut impl Write {
        self.writer
            .as_mut()
            .expect("an uncommitted file has its writer")
    }

    /// The error of a failed write to this file.
    pub fn write_error(&self, source: io::Error) -> OutputError {
        OutputError::Io {
            path: self.target.clone(),
            source,
        }
    }

    /// Flushes the file to disk and renames it over the target.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let writer = self.writer.take().expect("committed once");
        let file = writer
            .into_inner()
            .map_err(|e| self.write_error(e.into_error()))?;
        file.sync_all().map_err(|e| self.write_error(e))?;
        fs::rename(&self.temp, &self.target).map_err(|e| self.write_error(e))?;
        Ok(self.target.clone())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Whether the file at `path` starts with `mark`.
fn starts_with(path: &Path, mark: &str) -> bool {
    let mut head = vec![0; mark.len()];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == mark.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_its_own_files_and_only_when_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("t.csv");
        fs::write(&target, "user data\n").unwrap();
        assert!(matches!(
            OutputFile::begin(&target, false, "time,"),
            Err(OutputError::Refused { .. })
        ));
        let mut out = OutputFile::begin(&target, true, "time,").unwrap();
        out.writer().write_all(b"time,a\n").unwrap();
        drop(out);
        assert_eq!(
            fs::read_to_string(&target).unwrap(),
            "user data\n",
            "not committed"
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "no leftover");
        let mut out = OutputFile::begin(&target, true, "time,").unwrap();
        out.writer().write_all(b"time,a\n").unwrap();
        out.commit().unwrap();
        // Now it is enisim's: replaced without --force.
        let mut out = OutputFile::begin(&target, false, "time,").unwrap();
        out.writer().write_all(b"time,b\n").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "time,b\n");
        assert!(
            OutputFile::begin(tmp.path(), true, "time,").is_err(),
            "a folder"
        );
    }
}
