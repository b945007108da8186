//! A generated case: a scenario file as a TOML document, and the rows of its traces. It is
//! written with the same serializer as a run's `scenario.toml`, its traces beside it, so the
//! file reproduces the case with `enisim run FILE --check`.

use crate::error::InputError;
use crate::scenario::{self, model::Scenario};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A scenario made up by [`crate::swarm::generate`] or cut down by [`crate::swarm::shrink`].
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The scenario file. The `path` of a trace workload is filled in when the case is
    /// written, from the file's stem and the workload's name.
    pub doc: toml::Table,
    /// The pods of each trace workload, by workload name.
    pub traces: BTreeMap<String, Vec<TracePod>>,
}

/// One pod of a trace: its `create` row, and its `delete` row unless it lives to the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracePod {
    /// The pod's name; a name may come back once its previous pod is deleted.
    pub name: String,
    /// Trace time of the `create` row, ms.
    pub created_ms: u64,
    /// Trace time of the `delete` row (not before the create), ms.
    pub deleted_ms: Option<u64>,
    /// The `static_ip` column: `""`, `"true"` or `"false"`.
    pub static_ip: &'static str,
}

/// How big a case is, to say how much shrinking took off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CaseSize {
    /// Scalar values in the scenario file (each key's, each array element's).
    pub values: usize,
    /// Rows of its traces.
    pub trace_rows: usize,
}

impl CaseSize {
    /// Values and trace rows together.
    pub fn total(&self) -> usize {
        self.values + self.trace_rows
    }
}

impl Case {
    /// The trace workloads of the scenario file: (index in `workloads`, name).
    fn trace_workloads(&self) -> Vec<(usize, String)> {
        let workloads = self.doc.get("workloads").and_then(toml::Value::as_array);
        workloads
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, w)| w.get("kind").and_then(toml::Value::as_str) == Some("trace"))
            .filter_map(|(i, w)| Some((i, w.get("name")?.as_str()?.to_string())))
            .collect()
    }

    /// The file name of a trace workload's rows, beside the scenario file `<stem>.toml`.
    pub fn trace_file(stem: &str, workload: &str) -> String {
        format!("{stem}-{workload}.csv")
    }

    /// The scenario file's text, its traces named after `stem`.
    pub fn toml_text(&self, stem: &str) -> String {
        let mut doc = self.doc.clone();
        for (i, name) in self.trace_workloads() {
            let entry = doc
                .get_mut("workloads")
                .and_then(|w| w.get_mut(i))
                .and_then(toml::Value::as_table_mut);
            if let Some(entry) = entry {
                let path = toml::Value::String(Case::trace_file(stem, &name));
                entry.insert("path".into(), path);
            }
        }
        toml::to_string(&toml::Value::Table(doc)).unwrap_or_default()
    }

    /// A trace workload's file: `create` and `delete` rows in time order, a delete before a
    /// create at the same instant (a name deleted and created again at once).
    pub fn trace_csv(&self, workload: &str) -> String {
        let pods = self.traces.get(workload).map_or(&[][..], Vec::as_slice);
        let mut rows: Vec<(u64, bool, &TracePod)> = Vec::new();
        for p in pods {
            rows.push((p.created_ms, true, p));
            if let Some(deleted) = p.deleted_ms {
                rows.push((deleted, false, p));
            }
        }
        rows.sort_by_key(|&(time, create, _)| (time, create));
        let mut csv = String::from("time,action,pod,workload,static_ip\n");
        for (time, create, p) in rows {
            let action = if create { "create" } else { "delete" };
            let _ = writeln!(
                csv,
                "{}.{:03},{action},{},{workload},{}",
                time / 1000,
                time % 1000,
                p.name,
                p.static_ip
            );
        }
        csv
    }

    /// Writes the traces into `dir`, named after `stem`.
    fn write_traces(&self, dir: &Path, stem: &str) -> io::Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for (_, name) in self.trace_workloads() {
            let path = dir.join(Case::trace_file(stem, &name));
            fs::write(&path, self.trace_csv(&name))?;
            written.push(path);
        }
        Ok(written)
    }

    /// Writes `<stem>.toml` into `dir`, after `header` (comment lines), with its traces
    /// beside it; returns the scenario file's path.
    pub fn write(&self, dir: &Path, stem: &str, header: &str) -> io::Result<PathBuf> {
        self.write_traces(dir, stem)?;
        let path = dir.join(format!("{stem}.toml"));
        fs::write(&path, format!("{header}{}", self.toml_text(stem)))?;
        Ok(path)
    }

    /// Loads the case as `enisim run` would load its file from `dir` (with `overrides`): its
    /// traces are written there first; the scenario file itself stays in memory.
    pub fn load(
        &self,
        dir: &Path,
        stem: &str,
        overrides: &[String],
    ) -> Result<Scenario, InputError> {
        let label = dir.join(format!("{stem}.toml")).display().to_string();
        self.write_traces(dir, stem)
            .map_err(|e| InputError::new(&label, format!("cannot write its traces: {e}")))?;
        scenario::load_str(&self.toml_text(stem), &label, stem, overrides)
    }

    /// Removes the traces [`Case::load`] wrote.
    pub fn remove_traces(&self, dir: &Path, stem: &str) {
        for (_, name) in self.trace_workloads() {
            // Already gone is as good as removed.
            let _ = fs::remove_file(dir.join(Case::trace_file(stem, &name)));
        }
    }

    /// The case's size: values of the file and rows of the traces its workloads replay.
    pub fn size(&self) -> CaseSize {
        let trace_rows = self
            .trace_workloads()
            .iter()
            .flat_map(|(_, name)| self.traces.get(name))
            .flatten()
            .map(|p| 1 + usize::from(p.deleted_ms.is_some()))
            .sum();
        CaseSize {
            values: self.doc.values().map(count_values).sum(),
            trace_rows,
        }
    }
}

/// Values in a TOML value: 1 for a scalar, the sum of the entries for arrays and tables.
fn count_values(value: &toml::Value) -> usize {
    match value {
        toml::Value::Array(items) => items.iter().map(count_values).sum(),
        toml::Value::Table(t) => t.values().map(count_values).sum(),
        _ => 1,
    }
}
