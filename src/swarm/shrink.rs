//! Shrinking a failing case: greedy delta debugging over the scenario file and its traces.
//! Each step tries a smaller candidate (entries of an array dropped, half of them first, then
//! fewer; a trace's pods dropped; an optional key left to its default; a number or a
//! duration made smaller; a latency or lifetime table made a fixed value; the run cut at the
//! failure) and keeps it if its checked run still fails the same way
//! ([`super::failure_kind`]). Candidates the loader refuses are simply not kept, so every
//! step stays valid input. Rounds repeat until none takes anything off, within
//! [`MAX_SHRINK_RUNS`] checked runs.

use super::case::Case;
use super::failure_kind;
use crate::engine::time::{format_duration, parse_duration};
use crate::engine::SimTime;
use crate::report::summary::Summary;
use toml::{Table, Value};

/// Most checked runs one shrink spends on candidates.
pub const MAX_SHRINK_RUNS: u32 = 1_500;

/// A shrunk case and what it took.
pub struct Shrunk {
    /// The smallest case found that still fails the same way.
    pub case: Case,
    /// Its checked run's summary.
    pub summary: Summary,
    /// Checked runs spent on candidates.
    pub runs: u32,
}

/// Shrinks `case`, whose checked run gave `summary` (a failure), using `run` to check a
/// candidate: its summary, or `None` if the candidate could not be run (refused by the
/// loader).
pub fn shrink(case: &Case, summary: Summary, run: impl FnMut(&Case) -> Option<Summary>) -> Shrunk {
    let kind = failure_kind(&summary);
    let mut s = Shrinker {
        best: case.clone(),
        summary,
        kind,
        runs: 0,
        run,
    };
    loop {
        let before = s.best.size();
        s.cut_duration();
        s.drop_array_entries();
        s.drop_trace_pods();
        s.drop_keys();
        s.simplify_values();
        if s.best.size() >= before || s.runs >= MAX_SHRINK_RUNS {
            break;
        }
    }
    let names = s.best.doc.get("workloads").and_then(Value::as_array);
    let names: Vec<&str> = names
        .into_iter()
        .flatten()
        .filter_map(|w| w.get("name")?.as_str())
        .collect();
    let mut case = s.best.clone();
    case.traces.retain(|name, _| names.contains(&name.as_str()));
    Shrunk {
        case,
        summary: s.summary,
        runs: s.runs,
    }
}

/// One step of a path into the scenario file.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// What the search holds: the best case so far and how to check a candidate.
struct Shrinker<F> {
    best: Case,
    summary: Summary,
    kind: Option<String>,
    runs: u32,
    run: F,
}

impl<F: FnMut(&Case) -> Option<Summary>> Shrinker<F> {
    /// Keeps `candidate` if it still fails the same way.
    fn attempt(&mut self, candidate: Case) -> bool {
        if self.runs >= MAX_SHRINK_RUNS || candidate == self.best {
            return false;
        }
        self.runs += 1;
        match (self.run)(&candidate) {
            Some(summary)
                if summary.invariants.violations > 0 && failure_kind(&summary) == self.kind =>
            {
                self.best = candidate;
                self.summary = summary;
                true
            }
            _ => false,
        }
    }

    /// The best case with its file changed by `edit`, if the edit applies.
    fn edited(&self, edit: impl FnOnce(&mut Table) -> Option<()>) -> Option<Case> {
        let mut case = self.best.clone();
        edit(&mut case.doc)?;
        Some(case)
    }

    /// Ends the run at the instant of the event after which the invariant broke.
    fn cut_duration(&mut self) {
        let Some(at) = self
            .summary
            .invariants
            .details
            .first()
            .and_then(|d| violation_time(d))
        else {
            return;
        };
        let end = format_duration(SimTime(at.as_millis().max(1)));
        if let Some(c) = self.edited(|doc| {
            doc.insert("duration".into(), Value::String(end));
            Some(())
        }) {
            self.attempt(c);
        }
    }

    /// Drops entries of every array, half of them at a time first, then fewer, down to one.
    fn drop_array_entries(&mut self) {
        let mut k = 0;
        while let Some(path) = paths(&self.best.doc).arrays.get(k).cloned() {
            let len = |doc: &Table| at(doc, &path).and_then(Value::as_array).map_or(0, Vec::len);
            let mut chunk = len(&self.best.doc).div_ceil(2);
            while chunk > 0 {
                let mut i = 0;
                while i < len(&self.best.doc) {
                    let candidate = self.edited(|doc| {
                        let items = at_mut(doc, &path)?.as_array_mut()?;
                        let end = (i + chunk).min(items.len());
                        items.drain(i..end);
                        Some(())
                    });
                    if !candidate.is_some_and(|c| self.attempt(c)) {
                        i += chunk;
                    }
                }
                chunk = if chunk == 1 { 0 } else { chunk.div_ceil(2) };
            }
            k += 1;
        }
    }

    /// Drops pods of each trace, half of them at a time first, then one by one; then lets
    /// each remaining pod live to the end instead of being deleted.
    fn drop_trace_pods(&mut self) {
        let names: Vec<String> = self.best.traces.keys().cloned().collect();
        for name in names {
            let len = |c: &Case| c.traces.get(&name).map_or(0, Vec::len);
            let mut chunk = len(&self.best).div_ceil(2);
            while chunk > 0 {
                let mut i = 0;
                while i < len(&self.best) {
                    let mut candidate = self.best.clone();
                    if let Some(pods) = candidate.traces.get_mut(&name) {
                        let end = (i + chunk).min(pods.len());
                        pods.drain(i..end);
                    }
                    if !self.attempt(candidate) {
                        i += chunk;
                    }
                }
                chunk = if chunk == 1 { 0 } else { chunk.div_ceil(2) };
            }
            for i in 0..len(&self.best) {
                let mut candidate = self.best.clone();
                let Some(pods) = candidate.traces.get_mut(&name) else {
                    break;
                };
                // Only a name's last pod may live on: a later one would be created while
                // it lives.
                let pod = &pods[i];
                let last = !pods
                    .iter()
                    .any(|p| p.name == pod.name && p.created_ms > pod.created_ms);
                if last && pods[i].deleted_ms.take().is_some() {
                    self.attempt(candidate);
                }
            }
        }
    }

    /// Leaves each key of the file to its default, outermost first (a whole table before its
    /// keys); keys the loader requires are refused by it and stay.
    fn drop_keys(&mut self) {
        let mut k = 0;
        while let Some(path) = paths(&self.best.doc).keys.get(k).cloned() {
            let candidate = self.edited(|doc| remove(doc, &path));
            if !candidate.is_some_and(|c| self.attempt(c)) {
                k += 1;
            }
        }
    }

    /// Makes each value simpler: numbers 0, 1 or half; durations 0 or half; a latency or
    /// lifetime table its typical value, fixed; a fault table its bare probability.
    fn simplify_values(&mut self) {
        let mut k = 0;
        while let Some(path) = paths(&self.best.doc).values.get(k).cloned() {
            let Some(value) = at(&self.best.doc, &path) else {
                break;
            };
            for simpler in simpler(value) {
                let candidate = self.edited(|doc| {
                    *at_mut(doc, &path)? = simpler;
                    Some(())
                });
                if candidate.is_some_and(|c| self.attempt(c)) {
                    break;
                }
            }
            k += 1;
        }
    }
}

/// The time of the event after which an invariant broke, from the first detail of a checked
/// run ("after Cluster(3) at 120.500 s: ...").
fn violation_time(detail: &str) -> Option<SimTime> {
    let (head, _) = detail.split_once(" s: ")?;
    let (_, time) = head.rsplit_once(" at ")?;
    let (secs, millis) = time.split_once('.')?;
    let ms = secs.parse::<u64>().ok()? * 1000 + millis.parse::<u64>().ok()?;
    Some(SimTime(ms))
}

/// Candidates simpler than `value`, simplest first.
fn simpler(value: &Value) -> Vec<Value> {
    match value {
        Value::Integer(n) if *n > 0 => {
            let mut out = vec![Value::Integer(0)];
            if *n > 1 {
                out.push(Value::Integer(1));
            }
            if *n > 3 {
                out.push(Value::Integer(n / 2));
            }
            out
        }
        Value::Float(f) if *f > 0.0 => vec![Value::Float(0.0), Value::Float(f / 2.0)],
        Value::String(s) => match parse_duration(s) {
            Ok(t) if t > SimTime::ZERO => vec![
                Value::String("0s".into()),
                Value::String(format_duration(SimTime(t.as_millis() / 2))),
            ],
            _ => Vec::new(),
        },
        Value::Table(t) => ["median", "min", "mean", "probability"]
            .iter()
            .find_map(|key| t.get(*key))
            .cloned()
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Every path of the file, by what it leads to.
#[derive(Default)]
struct Paths {
    /// Arrays, outermost first.
    arrays: Vec<Vec<Step>>,
    /// Keys of tables, outermost first.
    keys: Vec<Vec<Step>>,
    /// Scalars and the tables [`simpler`] can replace, in file order.
    values: Vec<Vec<Step>>,
}

fn paths(doc: &Table) -> Paths {
    let mut p = Paths::default();
    let mut prefix = Vec::new();
    walk_table(doc, &mut prefix, &mut p);
    p.arrays.sort_by_key(Vec::len);
    p.keys.sort_by_key(Vec::len);
    p
}

fn walk_table(t: &Table, prefix: &mut Vec<Step>, p: &mut Paths) {
    for (key, value) in t {
        prefix.push(Step::Key(key.clone()));
        p.keys.push(prefix.clone());
        walk(value, prefix, p);
        prefix.pop();
    }
}

fn walk(value: &Value, prefix: &mut Vec<Step>, p: &mut Paths) {
    match value {
        Value::Array(items) => {
            p.arrays.push(prefix.clone());
            for (i, item) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                walk(item, prefix, p);
                prefix.pop();
            }
        }
        Value::Table(t) => {
            if !simpler(value).is_empty() {
                p.values.push(prefix.clone());
            }
            walk_table(t, prefix, p);
        }
        _ => p.values.push(prefix.clone()),
    }
}

fn at<'a>(doc: &'a Table, path: &[Step]) -> Option<&'a Value> {
    let (Step::Key(first), rest) = path.split_first()? else {
        return None;
    };
    rest.iter().try_fold(doc.get(first)?, |v, step| match step {
        Step::Key(k) => v.get(k.as_str()),
        Step::Index(i) => v.get(*i),
    })
}

fn at_mut<'a>(doc: &'a mut Table, path: &[Step]) -> Option<&'a mut Value> {
    let (Step::Key(first), rest) = path.split_first()? else {
        return None;
    };
    rest.iter()
        .try_fold(doc.get_mut(first)?, |v, step| match step {
            Step::Key(k) => v.get_mut(k.as_str()),
            Step::Index(i) => v.get_mut(*i),
        })
}

/// Removes the key at `path` from its table.
fn remove(doc: &mut Table, path: &[Step]) -> Option<()> {
    let (Step::Key(key), parent) = path.split_last()? else {
        return None;
    };
    let table = match parent {
        [] => doc,
        parent => at_mut(doc, parent)?.as_table_mut()?,
    };
    table.remove(key).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_violation_time_is_read_from_the_first_detail() {
        let d = "after Cluster(3) at 120.500 s: node 0 counts 2 bound ENIs but has 1";
        assert_eq!(violation_time(d), Some(SimTime(120_500)));
        assert_eq!(violation_time("3 orphaned ENIs left after draining"), None);
    }

    #[test]
    fn values_get_simpler_candidates_simplest_first() {
        let v = |s: &str| Value::String(s.into());
        assert_eq!(
            simpler(&Value::Integer(8)),
            [Value::Integer(0), Value::Integer(1), Value::Integer(4)]
        );
        assert_eq!(simpler(&Value::Integer(0)), []);
        assert_eq!(simpler(&v("1m")), [v("0s"), v("30s")]);
        assert_eq!(simpler(&v("ng-0")), []);
        let lognormal: Value = toml::from_str::<Table>("t = { median = \"2s\", p99 = \"1d\" }")
            .unwrap()
            .remove("t")
            .unwrap();
        assert_eq!(simpler(&lognormal), [v("2s")]);
    }
}
