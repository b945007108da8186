//! `[controller]`: the ENI controller's model, workers and rate limits, with the defaults of a
//! stock client-go controller ([`ControllerConfig::DEFAULT`]).

use super::{choice, or, positive, Check, Invalid};
use crate::controller::{ControllerConfig, ControllerModel};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::RawController;

/// Most workers a controller may run: far above any real one, low enough that a typo cannot
/// exhaust memory.
pub const MAX_WORKERS: u32 = 10_000;

/// Highest rate a `*_qps` key accepts, per second.
const MAX_QPS: f64 = 1_000_000.0;

/// Applies the `[controller]` defaults and checks each value.
pub(super) fn controller(raw: &RawController) -> Check<ControllerConfig> {
    let at = |key: &str| KeyPath::keys(&["controller", key]);
    let d = ControllerConfig::DEFAULT;
    let model = choice(
        raw.model.as_deref().unwrap_or("queue"),
        "controller model",
        at("model"),
        &[
            ("queue", ControllerModel::Queue),
            ("per_node", ControllerModel::PerNode),
        ],
        &[],
    )?;
    let workers = raw.workers.unwrap_or(d.workers);
    if !(1..=MAX_WORKERS).contains(&workers) {
        return Err(Invalid::at(
            at("workers"),
            format!("controller.workers = {workers} is not between 1 and {MAX_WORKERS}"),
        ));
    }
    let base = positive(
        or(raw.item_backoff_base, d.item_backoff_base),
        at("item_backoff_base"),
    )?;
    let max = or(raw.item_backoff_max, d.item_backoff_max);
    if max < base {
        let (first, second) = match raw.item_backoff_max {
            Some(_) => (at("item_backoff_max"), at("item_backoff_base")),
            None => (at("item_backoff_base"), at("item_backoff_max")),
        };
        return Err(Invalid::at(
            first,
            format!(
                "controller.item_backoff_max ({max}s) is below controller.item_backoff_base \
                 ({base}s)"
            ),
        )
        .also(second)
        .hint("item_backoff_max defaults to 1000s; raise it or lower item_backoff_base"));
    }
    Ok(ControllerConfig {
        model,
        workers,
        vpc_milli_qps: milli_qps(raw.vpc_qps, d.vpc_milli_qps, at("vpc_qps"))?,
        vpc_burst: burst(raw.vpc_burst, d.vpc_burst, at("vpc_burst"))?,
        item_backoff_base: base,
        item_backoff_max: max,
        requeue_milli_qps: milli_qps(raw.requeue_qps, d.requeue_milli_qps, at("requeue_qps"))?,
        requeue_burst: burst(raw.requeue_burst, d.requeue_burst, at("requeue_burst"))?,
    })
}

/// A rate per second, to the thousandth, from 0.001 up to [`MAX_QPS`].
fn milli_qps(given: Option<f64>, default: u64, path: KeyPath) -> Check<u64> {
    let Some(qps) = given else {
        return Ok(default);
    };
    if !(0.001..=MAX_QPS).contains(&qps) {
        let key = path.to_string();
        return Err(Invalid::at(
            path,
            format!("{key} = {qps} is not a rate from 0.001 to {MAX_QPS} per second"),
        ));
    }
    Ok((qps * 1000.0).round() as u64)
}

/// A token bucket's burst: at least one token.
fn burst(given: Option<u32>, default: u32, path: KeyPath) -> Check<u32> {
    match given {
        Some(0) => {
            let key = path.to_string();
            Err(Invalid::at(
                path,
                format!("{key} must be at least 1 (a bucket of 0 tokens admits nothing)"),
            ))
        }
        Some(n) => Ok(n),
        None => Ok(default),
    }
}
