//! TKE's non-static IP mode: each node keeps an auto-scaling pool of pre-bound ENIs.
//!
//! With P pods, B bound ENIs and M the node's bindable maximum:
//! - B < min(P + min_warm, M): bind the difference;
//! - B > M: release surplus idle ENIs at once;
//! - B > P + max_warm: release one idle ENI (slow) or all surplus idle ENIs (quick) at the
//!   next release check, and at every check after while surplus remains. Checks are periodic
//!   (the controller's ticks, every `release_interval` from the start: TKE checks its pools
//!   every two minutes) or sustained (once the surplus has lasted `release_interval`).

use super::family::{Context, Family, KeyError, Settings, Table};
use super::{AllocationPolicy, Band, NodeDecision, NodeView};
use crate::engine::SimTime;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// How surplus ENIs above `P + max_warm` are released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseMode {
    /// One idle ENI per `release_interval`.
    Slow,
    /// All surplus at each `release_interval`.
    Quick,
}

/// When a node with surplus ENIs releases them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseCheck {
    /// At every tick of the controller's periodic check (multiples of `release_interval`
    /// from the start), a node whose surplus appeared before the tick releases: TKE's
    /// documented behaviour (the pool "is checked every two minutes").
    Periodic,
    /// Once the surplus has lasted `release_interval` without a break, and again every
    /// interval while it remains; any moment without surplus restarts the wait.
    Sustained,
}

/// `mode = "pool"`: TKE's keys are the loader's own, so it has none of its own.
pub const FAMILY: Family = Family {
    mode: "pool",
    keys: &[],
    shared: &[
        "min_warm",
        "max_warm",
        "release",
        "release_interval",
        "release_check",
    ],
    read,
};

/// The pool's release pacing, from its policy table.
#[derive(Clone, Copy, Debug)]
struct PoolSettings {
    release: ReleaseMode,
    check: ReleaseCheck,
    interval: SimTime,
}

fn read(t: &Table) -> Result<Arc<dyn Settings>, KeyError> {
    Ok(Arc::new(PoolSettings {
        release: t.release,
        check: t.release_check,
        interval: t.release_interval,
    }))
}

impl Settings for PoolSettings {
    fn build(&self, context: Context) -> Box<dyn AllocationPolicy> {
        Box::new(PoolPolicy::new(
            self.release,
            self.check,
            self.interval,
            context.rng,
        ))
    }
}

/// The pool policy with its per-node release pacing state.
pub struct PoolPolicy {
    release: ReleaseMode,
    check: ReleaseCheck,
    interval: SimTime,
    /// Per node: when the next paced release is due, while the node has surplus.
    release_due: Vec<Option<SimTime>>,
    rng: ChaCha8Rng,
}

impl PoolPolicy {
    /// A pool policy drawing its random choices from `rng`.
    pub fn new(
        release: ReleaseMode,
        check: ReleaseCheck,
        interval: SimTime,
        rng: ChaCha8Rng,
    ) -> Self {
        PoolPolicy {
            release,
            check,
            interval,
            release_due: Vec::new(),
            rng,
        }
    }

    /// The release check that follows `now`: the next periodic tick strictly after it (so
    /// surplus that appears at a tick waits for the next one, as if the tick ran first), or
    /// one interval from now.
    fn next_check(&self, now: SimTime) -> SimTime {
        match self.check {
            ReleaseCheck::Periodic => {
                let every = self.interval.as_millis();
                SimTime((now.as_millis() / every + 1) * every)
            }
            ReleaseCheck::Sustained => now.plus(self.interval),
        }
    }

    fn due_slot(&mut self, node: usize) -> &mut Option<SimTime> {
        if node >= self.release_due.len() {
            self.release_due.resize(node + 1, None);
        }
        &mut self.release_due[node]
    }
}

impl AllocationPolicy for PoolPolicy {
    fn decide(&mut self, node: usize, v: &NodeView, now: SimTime) -> NodeDecision {
        let bind = self.band(v).low.saturating_sub(v.bound);
        let mut release = v.bound.saturating_sub(v.max).min(v.idle);
        let surplus = (v.bound - release).saturating_sub(v.pods + v.max_warm);
        let idle_left = v.idle - release;
        let (mode, next) = (self.release, self.next_check(now));
        let due = self.due_slot(node);
        if surplus == 0 {
            *due = None;
        } else {
            match *due {
                None => *due = Some(next),
                Some(at) if now >= at => {
                    let paced = match mode {
                        ReleaseMode::Slow => 1,
                        ReleaseMode::Quick => surplus,
                    };
                    let n = paced.min(idle_left);
                    release += n;
                    *due = (surplus > n).then_some(next);
                }
                Some(_) => {}
            }
        }
        NodeDecision {
            bind,
            release,
            wake_at: *due,
        }
    }

    /// From min(P + min_warm, M) up to min(P + max_warm, M) (never below the first).
    fn band(&self, v: &NodeView) -> Band {
        Band::over_pods(v, v.min_warm, v.max_warm)
    }

    fn pick_idle(&mut self, idle_since: &[SimTime]) -> usize {
        self.rng.random_range(0..idle_since.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, Stream};
    use crate::policy::SubnetView;

    const MIN: SimTime = SimTime(60_000);

    fn checked(release: ReleaseMode, check: ReleaseCheck) -> PoolPolicy {
        PoolPolicy::new(
            release,
            check,
            SimTime(120_000),
            RngStreams::new(1).stream(Stream::Policy),
        )
    }

    /// The default: periodic checks every 120 s.
    fn policy(release: ReleaseMode) -> PoolPolicy {
        checked(release, ReleaseCheck::Periodic)
    }

    use crate::policy::test_view as view;

    #[test]
    fn binds_up_to_pods_plus_min_warm_capped_at_max() {
        let mut p = policy(ReleaseMode::Slow);
        assert_eq!(p.decide(0, &view(0, 0, 0), SimTime(0)).bind, 1);
        assert_eq!(p.decide(0, &view(10, 4, 0), SimTime(0)).bind, 7);
        let capped = NodeView {
            max: 5,
            ..view(10, 4, 0)
        };
        assert_eq!(p.decide(0, &capped, SimTime(0)).bind, 1);
    }

    #[test]
    fn the_band_runs_from_pods_plus_min_warm_to_pods_plus_max_warm_capped_at_max() {
        let p = policy(ReleaseMode::Slow);
        // min_warm 1, max_warm 3, M 39.
        assert_eq!(p.band(&view(10, 4, 0)), Band { low: 11, high: 13 });
        assert_eq!(p.band(&view(37, 0, 0)), Band { low: 38, high: 39 });
        let capped = NodeView {
            max: 5,
            ..view(10, 4, 0)
        };
        assert_eq!(p.band(&capped), Band { low: 5, high: 5 });
    }

    #[test]
    fn slow_release_paces_one_per_interval() {
        let mut p = policy(ReleaseMode::Slow);
        // 2 pods, 8 bound, 6 idle: surplus 3 over P + max_warm = 5.
        let d = p.decide(0, &view(2, 8, 6), SimTime(0));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(120_000))));
        // Asked again before due: nothing.
        assert_eq!(p.decide(0, &view(2, 8, 6), MIN).release, 0);
        let d = p.decide(0, &view(2, 8, 6), SimTime(120_000));
        assert_eq!((d.release, d.wake_at), (1, Some(SimTime(240_000))));
        let d = p.decide(0, &view(2, 7, 5), SimTime(240_000));
        assert_eq!((d.release, d.wake_at), (1, Some(SimTime(360_000))));
        let d = p.decide(0, &view(2, 6, 4), SimTime(360_000));
        assert_eq!((d.release, d.wake_at), (1, None));
    }

    #[test]
    fn quick_release_frees_all_surplus_at_the_interval() {
        let mut p = policy(ReleaseMode::Quick);
        p.decide(0, &view(2, 8, 6), SimTime(0));
        let d = p.decide(0, &view(2, 8, 6), SimTime(120_000));
        assert_eq!((d.release, d.wake_at), (3, None));
    }

    #[test]
    fn periodic_surplus_goes_at_the_next_tick_whenever_it_appeared() {
        let mut p = policy(ReleaseMode::Slow);
        // Surplus appears at 130 s: the ticks are at 120 s, 240 s, 360 s ...
        let d = p.decide(0, &view(2, 8, 6), SimTime(130_000));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(240_000))));
        let d = p.decide(0, &view(2, 8, 6), SimTime(240_000));
        assert_eq!((d.release, d.wake_at), (1, Some(SimTime(360_000))));
        // Asked again at the same tick, after the release: one per tick.
        let d = p.decide(0, &view(2, 7, 5), SimTime(240_000));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(360_000))));
    }

    #[test]
    fn periodic_surplus_that_appears_at_a_tick_waits_for_the_next() {
        let mut p = policy(ReleaseMode::Slow);
        let d = p.decide(0, &view(2, 8, 6), SimTime(120_000));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(240_000))));
    }

    #[test]
    fn periodic_surplus_that_vanishes_and_returns_keeps_its_tick() {
        let mut p = policy(ReleaseMode::Slow);
        p.decide(0, &view(2, 8, 6), SimTime(10_000));
        assert_eq!(p.decide(0, &view(5, 8, 3), MIN).wake_at, None);
        // Back at 100 s: the tick at 120 s still comes.
        let d = p.decide(0, &view(2, 8, 6), SimTime(100_000));
        assert_eq!(d.wake_at, Some(SimTime(120_000)));
        assert_eq!(p.decide(0, &view(2, 8, 6), SimTime(120_000)).release, 1);
    }

    #[test]
    fn sustained_surplus_that_vanishes_restarts_the_wait() {
        let mut p = checked(ReleaseMode::Slow, ReleaseCheck::Sustained);
        let d = p.decide(0, &view(2, 8, 6), SimTime(10_000));
        assert_eq!(d.wake_at, Some(SimTime(130_000)));
        assert_eq!(p.decide(0, &view(5, 8, 3), MIN).wake_at, None);
        // New surplus later starts a fresh interval.
        let d = p.decide(0, &view(2, 8, 6), SimTime(100_000));
        assert_eq!(d.wake_at, Some(SimTime(220_000)));
        let d = p.decide(0, &view(2, 8, 6), SimTime(220_000));
        assert_eq!((d.release, d.wake_at), (1, Some(SimTime(340_000))));
    }

    #[test]
    fn surplus_over_max_goes_at_once() {
        let mut p = policy(ReleaseMode::Slow);
        let v = NodeView {
            max: 4,
            ..view(2, 8, 6)
        };
        let d = p.decide(0, &v, SimTime(0));
        assert_eq!(d.release, 4);
        assert_eq!(d.wake_at, None, "B after release = 4 <= P + max_warm");
    }

    #[test]
    fn subnet_with_most_free_ips_wins_ties_to_the_first() {
        let p = policy(ReleaseMode::Slow);
        let s = |free_ips| SubnetView {
            free_ips,
            cooling: false,
        };
        let cooling = SubnetView {
            free_ips: 50,
            cooling: true,
        };
        assert_eq!(p.choose_subnet(&[s(5), s(9), s(9)]), Some(1));
        assert_eq!(
            p.choose_subnet(&[cooling, s(0), s(0)]),
            Some(1),
            "full, so the VPC says so"
        );
        assert_eq!(p.choose_subnet(&[cooling]), None);
        assert_eq!(p.choose_subnet(&[]), None);
    }

    #[test]
    fn idle_pick_is_seeded_and_in_range() {
        let mut a = policy(ReleaseMode::Slow);
        let mut b = policy(ReleaseMode::Slow);
        let idle = [SimTime::ZERO; 7];
        let xs: Vec<usize> = (0..50).map(|_| a.pick_idle(&idle)).collect();
        let ys: Vec<usize> = (0..50).map(|_| b.pick_idle(&idle)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&i| i < 7));
        assert!(xs.iter().any(|&i| i != xs[0]), "not a constant choice");
    }
}
