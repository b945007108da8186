//! Helpers for the tests that drive the enisim binary and read the folders it writes.

#![allow(dead_code)]

use enisim::output::{verify, MANIFEST};
use std::fs;
use std::path::Path;

/// The enisim binary, ready for arguments.
pub fn enisim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("enisim").expect("binary builds")
}

/// Every file of a complete result, path and bytes, the manifest included; panics if `dir`
/// is not a complete result.
pub fn result_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let manifest = verify(dir).unwrap_or_else(|e| panic!("not a complete result: {e}"));
    let mut files: Vec<_> = manifest
        .files
        .iter()
        .map(|f| (f.path.clone(), fs::read(dir.join(&f.path)).unwrap()))
        .collect();
    files.push((MANIFEST.into(), fs::read(dir.join(MANIFEST)).unwrap()));
    files
}
