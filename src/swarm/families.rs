//! The policy families of a generated case: which family `[policy]` runs (outside static IP
//! mode) and which node groups carry a policy table of their own, each key given or left to
//! its default. Drawn from a stream of their own, so that the rest of a seed's case is the
//! same as it was before the families existed.

use super::generate::{int, time};
use crate::engine::SimTime;
use crate::policy::FAMILIES;
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use toml::{Table, Value};

/// The registry's families other than TKE's two modes, in its order: what a node group's own
/// table names (it exists to differ, and static IP mode cannot run per group), and, with TKE's
/// pool as often as all of them together, what `[policy]` names. A family added to the registry
/// is drawn with no further change (its keys left to their defaults unless [`keys`] knows them).
fn others() -> Vec<&'static str> {
    FAMILIES
        .iter()
        .map(|f| f.mode)
        .filter(|m| !matches!(*m, "pool" | "static"))
        .collect()
}

/// Sets `[policy]`'s family (the table already holds TKE's keys), and gives some node groups
/// a policy table of their own.
pub(super) fn draw(rng: &mut ChaCha8Rng, policy: &mut Table, groups: &mut [Value]) {
    let group_modes = others();
    let mut cluster_modes = vec!["pool"; group_modes.len()];
    cluster_modes.extend(&group_modes);
    let mode = *cluster_modes.choose(rng).unwrap_or(&"pool");
    policy.insert("mode".into(), mode.into());
    keys(rng, mode, policy);
    for group in groups.iter_mut() {
        let Some(g) = group.as_table_mut() else {
            continue;
        };
        if !rng.random_bool(0.3) {
            continue;
        }
        let mode = *group_modes.choose(rng).unwrap_or(&"pool");
        let mut own = Table::new();
        own.insert("mode".into(), mode.into());
        keys(rng, mode, &mut own);
        g.insert("policy".into(), Value::Table(own));
    }
}

/// The keys of `mode`, each given or not.
fn keys(rng: &mut ChaCha8Rng, mode: &str, t: &mut Table) {
    match mode {
        "reclaim" => {
            let min = rng.random_range(0..=2);
            if rng.random_bool(0.7) {
                t.insert("min_pool_size".into(), int(min));
                t.insert("max_pool_size".into(), int(rng.random_range(min..=min + 4)));
            }
            if rng.random_bool(0.8) {
                let after = between(rng, 1_000, 1_800_000);
                t.insert("idle_reclaim_after".into(), after);
            }
            if rng.random_bool(0.7) {
                let interval = between(rng, 1_000, 600_000);
                t.insert("idle_reclaim_interval".into(), interval);
            }
            if rng.random_bool(0.5) {
                t.insert("idle_reclaim_batch".into(), int(rng.random_range(1..=5)));
            }
            if rng.random_bool(0.5) {
                let jitter = (rng.random_range(0.0..=1.0f64) * 100.0).round() / 100.0;
                t.insert("idle_reclaim_jitter".into(), Value::Float(jitter));
            }
        }
        "on_demand" if rng.random_bool(0.8) => {
            let cooldown = between(rng, 0, 300_000);
            t.insert("cooldown".into(), cooldown);
        }
        "adaptive" => {
            if rng.random_bool(0.7) {
                t.insert("window".into(), between(rng, 1_000, 1_800_000));
            }
            if rng.random_bool(0.5) {
                t.insert("lead_time".into(), between(rng, 1, 60_000));
            }
        }
        _ => {}
    }
}

/// A duration from `lo` to `hi` ms, drawn evenly.
fn between(rng: &mut ChaCha8Rng, lo: u64, hi: u64) -> Value {
    time(SimTime(rng.random_range(lo..=hi)))
}
