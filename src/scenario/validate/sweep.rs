//! `[sweep]`: the same rules as `enisim sweep`'s flags, errors located in the file.

use super::{Check, Invalid};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::RawSweep;
use crate::sweep::spec::Axis;
use crate::sweep::target::Target;
use crate::sweep::Settings;

/// The table's settings, each axis and target parsed.
pub(super) fn settings(raw: &RawSweep) -> Check<Settings> {
    let at = |key: &str, i: usize| KeyPath::keys(&["sweep", key]).index(i);
    let axes = raw
        .vary
        .iter()
        .enumerate()
        .map(|(i, v)| Axis::parse(v).map_err(|e| Invalid::at(at("vary", i), e)))
        .collect::<Check<Vec<_>>>()?;
    let targets = raw
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| Target::parse(t).map_err(|e| Invalid::at(at("targets", i), e)))
        .collect::<Check<Vec<_>>>()?;
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
