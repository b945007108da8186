//! From the file as written ([`RawScenario`]) to the validated [`Scenario`]: defaults,
//! cross-references and every rule that a single value's type cannot express. Errors carry
//! key paths, which the loader turns into a line and column (or a `--set` flag).

mod controller;
mod events;
mod families;
mod limits;
mod sweep;
mod tke;
mod workloads;

pub use workloads::workload_kinds;

use crate::cloud::instance::{self, InstanceType};
use crate::engine::time::parse_duration;
use crate::engine::SimTime;
use crate::scenario::model::{NodeGroupConfig, PolicyConfig, RetryConfig, Scenario, SubnetConfig};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::{
    RawInstanceType, RawNodeGroup, RawPolicy, RawRetry, RawScenario, RawSubnet,
};
use crate::scenario::validate_vpc::vpc;
use crate::scenario::values::Duration;
use events::events;
use std::collections::HashMap;
use workloads::workloads;

/// Seed when the file gives none.
pub const DEFAULT_SEED: u64 = 1;
/// `sample_interval` when the file gives none.
pub const DEFAULT_SAMPLE_INTERVAL: SimTime = SimTime::from_secs(10);
/// `policy.min_warm` and `policy.max_warm` when not given: TKE's defaults.
pub const DEFAULT_WARM: u32 = 1;
/// `policy.release_interval` when not given.
pub const DEFAULT_RELEASE_INTERVAL: SimTime = SimTime::from_secs(120);
/// `policy.eni_timeout` when not given.
pub const DEFAULT_ENI_TIMEOUT: SimTime = SimTime::from_secs(120);
/// `[policy.retry]` when not given: 1s doubling up to 1m.
pub const DEFAULT_RETRY: RetryConfig = RetryConfig {
    base: SimTime::from_secs(1),
    cap: SimTime::from_secs(60),
    multiplier: 2,
    jitter: 0.0,
};
/// `reserved_ips` of a subnet when not given: the VPC keeps 3 addresses of every subnet.
pub const DEFAULT_RESERVED_IPS: u32 = 3;
/// `policy.subnet_cooldown` when not given.
pub const DEFAULT_SUBNET_COOLDOWN: SimTime = SimTime::from_secs(300);
/// `policy.reconcile_interval` when not given.
pub const DEFAULT_RECONCILE_INTERVAL: SimTime = SimTime::from_secs(60);
/// `policy.static_ip_retention` must be more than this, as TKE's `ExpiredSeconds`.
pub const MIN_STATIC_IP_RETENTION: SimTime = SimTime::from_secs(300);
/// Most nodes a node group or an `add_nodes` event may have or add: far above any real
/// cluster, low enough that a typo cannot exhaust memory.
pub const MAX_NODES: u32 = 100_000;
/// `value` at `path`, if it is at most `max`.
pub(super) fn at_most(value: u32, max: u32, path: KeyPath) -> Check<u32> {
    if value <= max {
        return Ok(value);
    }
    let key = path.to_string();
    Err(Invalid::at(
        path,
        format!("{key} = {value} is more than the {max} this tool accepts"),
    ))
}

/// A rule the scenario breaks.
#[derive(Debug)]
pub struct Invalid {
    /// Where: the first path is reported; any of them being set by `--set` blames that flag.
    pub paths: Vec<KeyPath>,
    /// What is wrong.
    pub message: String,
    /// What would be valid, if not in the message.
    pub hint: Option<String>,
    /// True when the key itself is wrong (unknown, or misplaced): located at the key rather
    /// than at its value.
    pub on_key: bool,
}

impl Invalid {
    pub(super) fn at(path: KeyPath, message: impl Into<String>) -> Invalid {
        Invalid {
            paths: vec![path],
            message: message.into(),
            hint: None,
            on_key: false,
        }
    }

    /// A key that is wrong where it is, located at the key.
    pub(super) fn at_key(path: KeyPath, message: impl Into<String>) -> Invalid {
        Invalid {
            on_key: true,
            ..Invalid::at(path, message)
        }
    }

    pub(super) fn also(mut self, path: KeyPath) -> Invalid {
        self.paths.push(path);
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> Invalid {
        self.hint = Some(hint.into());
        self
    }
}

/// A validation step's result.
pub(super) type Check<T> = Result<T, Invalid>;

/// Applies defaults and checks every rule; `default_name` is used when the file has no name.
pub fn build(raw: RawScenario, default_name: &str) -> Check<Scenario> {
    limits::names(&raw)?;
    let name = raw.name.unwrap_or_else(|| default_name.to_string());
    if name.trim().is_empty() {
        return Err(Invalid::at(
            KeyPath::keys(&["name"]),
            "name must not be empty",
        ));
    }
    let policy = policy(&raw.policy)?;
    let types = instance_types(&raw.instance_types)?;
    let node_groups = node_groups(&raw.node_groups, &types, &policy)?;
    let mut scenario = Scenario {
        name,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        duration: positive(raw.duration.0, KeyPath::keys(&["duration"]))?,
        sample_interval: positive(
            or(raw.sample_interval, DEFAULT_SAMPLE_INTERVAL),
            KeyPath::keys(&["sample_interval"]),
        )?,
        vpc: vpc(&raw.vpc)?,
        controller: controller::controller(&raw.controller)?,
        subnets: subnets(&raw.subnets)?,
        workloads: workloads(&raw.workloads, policy.mode)?,
        events: events(&raw.events, &node_groups)?,
        sweep: raw.sweep.as_ref().map(sweep::settings).transpose()?,
        overrides: Vec::new(),
        effective: String::new(),
        node_groups,
        policy,
        warnings: Vec::new(),
    };
    limits::totals(&scenario)?;
    scenario.warnings = tke::check(&scenario)?;
    let removals = events::oversized_removals(&scenario);
    scenario.warnings.extend(removals);
    Ok(scenario)
}

/// The duration given, or `default`.
pub(super) fn or(given: Option<Duration>, default: SimTime) -> SimTime {
    given.map_or(default, |d| d.0)
}

/// `time`, unless it is zero.
pub(super) fn positive(time: SimTime, path: KeyPath) -> Check<SimTime> {
    if time == SimTime::ZERO {
        let key = path.to_string();
        return Err(Invalid::at(
            path,
            format!("{key} must be greater than zero"),
        ));
    }
    Ok(time)
}

/// Maps a string setting to its meaning. `later` lists values that SPEC defines but this
/// version does not implement, which get a clearer message than a typo does.
pub(super) fn choice<T: Copy>(
    given: &str,
    what: &str,
    path: KeyPath,
    options: &[(&str, T)],
    later: &[&str],
) -> Check<T> {
    if let Some((_, value)) = options.iter().find(|(name, _)| *name == given) {
        return Ok(*value);
    }
    let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let hint = format!("supported: {}", names.join(", "));
    let message = if later.contains(&given) {
        format!("{what} \"{given}\" is not supported yet in this version")
    } else {
        format!("unknown {what} \"{given}\"")
    };
    Err(Invalid::at(path, message).hint(hint))
}

/// Fails when names repeat; `array` and `key` locate them (`node_groups`, `name`).
pub(super) fn unique<'a>(
    names: impl Iterator<Item = &'a str>,
    array: &str,
    key: &str,
) -> Check<()> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.enumerate() {
        if let Some(&first) = seen.get(name) {
            return Err(Invalid::at(
                KeyPath::entry(array, i).key(key),
                format!("duplicate {key} \"{name}\" in [[{array}]]: each entry needs its own"),
            )
            .also(KeyPath::entry(array, first).key(key)));
        }
        seen.insert(name, i);
    }
    Ok(())
}

/// Fails when `min_warm > max_warm`; each value comes with the path it was read from.
pub(super) fn warm_order(context: &str, min: (u32, KeyPath), max: (u32, KeyPath)) -> Check<()> {
    if min.0 <= max.0 {
        return Ok(());
    }
    Err(Invalid::at(
        min.1.clone(),
        format!(
            "{context}min_warm ({}, from {}) is greater than max_warm ({}, from {})",
            min.0, min.1, max.0, max.1
        ),
    )
    .also(max.1)
    .hint("lower min_warm or raise max_warm"))
}

fn policy(raw: &RawPolicy) -> Check<PolicyConfig> {
    let base = KeyPath::keys(&["policy"]);
    let at = |key: &str| base.key(key);
    let family = families::family(raw, &base)?;
    let pool = families::pool_keys(raw, &base)?;
    let (mode, spec) = families::spec(family, raw, &base, &pool)?;
    Ok(PolicyConfig {
        mode,
        spec,
        min_warm: pool.min_warm,
        max_warm: pool.max_warm,
        release: pool.release,
        release_interval: pool.release_interval,
        release_check: pool.release_check,
        eni_timeout: positive(or(raw.eni_timeout, DEFAULT_ENI_TIMEOUT), at("eni_timeout"))?,
        static_ip_retention: retention(raw.static_ip_retention.as_deref(), at)?,
        retry: retry(&raw.retry)?,
        subnet_cooldown: positive(
            or(raw.subnet_cooldown, DEFAULT_SUBNET_COOLDOWN),
            at("subnet_cooldown"),
        )?,
        reconcile_interval: positive(
            or(raw.reconcile_interval, DEFAULT_RECONCILE_INTERVAL),
            at("reconcile_interval"),
        )?,
        ip_aware_scheduling: raw.ip_aware_scheduling.unwrap_or(true),
    })
}

/// `static_ip_retention`: "never" or a duration of more than [`MIN_STATIC_IP_RETENTION`].
fn retention(given: Option<&str>, at: impl Fn(&str) -> KeyPath) -> Check<Option<SimTime>> {
    let hint =
        "\"never\" (the default) or a duration of more than 5m, e.g. \"5m1s\", \"30m\" or \"24h\"";
    let text = match given {
        None | Some("never") => return Ok(None),
        Some(text) => text,
    };
    let path = at("static_ip_retention");
    let time = parse_duration(text).map_err(|e| Invalid::at(path.clone(), e).hint(hint))?;
    if time <= MIN_STATIC_IP_RETENTION {
        return Err(Invalid::at(
            path,
            format!(
                "static_ip_retention \"{text}\" is not more than 5m: TKE requires over 300 s \
                 (ExpiredSeconds of EnableVpcCniNetworkType)"
            ),
        )
        .hint(hint));
    }
    Ok(Some(time))
}

fn retry(raw: &RawRetry) -> Check<RetryConfig> {
    let at = |key: &str| KeyPath::keys(&["policy", "retry", key]);
    let base = positive(or(raw.base, DEFAULT_RETRY.base), at("base"))?;
    let cap = or(raw.cap, DEFAULT_RETRY.cap);
    if cap < base {
        // Point at the cap if the file gives one, else at the base that outgrew the default.
        let (first, second) = match raw.cap {
            Some(_) => (at("cap"), at("base")),
            None => (at("base"), at("cap")),
        };
        return Err(Invalid::at(
            first,
            format!("policy.retry.cap ({cap}s) is below policy.retry.base ({base}s)"),
        )
        .also(second)
        .hint("cap defaults to 1m; raise it or lower base"));
    }
    let multiplier = raw.multiplier.unwrap_or(DEFAULT_RETRY.multiplier);
    if multiplier == 0 {
        return Err(Invalid::at(
            at("multiplier"),
            "policy.retry.multiplier must be at least 1",
        ));
    }
    let jitter = raw.jitter.unwrap_or(DEFAULT_RETRY.jitter);
    if !(0.0..=1.0).contains(&jitter) {
        return Err(Invalid::at(
            at("jitter"),
            "policy.retry.jitter must be between 0 (exact delays) and 1 (full jitter)",
        ));
    }
    Ok(RetryConfig {
        base,
        cap,
        multiplier,
        jitter,
    })
}

/// `[[instance_types]]` by name. `cores` defaults to the built-in type's when the entry
/// overrides one, else 0 (unknown).
fn instance_types(raw: &[RawInstanceType]) -> Check<HashMap<String, InstanceType>> {
    unique(
        raw.iter().map(|t| t.name.as_str()),
        "instance_types",
        "name",
    )?;
    Ok(raw
        .iter()
        .map(|t| {
            let builtin_cores = instance::resolve(&t.name).map_or(0, |b| b.cores);
            let resolved = InstanceType {
                name: t.name.clone(),
                cores: t.cores.unwrap_or(builtin_cores),
                eni_pods: t.eni_pods,
            };
            (t.name.clone(), resolved)
        })
        .collect())
}

fn subnets(raw: &[RawSubnet]) -> Check<Vec<SubnetConfig>> {
    unique(raw.iter().map(|s| s.id.as_str()), "subnets", "id")?;
    for (j, b) in raw.iter().enumerate() {
        for (i, a) in raw[..j].iter().enumerate() {
            let (a_net, b_net) = (a.cidr.0, b.cidr.0);
            if a_net.contains(&b_net.network()) || b_net.contains(&a_net.network()) {
                return Err(Invalid::at(
                    KeyPath::entry("subnets", j).key("cidr"),
                    format!(
                        "subnet \"{}\" ({b_net}) overlaps subnet \"{}\" ({a_net})",
                        b.id, a.id
                    ),
                )
                .also(KeyPath::entry("subnets", i).key("cidr")));
            }
        }
    }
    raw.iter().enumerate().map(|(i, s)| subnet(s, i)).collect()
}

fn subnet(raw: &RawSubnet, index: usize) -> Check<SubnetConfig> {
    let reserved_ips = raw.reserved_ips.unwrap_or(DEFAULT_RESERVED_IPS);
    let size = 1u64 << (32 - u32::from(raw.cidr.0.prefix_len()));
    if u64::from(reserved_ips) >= size {
        return Err(Invalid::at(
            KeyPath::entry("subnets", index).key("reserved_ips"),
            format!(
                "reserved_ips ({reserved_ips}) leaves no usable IP in {} ({size} addresses)",
                raw.cidr.0
            ),
        )
        .also(KeyPath::entry("subnets", index).key("cidr")));
    }
    Ok(SubnetConfig {
        id: raw.id.clone(),
        zone: raw.zone.clone(),
        cidr: raw.cidr.0,
        reserved_ips,
    })
}

fn node_groups(
    raw: &[RawNodeGroup],
    types: &HashMap<String, InstanceType>,
    policy: &PolicyConfig,
) -> Check<Vec<NodeGroupConfig>> {
    unique(raw.iter().map(|g| g.name.as_str()), "node_groups", "name")?;
    raw.iter()
        .enumerate()
        .map(|(i, g)| node_group(g, &KeyPath::entry("node_groups", i), types, policy))
        .collect()
}

fn node_group(
    raw: &RawNodeGroup,
    at: &KeyPath,
    types: &HashMap<String, InstanceType>,
    policy: &PolicyConfig,
) -> Check<NodeGroupConfig> {
    let instance_type = match types.get(&raw.instance_type) {
        Some(custom) => custom.clone(),
        None => instance::resolve(&raw.instance_type)
            .map_err(|e| Invalid::at(at.key("instance_type"), e.0))?,
    };
    let own_policy = raw
        .policy
        .as_ref()
        .map(|p| families::group_policy(p, &at.key("policy"), policy))
        .transpose()?;
    // Each value with where it comes from: the group's own key, its policy table's, or
    // [policy]'s.
    let table = match &own_policy {
        Some(own) => (own.min_warm, own.max_warm, at.key("policy")),
        None => (policy.min_warm, policy.max_warm, KeyPath::keys(&["policy"])),
    };
    let effective = |own: Option<u32>, key: &str, table_value: u32| match own {
        Some(v) => (v, at.key(key)),
        None => (table_value, table.2.key(key)),
    };
    warm_order(
        &format!("node group \"{}\": ", raw.name),
        effective(raw.min_warm, "min_warm", table.0),
        effective(raw.max_warm, "max_warm", table.1),
    )
    .map_err(|mut e| {
        // Point at the group's own key rather than at [policy].
        e.paths.sort_by_key(|p| !p.starts_with(at));
        e
    })?;
    Ok(NodeGroupConfig {
        name: raw.name.clone(),
        instance_type,
        zone: raw.zone.clone(),
        count: at_most(raw.count, MAX_NODES, at.key("count"))?,
        max_attach: raw.max_attach,
        min_warm: raw.min_warm,
        max_warm: raw.max_warm,
        policy: own_policy,
    })
}

/// Fails on the first of `given` keys that `owner` (e.g. `action "set_warm"`) does not take;
/// the hint lists what it takes: `always` (the keys every entry has) and `allowed`.
pub(super) fn only_keys(
    given: Vec<&str>,
    allowed: &[&str],
    at: &KeyPath,
    owner: &str,
    always: &str,
) -> Check<()> {
    match given.into_iter().find(|k| !allowed.contains(k)) {
        None => Ok(()),
        Some(key) => Err(
            Invalid::at(at.key(key), format!("\"{key}\" does not apply to {owner}"))
                .hint(format!("{owner} takes: {always}, {}", allowed.join(", "))),
        ),
    }
}

/// A key that `owner` (the workload or event at `at`) cannot do without.
pub(super) fn required<T>(value: Option<T>, at: &KeyPath, key: &str, owner: &str) -> Check<T> {
    value.ok_or_else(|| Invalid::at(at.key(key), format!("{owner} needs \"{key}\"")))
}
