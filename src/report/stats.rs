//! Distribution figures from exact samples (integer milliseconds).

use serde::Serialize;

/// Percentiles of a set of durations, in seconds. Nearest-rank percentiles of the exact
/// samples, so a hand-computed expectation matches to the millisecond. Each is `None`
/// (`null` in summary.json) when there was nothing to measure, so a measured zero and
/// "no sample" never look alike.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
    /// Mean, rounded to the millisecond.
    pub mean: Option<f64>,
}

/// Nearest-rank percentile `q` (0 < q <= 1) of sorted samples.
fn nearest_rank(sorted: &[u64], q: f64) -> u64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn secs(ms: u64) -> Option<f64> {
    Some(ms as f64 / 1000.0)
}

/// `value` formatted by `show`, or "none" when there was nothing to measure.
pub fn or_none(value: Option<f64>, show: impl Fn(f64) -> String) -> String {
    value.map_or_else(|| "none".to_string(), show)
}

/// Something [`Percentiles::of`] can summarise: raw samples, or a [`Samples`] histogram.
pub trait SampleSet {
    /// The figures of the set (raw samples may be sorted in place).
    fn percentiles(&mut self) -> Percentiles;
}

impl SampleSet for [u64] {
    fn percentiles(&mut self) -> Percentiles {
        let samples = self;
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_unstable();
        let sum: u128 = samples.iter().map(|&x| u128::from(x)).sum();
        let mean_ms = (sum as f64 / samples.len() as f64).round() as u64;
        Percentiles {
            p50: secs(nearest_rank(samples, 0.50)),
            p90: secs(nearest_rank(samples, 0.90)),
            p99: secs(nearest_rank(samples, 0.99)),
            max: secs(*samples.last().unwrap_or(&0)),
            mean: secs(mean_ms),
        }
    }
}

impl SampleSet for Vec<u64> {
    fn percentiles(&mut self) -> Percentiles {
        self.as_mut_slice().percentiles()
    }
}

impl Percentiles {
    /// Figures of `samples` (raw samples are sorted in place); all `None` when there are none.
    pub fn of<S: SampleSet + ?Sized>(samples: &mut S) -> Self {
        samples.percentiles()
    }
}

/// Durations below this many ms are counted in a dense histogram; longer ones are kept raw.
const DENSE_MS: u64 = 1 << 17;

/// The most long samples (at least [`DENSE_MS`]) kept raw; past that they are counted in
/// buckets, so that memory stays bounded however many there are.
const LONG_RAW: usize = 1 << 16;

/// Buckets per doubling of a long sample: each is under 1/4096 of its values wide.
const BUCKET_BITS: u32 = 12;

/// Exact integer samples (ms) aggregated as they come: a count per millisecond value, so a
/// million pod start-ups cost the range of their latencies rather than 8 bytes each, with
/// the same nearest-rank percentiles as the raw samples. Values of 2^17 ms (about 131 s) and
/// more are kept raw while there are at most 65,536 of them; past that they are counted in
/// buckets under 1/4096 of their value wide, and a percentile that falls among them is its
/// bucket's lowest value (under 0.025% low). The largest value and the mean stay exact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Samples {
    /// `counts[v]`: samples equal to `v`, for `v < DENSE_MS`; grown to the largest seen.
    counts: Vec<u64>,
    /// Samples of at least `DENSE_MS`, unsorted, while there are at most `LONG_RAW`.
    long: Vec<u64>,
    /// Once there were more: samples of at least `DENSE_MS` by bucket ([`bucket`]), grown
    /// to the largest seen.
    buckets: Vec<u64>,
    /// Sum and largest of the samples of at least `DENSE_MS`.
    long_sum: u128,
    long_max: u64,
    len: u64,
}

/// The bucket of a long sample `v` (`v >= DENSE_MS`): its doubling above `DENSE_MS`, then its
/// next `BUCKET_BITS` bits below the leading one.
fn bucket(v: u64) -> usize {
    let e = 63 - v.leading_zeros();
    let below = (v >> (e - BUCKET_BITS)) & ((1 << BUCKET_BITS) - 1);
    ((e - DENSE_MS.trailing_zeros()) as usize) << BUCKET_BITS | below as usize
}

/// The smallest value of bucket `b`.
fn bucket_floor(b: usize) -> u64 {
    let e = (b >> BUCKET_BITS) as u32 + DENSE_MS.trailing_zeros();
    let below = (b & ((1 << BUCKET_BITS) - 1)) as u64;
    ((1 << BUCKET_BITS) | below) << (e - BUCKET_BITS)
}

impl Samples {
    /// Adds one sample.
    pub fn push(&mut self, ms: u64) {
        self.len += 1;
        if ms < DENSE_MS {
            let v = ms as usize;
            if v >= self.counts.len() {
                self.counts.resize(v + 1, 0);
            }
            self.counts[v] += 1;
            return;
        }
        self.long_sum += u128::from(ms);
        self.long_max = self.long_max.max(ms);
        if self.buckets.is_empty() && self.long.len() < LONG_RAW {
            self.long.push(ms);
            return;
        }
        for v in std::mem::take(&mut self.long).into_iter().chain([ms]) {
            self.add_to_bucket(v);
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// These samples and `other`'s together.
    pub fn merged(&self, other: &Samples) -> Samples {
        let mut out = self.clone();
        if out.counts.len() < other.counts.len() {
            out.counts.resize(other.counts.len(), 0);
        }
        for (total, &c) in out.counts.iter_mut().zip(&other.counts) {
            *total += c;
        }
        out.len += other.counts.iter().sum::<u64>();
        for &v in &other.long {
            out.push(v);
        }
        if !other.buckets.is_empty() {
            for v in std::mem::take(&mut out.long) {
                out.add_to_bucket(v);
            }
            if out.buckets.len() < other.buckets.len() {
                out.buckets.resize(other.buckets.len(), 0);
            }
            for (total, &c) in out.buckets.iter_mut().zip(&other.buckets) {
                *total += c;
            }
            out.len += other.buckets.iter().sum::<u64>();
            out.long_sum += other.long_sum;
            out.long_max = out.long_max.max(other.long_max);
        }
        out
    }

    /// Every distinct value (ms) with how many samples equal it, smallest first (a bucket of
    /// long samples as its smallest value).
    pub fn counts(&self) -> Vec<(u64, u64)> {
        let mut long = self.long.clone();
        long.sort_unstable();
        let dense = (self.counts.iter().enumerate())
            .filter(|&(_, &c)| c > 0)
            .map(|(v, &c)| (v as u64, c));
        let mut out: Vec<(u64, u64)> = dense.collect();
        let bucketed = (self.buckets.iter().enumerate())
            .filter(|&(_, &c)| c > 0)
            .map(|(b, &c)| (bucket_floor(b), c));
        for (v, n) in long.into_iter().map(|v| (v, 1)).chain(bucketed) {
            match out.last_mut() {
                Some((last, c)) if *last == v => *c += n,
                _ => out.push((v, n)),
            }
        }
        out
    }

    fn add_to_bucket(&mut self, v: u64) {
        let b = bucket(v);
        if b >= self.buckets.len() {
            self.buckets.resize(b + 1, 0);
        }
        self.buckets[b] += 1;
    }

    /// The `rank`-th smallest sample, 1-based (`long` sorted); among bucketed samples, its
    /// bucket's smallest value, but the largest sample exactly.
    fn nth(&self, rank: u64) -> u64 {
        let mut seen = 0;
        for (v, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return v as u64;
            }
        }
        if rank == self.len {
            return self.long_max;
        }
        if self.buckets.is_empty() {
            return self.long[(rank - seen - 1) as usize];
        }
        for (b, &c) in self.buckets.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_floor(b);
            }
        }
        self.long_max
    }
}

impl SampleSet for Samples {
    fn percentiles(&mut self) -> Percentiles {
        if self.len == 0 {
            return Percentiles::default();
        }
        self.long.sort_unstable();
        let dense: u128 = (self.counts.iter().enumerate())
            .map(|(v, &c)| v as u128 * u128::from(c))
            .sum();
        let sum = dense + self.long_sum;
        let mean_ms = (sum as f64 / self.len as f64).round() as u64;
        let at = |q: f64| {
            let rank = ((q * self.len as f64).ceil() as u64).clamp(1, self.len);
            secs(self.nth(rank))
        };
        Percentiles {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: secs(self.nth(self.len)),
            mean: secs(mean_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_on_a_hand_checked_set() {
        let mut xs: Vec<u64> = (1..=10).rev().map(|s| s * 1000).collect();
        let p = Percentiles::of(&mut xs);
        assert_eq!(
            (p.p50, p.p90, p.p99, p.max, p.mean),
            (Some(5.0), Some(9.0), Some(10.0), Some(10.0), Some(5.5))
        );
        let none = Percentiles::of(&mut [][..]);
        assert_eq!((none.p50, none.max, none.mean), (None, None, None));
        assert_eq!(
            Percentiles::of(&mut [0][..]).p99,
            Some(0.0),
            "a measured zero"
        );
        assert_eq!(Percentiles::of(&mut [1234][..]).p50, Some(1.234));
    }

    #[test]
    fn merged_samples_count_both_and_list_each_value_once() {
        let mut a = Samples::default();
        let mut b = Samples::default();
        for v in [5, 0, 5, DENSE_MS + 7, DENSE_MS + 7] {
            a.push(v);
        }
        for v in [900, 5, DENSE_MS * 3] {
            b.push(v);
        }
        let both = a.merged(&b);
        assert_eq!(both.len(), 8);
        assert_eq!(
            both.counts(),
            [
                (0, 1),
                (5, 3),
                (900, 1),
                (DENSE_MS + 7, 2),
                (DENSE_MS * 3, 1)
            ]
        );
        assert_eq!(b.merged(&a).counts(), both.counts());
        assert_eq!(Samples::default().counts(), []);
        // Bucketed long samples merge too: every sample counted once, the largest exact.
        let mut many = Samples::default();
        for v in 0..(LONG_RAW as u64 + 10) {
            many.push(DENSE_MS + v);
        }
        let all = many.merged(&a);
        assert_eq!(all.len(), many.len() + a.len());
        assert_eq!(
            all.counts().iter().map(|&(_, c)| c).sum::<u64>(),
            all.len() as u64
        );
        assert_eq!(all.merged(&many).long_max, DENSE_MS + LONG_RAW as u64 + 9);
    }

    /// The histogram gives exactly what the raw samples give, long values and ties included.
    #[test]
    fn samples_match_raw_samples() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [0, 1, 2, 3, 10, 99, 100, 101, 1000, 5000] {
            let mut raw = Vec::new();
            let mut hist = Samples::default();
            for _ in 0..n {
                let v = match rng.random_range(0..4) {
                    0 => 0,
                    1 => rng.random_range(0..10_000),
                    2 => rng.random_range(0..DENSE_MS + 10),
                    _ => rng.random_range(DENSE_MS - 5..DENSE_MS * 100),
                };
                raw.push(v);
                hist.push(v);
            }
            assert_eq!(hist.len(), n);
            assert_eq!(
                Percentiles::of(&mut hist),
                Percentiles::of(&mut raw),
                "n = {n}"
            );
        }
    }

    /// Past 65,536 long samples, they are bucketed: memory stays put, percentiles among them
    /// are their bucket's floor (under 1/4096 low), the largest and the mean stay exact.
    #[test]
    fn many_long_samples_are_bucketed_within_a_4096th() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut raw = Vec::new();
        let mut hist = Samples::default();
        for i in 0..300_000u64 {
            let v = if i % 3 == 0 {
                rng.random_range(0..DENSE_MS)
            } else {
                rng.random_range(DENSE_MS..86_400_000)
            };
            raw.push(v);
            hist.push(v);
        }
        assert!(hist.long.capacity() == 0 && hist.buckets.len() <= 10 << BUCKET_BITS);
        let (h, r) = (Percentiles::of(&mut hist), Percentiles::of(&mut raw));
        assert_eq!((h.max, h.mean), (r.max, r.mean));
        for (got, exact) in [(h.p50, r.p50), (h.p90, r.p90), (h.p99, r.p99)] {
            let (got, exact) = (got.unwrap(), exact.unwrap());
            assert!(
                got <= exact && exact - got <= exact / 4096.0,
                "{got} vs {exact}"
            );
        }
        for v in [DENSE_MS, DENSE_MS + 4095, 1 << 40, u64::MAX] {
            let b = bucket(v);
            assert!(bucket_floor(b) <= v, "{v}");
            assert!(v - bucket_floor(b) <= v >> BUCKET_BITS, "{v}");
        }
        assert_eq!(bucket(DENSE_MS), 0);
    }
}
