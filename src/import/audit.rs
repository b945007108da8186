//! `enisim import audit`: kube-apiserver audit logs to an `enisim` trace.
//!
//! One create row per pod created (a `create` of `pods` that completed), one delete row when
//! it ends (its first `delete`, or its eviction), times in seconds from the first event of
//! the logs. Only the pods alive, and those ended within the last hour (to recognise the
//! second delete of a graceful deletion), are kept in memory.

use super::event::{AuditId, Change, Created, PodRef, Reading};
use super::owner::workload;
use super::source::{Merged, Next, REORDER_WINDOW_US};
use crate::cluster::names::check_subdomain;
use crate::error::InputError;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::PathBuf;

/// The header of an `enisim` trace.
pub const TRACE_HEADER: &str = "time,action,pod,workload,static_ip";

/// How long an ended pod is remembered, so the final delete of a graceful deletion is known
/// for what it is rather than counted as a delete of an unknown pod.
const ENDED_MEMORY_US: i64 = 3_600_000_000;

/// Which pods to take.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Every pod, not only those that ask for an exclusive ENI.
    pub all_pods: bool,
    /// Only pods of these namespaces (all when empty).
    pub namespaces: Vec<String>,
    /// Only pods whose labels match every requirement.
    pub selector: Selector,
}

/// A label selector as `kubectl --selector` takes it: `app=web,tier!=db,canary` (equality,
/// inequality, existence), every requirement met.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    requirements: Vec<(String, Requirement)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Requirement {
    Equals(String),
    NotEquals(String),
    Exists,
}

impl Selector {
    /// Parses `app=web,tier!=db,canary`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, req) = if let Some((k, v)) = part.split_once("!=") {
                (k, Requirement::NotEquals(v.trim().to_string()))
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (k, Requirement::Equals(v.trim().to_string()))
            } else {
                (part, Requirement::Exists)
            };
            let key = key.trim();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(format!("\"{part}\" has no label key"));
            }
            requirements.push((key.to_string(), req));
        }
        Ok(Selector { requirements })
    }

    fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|(k, req)| match req {
            Requirement::Equals(v) => labels.get(k) == Some(v),
            Requirement::NotEquals(v) => labels.get(k) != Some(v),
            Requirement::Exists => labels.contains_key(k),
        })
    }
}

/// What an import read and what it left out, for the report printed after it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    /// Lines read, over every file.
    pub lines: u64,
    /// Create rows written.
    pub creates: u64,
    /// Delete rows written.
    pub deletes: u64,
    /// Of the deletes, evictions.
    pub evictions: u64,
    /// Pod creates or deletes that failed (`responseStatus.code >= 400`).
    pub failed: u64,
    /// Events logged twice (the same auditID), dropped.
    pub duplicates: u64,
    /// Creates of pods that did not ask for an exclusive ENI (without `--all-pods`).
    pub not_exclusive_eni: u64,
    /// Creates of pods in other namespaces or not matching the selector.
    pub filtered_out: u64,
    /// Creates logged without the pod object (audit level `Metadata`): their ENI request,
    /// labels and owner are unknown, so without `--all-pods` they are left out.
    pub without_object: u64,
    /// Creates of a pod already alive under that name, dropped.
    pub created_while_alive: u64,
    /// Deletes of pods never seen created (alive before the logs begin), dropped.
    pub unknown_deletes: u64,
    /// Later deletes of a pod already ended (a graceful deletion's final delete), dropped.
    pub repeat_deletes: u64,
    /// Pods whose name and namespace make no valid trace pod name, dropped.
    pub bad_names: u64,
    /// Lines that are not audit events, skipped under `--lenient`.
    pub bad_lines: u64,
    /// Events more than the reorder window out of order, written at the time reached.
    pub late: u64,
    /// Pods still alive when the logs end (no delete row: they live to the run's end).
    pub alive_at_end: u64,
    /// Of the creates, pods that keep their IP (static IP).
    pub static_ip: u64,
    /// Seconds from the first event of the logs to the last row.
    pub span_s: f64,
}

/// A pod being replayed.
struct Alive {
    trace_name: String,
    workload: String,
    taken: bool,
}

/// Imports `logs` into `out` (the trace, header included); `lenient` skips lines that are not
/// audit events; lines are parsed on `jobs` threads, the output the same for any number.
/// Pods are named `<name>` when one namespace is asked for, else `<name>.<namespace>`. The
/// outer error is bad input, the inner one a failed write.
pub fn import(
    logs: &[PathBuf],
    filter: &Filter,
    lenient: bool,
    jobs: usize,
    out: &mut impl Write,
) -> Result<Result<ImportReport, std::io::Error>, InputError> {
    // The labels are read only for a selector: without one they are checked, not copied.
    let reading = Reading {
        labels: !filter.selector.is_empty(),
    };
    let mut merged = Merged::open(logs, jobs, reading)?;
    let mut r = ImportReport::default();
    let single_namespace = filter.namespaces.len() == 1;
    // Fast unkeyed hashing (a log is the user's own, not an attack): the order of these sets
    // never reaches the output.
    let mut alive: FxHashMap<PodRef, Alive> = FxHashMap::default();
    let mut ended: FxHashSet<PodRef> = FxHashSet::default();
    let mut ended_order: VecDeque<(i64, PodRef)> = VecDeque::new();
    let mut seen_ids: FxHashSet<AuditId> = FxHashSet::default();
    let mut seen_order: VecDeque<(i64, AuditId)> = VecDeque::new();
    let mut origin: Option<i64> = None;
    let mut last = i64::MIN;
    let mut write_error = None;
    let mut write = |out: &mut dyn Write, row: std::fmt::Arguments| {
        if write_error.is_none() {
            if let Err(e) = out.write_fmt(row) {
                write_error = Some(e);
            }
        }
    };
    if let Err(e) = writeln!(out, "{TRACE_HEADER}") {
        return Ok(Err(e));
    }
    while let Some(next) = merged.next()? {
        let located = match next {
            Next::Bad(_) if lenient => {
                r.bad_lines += 1;
                continue;
            }
            Next::Bad(bad) => return Err(bad.error()),
            Next::Line(l) => l,
        };
        let line = located.line;
        let origin = *origin.get_or_insert(merged.earliest.unwrap_or(line.time_us));
        let mut t = line.time_us;
        if t < last {
            r.late += 1;
            t = last;
        }
        last = t;
        // Forget what is older than the windows that need it.
        while seen_order
            .front()
            .is_some_and(|(at, _)| *at < t - 2 * REORDER_WINDOW_US)
        {
            let (_, id) = seen_order.pop_front().expect("checked");
            seen_ids.remove(&id);
        }
        while ended_order
            .front()
            .is_some_and(|(at, _)| *at < t - ENDED_MEMORY_US)
        {
            let (_, pod) = ended_order.pop_front().expect("checked");
            ended.remove(&pod);
        }
        if let Some(id) = line.audit_id {
            if !seen_ids.insert(id.clone()) {
                r.duplicates += 1;
                continue;
            }
            seen_order.push_back((t, id));
        }
        if line.failed {
            r.failed += 1;
            continue;
        }
        let secs = (t - origin) as f64 / 1e6;
        match line.change {
            None => {}
            Some(Change::Create(created)) => {
                let Created { pod, object } = *created;
                if alive.contains_key(&pod) {
                    r.created_while_alive += 1;
                    continue;
                }
                ended.remove(&pod);
                let (taken, static_ip, owner) = match &object {
                    None => {
                        let in_ns = in_namespace(filter, &pod);
                        if in_ns {
                            r.without_object += 1;
                        } else {
                            r.filtered_out += 1;
                        }
                        (
                            in_ns && filter.all_pods && filter.selector.is_empty(),
                            false,
                            None,
                        )
                    }
                    Some(facts) => {
                        let wanted =
                            in_namespace(filter, &pod) && filter.selector.matches(&facts.labels);
                        if !wanted {
                            r.filtered_out += 1;
                        } else if !filter.all_pods && !facts.direct_eni {
                            r.not_exclusive_eni += 1;
                        }
                        (
                            wanted && (filter.all_pods || facts.direct_eni),
                            facts.static_ip,
                            facts.owner.as_ref(),
                        )
                    }
                };
                let trace_name = if single_namespace {
                    pod.name.to_string()
                } else {
                    format!("{}.{}", pod.name, pod.namespace)
                };
                if taken && check_subdomain(&trace_name).is_err() {
                    r.bad_names += 1;
                    continue;
                }
                let workload = workload(owner.map(|(k, n)| (k.as_str(), n.as_str())), &pod.name);
                if taken {
                    r.creates += 1;
                    r.static_ip += u64::from(static_ip);
                    r.span_s = secs;
                    let flag = if static_ip { "true" } else { "" };
                    write(
                        out,
                        format_args!(
                            "{},create,{trace_name},{workload},{flag}\n",
                            seconds(t - origin)
                        ),
                    );
                }
                alive.insert(
                    pod,
                    Alive {
                        trace_name,
                        workload,
                        taken,
                    },
                );
            }
            Some(Change::Delete(pod)) | Some(Change::Evict(pod)) if ended.contains(&pod) => {
                r.repeat_deletes += 1;
            }
            Some(change @ (Change::Delete(_) | Change::Evict(_))) => {
                let (pod, evicted) = match change {
                    Change::Delete(p) => (p, false),
                    Change::Evict(p) => (p, true),
                    Change::Create(_) => unreachable!("matched above"),
                };
                let Some(a) = alive.remove(&pod) else {
                    r.unknown_deletes += 1;
                    continue;
                };
                if a.taken {
                    r.deletes += 1;
                    r.evictions += u64::from(evicted);
                    r.span_s = secs;
                    write(
                        out,
                        format_args!(
                            "{},delete,{},{},\n",
                            seconds(t - origin),
                            a.trace_name,
                            a.workload
                        ),
                    );
                }
                ended.insert(pod.clone());
                ended_order.push_back((t, pod));
            }
        }
    }
    r.alive_at_end = alive.values().filter(|a| a.taken).count() as u64;
    r.lines = merged.lines_read();
    Ok(match write_error {
        Some(e) => Err(e),
        None => Ok(r),
    })
}

fn in_namespace(filter: &Filter, pod: &PodRef) -> bool {
    filter.namespaces.is_empty() || filter.namespaces.iter().any(|n| *n == pod.namespace)
}

/// Microseconds as seconds with millisecond decimals, trailing zeros dropped (`12.5`, `300`).
fn seconds(us: i64) -> String {
    let ms = us / 1000;
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:03}")
            .trim_end_matches('0')
            .to_string()
    }
}
