//! Retry delays for failed VPC calls, as the allocation policy schedules them.

use crate::engine::SimTime;
use crate::scenario::model::RetryConfig;
use rand::Rng;

/// The delay before retry number `attempt` (1 = the first retry): `base × multiplier^(attempt−1)`,
/// capped at `cap`; attempt 0 (the first try) waits nothing.
///
/// Without jitter (the default) delays are exact, so runs are easy to check by hand, and callers
/// that fail together retry together, as naive clients do against a rate limit; see
/// [`jittered`].
pub fn backoff(retry: &RetryConfig, attempt: u32) -> SimTime {
    let Some(exponent) = attempt.checked_sub(1) else {
        return SimTime::ZERO;
    };
    let factor = u64::from(retry.multiplier).saturating_pow(exponent);
    let delay = retry.base.as_millis().saturating_mul(factor);
    SimTime(delay.min(retry.cap.as_millis()))
}

/// `delay` with its random share taken off: `delay × (1 − jitter × u)`, u uniform in [0, 1)
/// from the caller's stream. Draws nothing when `jitter` is 0, so exact runs stay exact.
pub fn jittered(delay: SimTime, jitter: f64, rng: &mut impl Rng) -> SimTime {
    if jitter <= 0.0 {
        return delay;
    }
    let keep = 1.0 - jitter * rng.random::<f64>();
    SimTime((delay.as_millis() as f64 * keep).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: RetryConfig = RetryConfig {
        base: SimTime::from_secs(1),
        cap: SimTime::from_secs(60),
        multiplier: 2,
        jitter: 0.0,
    };

    #[test]
    fn doubles_from_the_base_up_to_the_cap() {
        let delays: Vec<u64> = (0..9)
            .map(|a| backoff(&DEFAULT, a).as_millis() / 1000)
            .collect();
        assert_eq!(delays, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(&DEFAULT, u32::MAX), SimTime::from_secs(60));
    }

    #[test]
    fn multiplier_one_is_a_constant_delay() {
        let flat = RetryConfig {
            multiplier: 1,
            ..DEFAULT
        };
        assert_eq!(backoff(&flat, 50), SimTime::from_secs(1));
    }
}

#[cfg(test)]
mod jitter_tests {
    use super::*;
    use crate::engine::{RngStreams, Stream};

    #[test]
    fn jitter_spreads_delays_below_the_backoff_and_none_draws_nothing() {
        let mut rng = RngStreams::new(1).stream(Stream::Retry);
        let d = SimTime::from_secs(60);
        assert_eq!(jittered(d, 0.0, &mut rng), d);
        let xs: Vec<u64> = (0..1000)
            .map(|_| jittered(d, 1.0, &mut rng).as_millis())
            .collect();
        assert!(xs.iter().all(|&x| x <= 60_000));
        let mean = xs.iter().sum::<u64>() as f64 / 1000.0;
        assert!(
            (mean - 30_000.0).abs() < 2_000.0,
            "full jitter averages half: {mean}"
        );
        let half: Vec<u64> = (0..1000)
            .map(|_| jittered(d, 0.5, &mut rng).as_millis())
            .collect();
        assert!(half.iter().all(|&x| (30_000..=60_000).contains(&x)));
    }
}
