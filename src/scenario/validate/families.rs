//! Policy tables: which family `mode` names, the keys only that family reads (a key of
//! another family is refused with the keys this one takes), and a node group's own table.

use super::{choice, or, positive, warm_order, Check, Invalid};
use super::{KeyPath, DEFAULT_RELEASE_INTERVAL, DEFAULT_WARM};
use crate::engine::SimTime;
use crate::policy::family::{Family, PolicySpec, Table};
use crate::policy::pool::{ReleaseCheck, ReleaseMode};
use crate::policy::FAMILIES;
use crate::scenario::model::{GroupPolicy, PolicyConfig, PolicyMode};
use crate::scenario::raw::RawPolicy;

/// The keys of `[policy]` the loader reads itself, in the order a list of valid keys gives
/// them; the families' own keys follow.
const LOADER_KEYS: [&str; 12] = [
    "mode",
    "min_warm",
    "max_warm",
    "release",
    "release_interval",
    "release_check",
    "eni_timeout",
    "static_ip_retention",
    "subnet_cooldown",
    "reconcile_interval",
    "ip_aware_scheduling",
    "retry",
];

/// TKE's pool keys of a policy table, read and checked.
pub(super) struct PoolKeys {
    pub min_warm: u32,
    pub max_warm: u32,
    pub release: ReleaseMode,
    pub release_check: ReleaseCheck,
    pub release_interval: SimTime,
}

/// Reads the pool keys of the policy table at `at`.
pub(super) fn pool_keys(raw: &RawPolicy, at: &KeyPath) -> Check<PoolKeys> {
    let release = choice(
        raw.release.as_deref().unwrap_or("slow"),
        "release mode",
        at.key("release"),
        &[("slow", ReleaseMode::Slow), ("quick", ReleaseMode::Quick)],
        &[],
    )?;
    let release_check = choice(
        raw.release_check.as_deref().unwrap_or("periodic"),
        "release check",
        at.key("release_check"),
        &[
            ("periodic", ReleaseCheck::Periodic),
            ("sustained", ReleaseCheck::Sustained),
        ],
        &[],
    )?;
    let min_warm = raw.min_warm.unwrap_or(DEFAULT_WARM);
    let max_warm = raw.max_warm.unwrap_or(DEFAULT_WARM);
    let context = if at.0.len() > 1 {
        format!("{at}: ")
    } else {
        String::new()
    };
    warm_order(
        &context,
        (min_warm, at.key("min_warm")),
        (max_warm, at.key("max_warm")),
    )?;
    Ok(PoolKeys {
        min_warm,
        max_warm,
        release,
        release_check,
        release_interval: positive(
            or(raw.release_interval, DEFAULT_RELEASE_INTERVAL),
            at.key("release_interval"),
        )?,
    })
}

/// The family the policy table at `at` names (default: TKE's pool).
pub(super) fn family(raw: &RawPolicy, at: &KeyPath) -> Check<&'static Family> {
    let options: Vec<(&str, &'static Family)> = FAMILIES.iter().map(|f| (f.mode, f)).collect();
    choice(
        raw.mode.as_deref().unwrap_or("pool"),
        "policy mode",
        at.key("mode"),
        &options,
        &[],
    )
}

/// `family`'s settings, read from the policy table at `at` (its pool keys already read).
pub(super) fn spec(
    family: &'static Family,
    raw: &RawPolicy,
    at: &KeyPath,
    pool: &PoolKeys,
) -> Check<(PolicyMode, PolicySpec)> {
    for key in raw.extra.keys() {
        check_key(key, family, at)?;
    }
    let table = Table {
        min_warm: pool.min_warm,
        max_warm: pool.max_warm,
        release: pool.release,
        release_check: pool.release_check,
        release_interval: pool.release_interval,
        extra: &raw.extra,
    };
    let settings = (family.read)(&table).map_err(|e| {
        Invalid::at(
            at.key(e.key),
            format!("policy mode \"{}\": {}", family.mode, e.message),
        )
        .hint(e.hint)
    })?;
    let mode = match family.mode {
        "static" => PolicyMode::Static,
        _ => PolicyMode::Pool,
    };
    Ok((
        mode,
        PolicySpec {
            mode: family.mode,
            settings,
        },
    ))
}

/// A key of the table beyond the loader's own: the family's, another family's (refused,
/// naming what this one takes), or unknown (refused, listing every key a table may have).
fn check_key(key: &str, family: &Family, at: &KeyPath) -> Check<()> {
    if family.keys.contains(&key) {
        return Ok(());
    }
    let takes = format!(
        "mode \"{}\" takes: {}",
        family.mode,
        family.valid_keys().join(", ")
    );
    if let Some(owner) = Family::owning(key) {
        return Err(Invalid::at_key(
            at.key(key),
            format!(
                "\"{key}\" is a key of policy mode \"{}\", not of \"{}\"",
                owner.mode, family.mode
            ),
        )
        .also(at.key("mode"))
        .hint(takes));
    }
    let mut all: Vec<&str> = LOADER_KEYS.to_vec();
    all.extend(FAMILIES.iter().flat_map(|f| f.keys.iter().copied()));
    let listed: Vec<String> = all.iter().map(|k| format!("`{k}`")).collect();
    Err(Invalid::at_key(
        at.key(key),
        format!(
            "unknown field `{key}`, expected one of {}",
            listed.join(", ")
        ),
    )
    .hint(takes))
}

/// A node group's own policy table at `at`: any family but static IP mode, which concerns
/// the whole cluster (as do the keys of `[policy]` that are not a family's).
pub(super) fn group_policy(
    raw: &RawPolicy,
    at: &KeyPath,
    cluster: &PolicyConfig,
) -> Check<GroupPolicy> {
    if cluster.mode == PolicyMode::Static {
        return Err(Invalid::at(
            at.clone(),
            "a node group cannot have its own policy in static IP mode: static IP mode \
             concerns the whole cluster",
        )
        .also(KeyPath::keys(&["policy", "mode"]))
        .hint("remove the group's policy table, or set [policy] mode to another family"));
    }
    let cluster_wide = [
        ("eni_timeout", raw.eni_timeout.is_some()),
        ("static_ip_retention", raw.static_ip_retention.is_some()),
        ("subnet_cooldown", raw.subnet_cooldown.is_some()),
        ("reconcile_interval", raw.reconcile_interval.is_some()),
        ("ip_aware_scheduling", raw.ip_aware_scheduling.is_some()),
        ("retry", raw.retry.is_given()),
    ];
    if let Some((key, _)) = cluster_wide.iter().find(|(_, given)| *given) {
        return Err(Invalid::at(
            at.key(key),
            format!("\"{key}\" concerns the whole cluster: set it in [policy], not in {at}"),
        )
        .hint(
            "a node group's policy table takes mode, min_warm, max_warm, release, \
               release_interval, release_check and its family's keys",
        ));
    }
    let family = family(raw, at)?;
    let pool = pool_keys(raw, at)?;
    let (mode, spec) = spec(family, raw, at, &pool)?;
    if mode == PolicyMode::Static {
        return Err(Invalid::at(
            at.key("mode"),
            "a node group cannot run static IP mode on its own: it concerns the whole cluster",
        )
        .hint("set [policy] mode = \"static\" for the cluster, or pick another family"));
    }
    Ok(GroupPolicy {
        spec,
        min_warm: pool.min_warm,
        max_warm: pool.max_warm,
    })
}
