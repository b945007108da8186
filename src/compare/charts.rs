//! compare.html's charts: a time series of both runs overlaid, and both start-up latency
//! distributions as CDFs on one chart. SVG from plotters, as every enisim chart.

use super::series::{Series, SERIES};
use crate::report::charts::{time_scale, BLUE_, ORANGE};
use plotters::prelude::*;

/// Most points a line is drawn with; longer series are averaged slice by slice.
const MAX_POINTS: usize = 1500;
const SIZE: (u32, u32) = (900, 300);

/// The charts of one case: each of [`SERIES`] with both sides overlaid, then the CDFs.
pub fn case_charts(base: &Series, cur: &Series, labels: [&str; 2]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let end_s = base
        .time_s
        .last()
        .copied()
        .unwrap_or(0.0)
        .max(cur.time_s.last().copied().unwrap_or(0.0));
    let (per, unit) = time_scale(end_s);
    for (i, (_, title)) in SERIES.iter().enumerate() {
        let lines = [base, cur].map(|s| thin(&s.time_s, &s.values[i], per));
        out.push(draw(
            title,
            &format!("time ({unit})"),
            "",
            &lines,
            labels,
            end_s / per,
        )?);
    }
    let x_max = base
        .startup_s
        .last()
        .copied()
        .unwrap_or(0.0)
        .max(cur.startup_s.last().copied().unwrap_or(0.0))
        * 1.05; // the last step clear of the edge
                // Each CDF runs on at 1 to the right edge, so that a side whose pods all start early
                // still shows as a line.
    let cdfs = [base, cur].map(|s| {
        let mut c = cdf(&s.startup_s);
        if !c.is_empty() {
            c.push((x_max, 1.0));
        }
        c
    });
    let counts = [base, cur].map(|s| s.startup_s.len());
    let legend = [
        format!("{} ({} pods)", labels[0], counts[0]),
        format!("{} ({} pods)", labels[1], counts[1]),
    ];
    out.push(draw(
        "Start-up latency: share of started pods ready within x",
        "start-up latency (s)",
        "share of pods",
        &cdfs,
        [legend[0].as_str(), legend[1].as_str()],
        x_max,
    )?);
    Ok(out)
}

/// (time in `per` units, value) points, at most [`MAX_POINTS`], each the mean of its slice.
fn thin(time_s: &[f64], values: &[f64], per: f64) -> Vec<(f64, f64)> {
    let n = values.len().min(time_s.len());
    let k = n.div_ceil(MAX_POINTS).max(1);
    (0..n)
        .step_by(k)
        .map(|start| {
            let end = (start + k).min(n);
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            (mean(&time_s[start..end]) / per, mean(&values[start..end]))
        })
        .collect()
}

/// The empirical CDF of sorted `samples` as a step line, at most [`MAX_POINTS`] steps.
fn cdf(samples: &[f64]) -> Vec<(f64, f64)> {
    let n = samples.len();
    if n == 0 {
        return Vec::new();
    }
    let k = n.div_ceil(MAX_POINTS).max(1);
    let mut points = vec![(0.0, 0.0)];
    let mut below = 0.0;
    let mut steps: Vec<usize> = (k - 1..n).step_by(k).collect();
    if steps.last() != Some(&(n - 1)) {
        steps.push(n - 1);
    }
    for i in steps {
        let x = samples[i];
        let share = (i + 1) as f64 / n as f64;
        points.push((x, below));
        points.push((x, share));
        below = share;
    }
    points
}

fn draw(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Vec<(f64, f64)>; 2],
    labels: [&str; 2],
    x_max: f64,
) -> Result<String, String> {
    let (lo, hi) = lines
        .iter()
        .flatten()
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    // From zero, unless the lines stay high (free addresses): then from just below them, so
    // that a difference of a few shows.
    let y_min = if lo.is_finite() && lo > 0.5 * hi {
        (lo - 0.5 * (hi - lo).max(1.0)).max(0.0)
    } else {
        0.0
    };
    let y_max = y_min + (hi - y_min).max(1.0) * 1.3; // room for the legend
    let x_max = x_max.max(f64::MIN_POSITIVE);
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, y_min..y_max)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|x| e(&x))?;
        // The baseline wide and pale under the current line, so that where they agree both
        // show.
        let styles = [BLUE_.mix(0.45).stroke_width(5), ORANGE.stroke_width(2)];
        for ((points, style), label) in lines.iter().zip(styles).zip(labels) {
            chart
                .draw_series(LineSeries::new(points.iter().copied(), style))
                .map_err(|x| e(&x))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_steps_up_to_one_and_long_series_are_thinned() {
        assert_eq!(
            cdf(&[1.0, 2.0]),
            [(0.0, 0.0), (1.0, 0.0), (1.0, 0.5), (2.0, 0.5), (2.0, 1.0)]
        );
        assert!(cdf(&[]).is_empty());
        let big: Vec<f64> = (0..10_000).map(f64::from).collect();
        let c = cdf(&big);
        assert!(c.len() <= 2 * MAX_POINTS + 3);
        assert_eq!(c.last(), Some(&(9999.0, 1.0)));
        let t = thin(&big, &big, 60.0);
        assert!(t.len() <= MAX_POINTS);
        // Slices of 7: the first point is the mean of 0..7.
        assert_eq!(t[0], (3.0 / 60.0, 3.0));
    }

    #[test]
    fn every_case_gets_five_overlays_and_the_cdfs() {
        let mut s = Series {
            time_s: (0..10).map(|i| f64::from(i) * 1800.0).collect(),
            startup_s: vec![0.0, 3.2],
            ..Series::default()
        };
        for v in &mut s.values {
            *v = (0..10).map(f64::from).collect();
        }
        let charts = case_charts(&s, &Series::default(), ["baseline", "current"]).unwrap();
        assert_eq!(charts.len(), 6);
        assert!(charts[1].contains("Idle ENIs in pools"));
        assert!(charts[5].contains("baseline (2 pods)") && charts[5].contains("current (0 pods)"));
        assert!(charts[0].contains("time (h)"));
    }
}
