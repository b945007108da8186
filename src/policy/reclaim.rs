//! `mode = "reclaim"`: the pool as Alibaba Terway runs it, one ENI per pod (ENI mode).
//!
//! Read from Terway's own code and docs (AliyunContainerService/terway):
//! - `pkg/eni/manager.go` (`NewManager`, `Manager.calculateToDel`): the pool is sized on its
//!   IDLE resources: `minIdles` (`min_pool_size`) are kept idle, idle above `maxIdles`
//!   (`max_pool_size`) are deleted at once (`toDel := idles - maxIdles`). With
//!   `ReclaimAfter` and `ReclaimBatchSize` set, once the pool has gone `ReclaimAfter` without a
//!   change, every `ReclaimInterval` stretched by `wait.Jitter(interval, ReclaimFactor)` (a
//!   uniform extra of up to `factor x interval`) it deletes up to `ReclaimBatchSize` more idle
//!   resources, never going below `minIdles`;
//! - `docs/idle-ip-reclaim.md`: the keys `idle_ip_reclaim_after` (no default: off),
//!   `idle_ip_reclaim_interval` (10m), `idle_ip_reclaim_batch_size` (5) and
//!   `idle_ip_reclaim_jitter_factor` (0.1); the `eni_conf` defaults `max_pool_size = 5`,
//!   `min_pool_size = 0` (Alibaba Cloud's "Customize Terway configuration parameters").
//!
//! Here, with P pods, B bound ENIs, I idle (attached, unused) and M the node's maximum:
//! - bind up to min(P + `min_pool_size`, M) (ENIs on their way count, so a pool being filled
//!   is not filled twice);
//! - release at once the idle ENIs above `max_pool_size`, and any above M;
//! - with `idle_reclaim_after` set, an idle ENI above `min_pool_size` becomes reclaimable once
//!   IT has been idle that long (Terway's timer is per pool: any change restarts it; here each
//!   ENI's own idle time counts, so a busy node still sheds ENIs that sat unused). The first
//!   reclaimable ENI arms a reclaim at `idle_reclaim_interval` x (1 + u x
//!   `idle_reclaim_jitter`), u uniform in [0, 1) from the policy's seeded stream; when it comes
//!   due, up to `idle_reclaim_batch` reclaimable ENIs go, longest idle first, and the next
//!   reclaim is armed the same way while reclaimable ENIs remain. A reclaim that leaves none,
//!   or a moment with none, disarms it (as a change of the pool resets Terway's timer);
//! - a new pod takes the most recently idle ENI, so that the longest idle ones age out.

use super::family::{Context, Family, KeyError, Settings, Table};
use super::{longest_idle, AllocationPolicy, Band, NodeDecision, NodeView};
use crate::engine::SimTime;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// `mode = "reclaim"` and its keys.
pub const FAMILY: Family = Family {
    mode: "reclaim",
    keys: &[
        "min_pool_size",
        "max_pool_size",
        "idle_reclaim_after",
        "idle_reclaim_interval",
        "idle_reclaim_batch",
        "idle_reclaim_jitter",
    ],
    shared: &[],
    read,
};

/// Terway's `min_pool_size` default.
pub const DEFAULT_MIN_POOL_SIZE: u32 = 0;
/// Terway's `max_pool_size` default.
pub const DEFAULT_MAX_POOL_SIZE: u32 = 5;
/// Terway's `idle_ip_reclaim_interval` default.
pub const DEFAULT_RECLAIM_INTERVAL: SimTime = SimTime::from_secs(600);
/// Terway's `idle_ip_reclaim_batch_size` default.
pub const DEFAULT_RECLAIM_BATCH: u32 = 5;
/// Terway's `idle_ip_reclaim_jitter_factor` default.
pub const DEFAULT_RECLAIM_JITTER: f64 = 0.1;

/// The reclaim family's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReclaimSettings {
    /// Idle ENIs kept ready (`min_pool_size`).
    pub min_pool: u32,
    /// Idle ENIs above this are released at once (`max_pool_size`).
    pub max_pool: u32,
    /// How long an ENI must have been idle to be reclaimed; `None`: no idle reclaim.
    pub after: Option<SimTime>,
    /// Time between reclaims (before jitter).
    pub interval: SimTime,
    /// Most ENIs one reclaim takes (at least 1).
    pub batch: u32,
    /// Share of the interval added at random (0 to 1).
    pub jitter: f64,
}

fn read(t: &Table) -> Result<Arc<dyn Settings>, KeyError> {
    let min_pool = t.count("min_pool_size", DEFAULT_MIN_POOL_SIZE, 0)?;
    let max_pool = t.count("max_pool_size", DEFAULT_MAX_POOL_SIZE, 0)?;
    if min_pool > max_pool {
        return Err(KeyError {
            key: "min_pool_size",
            message: format!(
                "min_pool_size ({min_pool}) is greater than max_pool_size ({max_pool})"
            ),
            hint: format!(
                "lower min_pool_size or raise max_pool_size (default {DEFAULT_MAX_POOL_SIZE})"
            ),
        });
    }
    Ok(Arc::new(ReclaimSettings {
        min_pool,
        max_pool,
        after: t.optional_duration("idle_reclaim_after")?,
        interval: t.duration("idle_reclaim_interval", DEFAULT_RECLAIM_INTERVAL, false)?,
        batch: t.count("idle_reclaim_batch", DEFAULT_RECLAIM_BATCH, 1)?,
        jitter: t.fraction("idle_reclaim_jitter", DEFAULT_RECLAIM_JITTER)?,
    }))
}

impl Settings for ReclaimSettings {
    fn build(&self, context: Context) -> Box<dyn AllocationPolicy> {
        Box::new(ReclaimPolicy::new(*self, context.rng))
    }
}

/// The reclaim policy with its per-node reclaim timers.
pub struct ReclaimPolicy {
    settings: ReclaimSettings,
    /// Per node: when its armed reclaim is due.
    due: Vec<Option<SimTime>>,
    rng: ChaCha8Rng,
}

impl ReclaimPolicy {
    /// A reclaim policy drawing its jitter from `rng`.
    pub fn new(settings: ReclaimSettings, rng: ChaCha8Rng) -> Self {
        ReclaimPolicy {
            settings,
            due: Vec::new(),
            rng,
        }
    }

    /// The next reclaim after `now`: one interval, plus its jitter.
    fn next_reclaim(&mut self, now: SimTime) -> SimTime {
        let every = self.settings.interval.as_millis();
        let extra = if self.settings.jitter > 0.0 {
            let u: f64 = self.rng.random();
            (u * self.settings.jitter * every as f64) as u64
        } else {
            0
        };
        SimTime(now.as_millis() + every + extra)
    }

    /// ENIs idle above the floor that `decide` reclaims now (0 if none is due), and when
    /// to ask again.
    fn reclaim(&mut self, node: usize, left: &[SimTime], now: SimTime) -> (u32, Option<SimTime>) {
        let Some(after) = self.settings.after else {
            return (0, None);
        };
        if node >= self.due.len() {
            self.due.resize(node + 1, None);
        }
        let above = left.len().saturating_sub(self.settings.min_pool as usize);
        let ready = left[..above]
            .iter()
            .take_while(|t| t.plus(after) <= now)
            .count() as u32;
        if ready == 0 {
            self.due[node] = None;
            return (0, left.first().filter(|_| above > 0).map(|t| t.plus(after)));
        }
        match self.due[node] {
            Some(at) if now < at => (0, Some(at)),
            Some(_) if ready > self.settings.batch => {
                let next = self.next_reclaim(now);
                self.due[node] = Some(next);
                (self.settings.batch, Some(next))
            }
            Some(_) => {
                // Everything reclaimable goes: disarmed until the next one becomes so.
                self.due[node] = None;
                let n = ready as usize;
                let next = left[n..].first().filter(|_| above > n);
                (ready, next.map(|t| t.plus(after)))
            }
            None => {
                let next = self.next_reclaim(now);
                self.due[node] = Some(next);
                (0, Some(next))
            }
        }
    }
}

impl AllocationPolicy for ReclaimPolicy {
    fn decide(&mut self, node: usize, v: &NodeView, now: SimTime) -> NodeDecision {
        let bind = self.band(v).low.saturating_sub(v.bound);
        let over_pool = v.idle.saturating_sub(self.settings.max_pool);
        let at_once = over_pool.max(v.bound.saturating_sub(v.max)).min(v.idle);
        let mut since = v.idle_since.to_vec();
        since.sort_unstable();
        let (reclaimed, wake_at) = self.reclaim(node, &since[at_once as usize..], now);
        NodeDecision {
            bind,
            release: at_once + reclaimed,
            wake_at,
        }
    }

    /// From min(P + min_pool_size, M) up to min(P + max_pool_size, M).
    fn band(&self, v: &NodeView) -> Band {
        Band::over_pods(v, self.settings.min_pool, self.settings.max_pool)
    }

    fn pick_release(&mut self, idle_since: &[SimTime]) -> usize {
        longest_idle(idle_since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, Stream};
    use crate::policy::test_view;

    const S: u64 = 1000;

    fn policy(after: u64, interval: u64, batch: u32, jitter: f64) -> ReclaimPolicy {
        ReclaimPolicy::new(
            ReclaimSettings {
                min_pool: 1,
                max_pool: 10,
                after: Some(SimTime(after * S)),
                interval: SimTime(interval * S),
                batch,
                jitter,
            },
            RngStreams::new(1).stream(Stream::Policy),
        )
    }

    /// `pods` pods, each with its ENI, and idle ENIs that went idle at `since` (seconds).
    fn view(pods: u32, since: &[SimTime]) -> NodeView<'_> {
        NodeView {
            idle_since: since,
            ..test_view(pods, pods + since.len() as u32, since.len() as u32)
        }
    }

    fn secs(xs: &[u64]) -> Vec<SimTime> {
        xs.iter().map(|&x| SimTime(x * S)).collect()
    }

    #[test]
    fn fills_the_floor_and_releases_above_max_pool_size_at_once() {
        let mut p = policy(600, 60, 2, 0.0);
        // 3 pods, nothing bound: 3 + min_pool_size 1.
        assert_eq!(p.decide(0, &test_view(3, 0, 0), SimTime(0)).bind, 4);
        // 12 idle ENIs, max_pool_size 10: 2 go at once, whatever their idle time.
        let idle = secs(&[0; 12]);
        let d = p.decide(0, &view(0, &idle), SimTime(0));
        assert_eq!((d.bind, d.release), (0, 2));
    }

    #[test]
    fn an_eni_idle_for_less_than_idle_reclaim_after_is_never_reclaimed() {
        let mut p = policy(600, 60, 5, 0.0);
        // Idle since 0 and 100 s; floor 1. At 599 s nothing is reclaimable yet: ask again
        // when the first becomes reclaimable, at 600 s.
        let idle = secs(&[0, 100]);
        let d = p.decide(0, &view(2, &idle), SimTime(599 * S));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(600 * S))));
        // At 600 s the first is reclaimable: a reclaim is armed for 660 s.
        let d = p.decide(0, &view(2, &idle), SimTime(600 * S));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(660 * S))));
        // At 660 s it goes; the other (idle 560 s) stays as the floor.
        let d = p.decide(0, &view(2, &idle), SimTime(660 * S));
        assert_eq!((d.release, d.wake_at), (1, None));
        let left = secs(&[100]);
        let d = p.decide(0, &view(2, &left), SimTime(10_000 * S));
        assert_eq!((d.release, d.wake_at), (0, None), "the floor is kept");
    }

    #[test]
    fn reclaims_go_in_batches_every_interval() {
        let mut p = policy(60, 100, 2, 0.0);
        // 6 idle since 0, floor 1: 5 reclaimable from 60 s; armed at 60 s for 160 s.
        let idle = secs(&[0; 6]);
        assert_eq!(
            p.decide(0, &view(0, &idle), SimTime(60 * S)).wake_at,
            Some(SimTime(160 * S))
        );
        let d = p.decide(0, &view(0, &idle), SimTime(160 * S));
        assert_eq!((d.release, d.wake_at), (2, Some(SimTime(260 * S))));
        // Asked between reclaims (a pod came and went): nothing, same due time.
        let four = secs(&[0; 4]);
        let d = p.decide(0, &view(0, &four), SimTime(200 * S));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(260 * S))));
        let d = p.decide(0, &view(0, &four), SimTime(260 * S));
        assert_eq!((d.release, d.wake_at), (2, Some(SimTime(360 * S))));
        let two = secs(&[0; 2]);
        let d = p.decide(0, &view(0, &two), SimTime(360 * S));
        assert_eq!((d.release, d.wake_at), (1, None));
    }

    #[test]
    fn a_moment_with_nothing_reclaimable_disarms_the_reclaim() {
        let mut p = policy(60, 100, 2, 0.0);
        let idle = secs(&[0, 0]);
        p.decide(0, &view(0, &idle), SimTime(60 * S));
        // At 100 s a pod took one: only the floor is idle.
        let d = p.decide(0, &view(1, &secs(&[0])), SimTime(100 * S));
        assert_eq!((d.release, d.wake_at), (0, None));
        // It ends at 120 s: the floor is now the fresh ENI, and the one idle since 0 is
        // reclaimable again, in a new interval from 120 s.
        let back = secs(&[0, 120]);
        let d = p.decide(0, &view(0, &back), SimTime(120 * S));
        assert_eq!((d.release, d.wake_at), (0, Some(SimTime(220 * S))));
        let d = p.decide(0, &view(0, &back), SimTime(220 * S));
        assert_eq!((d.release, d.wake_at), (1, None));
    }

    #[test]
    fn jitter_stretches_the_interval_by_up_to_its_share_and_is_seeded() {
        let due = |seed| {
            let mut p = policy(60, 100, 2, 0.5);
            p.rng = RngStreams::new(seed).stream(Stream::Policy);
            let idle = secs(&[0; 3]);
            p.decide(0, &view(0, &idle), SimTime(60 * S))
                .wake_at
                .unwrap()
        };
        let dues: Vec<SimTime> = (1..20).map(due).collect();
        assert!(
            dues.iter()
                .all(|t| (160 * S..210 * S).contains(&t.as_millis())),
            "{dues:?}"
        );
        assert!(
            dues.iter().any(|&t| t != dues[0]),
            "jitter varies with the seed"
        );
        assert_eq!(due(3), due(3));
    }

    #[test]
    fn without_idle_reclaim_after_only_max_pool_size_applies() {
        let mut p = policy(60, 100, 2, 0.0);
        p.settings.after = None;
        let idle = secs(&[0; 6]);
        let d = p.decide(0, &view(0, &idle), SimTime(100_000 * S));
        assert_eq!((d.release, d.wake_at), (0, None));
    }

    #[test]
    fn new_pods_take_the_freshest_eni_and_releases_the_stalest() {
        let mut p = policy(60, 100, 2, 0.0);
        let idle = secs(&[50, 10, 70, 10]);
        assert_eq!(p.pick_idle(&idle), 2);
        assert_eq!(p.pick_release(&idle), 1);
    }
}
