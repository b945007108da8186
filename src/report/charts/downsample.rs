//! Which samples a chart draws: a bounded number of points per chart whatever the run's
//! length (the CSV files keep every sample), chosen so that no peak or trough is lost.

/// Points a chart draws at most, over all its series: enough for every pixel column of a
/// chart twice over, few enough that a page of charts opens at once.
pub const POINTS_PER_CHART: usize = 4000;

/// The indices (ascending) of the samples to draw out of `n`: all of them when they fit,
/// else the first and the last, and in each of `buckets` equal runs of samples the ones
/// where each key is lowest and where it is highest. So at most
/// `2 * keys.len() * buckets + 2` indices, and every extreme of every key is kept exactly.
pub(crate) fn select(n: usize, buckets: usize, keys: &[&dyn Fn(usize) -> f64]) -> Vec<usize> {
    let buckets = buckets.max(1);
    if n <= 2 * keys.len().max(1) * buckets + 2 {
        return (0..n).collect();
    }
    let mut out = vec![0, n - 1];
    for b in 0..buckets {
        let (start, end) = (b * n / buckets, (b + 1) * n / buckets);
        for key in keys {
            let (mut lo, mut hi) = (start, start);
            for i in start + 1..end {
                let v = key(i);
                if v < key(lo) {
                    lo = i;
                }
                if v > key(hi) {
                    hi = i;
                }
            }
            out.extend([lo, hi]);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// How many buckets [`select`] may use so that `lines` series drawn through the selected
/// samples (each vertex a point, and two more for an area's base), with `keys` keys, stay
/// within `points`.
pub(crate) fn buckets_for(points: usize, lines: usize, keys: usize) -> usize {
    let per_line = points / lines.max(1);
    (per_line.saturating_sub(4) / (2 * keys.max(1))).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn short_series_are_drawn_whole() {
        let key = |i: usize| i as f64;
        assert_eq!(select(5, 2, &[&key]), [0, 1, 2, 3, 4]);
        // One bucket keeps its lowest and highest: here the first and the last.
        assert_eq!(select(5, 1, &[&key]), [0, 4]);
        assert_eq!(select(0, 10, &[&key]), Vec::<usize>::new());
    }

    #[test]
    fn long_series_keep_every_bucket_extreme_within_the_bound() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let a: Vec<f64> = (0..100_000)
            .map(|_| rng.random_range(0..1000) as f64)
            .collect();
        let b: Vec<f64> = (0..100_000).map(|i| ((i * 7919) % 613) as f64).collect();
        let (ka, kb) = (|i: usize| a[i], |i: usize| b[i]);
        for buckets in [1, 7, 250, 999] {
            let sel = select(a.len(), buckets, &[&ka, &kb]);
            assert!(sel.len() <= 4 * buckets + 2, "{buckets}: {}", sel.len());
            assert!(sel.windows(2).all(|w| w[0] < w[1]), "ascending, once each");
            assert_eq!((sel[0], sel[sel.len() - 1]), (0, a.len() - 1));
            for bucket in 0..buckets {
                let range = bucket * a.len() / buckets..(bucket + 1) * a.len() / buckets;
                for series in [&a, &b] {
                    let drawn: Vec<f64> = sel
                        .iter()
                        .filter(|i| range.contains(i))
                        .map(|&i| series[i])
                        .collect();
                    let max = series[range.clone()]
                        .iter()
                        .copied()
                        .fold(f64::MIN, f64::max);
                    let min = series[range.clone()]
                        .iter()
                        .copied()
                        .fold(f64::MAX, f64::min);
                    assert!(
                        drawn.contains(&max) && drawn.contains(&min),
                        "bucket {bucket}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_bucket_count_keeps_a_chart_within_its_points() {
        for (lines, keys) in [(1, 1), (3, 1), (10, 1), (2, 2), (12, 3)] {
            let b = buckets_for(POINTS_PER_CHART, lines, keys);
            assert!(
                lines * (2 * keys * b + 4) <= POINTS_PER_CHART,
                "{lines} {keys}"
            );
        }
    }
}
