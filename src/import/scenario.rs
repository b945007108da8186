//! `enisim init`: a scenario that replays an imported trace on imported node groups, with
//! TKE's default policy, ready to run as is and commented where a person should check it.

use super::audit::ImportReport;
use super::nodes::{groups_toml, Imported};
use crate::engine::time::format_duration;
use crate::engine::SimTime;
use std::collections::BTreeSet;
use std::fmt::Write;

/// The trace's file name inside the folder `init` writes.
pub const TRACE_FILE: &str = "trace.csv";
/// The scenario's file name inside the folder `init` writes.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// Most timeseries rows the written scenario asks for (the loader allows 1,000,000).
const MAX_SAMPLES: u64 = 100_000;

/// The scenario text for a cluster named `name`.
pub fn scenario_toml(name: &str, nodes: &Imported, trace: &ImportReport, sources: &str) -> String {
    let duration_ms = ((trace.span_s / 60.0).floor() as u64 + 1) * 60_000;
    let duration = SimTime(duration_ms);
    let interval_s = (duration_ms / 1000).div_ceil(MAX_SAMPLES).max(10);
    let static_ip = trace.static_ip > 0;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# A replay of your cluster, written by `enisim init` from {sources}."
    );
    let _ = writeln!(
        o,
        "# It runs as is: `enisim run {SCENARIO_FILE}`. Lines marked CHECK are guesses to review."
    );
    let _ = writeln!(o, "#");
    let _ = writeln!(
        o,
        "# The trace holds {} pod(s) created and {} deleted over {:.0} s; {} still alive when the logs end.",
        trace.creates, trace.deletes, trace.span_s, trace.alive_at_end
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "name = \"{name}\"");
    let _ = writeln!(o, "seed = 1");
    let _ = writeln!(o, "# The logs' span, rounded up to the minute.");
    let _ = writeln!(o, "duration = \"{}\"", format_duration(duration));
    let _ = writeln!(
        o,
        "sample_interval = \"{}\"",
        format_duration(SimTime::from_secs(interval_s))
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "# TKE's defaults. CHECK: your cluster's pre-binding (min_warm/max_warm) and release."
    );
    let _ = writeln!(o, "[policy]");
    if static_ip {
        let _ = writeln!(
            o,
            "# {} pod(s) keep their IP (vpc-ip-claim-delete-policy: Never): static IP mode.",
            trace.static_ip
        );
        let _ = writeln!(o, "mode = \"static\"");
    } else {
        let _ = writeln!(o, "mode = \"pool\"");
        let _ = writeln!(o, "min_warm = 1");
        let _ = writeln!(o, "max_warm = 1");
        let _ = writeln!(o, "release = \"slow\"");
        let _ = writeln!(o, "release_interval = \"2m\"");
    }
    let zones: BTreeSet<&str> = nodes
        .groups
        .iter()
        .filter(|g| g.unknown.is_none())
        .map(|g| g.zone.as_str())
        .collect();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "# CHECK: one container subnet per zone, with room to spare; put your subnets' ids and CIDRs here."
    );
    for (i, zone) in zones.iter().enumerate() {
        let _ = writeln!(o, "[[subnets]]");
        let _ = writeln!(o, "id = \"subnet-{}\"", zone.to_lowercase());
        let _ = writeln!(o, "zone = \"{zone}\"");
        let _ = writeln!(o, "cidr = \"10.{}.0.0/16\"", 100 + i);
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "# From the node list: one group per instance type and zone."
    );
    o.push_str(&groups_toml(nodes));
    let _ = writeln!(o);
    let _ = writeln!(o, "[[workloads]]");
    let _ = writeln!(o, "name = \"audit-replay\"");
    let _ = writeln!(o, "kind = \"trace\"");
    let _ = writeln!(o, "path = \"{TRACE_FILE}\"");
    o
}
