//! Axes and numbers in human units, for every chart: time since the start in h:mm or
//! minutes, durations in ms, s, min or h, counts with thousands separators, and ticks at
//! round values. One place, so a run's, a sweep's and a comparison's charts read alike.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

/// A linear axis with ticks exactly where asked.
#[derive(Clone, Debug)]
pub(crate) struct Ticks {
    /// What the axis spans.
    pub range: Range<f64>,
    /// Where its ticks go.
    pub at: Vec<f64>,
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let f = if span > 0.0 {
            (value - self.range.start) / span
        } else {
            0.0
        };
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, _: H) -> Vec<f64> {
        self.at.clone()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// A base-10 logarithmic axis over positive values, ticks where asked. Values below the
/// range's start (a latency of 0) are drawn at its start.
#[derive(Clone, Debug)]
pub(crate) struct LogTicks {
    /// What the axis spans; the start is above 0.
    pub range: Range<f64>,
    /// Where its ticks go.
    pub at: Vec<f64>,
}

impl Ranged for LogTicks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.range.start.log10(), self.range.end.log10());
        let v = value.max(self.range.start).log10();
        let f = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, _: H) -> Vec<f64> {
        self.at.clone()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Round numbers (1, 2 or 5 times a power of ten apart) across `lo..=hi`, about `n` of
/// them at most: the smallest such step that leaves no more than `n` intervals.
pub(crate) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let step = nice_step((hi - lo) / n.max(1) as f64);
    let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The smallest of 1, 2, 5 times a power of ten that is at least `raw` (1 for nothing).
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// A y axis of counts from 0 (or from below, for values under 0): whole-number ticks, and
/// ends at the first ticks beyond `min` and `max` so the plot ends on labelled lines.
pub(crate) fn count_axis(min: f64, max: f64) -> Ticks {
    let min = min.min(0.0);
    let step = nice_step((max - min).max(1.0) / 5.0).max(1.0);
    let bottom = (min / step).floor() * step;
    let top = ((max / step).ceil().max(1.0)) * step;
    Ticks {
        range: bottom..top,
        at: nice_ticks(bottom, top, ((top - bottom) / step).round() as usize),
    }
}

/// The text of a count tick: whole numbers with thousands separators, decimals only when
/// the ticks are closer than 1.
pub(crate) fn fmt_tick(v: f64, step: f64) -> String {
    if step >= 1.0 || v == v.round() {
        let sign = if v.round() < 0.0 { "-" } else { "" };
        format!("{sign}{}", fmt_count(v.round().abs() as u64))
    } else {
        fmt_value(v)
    }
}

/// A count with thousands separators: `23,345`.
pub(crate) fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number in at most three significant digits' worth of decimals: `1234`, `12.3`, `1.23`,
/// `0.123`, trailing zeros dropped.
pub(crate) fn fmt_value(v: f64) -> String {
    let a = v.abs();
    let decimals = match a {
        a if a >= 100.0 || a == 0.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" { "0" } else { s }.to_string()
}

/// A share (0..=1) as a percentage: `36.2%`, `100%`.
pub(crate) fn fmt_percent(share: f64) -> String {
    format!("{}%", fmt_value((share * 1000.0).round() / 10.0))
}

/// A duration in seconds as a person says it: `250 ms`, `22.2 s`, `14 min`, `1.5 h`.
pub(crate) fn fmt_duration(s: f64) -> String {
    if s == 0.0 {
        return "0 s".to_string();
    }
    match s {
        s if s < 1.0 => format!("{} ms", fmt_value(s * 1000.0)),
        s if s < 120.0 => format!("{} s", fmt_value(s)),
        s if s < 7200.0 => format!("{} min", fmt_value(s / 60.0)),
        s => format!("{} h", fmt_value(s / 3600.0)),
    }
}

/// Seconds per unit and the unit's name to show times up to `max_s` in: hours from three
/// hours up, else minutes.
pub(crate) fn time_scale(max_s: f64) -> (f64, &'static str) {
    if max_s >= 3.0 * 3600.0 {
        (3600.0, "h")
    } else {
        (60.0, "min")
    }
}

/// How a time since the start reads, chosen by how long the run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clock {
    /// `1:30` for 1 h 30 min: runs of two hours and more.
    HoursMinutes,
    /// `4:30` for 4 min 30 s: runs of three minutes to two hours.
    MinutesSeconds,
    /// `45` for 45 s: shorter runs.
    Seconds,
}

impl Clock {
    /// The clock for a run of `end_s` seconds.
    pub fn for_span(end_s: f64) -> Clock {
        if end_s >= 7200.0 {
            Clock::HoursMinutes
        } else if end_s >= 180.0 {
            Clock::MinutesSeconds
        } else {
            Clock::Seconds
        }
    }

    /// The title of a time axis in this clock.
    pub fn axis_title(self) -> &'static str {
        match self {
            Clock::HoursMinutes => "time since start (h:mm)",
            Clock::MinutesSeconds => "time since start (m:ss)",
            Clock::Seconds => "time since start (s)",
        }
    }

    /// `t_s` seconds since the start on this clock (rounded down to its smallest unit).
    pub fn show(self, t_s: f64) -> String {
        let t = t_s.max(0.0) as u64;
        match self {
            Clock::HoursMinutes => format!("{}:{:02}", t / 3600, t % 3600 / 60),
            Clock::MinutesSeconds => format!("{}:{:02}", t / 60, t % 60),
            Clock::Seconds => t.to_string(),
        }
    }
}

/// Steps a time axis may tick at, in seconds: each a whole number of the clock's units.
const TIME_STEPS: [f64; 21] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0,
    7200.0, 10800.0, 14400.0, 21600.0, 43200.0, 86400.0, 604800.0,
];

/// The smallest round time step, at least `at_least` seconds, that cuts `span` seconds into
/// at most `parts` parts.
pub(crate) fn time_step(span: f64, parts: f64, at_least: f64) -> f64 {
    let week = TIME_STEPS[TIME_STEPS.len() - 1];
    TIME_STEPS
        .iter()
        .copied()
        .find(|&s| s >= at_least && span / s <= parts)
        .unwrap_or_else(|| week * (span / week / parts).ceil().max(1.0))
}

/// A time axis over `start_s..end_s` seconds of a run `run_s` long: ticks at round times,
/// at most `parts` intervals apart (so labels never crowd), read on the clock that suits the
/// run's length.
pub(crate) fn time_axis(start_s: f64, end_s: f64, run_s: f64, parts: f64) -> (Ticks, Clock) {
    let end = end_s.max(start_s + 1.0);
    let step = time_step(end - start_s, parts, 0.0);
    let at = ((start_s / step).ceil() as u64..=(end / step).floor() as u64)
        .map(|k| k as f64 * step)
        .collect();
    (
        Ticks {
            range: start_s..end,
            at,
        },
        Clock::for_span(run_s.max(end)),
    )
}

/// Ticks of a logarithmic duration axis over `lo..hi` seconds, with their labels: decades
/// (and minutes, hours) across a wide range, with the round values between them across a
/// range of three decades or less.
pub(crate) fn duration_log_ticks(lo: f64, hi: f64) -> Vec<(f64, &'static str)> {
    const MARKS: [(f64, &str, bool); 29] = [
        (0.001, "1 ms", true),
        (0.002, "2 ms", false),
        (0.005, "5 ms", false),
        (0.01, "10 ms", true),
        (0.02, "20 ms", false),
        (0.05, "50 ms", false),
        (0.1, "100 ms", true),
        (0.2, "200 ms", false),
        (0.5, "500 ms", false),
        (1.0, "1 s", true),
        (2.0, "2 s", false),
        (5.0, "5 s", false),
        (10.0, "10 s", true),
        (20.0, "20 s", false),
        (30.0, "30 s", false),
        (60.0, "1 min", true),
        (120.0, "2 min", false),
        (300.0, "5 min", false),
        (600.0, "10 min", true),
        (1200.0, "20 min", false),
        (1800.0, "30 min", false),
        (3600.0, "1 h", true),
        (7200.0, "2 h", false),
        (18000.0, "5 h", false),
        (36000.0, "10 h", true),
        (86400.0, "1 day", true),
        (172800.0, "2 days", false),
        (432000.0, "5 days", false),
        (864000.0, "10 days", true),
    ];
    let fine = hi / lo <= 1000.0 * (1.0 + 1e-9);
    MARKS
        .into_iter()
        .filter(|&(v, _, major)| {
            (major || fine) && v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9)
        })
        .map(|(v, label, _)| (v, label))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_short_with_separators() {
        for (v, text) in [
            (0.0, "0"),
            (1234.4, "1234"),
            (12.34, "12.3"),
            (1.5, "1.5"),
            (0.1234, "0.123"),
            (2.0, "2"),
            (-0.0001, "0"),
        ] {
            assert_eq!(fmt_value(v), text);
        }
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (23345, "23,345"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(fmt_count(n), text);
        }
        assert_eq!(fmt_percent(0.3617), "36.2%");
        assert_eq!(fmt_percent(1.0), "100%");
        assert_eq!(fmt_tick(2500.0, 500.0), "2,500");
        assert_eq!(fmt_tick(0.5, 0.5), "0.5");
        assert_eq!(fmt_tick(-8000.0, 2000.0), "-8,000");
    }

    #[test]
    fn durations_read_in_the_unit_a_person_would_use() {
        for (s, text) in [
            (0.0, "0 s"),
            (0.25, "250 ms"),
            (22.2, "22.2 s"),
            (60.6, "60.6 s"),
            (840.0, "14 min"),
            (1800.0, "30 min"),
            (5400.0, "90 min"),
            (9000.0, "2.5 h"),
        ] {
            assert_eq!(fmt_duration(s), text, "{s}");
        }
    }

    #[test]
    fn time_axes_tick_at_round_times_on_the_runs_clock() {
        let (t, clock) = time_axis(0.0, 3.0 * 3600.0, 3.0 * 3600.0, 8.0);
        assert_eq!(clock, Clock::HoursMinutes);
        assert_eq!(t.at.len(), 7, "every 30 min: {:?}", t.at);
        let labels: Vec<String> = t.at.iter().map(|&s| clock.show(s)).collect();
        assert_eq!(
            labels,
            ["0:00", "0:30", "1:00", "1:30", "2:00", "2:30", "3:00"]
        );
        let (t, clock) = time_axis(0.0, 24.0 * 3600.0, 0.0, 8.0);
        assert_eq!(t.at[1], 3.0 * 3600.0);
        assert_eq!(clock.show(86400.0), "24:00");
        let (t, clock) = time_axis(0.0, 600.0, 600.0, 8.0);
        assert_eq!(clock, Clock::MinutesSeconds);
        assert_eq!(clock.show(t.at[1]), "2:00");
        let (t, clock) = time_axis(0.0, 60.0, 60.0, 8.0);
        assert_eq!((clock, t.at[1]), (Clock::Seconds, 10.0));
        let (t, _) = time_axis(0.0, 0.0, 0.0, 8.0);
        assert_eq!(t.range, 0.0..1.0, "an empty run still has an axis");
        // A zoom into 10 minutes of a 3 h run: ticks every 2 minutes, on the run's h:mm clock.
        let (t, clock) = time_axis(300.0, 900.0, 10800.0, 6.0);
        let labels: Vec<String> = t.at.iter().map(|&s| clock.show(s)).collect();
        assert_eq!(labels, ["0:06", "0:08", "0:10", "0:12", "0:14"]);
        assert_eq!(time_step(3.0 * 3600.0, 60.0, 10.0), 300.0);
        assert_eq!(
            time_step(600.0, 60.0, 60.0),
            60.0,
            "never below the sample interval"
        );
        assert_eq!(time_step(1e9, 8.0, 0.0), 604800.0 * 207.0);
    }

    #[test]
    fn count_axes_end_on_a_tick_and_tick_whole_numbers() {
        let a = count_axis(0.0, 7.0);
        assert_eq!(a.range, 0.0..8.0);
        assert_eq!(a.at, [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(
            count_axis(0.0, 3.0).at,
            [0.0, 1.0, 2.0, 3.0],
            "never half a pod"
        );
        let a = count_axis(0.0, 23_345.0);
        assert_eq!(a.range.end, 25_000.0);
        assert_eq!(a.at, [0.0, 5000.0, 10000.0, 15000.0, 20000.0, 25000.0]);
        assert_eq!(count_axis(0.0, 0.0).range, 0.0..1.0);
        let a = count_axis(-6578.0, 2124.0);
        assert_eq!(a.range, -8000.0..4000.0);
        assert!(a.at.contains(&0.0) && a.at.contains(&-8000.0), "{:?}", a.at);
        assert_eq!(nice_ticks(0.5, 10.0, 8), [2.0, 4.0, 6.0, 8.0, 10.0]);
    }

    #[test]
    fn log_duration_ticks_are_human_marks_in_range() {
        let labels = |lo, hi| -> Vec<&str> {
            duration_log_ticks(lo, hi)
                .into_iter()
                .map(|m| m.1)
                .collect()
        };
        assert_eq!(
            labels(0.01, 100.0),
            ["10 ms", "100 ms", "1 s", "10 s", "1 min"]
        );
        assert_eq!(
            labels(1.0, 92.0),
            ["1 s", "2 s", "5 s", "10 s", "20 s", "30 s", "1 min"]
        );
        let axis = LogTicks {
            range: 0.1..1000.0,
            at: vec![],
        };
        assert_eq!(axis.map(&1.0, (0, 400)), 100);
        assert_eq!(axis.map(&0.0, (0, 400)), 0, "0 is drawn at the start");
    }
}
