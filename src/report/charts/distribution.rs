//! Charts of distributions of durations: cumulative distributions on a log time axis and
//! histograms, both with percentiles marked, drawn from exact per-millisecond counts.

use super::axes::{
    count_axis, duration_log_ticks, fmt_percent, fmt_tick, fmt_value, nice_ticks, LogTicks, Ticks,
};
use super::downsample::POINTS_PER_CHART;
use super::frame::{err, framed, Entry, Swatch, DESC, LABELS};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const HEIGHT: u32 = 360;
const MARK: RGBColor = RGBColor(70, 70, 70);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// One cumulative distribution: its legend, colour and points.
#[derive(Clone, Debug, PartialEq)]
pub struct Cdf {
    /// Legend.
    pub label: String,
    /// Colour.
    pub color: RGBColor,
    /// (value in seconds, share of the samples at or below it), by increasing value: every
    /// distinct value when they fit the chart, else those that move the curve by more than a
    /// fraction of a pixel. The last is the largest value, at share 1.
    pub points: Vec<(f64, f64)>,
}

/// A percentile marked on a chart: its text and where it is (seconds; and for a CDF the share).
#[derive(Clone, Debug)]
pub(crate) struct Mark {
    /// `p50 22.2 s`.
    pub label: String,
    /// The value, seconds.
    pub x: f64,
    /// The share it is the percentile of.
    pub share: f64,
}

/// The points of the cumulative distribution of `counts` ((ms, samples) by increasing ms):
/// at most about `budget` of them. A point is kept when it is the last or when it moves the
/// curve to another cell of a grid `budget / 2` cells high and as many wide over the log axis
/// from `floor_s`, so that a monotone curve keeps at most `budget` of them.
pub(crate) fn cdf_points(counts: &[(u64, u64)], floor_s: f64, budget: usize) -> Vec<(f64, f64)> {
    let total: u64 = counts.iter().map(|c| c.1).sum();
    let Some(&(last_ms, _)) = counts.last() else {
        return Vec::new();
    };
    let cells = (budget / 2).max(2) as f64;
    let decades = ((last_ms as f64 / 1000.0).max(floor_s) / floor_s)
        .log10()
        .max(1.0);
    let cell = |x: f64, share: f64| {
        let lx = (x.max(floor_s) / floor_s).log10() / decades;
        ((lx * cells) as i64, (share * cells) as i64)
    };
    let mut out = Vec::new();
    let mut seen = 0u64;
    let mut kept: Option<(i64, i64)> = None;
    for (i, &(ms, n)) in counts.iter().enumerate() {
        seen += n;
        let (x, share) = (ms as f64 / 1000.0, seen as f64 / total as f64);
        let here = cell(x, share);
        if i + 1 == counts.len() || kept != Some(here) {
            out.push((x, share));
            kept = Some(here);
        }
    }
    out
}

/// Where a log axis of `values` (seconds) starts: the decade at or below the smallest
/// positive one (10 ms when every value is 0), so a value of 0 sits at the left edge.
pub(crate) fn log_floor(values: impl Iterator<Item = f64>) -> f64 {
    let min = values.filter(|&x| x > 0.0).fold(f64::INFINITY, f64::min);
    if min.is_finite() {
        10f64.powf(min.log10().floor())
    } else {
        0.01
    }
}

/// The CDF chart: curves as steps on a log axis of durations, percentiles marked on `marks`'
/// curve (the first).
pub(crate) fn draw_cdf(
    title: &str,
    x_title: &str,
    y_title: &str,
    cdfs: &[Cdf],
    marks: &[Mark],
) -> Result<String, String> {
    let lo = log_floor(cdfs.iter().flat_map(|c| c.points.iter().map(|p| p.0)));
    let max = cdfs
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .fold(lo * 10.0, f64::max);
    // A little beyond the largest value, so the curve's end is inside.
    let hi = max * 1.5;
    let marks_at = duration_log_ticks(lo, hi);
    let legend: Vec<Entry> = cdfs
        .iter()
        .map(|c| Entry {
            label: c.label.clone(),
            swatch: Swatch::Line(c.color),
        })
        .chain((!marks.is_empty()).then(|| Entry {
            label: "percentiles of all pods".into(),
            swatch: Swatch::Dot(MARK),
        }))
        .collect();
    framed(title, HEIGHT, &legend, |area| {
        let x = LogTicks {
            range: lo..hi,
            at: marks_at.iter().map(|m| m.0).collect(),
        };
        // Room above 100% for the p99 mark's label.
        let y = Ticks {
            range: 0.0..1.06,
            at: (0..=10).map(|k| f64::from(k) / 10.0).collect(),
        };
        let mut chart = ChartBuilder::on(area)
            .margin_top(6)
            .margin_right(14)
            .x_label_area_size(48)
            .y_label_area_size(76)
            .build_cartesian_2d(x, y)
            .map_err(err)?;
        let x_label = |v: &f64| {
            marks_at
                .iter()
                .find(|m| (m.0 - v).abs() <= v * 1e-9)
                .map_or_else(String::new, |m| m.1.to_string())
        };
        chart
            .configure_mesh()
            .label_style(LABELS)
            .axis_desc_style(DESC)
            .bold_line_style(GRID)
            .light_line_style(WHITE.mix(0.0))
            .x_desc(x_title)
            .y_desc(y_title)
            .x_label_formatter(&x_label)
            .y_label_formatter(&|v| fmt_percent(*v))
            .draw()
            .map_err(err)?;
        for c in cdfs {
            let mut steps: Vec<(f64, f64)> = Vec::with_capacity(2 * c.points.len() + 1);
            let mut below = 0.0;
            for &(x, share) in &c.points {
                steps.push((x, below));
                steps.push((x, share));
                below = share;
            }
            steps.push((hi, below));
            chart
                .draw_series(LineSeries::new(steps, c.color.stroke_width(2)))
                .map_err(err)?;
        }
        let (left, _) = chart.plotting_area().get_pixel_range();
        for m in marks {
            let (px, _) = chart.backend_coord(&(m.x, m.share));
            let room_left = px - left.start > 110;
            let (dx, h) = if room_left {
                (-8, HPos::Right)
            } else {
                (8, HPos::Left)
            };
            let style = ("sans-serif", 13)
                .into_font()
                .color(&MARK)
                .pos(Pos::new(h, VPos::Bottom));
            chart
                .draw_series([EmptyElement::at((m.x, m.share))
                    + Circle::new((0, 0), 4, MARK.filled())
                    + Text::new(m.label.clone(), (dx, -3), style)])
                .map_err(err)?;
        }
        Ok(())
    })
}

/// Bin widths a histogram of durations may use, seconds.
const BIN_WIDTHS: [f64; 22] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0,
    120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
];
/// Bars a histogram has at most (beyond an hour-wide bin, it widens further).
const MAX_BINS: f64 = 40.0;

/// The bins of a histogram of `counts` ((ms, samples) by increasing ms): a round width in
/// seconds and the samples in each bin, bin `k` holding values in `[k w, (k + 1) w)`.
pub(crate) fn bins(counts: &[(u64, u64)]) -> (f64, Vec<u64>) {
    let max = counts.last().map_or(0.0, |c| c.0 as f64 / 1000.0);
    let width = BIN_WIDTHS
        .into_iter()
        .find(|w| max / w < MAX_BINS)
        .unwrap_or_else(|| (max / MAX_BINS / 3600.0).ceil() * 3600.0);
    // Integer milliseconds against an integer width in ms: no float edge cases.
    let w_ms = ((width * 1000.0).round() as u64).max(1);
    let last_ms = counts.last().map_or(0, |c| c.0);
    let mut out = vec![0; (last_ms / w_ms) as usize + 1];
    for &(ms, n) in counts {
        out[(ms / w_ms) as usize] += n;
    }
    (width, out)
}

/// A histogram of durations: bars of `bins` (width `width` s), the x axis in `per`-second
/// units named in `x_title`, percentiles marked as dashed lines.
pub(crate) fn draw_histogram(
    title: &str,
    (x_title, per): (&str, f64),
    y_title: &str,
    label: &str,
    (width, bins): (f64, &[u64]),
    marks: &[Mark],
) -> Result<String, String> {
    let color = super::BLUE_;
    let legend = [
        Entry {
            label: label.to_string(),
            swatch: Swatch::Fill(color, 0.75),
        },
        Entry {
            label: "percentiles".into(),
            swatch: Swatch::Dashed(MARK),
        },
    ];
    // A little room right of the last bar for the marks' labels.
    let end = (bins.len() as f64 * width / per * 1.08).max(f64::MIN_POSITIVE);
    let top = bins.iter().copied().max().unwrap_or(0) as f64;
    framed(
        title,
        HEIGHT,
        &legend[..if marks.is_empty() { 1 } else { 2 }],
        |area| {
            let y = count_axis(0.0, top * 1.15);
            let step = y.at.get(1).map_or(1.0, |v| v - y.at[0]);
            let x = Ticks {
                range: 0.0..end,
                at: nice_ticks(0.0, end, 8),
            };
            let x_step = x.at.get(1).map_or(1.0, |v| v - x.at[0]);
            let mut chart = ChartBuilder::on(area)
                .margin_top(6)
                .margin_right(14)
                .x_label_area_size(48)
                .y_label_area_size(76)
                .build_cartesian_2d(x, y)
                .map_err(err)?;
            chart
                .configure_mesh()
                .label_style(LABELS)
                .axis_desc_style(DESC)
                .bold_line_style(GRID)
                .light_line_style(WHITE.mix(0.0))
                .x_desc(x_title)
                .y_desc(y_title)
                .x_label_formatter(&|v| {
                    if x_step >= 1.0 {
                        fmt_tick(*v, x_step)
                    } else {
                        fmt_value(*v)
                    }
                })
                .y_label_formatter(&|v| fmt_tick(*v, step))
                .draw()
                .map_err(err)?;
            chart
                .draw_series(
                    bins.iter()
                        .enumerate()
                        .filter(|(_, &n)| n > 0)
                        .map(|(k, &n)| {
                            let x0 = k as f64 * width / per;
                            Rectangle::new(
                                [(x0, 0.0), (x0 + width / per, n as f64)],
                                color.mix(0.75).filled(),
                            )
                        }),
                )
                .map_err(err)?;
            let y_top = chart.y_range().end;
            for (i, m) in marks.iter().enumerate() {
                let x = m.x / per;
                chart
                    .draw_series(DashedLineSeries::new(
                        [(x, 0.0), (x, y_top)],
                        6,
                        4,
                        MARK.stroke_width(2),
                    ))
                    .map_err(err)?;
                // Labels step down so that close percentiles do not overlap.
                let at = (x, y_top * (0.97 - 0.08 * i as f64));
                let style = ("sans-serif", 13)
                    .into_font()
                    .color(&MARK)
                    .pos(Pos::new(HPos::Left, VPos::Top));
                chart
                    .draw_series([EmptyElement::at(at) + Text::new(m.label.clone(), (5, 0), style)])
                    .map_err(err)?;
            }
            Ok(())
        },
    )
}

/// At most this many points per CDF of `curves` curves drawn as steps (two points each).
pub(crate) fn cdf_budget(curves: usize) -> usize {
    POINTS_PER_CHART / (2 * curves.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_points_are_exact_shares_of_distinct_values() {
        let counts = [(0, 2), (500, 1), (2000, 1)];
        assert_eq!(
            cdf_points(&counts, 0.1, 1000),
            [(0.0, 0.5), (0.5, 0.75), (2.0, 1.0)]
        );
        assert_eq!(cdf_points(&[], 0.1, 1000), []);
    }

    #[test]
    fn many_distinct_values_keep_about_the_budget_and_stay_exact() {
        let counts: Vec<(u64, u64)> = (1..=200_000).map(|ms| (ms, 1 + ms % 3)).collect();
        let total: u64 = counts.iter().map(|c| c.1).sum();
        let points = cdf_points(&counts, 0.001, 1000);
        assert!(points.len() <= 1000, "{}", points.len());
        assert_eq!(*points.last().unwrap(), (200.0, 1.0));
        for &(x, share) in &points {
            let ms = (x * 1000.0).round() as u64;
            let at_or_below: u64 = counts.iter().filter(|c| c.0 <= ms).map(|c| c.1).sum();
            assert_eq!(share, at_or_below as f64 / total as f64);
        }
    }

    #[test]
    fn bins_have_round_widths_and_hold_every_sample() {
        let counts = [(0, 3), (59_999, 1), (60_000, 2), (1_800_000, 4)];
        let (width, bins) = bins(&counts);
        assert_eq!(width, 60.0);
        assert_eq!(bins.len(), 31);
        assert_eq!((bins[0], bins[1], bins[30]), (4, 2, 4));
        assert_eq!(bins.iter().sum::<u64>(), 10);
        assert_eq!(super::bins(&[(0, 5)]), (0.001, vec![5]));
    }

    #[test]
    fn the_log_axis_starts_a_decade_below_the_fastest() {
        assert_eq!(log_floor([0.0, 0.35].into_iter()), 0.1);
        assert_eq!(log_floor([0.0].into_iter()), 0.01);
        assert_eq!(log_floor([60.6, 22.0].into_iter()), 10.0);
    }
}
