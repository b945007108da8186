//! `[sweep]`: the same rules as `enisim sweep`'s flags, errors located in the file.

use super::{Check, Invalid};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::RawSweep;
use crate::sweep::spec::Axis;
use crate::sweep::target::Target;
use crate::sweep::Settings;

/// The table's settings, each axis and target parsed.
pub(super) fn settings(raw: &RawSweep) -> Check<Settings> {
    let axes = each(&raw.vary, "vary", Axis::parse)?;
    let targets = each(&raw.targets, "targets", Target::parse)?;
    if raw.seeds == Some(0) {
        return Err(Invalid::at(
            KeyPath::keys(&["sweep", "seeds"]),
            "sweep.seeds must be at least 1",
        ));
    }
    Ok(Settings {
        axes,
        seeds: raw.seeds,
        targets,
        minimize: raw.minimize.clone(),
    })
}

/// Each entry of the array `sweep.<key>` parsed, an error located at its entry.
fn each<T>(
    entries: &[String],
    key: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Check<Vec<T>> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            parse(e).map_err(|why| Invalid::at(KeyPath::keys(&["sweep", key]).index(i), why))
        })
        .collect()
}
