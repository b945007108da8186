//! The manifest: the small file that marks a folder as an enisim result and lists what
//! belongs to it, so that a reader can tell a complete result from a partial one.

use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::Path;

/// The manifest's file name, in the result folder.
pub const MANIFEST: &str = "enisim-run.json";

/// What a result folder holds and what made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The enisim version that wrote it.
    pub enisim: String,
    /// The command that wrote it (`run`, `sweep`, ...).
    pub command: String,
    /// The scenario's name.
    pub scenario: String,
    /// The master seed, where one seed made the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The run's fingerprint, where the result is one run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Every file of the result but the manifest, `/`-separated paths, sorted.
    pub files: Vec<FileEntry>,
}

/// One file of a result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the result folder, `/`-separated.
    pub path: String,
    /// Its size in bytes when it was written.
    pub bytes: u64,
}

impl Manifest {
    /// A manifest for `files`, written by this version of enisim.
    pub fn new(command: &str, scenario: &str, files: Vec<FileEntry>) -> Self {
        Manifest {
            enisim: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            scenario: scenario.to_string(),
            seed: None,
            fingerprint: None,
            files,
        }
    }

    /// The manifest as written: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads the manifest of `dir`, if it has one that parses.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// True if `rel` (a `/`-separated path) is the manifest or one of its files.
    pub fn lists(&self, rel: &str) -> bool {
        rel == MANIFEST || self.files.iter().any(|f| f.path == rel)
    }
}

/// Checks that `dir` is a complete result: its manifest parses and every file it lists is
/// there at the size it was written. Returns the manifest, or what is wrong.
pub fn verify(dir: &Path) -> Result<Manifest, String> {
    let manifest = Manifest::read(dir).ok_or_else(|| {
        format!(
            "{}: no readable {MANIFEST}: not a complete enisim result",
            dir.display()
        )
    })?;
    for f in &manifest.files {
        let path = dir.join(&f.path);
        match fs::metadata(&path) {
            Ok(m) if m.is_file() && m.len() == f.bytes => {}
            Ok(m) => {
                return Err(format!(
                    "{}: {} bytes, the manifest says {}",
                    path.display(),
                    m.len(),
                    f.bytes
                ))
            }
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Ok(manifest)
}

/// Every file under `dir` but those named `skip` at its top, as sorted `/`-separated paths
/// with their sizes.
pub(super) fn list_files(dir: &Path, skip: &[&str]) -> io::Result<Vec<FileEntry>> {
    let mut out = Vec::new();
    walk(dir, "", skip, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, skip: &[&str], out: &mut Vec<FileEntry>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefix.is_empty() && skip.contains(&name.as_str()) {
            continue;
        }
        let rel = format!("{prefix}{name}");
        let meta = entry.metadata()?;
        if meta.is_dir() {
            walk(&entry.path(), &format!("{rel}/"), skip, out)?;
        } else {
            out.push(FileEntry {
                path: rel,
                bytes: meta.len(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_a_whole_result_and_names_what_is_missing_or_cut() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::create_dir(dir.join("charts")).unwrap();
        fs::write(dir.join("a.csv"), "x,y\n").unwrap();
        fs::write(dir.join("charts/b.svg"), "<svg/>").unwrap();
        let files = list_files(dir, &[]).unwrap();
        assert_eq!(
            files,
            vec![
                FileEntry {
                    path: "a.csv".into(),
                    bytes: 4
                },
                FileEntry {
                    path: "charts/b.svg".into(),
                    bytes: 6
                },
            ]
        );
        assert!(verify(dir)
            .unwrap_err()
            .contains("no readable enisim-run.json"));
        let m = Manifest::new("run", "q", files);
        fs::write(dir.join(MANIFEST), m.to_json()).unwrap();
        assert_eq!(verify(dir).unwrap(), m);
        assert!(m.lists("charts/b.svg") && m.lists(MANIFEST) && !m.lists("notes.txt"));
        fs::write(dir.join("a.csv"), "x").unwrap();
        assert!(verify(dir)
            .unwrap_err()
            .contains("1 bytes, the manifest says 4"));
        fs::write(dir.join("a.csv"), "x,y\n").unwrap();
        fs::remove_file(dir.join("charts/b.svg")).unwrap();
        assert!(verify(dir).unwrap_err().contains("b.svg"));
    }
}
