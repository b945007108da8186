//! Values Tencent Cloud's TKE would not accept. Those a planner may still want to try ("what
//! if the pool pre-bound nothing?") run, with a warning that goes into the run's summary;
//! those that make no sense as a what-if are refused.

use super::{Check, Invalid};
use crate::scenario::model::{EventAction, Scenario};
use crate::scenario::path::KeyPath;

/// Why TKE refuses a pre-binding of 0: its non-static IP mode documentation (457/43554).
const NO_ZERO_WARM: &str = "TKE does not accept a pre-binding of 0 (its non-static IP mode \
    always keeps at least one ENI bound above a node's pods); this run uses 0 as a what-if";

/// The warnings of a validated scenario, in file order: every `min_warm = 0` that some node
/// uses (policy, node groups, `set_warm` events). Fails if a `set_warm` event leaves a node
/// group with min_warm above max_warm, which TKE refuses.
pub(super) fn check(sc: &Scenario) -> Check<Vec<String>> {
    let mut warnings = Vec::new();
    let groups = &sc.node_groups;
    if sc.policy.min_warm == 0 && groups.iter().any(|g| g.min_warm.is_none()) {
        warnings.push(format!("policy.min_warm = 0: {NO_ZERO_WARM}"));
    }
    for g in groups.iter().filter(|g| g.min_warm == Some(0)) {
        warnings.push(format!(
            "node group \"{}\": min_warm = 0: {NO_ZERO_WARM}",
            g.name
        ));
    }
    // Each group's (min_warm, max_warm) through the set_warm events, in the order they run:
    // by time, same-time events in file order.
    let mut warm: Vec<(u32, u32)> = groups.iter().map(|g| g.warm(&sc.policy)).collect();
    let mut order: Vec<usize> = (0..sc.events.len()).collect();
    order.sort_by_key(|&i| sc.events[i].at);
    for i in order {
        let e = &sc.events[i];
        let EventAction::SetWarm {
            group,
            min_warm,
            max_warm,
        } = e.action
        else {
            continue;
        };
        let at = KeyPath::entry("events", i);
        if min_warm == Some(0) {
            warnings.push(format!(
                "set_warm at {} s (events.{i}): min_warm = 0: {NO_ZERO_WARM}",
                e.at
            ));
        }
        let targets: Vec<usize> = match group {
            Some(g) => vec![g],
            None => (0..groups.len()).collect(),
        };
        for g in targets {
            let w = &mut warm[g];
            *w = (min_warm.unwrap_or(w.0), max_warm.unwrap_or(w.1));
            if w.0 > w.1 {
                let key = if min_warm.is_some() {
                    "min_warm"
                } else {
                    "max_warm"
                };
                return Err(Invalid::at(
                    at.key(key),
                    format!(
                        "set_warm at {} s leaves node group \"{}\" with min_warm {} above \
                         max_warm {}, which TKE refuses",
                        e.at, groups[g].name, w.0, w.1
                    ),
                )
                .hint("give both min_warm and max_warm, with min_warm <= max_warm"));
            }
        }
    }
    Ok(warnings)
}
