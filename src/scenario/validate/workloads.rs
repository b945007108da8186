//! Workloads: which kinds exist, the keys each takes, and how each is built.

use super::{at_most, choice, only_keys, or, positive, required, unique, Check, Invalid};
use crate::engine::SimTime;
use crate::scenario::model::{PolicyMode, ReplicaSpec, ScaleStep, WorkloadConfig, WorkloadKind};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::RawWorkload;
use crate::workload::{Burst, BurstConfig, Diurnal, PoissonConfig, TraceConfig, TraceFormat};

/// Most pods a workload may ask for at once (replicas, a burst).
pub const MAX_PODS: u32 = 10_000_000;
/// Highest arrival rate of a poisson workload, per minute.
pub const MAX_ARRIVALS_PER_MINUTE: f64 = 1_000_000.0;

/// `diurnal.period` of a poisson workload when not given: a day.
pub const DEFAULT_DIURNAL_PERIOD: SimTime = SimTime::from_secs(86_400);

/// What one workload kind accepts and how it is built once its keys are checked.
#[derive(Clone, Copy)]
struct KindSpec {
    /// Keys besides `name` and `kind` that the kind accepts.
    keys: &'static [&'static str],
    /// Builds the kind in the policy's mode, failing on a missing or invalid key.
    build: fn(&RawWorkload, &KeyPath, PolicyMode) -> Check<WorkloadKind>,
}

const REPLICA_KEYS: &[&str] = &["replicas", "start", "scale", "restart", "static_ip"];

/// Workload kinds this version implements.
const KINDS: [(&str, KindSpec); 5] = [
    (
        "deployment",
        KindSpec {
            keys: REPLICA_KEYS,
            build: |w, at, mode| {
                replica_spec(w, at, "deployment", false, mode).map(WorkloadKind::Deployment)
            },
        },
    ),
    (
        "statefulset",
        KindSpec {
            keys: REPLICA_KEYS,
            build: |w, at, mode| {
                replica_spec(w, at, "statefulset", true, mode).map(WorkloadKind::StatefulSet)
            },
        },
    ),
    (
        "poisson",
        KindSpec {
            keys: &[
                "arrivals_per_minute",
                "lifetime",
                "diurnal",
                "start",
                "end",
                "static_ip",
            ],
            build: poisson,
        },
    ),
    (
        "burst",
        KindSpec {
            keys: &["bursts", "lifetime", "static_ip"],
            build: burst,
        },
    ),
    (
        "trace",
        KindSpec {
            keys: &[
                "path",
                "format",
                "time_scale",
                "from",
                "to",
                "limit",
                "static_ip",
            ],
            build: trace,
        },
    ),
];

/// The spec of workload kind `kind`, for the workload at `at`.
fn kind_spec(kind: &str, at: &KeyPath) -> Check<KindSpec> {
    choice(kind, "workload kind", at.key("kind"), &KINDS, &[])
}

/// Checks the workload kinds of the bare TOML document, for when it does not fit the schema:
/// an unknown kind is the real problem, not the keys that belong to that kind.
pub fn workload_kinds(doc: &toml::Value) -> Check<()> {
    let workloads = doc.get("workloads").and_then(toml::Value::as_array);
    for (i, workload) in workloads.into_iter().flatten().enumerate() {
        if let Some(kind) = workload.get("kind").and_then(toml::Value::as_str) {
            kind_spec(kind, &KeyPath::entry("workloads", i))?;
        }
    }
    Ok(())
}

/// Whether the pods of the workload at `at` keep their IP: as `given`, or the kind's default
/// in static IP mode. Static IPs exist only in TKE's static IP mode: in pool mode a
/// terminated pod's ENI goes back to its node's pool, so `static_ip = true` is refused and
/// nothing defaults to it.
fn static_ip(
    given: Option<bool>,
    default_in_static_mode: bool,
    mode: PolicyMode,
    at: &KeyPath,
) -> Check<bool> {
    match (mode, given) {
        (PolicyMode::Static, given) => Ok(given.unwrap_or(default_in_static_mode)),
        (PolicyMode::Pool, Some(true)) => Err(Invalid::at(
            at.key("static_ip"),
            "static_ip = true needs static IP mode: in pool mode (TKE's non-static IP mode) a \
             terminated pod's ENI goes back to its node's pool and no pod keeps its IP",
        )
        .also(KeyPath::keys(&["policy", "mode"]))
        .hint("set policy.mode = \"static\", or drop static_ip")),
        (PolicyMode::Pool, _) => Ok(false),
    }
}

pub(super) fn workloads(raw: &[RawWorkload], mode: PolicyMode) -> Check<Vec<WorkloadConfig>> {
    unique(raw.iter().map(|w| w.name.as_str()), "workloads", "name")?;
    raw.iter()
        .enumerate()
        .map(|(i, w)| {
            let at = KeyPath::entry("workloads", i);
            let spec = kind_spec(&w.kind, &at)?;
            let owner = format!("workload kind \"{}\"", w.kind);
            only_keys(w.given_keys(), spec.keys, &at, &owner, "name, kind")?;
            Ok(WorkloadConfig {
                name: w.name.clone(),
                kind: (spec.build)(w, &at, mode)?,
            })
        })
        .collect()
}

/// The keys deployments and statefulsets share; `static_ip` defaults per kind in static IP
/// mode.
fn replica_spec(
    raw: &RawWorkload,
    at: &KeyPath,
    kind: &str,
    static_by_default: bool,
    mode: PolicyMode,
) -> Check<ReplicaSpec> {
    let owner = format!("{kind} \"{}\"", raw.name);
    let replicas = required(raw.replicas, at, "replicas", &owner)?;
    let replicas = at_most(replicas, MAX_PODS, at.key("replicas"))?;
    let mut scale: Vec<ScaleStep> = raw
        .scale
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| {
            let path = at.key("scale").index(i).key("replicas");
            Ok(ScaleStep {
                at: s.at.0,
                replicas: at_most(s.replicas, MAX_PODS, path)?,
            })
        })
        .collect::<Check<_>>()?;
    scale.sort_by_key(|s| s.at);
    let mut restart: Vec<SimTime> = raw.restart.iter().flatten().map(|d| d.0).collect();
    restart.sort();
    Ok(ReplicaSpec {
        replicas,
        start: or(raw.start, SimTime::ZERO),
        scale,
        restart,
        static_ip: static_ip(raw.static_ip, static_by_default, mode, at)?,
    })
}

/// A finite number above zero, at `at.key(key)`.
fn positive_number(value: f64, at: &KeyPath, key: &str) -> Check<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Invalid::at(
            at.key(key),
            format!("{key} must be a number greater than zero"),
        ))
    }
}

fn poisson(raw: &RawWorkload, at: &KeyPath, mode: PolicyMode) -> Check<WorkloadKind> {
    let owner = format!("poisson workload \"{}\"", raw.name);
    let rate = required(raw.arrivals_per_minute, at, "arrivals_per_minute", &owner)?;
    let diurnal = match &raw.diurnal {
        None => None,
        Some(d) => {
            let d_at = at.key("diurnal");
            if !(0.0..=1.0).contains(&d.amplitude) {
                return Err(Invalid::at(
                    d_at.key("amplitude"),
                    "diurnal amplitude must be between 0 (flat) and 1 (no arrivals at the trough)",
                ));
            }
            Some(Diurnal {
                amplitude: d.amplitude,
                period: positive(or(d.period, DEFAULT_DIURNAL_PERIOD), d_at.key("period"))?,
                peak: d.peak.0,
            })
        }
    };
    let start = or(raw.start, SimTime::ZERO);
    if let Some(end) = raw.end.filter(|e| e.0 <= start) {
        return Err(Invalid::at(
            at.key("end"),
            format!("end ({}s) must be after start ({start}s)", end.0),
        ));
    }
    Ok(WorkloadKind::Poisson(PoissonConfig {
        arrivals_per_minute: {
            let rate = positive_number(rate, at, "arrivals_per_minute")?;
            if rate > MAX_ARRIVALS_PER_MINUTE {
                return Err(Invalid::at(
                    at.key("arrivals_per_minute"),
                    format!("arrivals_per_minute = {rate} is more than the {MAX_ARRIVALS_PER_MINUTE} this tool accepts"),
                ));
            }
            rate
        },
        lifetime: required(raw.lifetime, at, "lifetime", &owner)?.0,
        diurnal,
        start,
        end: raw.end.map(|e| e.0),
        static_ip: static_ip(raw.static_ip, false, mode, at)?,
    }))
}

fn burst(raw: &RawWorkload, at: &KeyPath, mode: PolicyMode) -> Check<WorkloadKind> {
    let owner = format!("burst workload \"{}\"", raw.name);
    let entries = required(raw.bursts.as_ref(), at, "bursts", &owner)?;
    let mut bursts: Vec<Burst> = entries
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let path = at.key("bursts").index(i).key("count");
            Ok(Burst {
                at: b.at.0,
                count: at_most(b.count, MAX_PODS, path)?,
            })
        })
        .collect::<Check<_>>()?;
    bursts.sort_by_key(|b| b.at);
    Ok(WorkloadKind::Burst(BurstConfig {
        bursts,
        lifetime: required(raw.lifetime, at, "lifetime", &owner)?.0,
        static_ip: static_ip(raw.static_ip, false, mode, at)?,
    }))
}

/// A trace workload. Its path stays as written here; the loader resolves it against the
/// scenario file's directory and reads the whole trace once to check it.
fn trace(raw: &RawWorkload, at: &KeyPath, mode: PolicyMode) -> Check<WorkloadKind> {
    let owner = format!("trace workload \"{}\"", raw.name);
    let path = required(raw.path.clone(), at, "path", &owner)?;
    let format = choice(
        raw.format.as_deref().unwrap_or("enisim"),
        "trace format",
        at.key("format"),
        &[
            ("enisim", TraceFormat::Enisim),
            ("alibaba-openb", TraceFormat::AlibabaOpenb),
        ],
        &[],
    )?;
    if let (Some(from), Some(to)) = (raw.from, raw.to) {
        if to.0 <= from.0 {
            return Err(Invalid::at(
                at.key("to"),
                format!("to ({}s) must be after from ({}s)", to.0, from.0),
            ));
        }
    }
    Ok(WorkloadKind::Trace(TraceConfig {
        path: path.clone().into(),
        label: path,
        format,
        time_scale: positive_number(raw.time_scale.unwrap_or(1.0), at, "time_scale")?,
        from: raw.from.map(|d| d.0),
        to: raw.to.map(|d| d.0),
        limit: raw.limit,
        static_ip: static_ip(raw.static_ip, false, mode, at)?,
        static_ip_mode: mode == PolicyMode::Static,
    }))
}
