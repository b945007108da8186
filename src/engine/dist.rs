//! Distributions given the way people know them.

use super::SimTime;
use rand_distr::LogNormal;

/// z-score of the 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;

/// The lognormal distribution (over milliseconds) with this median and 99th percentile, or
/// `None` if they cannot form one. A p99 below the median is taken as no spread.
pub fn lognormal_from_median_p99(median: SimTime, p99: SimTime) -> Option<LogNormal<f64>> {
    let mu = (median.as_millis().max(1) as f64).ln();
    let sigma = ((p99.as_millis().max(1) as f64).ln() - mu).max(0.0) / Z99;
    LogNormal::new(mu, sigma).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, Stream};
    use rand_distr::Distribution;

    #[test]
    fn median_and_p99_come_back_out() {
        let d = lognormal_from_median_p99(SimTime(2000), SimTime(8000)).unwrap();
        let mut rng = RngStreams::new(9).stream(Stream::VpcLatency);
        let mut xs: Vec<f64> = (0..40_000).map(|_| d.sample(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let (median, p99) = (xs[xs.len() / 2], xs[xs.len() * 99 / 100]);
        assert!((median - 2000.0).abs() < 60.0, "median {median}");
        assert!((p99 - 8000.0).abs() < 400.0, "p99 {p99}");
    }
}
