//! `mode = "adaptive"`: a pre-bind policy of this project's own, which no real controller
//! has. Each node keeps warm the ENIs it expects its pods to need within the time a new ENI
//! takes to become ready, from an estimate of its recent pod arrival rate.
//!
//! The estimator: an exponentially weighted moving average of the node's pod arrivals with
//! time constant `window` (tau). At time t, over the arrivals t_i of the last 4 tau,
//!
//! ```text
//!     rate(t) = (1 / tau) * sum_i exp(-(t - t_i) / tau)        arrivals per second
//!     need(t) = ceil(rate(t) * lead_time)                      ENIs wanted within lead_time
//!     warm(t) = clamp(need(t), min_warm, max_warm)
//! ```
//!
//! An arrival counts 1/tau at once and fades by e every tau; a steady rate r gives
//! rate(t) = r (to within 2%: the arrivals older than 4 tau are left out). `lead_time` is
//! how long a new ENI takes to become ready: by default the VPC's median create and attach
//! latencies plus a task poll. The estimate depends only on arrival times, so it is exact
//! and repeatable.
//!
//! With P pods, B bound ENIs and M the node's maximum:
//! - bind up to min(P + warm(t), M);
//! - an idle ENI above that is released once it has been idle for `hold` (longest idle
//!   first; default 30 s, long enough for a pod replaced at once to find it), and ENIs above
//!   M at once;
//! - the policy asks to be woken when an idle ENI's hold ends, or when the estimate, fading
//!   without new arrivals, would lower warm(t).

use super::family::{Context, Family, KeyError, Settings, Table};
use super::{longest_idle, AllocationPolicy, Band, NodeDecision, NodeView};
use crate::engine::SimTime;
use std::sync::Arc;

/// `mode = "adaptive"` and its keys; it reads `min_warm` and `max_warm` as its bounds.
pub const FAMILY: Family = Family {
    mode: "adaptive",
    keys: &["window", "lead_time", "hold"],
    shared: &["min_warm", "max_warm"],
    read,
};

/// `window` when not given.
pub const DEFAULT_WINDOW: SimTime = SimTime::from_secs(300);
/// `hold` when not given.
pub const DEFAULT_HOLD: SimTime = SimTime::from_secs(30);
/// Arrivals older than this many windows are left out of the estimate.
pub const HORIZON_WINDOWS: u64 = 4;

/// The adaptive family's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveSettings {
    /// The estimator's time constant.
    pub window: SimTime,
    /// How far ahead the node plans; `None`: the VPC's typical ENI ready time.
    pub lead_time: Option<SimTime>,
    /// How long an idle ENI above the target is kept before it is released.
    pub hold: SimTime,
}

fn read(t: &Table) -> Result<Arc<dyn Settings>, KeyError> {
    Ok(Arc::new(AdaptiveSettings {
        window: t.duration("window", DEFAULT_WINDOW, false)?,
        lead_time: match t.extra.get("lead_time").and_then(|v| v.as_str()) {
            Some("auto") => None,
            _ => t.optional_duration("lead_time")?,
        },
        hold: t.duration("hold", DEFAULT_HOLD, true)?,
    }))
}

impl Settings for AdaptiveSettings {
    fn build(&self, context: Context) -> Box<dyn AllocationPolicy> {
        Box::new(AdaptivePolicy {
            window: self.window,
            lead_time: self.lead_time.unwrap_or(context.eni_ready),
            hold: self.hold,
        })
    }
}

/// The adaptive policy: stateless, as the view carries the arrivals and idle times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptivePolicy {
    /// The estimator's time constant.
    pub window: SimTime,
    /// How far ahead the node plans.
    pub lead_time: SimTime,
    /// How long an idle ENI above the target is kept.
    pub hold: SimTime,
}

/// The estimate at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Arrivals per second.
    pub rate: f64,
    /// ENIs the node keeps warm.
    pub warm: u32,
}

impl AdaptivePolicy {
    fn horizon(&self) -> SimTime {
        SimTime(self.window.as_millis() * HORIZON_WINDOWS)
    }

    /// The arrival rate and the warm ENIs it calls for, at `now`.
    pub fn estimate(&self, v: &NodeView, now: SimTime) -> Estimate {
        let tau = self.window.as_secs_f64();
        let horizon = self.horizon().as_millis();
        let rate = v
            .arrivals
            .iter()
            .filter(|&&t| t <= now && now.since(t).as_millis() < horizon)
            .map(|&t| (-now.since(t).as_secs_f64() / tau).exp())
            .sum::<f64>()
            / tau;
        let need = (rate * self.lead_time.as_secs_f64() - 1e-9).ceil().max(0.0) as u32;
        Estimate {
            rate,
            warm: need.clamp(v.min_warm, v.max_warm.max(v.min_warm)),
        }
    }

    /// When the estimate, fading with no new arrival, lowers the warm count below `warm`:
    /// when rate x lead_time falls to warm - 1 (or, for warm 1, when the newest arrival
    /// leaves the horizon).
    fn fades_at(&self, v: &NodeView, e: Estimate, now: SimTime) -> Option<SimTime> {
        if e.warm <= v.min_warm || e.rate <= 0.0 {
            return None;
        }
        let threshold = f64::from(e.warm - 1) / self.lead_time.as_secs_f64();
        if threshold <= 0.0 {
            return v.arrivals.last().map(|t| t.plus(self.horizon()));
        }
        let secs = self.window.as_secs_f64() * (e.rate / threshold).ln();
        Some(SimTime(
            now.as_millis() + (secs * 1000.0).ceil().max(1.0) as u64,
        ))
    }
}

impl AllocationPolicy for AdaptivePolicy {
    fn decide(&mut self, _node: usize, v: &NodeView, now: SimTime) -> NodeDecision {
        let e = self.estimate(v, now);
        let target = (v.pods + e.warm).min(v.max);
        let surplus = v.bound.saturating_sub(target).min(v.idle);
        let mut since = v.idle_since.to_vec();
        since.sort_unstable();
        let held = since
            .iter()
            .take_while(|t| t.plus(self.hold) <= now)
            .count() as u32;
        let release = surplus
            .min(held)
            .max(v.bound.saturating_sub(v.max).min(v.idle));
        let hold_ends = (surplus > release)
            .then(|| since.get(release as usize).map(|t| t.plus(self.hold)))
            .flatten();
        let fades = (v.idle > release)
            .then(|| self.fades_at(v, e, now))
            .flatten();
        NodeDecision {
            bind: target.saturating_sub(v.bound),
            release,
            wake_at: match (hold_ends, fades) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// From min(P + min_warm, M) up to min(P + max_warm, M): where the estimate moves B.
    fn band(&self, v: &NodeView) -> Band {
        Band::over_pods(v, v.min_warm, v.max_warm)
    }

    fn pick_release(&mut self, idle_since: &[SimTime]) -> usize {
        longest_idle(idle_since)
    }

    fn history(&self) -> SimTime {
        self.horizon()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_view;

    const MIN: u64 = 60_000;

    /// window 60 s, lead time 10 s (one arrival now is worth 10/60 of an ENI), hold 60 s.
    fn policy() -> AdaptivePolicy {
        AdaptivePolicy {
            window: SimTime(MIN),
            lead_time: SimTime(10_000),
            hold: SimTime(MIN),
        }
    }

    /// A node with `pods` pods (each with its ENI), min_warm 0, max_warm `max_warm`.
    fn view(pods: u32, max_warm: u32, arrivals: &[SimTime]) -> NodeView<'_> {
        NodeView {
            min_warm: 0,
            max_warm,
            arrivals,
            ..test_view(pods, pods, 0)
        }
    }

    #[test]
    fn the_estimate_weighs_arrivals_by_exp_of_their_age_over_the_window() {
        let p = policy();
        let now = SimTime(10 * MIN);
        // One arrival now: 1/60 per s, 10/60 of an ENI: 1 warm.
        let e = p.estimate(&view(0, 9, &[now]), now);
        assert!((e.rate - 1.0 / 60.0).abs() < 1e-12, "{e:?}");
        assert_eq!(e.warm, 1);
        // Twelve now: exactly 2 ENIs within the lead time.
        assert_eq!(p.estimate(&view(0, 9, &[now; 12]), now).warm, 2);
        // Twelve a window ago: 2 / e = 0.74: 1.
        let old = [SimTime(9 * MIN); 12];
        let e = p.estimate(&view(0, 9, &old), now);
        assert!(
            (e.rate * 10.0 - 2.0 * (-1.0f64).exp()).abs() < 1e-12,
            "{e:?}"
        );
        assert_eq!(e.warm, 1);
        // Four windows ago and older: forgotten; min_warm 0.
        let gone = [SimTime(6 * MIN); 12];
        assert_eq!(p.estimate(&view(0, 9, &gone), now).warm, 0);
    }

    #[test]
    fn a_step_in_arrival_rate_raises_the_warm_count_by_what_the_estimate_says() {
        let mut p = policy();
        let now = SimTime(10 * MIN);
        // One pod a minute: arrivals now and 1, 2, 3 minutes ago (4 minutes ago is out):
        // (1 + e^-1 + e^-2 + e^-3) x 10 / 60 = 0.2588: 1 warm. 5 pods, 5 ENIs: bind 1.
        let steady: Vec<SimTime> = (6..=10).map(|m| SimTime(m * MIN)).collect();
        let d = p.decide(0, &view(5, 9, &steady), now);
        assert_eq!(d.bind, 1);
        // The step: twelve more arrive now. 0.2588 + 2 = 2.2588: 3 warm, 2 more than before.
        let mut step = steady.clone();
        step.extend([now; 12]);
        assert_eq!(p.estimate(&view(5, 9, &step), now).warm, 3);
        assert_eq!(p.decide(0, &view(5, 9, &step), now).bind, 3);
        // Within bounds: max_warm 2 caps it, M caps it too.
        assert_eq!(p.decide(0, &view(5, 2, &step), now).bind, 2);
        let capped = NodeView {
            max: 6,
            ..view(5, 9, &step)
        };
        assert_eq!(p.decide(0, &capped, now).bind, 1);
    }

    #[test]
    fn a_surplus_idle_eni_is_held_for_the_hold_then_released() {
        let mut p = policy();
        // No arrivals: warm 0. Two idle ENIs, idle since 0 s and 30 s.
        let since = [SimTime(0), SimTime(30_000)];
        let v = NodeView {
            idle_since: &since,
            ..view(0, 9, &[])
        };
        let v = NodeView {
            bound: 2,
            idle: 2,
            ..v
        };
        let d = p.decide(0, &v, SimTime(30_000));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(MIN))));
        let d = p.decide(0, &v, SimTime(MIN));
        assert_eq!((d.release, d.wake_at), (1, Some(SimTime(90_000))));
    }

    #[test]
    fn the_node_is_woken_when_the_fading_estimate_lowers_the_warm_count() {
        let mut p = policy();
        let now = SimTime(10 * MIN);
        // 2.2588 ENIs (as in the step above), 3 warm; it falls to 2 when the sum has faded
        // by 2 / 2.2588: after 60 x ln(2.2588 / 2) = 7.3021 s, woken at 7.303 s.
        let mut step: Vec<SimTime> = (6..=10).map(|m| SimTime(m * MIN)).collect();
        step.extend([now; 12]);
        let since = [now];
        let v = NodeView {
            idle_since: &since,
            bound: 9,
            idle: 1,
            ..view(5, 9, &step)
        };
        let d = p.decide(0, &v, now);
        assert_eq!(d.wake_at, Some(SimTime(now.as_millis() + 7_303)));
    }

    #[test]
    fn new_pods_take_the_freshest_eni() {
        let mut p = policy();
        let since = [SimTime(5), SimTime(9), SimTime(1)];
        assert_eq!(p.pick_idle(&since), 1);
        assert_eq!(p.pick_release(&since), 2);
        assert_eq!(p.history(), SimTime(4 * MIN));
    }
}
