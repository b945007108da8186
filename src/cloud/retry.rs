//! Retry delays for failed VPC calls, as the allocation policy schedules them.

use crate::engine::SimTime;
use crate::scenario::model::RetryConfig;

/// The delay before retry number `attempt` (1 = the first retry): `base × multiplier^(attempt−1)`,
/// capped at `cap`; attempt 0 (the first try) waits nothing.
///
/// No jitter: delays are exact, so runs are easy to check by hand. Callers that fail together
/// retry together, as naive clients do against a rate limit.
pub fn backoff(retry: &RetryConfig, attempt: u32) -> SimTime {
    let Some(exponent) = attempt.checked_sub(1) else {
        return SimTime::ZERO;
    };
    let factor = u64::from(retry.multiplier).saturating_pow(exponent);
    let delay = retry.base.as_millis().saturating_mul(factor);
    SimTime(delay.min(retry.cap.as_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: RetryConfig = RetryConfig {
        base: SimTime::from_secs(1),
        cap: SimTime::from_secs(60),
        multiplier: 2,
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
