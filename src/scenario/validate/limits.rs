//! Bounds on what a scenario may ask for over its whole run, and on the names it writes into
//! every output row, so that no valid-looking file can exhaust memory or disk: each limit is
//! named in the error that refuses it.

use super::{Check, Invalid, MAX_NODES};
use crate::cluster::names::{check_label, LABEL_RULE};
use crate::scenario::model::{EventAction, Scenario, WorkloadKind};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::RawScenario;

/// Most timeseries rows a run may write (`duration / sample_interval`).
pub const MAX_SAMPLES: u64 = 1_000_000;
/// Most pods the generated workloads (poisson, burst) may create over a run, on average.
pub const MAX_POD_ARRIVALS: f64 = 50_000_000.0;
/// Longest subnet id or zone name (cloud names, written into output rows).
pub const MAX_CLOUD_NAME: usize = 63;

/// Workload and node group names follow Kubernetes' rules; subnet ids and zones are short.
pub(super) fn names(raw: &RawScenario) -> Check<()> {
    let labels = raw
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (KeyPath::entry("workloads", i).key("name"), &w.name))
        .chain(
            raw.node_groups
                .iter()
                .enumerate()
                .map(|(i, g)| (KeyPath::entry("node_groups", i).key("name"), &g.name)),
        );
    for (at, name) in labels {
        check_label(name).map_err(|why| {
            Invalid::at(at.clone(), format!("{at} \"{name}\" {why}")).hint(LABEL_RULE)
        })?;
    }
    let cloud = raw.subnets.iter().enumerate().flat_map(|(i, s)| {
        let at = KeyPath::entry("subnets", i);
        [(at.key("id"), &s.id), (at.key("zone"), &s.zone)]
    });
    let zones = raw
        .node_groups
        .iter()
        .enumerate()
        .map(|(i, g)| (KeyPath::entry("node_groups", i).key("zone"), &g.zone));
    for (at, name) in cloud.chain(zones) {
        let n = name.chars().count();
        if n == 0 || n > MAX_CLOUD_NAME || name.chars().any(char::is_control) {
            return Err(Invalid::at(
                at.clone(),
                format!("{at} \"{name}\" must be 1 to {MAX_CLOUD_NAME} printable characters"),
            ));
        }
    }
    Ok(())
}

/// Totals over the run: timeseries rows, nodes ever added, pods the generators create.
pub(super) fn totals(sc: &Scenario) -> Check<()> {
    let samples = sc.duration.as_millis() / sc.sample_interval.as_millis();
    if samples > MAX_SAMPLES {
        return Err(Invalid::at(
            KeyPath::keys(&["sample_interval"]),
            format!(
                "sample_interval = {} s over duration = {} s makes {samples} timeseries rows, \
                 more than the {MAX_SAMPLES} this tool writes",
                sc.sample_interval, sc.duration
            ),
        )
        .also(KeyPath::keys(&["duration"]))
        .hint("a longer sample_interval, e.g. \"1m\" for a week"));
    }
    let mut nodes: u64 = sc.node_groups.iter().map(|g| u64::from(g.count)).sum();
    for (i, e) in sc.events.iter().enumerate() {
        if let EventAction::AddNodes { count, .. } = e.action {
            nodes += u64::from(count);
            if nodes > u64::from(MAX_NODES) {
                return Err(Invalid::at(
                    KeyPath::entry("events", i).key("count"),
                    format!(
                        "with this add_nodes the run has {nodes} nodes in all (node_groups' \
                         counts plus every add_nodes), more than the {MAX_NODES} this tool accepts"
                    ),
                ));
            }
        }
    }
    let mut arrivals = 0.0;
    for (i, w) in sc.workloads.iter().enumerate() {
        let (expected, key) = match &w.kind {
            WorkloadKind::Poisson(p) => {
                let end = p.end.unwrap_or(sc.duration).min(sc.duration);
                let minutes = end.as_millis().saturating_sub(p.start.as_millis()) as f64 / 60_000.0;
                (p.arrivals_per_minute * minutes, "arrivals_per_minute")
            }
            WorkloadKind::Burst(b) => {
                let pods = b.bursts.iter().filter(|b| b.at <= sc.duration);
                (pods.map(|b| f64::from(b.count)).sum(), "bursts")
            }
            _ => continue,
        };
        arrivals += expected;
        if arrivals > MAX_POD_ARRIVALS {
            return Err(Invalid::at(
                KeyPath::entry("workloads", i).key(key),
                format!(
                    "the generated workloads create about {arrivals:.0} pods over the run \
                     with this one, more than the {MAX_POD_ARRIVALS} this tool accepts"
                ),
            )
            .hint("a lower rate, a shorter run or fewer pods per burst"));
        }
    }
    Ok(())
}
