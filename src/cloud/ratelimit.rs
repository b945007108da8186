//! Per-endpoint token buckets: the VPC's request rate limits, in exact integer arithmetic.

use crate::engine::SimTime;

/// Milli-tokens in one token: one request's cost.
const MILLI: u64 = 1000;

/// A token bucket refilled at `rate` tokens per second, holding at most `rate` tokens: the
/// burst is one second's worth, so a caller idle for a second may send `rate` requests at
/// once, and a steady caller gets exactly `rate` per second.
///
/// Tokens are counted in milli-tokens so that the refill is exact: a bucket of rate r gains
/// r milli-tokens per millisecond of virtual time. It starts full.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate: u64,
    milli_tokens: u64,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket admitting `rate` requests per second (a rate of 0 admits nothing).
    pub fn new(rate: u32) -> Self {
        let rate = u64::from(rate);
        TokenBucket {
            rate,
            milli_tokens: rate * MILLI,
            last: SimTime::ZERO,
        }
    }

    /// Takes one token at `now` if the bucket holds one: true when the request is admitted.
    /// Times must not go backwards; an earlier `now` refills nothing.
    pub fn try_take(&mut self, now: SimTime) -> bool {
        let elapsed = now.since(self.last).as_millis();
        self.last = self.last.max(now);
        let capacity = self.rate * MILLI;
        let refill = elapsed.saturating_mul(self.rate);
        self.milli_tokens = self.milli_tokens.saturating_add(refill).min(capacity);
        if self.milli_tokens < MILLI {
            return false;
        }
        self.milli_tokens -= MILLI;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offers a request every millisecond until `wanted` are admitted; returns how many were
    /// admitted in each virtual second.
    fn admitted_per_second(rate: u32, wanted: usize) -> Vec<usize> {
        let mut bucket = TokenBucket::new(rate);
        let mut per_second = Vec::new();
        let (mut admitted, mut t) = (0, 0u64);
        while admitted < wanted {
            if bucket.try_take(SimTime(t)) {
                admitted += 1;
                let second = (t / 1000) as usize;
                per_second.resize(per_second.len().max(second + 1), 0);
                per_second[second] += 1;
            }
            t += 1;
        }
        per_second
    }

    #[test]
    fn at_10_per_second_1500_requests_take_149_seconds() {
        // A full bucket of 10, then one token every 100 ms: the 1,500th request is admitted
        // at 10 + 1,490 × 100 ms = 149 s, never earlier.
        let counts = admitted_per_second(10, 1500);
        assert_eq!(counts.len(), 150, "the last admission falls in second 149");
        assert_eq!(counts[0], 19, "burst of 10, then 100ms, 200ms, ..., 900ms");
        assert!(counts[1..149].iter().all(|&n| n == 10), "{counts:?}");
        assert_eq!(counts[149], 1, "at exactly 149.000 s");
        assert_eq!(counts.iter().sum::<usize>(), 1500);
    }

    #[test]
    fn burst_is_one_seconds_worth_and_refills_after_idling() {
        let mut b = TokenBucket::new(50);
        let burst = (0..100).filter(|_| b.try_take(SimTime(0))).count();
        assert_eq!(burst, 50);
        assert!(!b.try_take(SimTime(19)), "a token takes 20 ms at 50/s");
        assert!(b.try_take(SimTime(20)));
        // Idle for a minute: only one second's worth accumulates.
        let later = (0..100).filter(|_| b.try_take(SimTime(60_000))).count();
        assert_eq!(later, 50);
    }

    #[test]
    fn zero_rate_and_huge_gaps_do_not_panic() {
        assert!(!TokenBucket::new(0).try_take(SimTime(1_000_000)));
        let mut b = TokenBucket::new(u32::MAX);
        assert!(b.try_take(SimTime::MAX));
        assert!(
            b.try_take(SimTime(0)),
            "an earlier time refills nothing but takes"
        );
    }
}
