//! The controller's rate limiters, as client-go builds them (`k8s.io/client-go/util/workqueue`,
//! default_rate_limiters.go, and `golang.org/x/time/rate`), in exact integer arithmetic.

use crate::engine::SimTime;

/// Units in one token. A bucket refills `milli_qps` units per millisecond, so a rate given to
/// the thousandth of a request per second refills exactly.
const UNITS: i128 = 1_000_000;

/// A token bucket that hands out reservations, as `rate.Limiter.Reserve` does (and `Wait`,
/// which sleeps out the reservation): every request gets a token, at the time the bucket will
/// hold one; tokens taken ahead make later requests wait longer. It holds at most `burst`
/// tokens and starts full.
///
/// client-go's `BucketRateLimiter` (the overall limit on requeues) and a client-side QPS limit
/// (`flowcontrol.NewTokenBucketRateLimiter`, which waits on a `rate.Limiter`) are both this.
#[derive(Clone, Debug)]
pub struct ReservingBucket {
    milli_qps: i128,
    burst: i128,
    /// Units held; negative when tokens were reserved ahead of the refill.
    units: i128,
    last: SimTime,
}

impl ReservingBucket {
    /// A full bucket refilling `milli_qps` thousandths of a token per second (at least 1), of
    /// `burst` tokens (at least 1).
    pub fn new(milli_qps: u64, burst: u32) -> Self {
        let burst = i128::from(burst.max(1)) * UNITS;
        ReservingBucket {
            milli_qps: i128::from(milli_qps.max(1)),
            burst,
            units: burst,
            last: SimTime::ZERO,
        }
    }

    /// Reserves one token at `now` and returns when it may be used: `now` if the bucket holds
    /// one, else the first millisecond by which the refill has paid for it. Times must not go
    /// backwards; an earlier `now` refills nothing.
    pub fn reserve(&mut self, now: SimTime) -> SimTime {
        let elapsed = i128::from(now.since(self.last).as_millis());
        self.last = self.last.max(now);
        self.units = (self.units + elapsed * self.milli_qps).min(self.burst) - UNITS;
        if self.units >= 0 {
            return now;
        }
        let owed = -self.units;
        let wait = (owed + self.milli_qps - 1) / self.milli_qps;
        now.plus(SimTime(u64::try_from(wait).unwrap_or(u64::MAX)))
    }
}

/// Per-item exponential backoff (`ItemExponentialFailureRateLimiter`): an item's n-th
/// requeue in a row waits `base × 2^(n−1)`, at most `max`; `forget` starts it over.
#[derive(Clone, Debug)]
pub struct ItemBackoff {
    base: SimTime,
    max: SimTime,
    /// Per item key: requeues since it was last forgotten.
    failures: Vec<u32>,
}

impl ItemBackoff {
    /// Delays from `base` doubling up to `max`.
    pub fn new(base: SimTime, max: SimTime) -> Self {
        ItemBackoff {
            base,
            max,
            failures: Vec::new(),
        }
    }

    /// The delay of `key`'s next requeue, counting it.
    pub fn when(&mut self, key: u32) -> SimTime {
        let i = key as usize;
        if i >= self.failures.len() {
            self.failures.resize(i + 1, 0);
        }
        let exp = self.failures[i];
        self.failures[i] = exp.saturating_add(1);
        let factor = 1u64.checked_shl(exp).unwrap_or(u64::MAX);
        let delay = self.base.as_millis().saturating_mul(factor);
        SimTime(delay.min(self.max.as_millis()))
    }

    /// `key` succeeded: its next failure waits `base` again.
    pub fn forget(&mut self, key: u32) {
        if let Some(f) = self.failures.get_mut(key as usize) {
            *f = 0;
        }
    }
}

/// client-go's `DefaultControllerRateLimiter` shape: the larger of the per-item backoff and
/// the overall bucket's reservation (`NewMaxOfRateLimiter`; both are asked every time, so
/// every requeue spends a token of the bucket).
#[derive(Clone, Debug)]
pub struct RequeueLimiter {
    item: ItemBackoff,
    overall: ReservingBucket,
}

impl RequeueLimiter {
    /// The per-item backoff and the overall bucket together.
    pub fn new(item: ItemBackoff, overall: ReservingBucket) -> Self {
        RequeueLimiter { item, overall }
    }

    /// When `key`, failed at `now`, may be queued again.
    pub fn when(&mut self, key: u32, now: SimTime) -> SimTime {
        let item = now.plus(self.item.when(key));
        let overall = self.overall.reserve(now);
        item.max(overall)
    }

    /// `key` succeeded: its backoff starts over (the bucket forgets nothing).
    pub fn forget(&mut self, key: u32) {
        self.item.forget(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> SimTime {
        SimTime(v)
    }

    #[test]
    fn a_reserving_bucket_spends_its_burst_then_spaces_tokens_evenly() {
        // 5 per second, burst 2: two at once, then one every 200 ms, reservations queueing.
        let mut b = ReservingBucket::new(5_000, 2);
        let times: Vec<u64> = (0..5).map(|_| b.reserve(ms(0)).as_millis()).collect();
        assert_eq!(times, [0, 0, 200, 400, 600]);
        // By 1 s the reservations up to 600 ms are paid for and 400 ms more refilled two
        // tokens: the burst again.
        assert_eq!(b.reserve(ms(1000)), ms(1000));
        assert_eq!(b.reserve(ms(1000)), ms(1000));
        assert_eq!(b.reserve(ms(1000)), ms(1200));
        // Idle for a minute: only the burst accumulates.
        assert_eq!(b.reserve(ms(61_000)), ms(61_000));
        assert_eq!(b.reserve(ms(61_000)), ms(61_000));
        assert_eq!(b.reserve(ms(61_000)), ms(61_200));
    }

    #[test]
    fn fractional_rates_refill_exactly() {
        // 0.5 per second: a token every 2 s.
        let mut b = ReservingBucket::new(500, 1);
        assert_eq!(b.reserve(ms(0)), ms(0));
        assert_eq!(b.reserve(ms(0)), ms(2000));
        assert_eq!(b.reserve(ms(0)), ms(4000));
        // 3 per second: 333.33 ms a token, rounded up to the millisecond it is paid by.
        let mut b = ReservingBucket::new(3_000, 1);
        let times: Vec<u64> = (0..4).map(|_| b.reserve(ms(0)).as_millis()).collect();
        assert_eq!(times, [0, 334, 667, 1000]);
    }

    #[test]
    fn item_backoff_doubles_from_five_ms_to_its_cap_and_forgets() {
        let mut b = ItemBackoff::new(ms(5), ms(1_000_000));
        let delays: Vec<u64> = (0..20).map(|_| b.when(7).as_millis()).collect();
        assert_eq!(&delays[..5], [5, 10, 20, 40, 80]);
        assert_eq!(delays[17], 655_360);
        assert_eq!(delays[18], 1_000_000, "5 ms x 2^18 is over 1,000 s");
        assert_eq!(delays[19], 1_000_000);
        assert_eq!(b.when(3), ms(5), "items back off on their own");
        b.forget(7);
        assert_eq!(b.when(7), ms(5));
        for _ in 0..100 {
            b.when(9);
        }
        assert_eq!(b.when(9), ms(1_000_000), "no overflow past 64 doublings");
    }

    #[test]
    fn requeues_wait_for_the_larger_of_the_item_backoff_and_the_overall_bucket() {
        // client-go's default: 5 ms per item, overall 10 per second with a burst of 100.
        let mut l = RequeueLimiter::new(
            ItemBackoff::new(ms(5), ms(1_000_000)),
            ReservingBucket::new(10_000, 100),
        );
        // 100 different items fail at once: each waits its own 5 ms.
        for key in 0..100 {
            assert_eq!(l.when(key, ms(0)), ms(5));
        }
        // The 101st requeue waits for the bucket: 100 ms, then 200 ms.
        assert_eq!(l.when(100, ms(0)), ms(100));
        assert_eq!(l.when(101, ms(0)), ms(200));
        // An item deep in its backoff waits its own, longer delay (and still spends a token).
        for _ in 0..10 {
            l.when(500, ms(0));
        }
        assert_eq!(l.when(500, ms(0)), ms(5 << 10));
    }
}
