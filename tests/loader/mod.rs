//! Helpers shared by the scenario-loading tests: load inline text as `t.toml` and check where
//! errors point.

#![allow(dead_code)]

use enisim::error::InputError;
use enisim::scenario::load_str;
use enisim::scenario::model::Scenario;

/// Loads `text` with `--set` flags; panics with the error if it does not load.
pub fn ok(text: &str, overrides: &[&str]) -> Scenario {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    load_str(text, "t.toml", "stem", &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// The error loading `text` with `--set` flags gives; panics if it loads.
pub fn err_with(text: &str, overrides: &[&str]) -> InputError {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match load_str(text, "t.toml", "stem", &overrides) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

/// The error loading `text` gives.
pub fn err(text: &str) -> InputError {
    err_with(text, &[])
}

/// Asserts the error's location and that its message (and hint) contain `needle`.
#[track_caller]
pub fn assert_at(e: &InputError, line: usize, column: usize, needle: &str) {
    assert_eq!(
        (e.file.as_str(), e.line, e.column),
        ("t.toml", Some(line), Some(column)),
        "{e}"
    );
    assert!(e.to_string().contains(needle), "{e:?} lacks {needle:?}");
}
