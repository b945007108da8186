//! Which part of a trace is replayed, and how fast: `from`, `to`, `limit` and `time_scale`.

use super::TraceConfig;
use crate::engine::SimTime;
use crate::error::InputError;

/// The replay window of one trace, in trace milliseconds, and the count of pods let through.
#[derive(Clone, Debug)]
pub(super) struct Window {
    from: u64,
    to: Option<u64>,
    scale: f64,
    limit: Option<u64>,
    admitted: u64,
}

impl Window {
    /// The window of `config`, rejecting settings no replay can honour.
    pub(super) fn new(config: &TraceConfig) -> Result<Self, InputError> {
        let scale = config.time_scale;
        if !(scale.is_finite() && scale > 0.0) {
            return Err(InputError::new(
                &config.label,
                format!("time_scale {scale} is not a positive number"),
            )
            .with_hint("1.0 replays in real time, 0.01 replays 100x faster"));
        }
        let from = config.from.map_or(0, SimTime::as_millis);
        let to = config.to.map(SimTime::as_millis);
        if to.is_some_and(|to| to <= from) {
            return Err(InputError::new(
                &config.label,
                "the trace window is empty: `to` is not after `from`",
            ));
        }
        Ok(Window {
            from,
            to,
            scale,
            limit: config.limit,
            admitted: 0,
        })
    }

    /// Whether a pod created at trace time `t` is in [from, to).
    pub(super) fn contains(&self, t: u64) -> bool {
        t >= self.from && self.to.is_none_or(|to| t < to)
    }

    /// Counts one more pod against `limit`; false once the limit is reached.
    pub(super) fn admit(&mut self) -> bool {
        if self.limit.is_some_and(|limit| self.admitted >= limit) {
            return false;
        }
        self.admitted += 1;
        true
    }

    /// Simulation time of trace time `t` (at or after `from`): (t − from) × time_scale, to
    /// the nearest millisecond. Monotonic, so trace order is kept.
    pub(super) fn sim_time(&self, t: u64) -> SimTime {
        SimTime(((t.saturating_sub(self.from)) as f64 * self.scale).round() as u64)
    }
}
