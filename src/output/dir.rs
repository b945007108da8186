//! One result folder being written: claimed, staged beside the target, swapped in whole.

use super::manifest::{list_files, verify, Manifest, MANIFEST};
use super::OutputError;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The file in a staging folder that marks it as enisim's; its writer holds a lock on it for
/// as long as it lives, so a folder whose mark can be locked is a dead writer's leftover.
const STAGING_MARK: &str = ".enisim-staging";
/// What a staging folder's name holds after `.<target name>`.
const STAGING_TAG: &str = ".enisim-staging-";
/// What a replaced result's name holds after `.<target name>` while it is being swapped out.
const OLD_TAG: &str = ".enisim-old-";

/// Tells apart the staging folders of one process.
static NEXT_STAGING: AtomicU64 = AtomicU64::new(0);

/// A result being written. Write into [`OutputDir::dir`], then [`OutputDir::commit`]; dropped
/// without a commit (an error, a panic), it removes its staging folder.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    parent: PathBuf,
    name: OsString,
    staging: PathBuf,
    force: bool,
    /// The staging mark, locked while this writer lives.
    mark: Option<File>,
}

/// What the target holds now.
enum Target {
    /// Nothing, or an empty folder.
    Free,
    /// A folder with enisim's manifest.
    Owned(Manifest),
    /// A folder with someone else's files.
    Foreign,
    /// Not a folder.
    NotDir,
}

impl OutputDir {
    /// Claims `target` for a new result: refuses a folder enisim does not own unless `force`,
    /// removes dead writers' leftovers beside it, and creates this writer's staging folder.
    pub fn begin(target: &Path, force: bool) -> Result<Self, OutputError> {
        let (parent, name) = split(target)?;
        let target = parent.join(&name);
        match inspect(&target).map_err(|e| OutputError::io(&target, e))? {
            Target::Foreign if !force => return Err(refused(&target)),
            Target::NotDir => return Err(not_a_folder(&target)),
            _ => {}
        }
        fs::create_dir_all(&parent).map_err(|e| OutputError::io(&parent, e))?;
        let io = |e| OutputError::io(&parent, e);
        let _lock = lock(&parent).map_err(io)?;
        clean_leftovers(&parent, &name, &target).map_err(io)?;
        let n = NEXT_STAGING.fetch_add(1, Ordering::Relaxed);
        let staging = parent.join(tagged(&name, STAGING_TAG, n));
        fs::create_dir(&staging).map_err(|e| OutputError::io(&target, e))?;
        let mut out = OutputDir {
            target,
            parent,
            name,
            staging,
            force,
            mark: None,
        };
        let mark = File::create(out.staging.join(STAGING_MARK))
            .and_then(|f| f.lock().map(|()| f))
            .map_err(|e| OutputError::io(&out.staging, e))?;
        out.mark = Some(mark);
        Ok(out)
    }

    /// Where the result's files are written until the commit.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// The files staged so far, sorted, as the manifest will list them.
    pub fn staged_files(&self) -> Result<Vec<String>, OutputError> {
        let files = list_files(&self.staging, &[STAGING_MARK])
            .map_err(|e| OutputError::io(&self.staging, e))?;
        Ok(files.into_iter().map(|f| f.path).collect())
    }

    /// Writes the manifest (filled with every staged file and its size) and swaps the result
    /// into the target, replacing the previous result whole. Files the previous result did
    /// not list stay where they are.
    pub fn commit(mut self, mut manifest: Manifest) -> Result<PathBuf, OutputError> {
        let staging = self.staging.clone();
        let io = |e| OutputError::io(&staging, e);
        manifest.files = list_files(&staging, &[STAGING_MARK]).map_err(io)?;
        fs::write(staging.join(MANIFEST), manifest.to_json()).map_err(io)?;
        let _lock = lock(&self.parent).map_err(|e| OutputError::io(&self.parent, e))?;
        let io = |e| OutputError::io(&self.target, e);
        match inspect(&self.target).map_err(io)? {
            Target::Free => {
                if self.target.exists() {
                    fs::remove_dir(&self.target).map_err(io)?;
                }
                self.swap_in()?;
            }
            Target::Owned(old) if only_listed(&self.target, &old).map_err(io)? => {
                let n = NEXT_STAGING.fetch_add(1, Ordering::Relaxed);
                let aside = self.parent.join(tagged(&self.name, OLD_TAG, n));
                fs::rename(&self.target, &aside).map_err(io)?;
                self.swap_in()?;
                remove_result(&aside).map_err(io)?;
            }
            Target::Owned(old) => self.replace_in_place(Some(&old), &manifest)?,
            Target::Foreign if self.force => self.replace_in_place(None, &manifest)?,
            Target::Foreign => return Err(refused(&self.target)),
            Target::NotDir => return Err(not_a_folder(&self.target)),
        }
        self.mark = None;
        // The staging folder is gone (renamed) or holds only emptied folders and the mark.
        let _ = fs::remove_dir_all(&self.staging);
        Ok(self.target.clone())
    }

    /// Renames the staging folder to the (absent) target and drops the staging mark from it.
    /// A writer killed between the two leaves the mark in a complete result: harmless, never
    /// listed, removed by the next writer.
    fn swap_in(&self) -> Result<(), OutputError> {
        fs::rename(&self.staging, &self.target).map_err(|e| OutputError::io(&self.target, e))?;
        remove_if_there(&self.target.join(STAGING_MARK))
            .map_err(|e| OutputError::io(&self.target, e))
    }

    /// Replaces enisim's files in a target that also holds files of someone else's: the old
    /// manifest goes first (the folder stops being a result), then the old result's files,
    /// then the new files, summary.json and the manifest last.
    fn replace_in_place(&self, old: Option<&Manifest>, new: &Manifest) -> Result<(), OutputError> {
        let io = |e| OutputError::io(&self.target, e);
        remove_if_there(&self.target.join(MANIFEST)).map_err(io)?;
        for f in old.map_or(&[][..], |m| &m.files) {
            remove_if_there(&self.target.join(&f.path)).map_err(io)?;
        }
        let last = ["summary.json", MANIFEST];
        let order = new
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| !last.contains(p))
            .chain(last);
        for rel in order {
            let from = self.staging.join(rel);
            if !from.exists() {
                continue;
            }
            let to = self.target.join(rel);
            if let Some(dir) = to.parent() {
                fs::create_dir_all(dir).map_err(io)?;
            }
            if to.is_dir() {
                return Err(OutputError::Refused {
                    path: to,
                    reason: "is a folder where enisim writes a file; move it away".into(),
                });
            }
            fs::rename(&from, &to).map_err(io)?;
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if self.mark.take().is_some() {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The refusal for a folder enisim does not own.
fn refused(target: &Path) -> OutputError {
    OutputError::Refused {
        path: target.to_path_buf(),
        reason: format!(
            "not empty and not an enisim result (no {MANIFEST}); choose another --out, or \
             pass --force to replace only the files enisim writes there"
        ),
    }
}

/// The refusal for a target that is a file (or a link): never replaced, even with --force.
fn not_a_folder(target: &Path) -> OutputError {
    OutputError::Refused {
        path: target.to_path_buf(),
        reason: "is not a folder; --out names the folder a result is written into".into(),
    }
}

/// The target's parent folder and its name; `.` and the like are resolved to a real name.
fn split(target: &Path) -> Result<(PathBuf, OsString), OutputError> {
    let resolved;
    let path = if target.file_name().is_some() {
        target
    } else {
        resolved = fs::canonicalize(target).map_err(|e| OutputError::io(target, e))?;
        &resolved
    };
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                parent.to_path_buf()
            };
            Ok((parent, name.to_os_string()))
        }
        _ => Err(not_a_folder(target)),
    }
}

/// What `target` holds.
fn inspect(target: &Path) -> io::Result<Target> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Free),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return Ok(Target::NotDir);
    }
    if let Some(m) = Manifest::read(target) {
        return Ok(Target::Owned(m));
    }
    Ok(if fs::read_dir(target)?.next().is_none() {
        Target::Free
    } else {
        Target::Foreign
    })
}

/// True if every file in `target` is the manifest or listed in it.
fn only_listed(target: &Path, manifest: &Manifest) -> io::Result<bool> {
    Ok(list_files(target, &[STAGING_MARK])?
        .iter()
        .all(|f| manifest.lists(&f.path)))
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `.<name><tag><pid>-<n>`: hidden, tied to the target's name, unique to this writer.
fn tagged(name: &OsString, tag: &str, n: u64) -> OsString {
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!("{tag}{}-{n}", std::process::id()));
    s
}

/// An exclusive lock on the folder `dir`, held until the returned file is dropped; the
/// operating system lets go of it when the process dies, however it dies.
fn lock(dir: &Path) -> io::Result<File> {
    let f = File::open(dir)?;
    f.lock()?;
    Ok(f)
}

/// Removes what dead writers of `name` left in `parent` (called under the parent's lock): a
/// staging folder whose mark nobody holds, and a result swapped out but not yet removed,
/// which is put back if the new result never landed.
fn clean_leftovers(parent: &Path, name: &OsString, target: &Path) -> io::Result<()> {
    let prefix = |tag: &str| {
        let mut p = OsString::from(".");
        p.push(name);
        p.push(tag);
        p.to_string_lossy().into_owned()
    };
    let (staging, old) = (prefix(STAGING_TAG), prefix(OLD_TAG));
    if Manifest::read(target).is_some() {
        remove_if_there(&target.join(STAGING_MARK))?;
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(parent)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file_name.starts_with(&staging) {
            if abandoned_staging(&path) {
                fs::remove_dir_all(&path)?;
            }
        } else if file_name.starts_with(&old) && path.join(MANIFEST).is_file() {
            if !target.exists() && verify(&path).is_ok() {
                fs::rename(&path, target)?;
            } else {
                remove_result(&path)?;
            }
        }
    }
    Ok(())
}

/// Removes a swapped-out result with its manifest last, so that a removal cut short still
/// carries the manifest that identifies it as enisim's to remove.
fn remove_result(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MANIFEST {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    remove_if_there(&dir.join(MANIFEST))?;
    fs::remove_dir(dir)
}

/// True if `path` is a staging folder whose writer is gone: its mark can be locked.
fn abandoned_staging(path: &Path) -> bool {
    match File::open(path.join(STAGING_MARK)) {
        // A lock that cannot be had (its writer holds it, or locking fails) keeps the folder.
        Ok(mark) => mark.try_lock().is_ok(),
        // Killed between creating the folder and its mark: empty.
        Err(_) => fs::read_dir(path).is_ok_and(|mut d| d.next().is_none()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(dir: &OutputDir, files: &[(&str, &str)]) {
        for (rel, text) in files {
            let path = dir.dir().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
    }

    fn manifest() -> Manifest {
        Manifest::new("run", "t", Vec::new())
    }

    #[test]
    fn a_new_folder_gets_the_result_and_its_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let w = OutputDir::begin(&target, false).unwrap();
        result(&w, &[("summary.json", "{}"), ("charts/a.svg", "<svg/>")]);
        assert_eq!(w.staged_files().unwrap(), ["charts/a.svg", "summary.json"]);
        w.commit(manifest()).unwrap();
        let m = super::super::verify(&target).unwrap();
        assert_eq!(m.files.len(), 2);
        // Nothing left beside it.
        let beside: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(beside.len(), 1);
    }

    #[test]
    fn a_foreign_folder_is_refused_and_force_keeps_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("mine");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("notes.txt"), "keep me").unwrap();
        let err = OutputDir::begin(&target, false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--force"), "{err}");
        let w = OutputDir::begin(&target, true).unwrap();
        result(&w, &[("summary.json", "{\"a\":1}")]);
        w.commit(manifest()).unwrap();
        assert_eq!(
            fs::read_to_string(target.join("notes.txt")).unwrap(),
            "keep me"
        );
        super::super::verify(&target).unwrap();
        // Owned now: a second result replaces the first's files in place, keeping notes.txt,
        // and removes a file the new result no longer writes.
        let w = OutputDir::begin(&target, false).unwrap();
        result(&w, &[("other.csv", "x")]);
        w.commit(manifest()).unwrap();
        assert!(!target.join("summary.json").exists());
        assert_eq!(
            fs::read_to_string(target.join("notes.txt")).unwrap(),
            "keep me"
        );
        assert_eq!(super::super::verify(&target).unwrap().files.len(), 1);
    }

    #[test]
    fn an_uncommitted_writer_leaves_nothing_and_the_previous_result_stands() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let w = OutputDir::begin(&target, false).unwrap();
        result(&w, &[("summary.json", "1")]);
        w.commit(manifest()).unwrap();
        let w = OutputDir::begin(&target, false).unwrap();
        result(&w, &[("summary.json", "2")]);
        drop(w);
        assert_eq!(
            fs::read_to_string(target.join("summary.json")).unwrap(),
            "1"
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_dead_writers_are_cleaned_but_live_ones_and_user_files_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        // A dead writer's staging folder: its mark exists, nobody locks it.
        let dead = tmp.path().join(".out.enisim-staging-1-0");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join(STAGING_MARK), "").unwrap();
        fs::write(dead.join("pods.csv"), "half").unwrap();
        // A live writer's.
        let live = OutputDir::begin(&target, false).unwrap();
        // A user's folder whose name merely looks alike, without the mark.
        let user = tmp.path().join(".out.enisim-staging-mine");
        fs::create_dir(&user).unwrap();
        fs::write(user.join("x"), "").unwrap();
        // A previous result swapped out by a writer killed before the new one landed.
        let old = tmp.path().join(".out.enisim-old-1-0");
        fs::create_dir(&old).unwrap();
        fs::write(old.join(MANIFEST), manifest().to_json()).unwrap();
        let w = OutputDir::begin(&target, false).unwrap();
        assert!(!dead.exists());
        assert!(live.dir().exists());
        assert!(user.join("x").exists());
        assert!(!old.exists());
        assert!(
            Manifest::read(&target).is_some(),
            "the old result is put back"
        );
        drop(w);
        drop(live);
    }

    #[test]
    fn the_current_folder_resolves_to_its_name() {
        let (parent, name) = split(Path::new("/tmp/x/")).unwrap();
        assert_eq!(
            (parent.as_path(), name.to_str()),
            (Path::new("/tmp"), Some("x"))
        );
        let (parent, _) = split(Path::new("out")).unwrap();
        assert_eq!(parent, Path::new("."));
        assert!(split(Path::new("/")).is_err());
    }
}
