//! Scheduled cluster events: which actions exist, the keys each takes, and how each is built.

use super::{at_most, choice, only_keys, or, required, warm_order, Check, Invalid, MAX_NODES};
use crate::engine::SimTime;
use crate::scenario::model::{EventAction, EventConfig, NodeGroupConfig, Scenario};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::RawEvent;

/// `detection` of `crash_nodes` when not given: Kubernetes' node-monitor grace period (40s)
/// plus the default eviction toleration for unreachable nodes (5m).
pub const DEFAULT_CRASH_DETECTION: SimTime = SimTime::from_secs(340);

/// What one event action accepts and how it is built once its keys are checked.
#[derive(Clone, Copy)]
struct ActionSpec {
    /// Keys besides `at` and `action` that the action accepts.
    keys: &'static [&'static str],
    /// Builds the action, failing on a missing required key.
    build: fn(&EventInput) -> Check<EventAction>,
}

/// An event being validated, with its node group already resolved.
struct EventInput<'a> {
    raw: &'a RawEvent,
    at: KeyPath,
    group: Option<usize>,
}

impl EventInput<'_> {
    /// A key the action requires.
    fn need<T>(&self, value: Option<T>, key: &str) -> Check<T> {
        let owner = format!("action \"{}\"", self.raw.action);
        required(value, &self.at, key, &owner)
    }

    fn group(&self) -> Check<usize> {
        self.need(self.group, "node_group")
    }
}

/// Event actions this version implements.
const ACTIONS: [(&str, ActionSpec); 6] = [
    (
        "add_nodes",
        ActionSpec {
            keys: &["node_group", "count"],
            build: |e| {
                Ok(EventAction::AddNodes {
                    group: e.group()?,
                    count: at_most(e.need(e.raw.count, "count")?, MAX_NODES, e.at.key("count"))?,
                })
            },
        },
    ),
    (
        "delete_nodes",
        ActionSpec {
            keys: &["node_group", "count"],
            build: |e| {
                Ok(EventAction::DeleteNodes {
                    group: e.group()?,
                    count: e.need(e.raw.count, "count")?,
                })
            },
        },
    ),
    (
        "drain_nodes",
        ActionSpec {
            keys: &["node_group", "count"],
            build: |e| {
                Ok(EventAction::DrainNodes {
                    group: e.group()?,
                    count: e.need(e.raw.count, "count")?,
                })
            },
        },
    ),
    (
        "crash_nodes",
        ActionSpec {
            keys: &["node_group", "count", "detection"],
            build: |e| {
                Ok(EventAction::CrashNodes {
                    group: e.group()?,
                    count: e.need(e.raw.count, "count")?,
                    detection: or(e.raw.detection, DEFAULT_CRASH_DETECTION),
                })
            },
        },
    ),
    (
        "set_max_attach",
        ActionSpec {
            keys: &["node_group", "max_attach"],
            build: |e| {
                Ok(EventAction::SetMaxAttach {
                    group: e.group()?,
                    max_attach: e.need(e.raw.max_attach, "max_attach")?,
                })
            },
        },
    ),
    (
        "set_warm",
        ActionSpec {
            keys: &["node_group", "min_warm", "max_warm"],
            build: set_warm,
        },
    ),
];

fn set_warm(e: &EventInput) -> Check<EventAction> {
    let (min_warm, max_warm) = (e.raw.min_warm, e.raw.max_warm);
    match (min_warm, max_warm) {
        (None, None) => {
            return Err(Invalid::at(
                e.at.clone(),
                "action \"set_warm\" needs \"min_warm\", \"max_warm\" or both",
            ))
        }
        (Some(min), Some(max)) => {
            warm_order("", (min, e.at.key("min_warm")), (max, e.at.key("max_warm")))?
        }
        _ => {}
    }
    Ok(EventAction::SetWarm {
        group: e.group,
        min_warm,
        max_warm,
    })
}

pub(super) fn events(raw: &[RawEvent], groups: &[NodeGroupConfig]) -> Check<Vec<EventConfig>> {
    raw.iter()
        .enumerate()
        .map(|(i, e)| event(e, KeyPath::entry("events", i), groups))
        .collect()
}

fn event(raw: &RawEvent, at: KeyPath, groups: &[NodeGroupConfig]) -> Check<EventConfig> {
    let spec = choice(&raw.action, "event action", at.key("action"), &ACTIONS, &[])?;
    let owner = format!("action \"{}\"", raw.action);
    only_keys(raw.given_keys(), spec.keys, &at, &owner, "at, action")?;
    let group = match &raw.node_group {
        Some(name) => Some(group_index(name, groups, at.key("node_group"))?),
        None => None,
    };
    let action = (spec.build)(&EventInput { raw, at, group })?;
    Ok(EventConfig {
        at: raw.at.0,
        action,
    })
}

fn group_index(name: &str, groups: &[NodeGroupConfig], path: KeyPath) -> Check<usize> {
    groups.iter().position(|g| g.name == name).ok_or_else(|| {
        let names: Vec<String> = groups.iter().map(|g| format!("\"{}\"", g.name)).collect();
        let hint = if names.is_empty() {
            "the scenario defines no [[node_groups]]".to_string()
        } else {
            format!("node groups: {}", names.join(", "))
        };
        Invalid::at(path, format!("unknown node group \"{name}\"")).hint(hint)
    })
}

/// A warning for every drain, delete or crash that asks for more nodes than its group has
/// at that time (the run acts on those that exist). Group sizes are known at load time:
/// only the scenario's own events add or remove nodes. Events run by time, same-time events
/// in file order; events after the end never run.
pub(super) fn oversized_removals(sc: &Scenario) -> Vec<String> {
    let mut size: Vec<u64> = sc.node_groups.iter().map(|g| u64::from(g.count)).collect();
    let mut order: Vec<usize> = (0..sc.events.len()).collect();
    order.sort_by_key(|&i| sc.events[i].at);
    let mut warnings = Vec::new();
    for i in order {
        let e = &sc.events[i];
        if e.at > sc.duration {
            break;
        }
        let (group, count, action, does) = match e.action {
            EventAction::AddNodes { group, count } => {
                size[group] += u64::from(count);
                continue;
            }
            EventAction::DeleteNodes { group, count } => (group, count, "delete_nodes", "deletes"),
            EventAction::DrainNodes { group, count } => (group, count, "drain_nodes", "drains"),
            EventAction::CrashNodes { group, count, .. } => {
                (group, count, "crash_nodes", "crashes")
            }
            EventAction::SetMaxAttach { .. } | EventAction::SetWarm { .. } => continue,
        };
        let has = size[group];
        if u64::from(count) > has {
            let which = match has {
                0 => "none".to_string(),
                n => format!("the {n} there are"),
            };
            warnings.push(format!(
                "{action} at {} s (events.{i}) asks for {count} node(s) of node group \"{}\", \
                 which has {has} then; the run {does} {which}",
                e.at, sc.node_groups[group].name,
            ));
        }
        size[group] = has.saturating_sub(u64::from(count));
    }
    warnings
}
