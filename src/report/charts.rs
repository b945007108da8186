//! SVG charts of a run's timeseries, drawn with plotters' SVG backend: text is laid out
//! without font files, so charts build and render the same on any machine, byte for byte.

use super::rows::{QueueSample, SampleRow};
use plotters::prelude::*;
use std::fs;
use std::io;
use std::path::Path;

/// One chart, ready to write as `charts/<file>` or to inline in report.html.
pub struct Chart {
    /// File name under `charts/`.
    pub file: String,
    /// What it shows.
    pub title: &'static str,
    /// The SVG document.
    pub svg: String,
}

/// A line of a chart: its legend, colour and value at a sample.
struct Line {
    label: &'static str,
    color: RGBColor,
    value: fn(&SampleRow) -> f64,
}

/// The palette every chart shares (matplotlib's defaults, told apart by most readers).
pub(crate) const BLUE_: RGBColor = RGBColor(31, 119, 180);
pub(crate) const ORANGE: RGBColor = RGBColor(255, 127, 14);
pub(crate) const GREEN_: RGBColor = RGBColor(44, 160, 44);
pub(crate) const RED_: RGBColor = RGBColor(214, 39, 40);
pub(crate) const PURPLE: RGBColor = RGBColor(148, 103, 189);

/// Writes `charts` as `charts/<file>` under `dir`: every command's charts go the same way.
pub fn write_all(dir: &Path, charts: &[Chart]) -> io::Result<()> {
    let folder = dir.join("charts");
    fs::create_dir_all(&folder)?;
    for chart in charts {
        fs::write(folder.join(&chart.file), &chart.svg)?;
    }
    Ok(())
}

/// A chart's file, title, y axis label and lines.
type Spec = (&'static str, &'static str, &'static str, Vec<Line>);

/// The charts every run gets, and under the queue model the ENI controller's two.
pub fn render(samples: &[SampleRow]) -> io::Result<Vec<Chart>> {
    let mut specs: Vec<Spec> = vec![
        (
            "pods.svg",
            "Pods",
            "pods",
            vec![
                line("running", BLUE_, |r| r.pods_running.into()),
                line("waiting for an ENI", ORANGE, |r| r.pods_waiting_eni.into()),
                line("pending (not placed)", RED_, |r| r.pods_pending.into()),
            ],
        ),
        (
            "enis.svg",
            "ENIs",
            "ENIs",
            vec![
                line("in the VPC", RED_, |r| r.enis_total.into()),
                line("bound to nodes (B)", BLUE_, |r| r.enis_bound.into()),
                line("idle in pools", GREEN_, |r| r.enis_idle.into()),
                line("call in flight", ORANGE, |r| r.enis_in_flight.into()),
                line("kept for static IPs", PURPLE, |r| r.enis_retained.into()),
            ],
        ),
        (
            "api_calls.svg",
            "VPC API calls per sample interval",
            "calls",
            vec![line("calls (polls and retries included)", BLUE_, |r| {
                r.api_calls as f64
            })],
        ),
        (
            "subnet_free_ips.svg",
            "Free addresses over all subnets",
            "addresses",
            vec![line("free", GREEN_, |r| r.subnet_free_ips as f64)],
        ),
    ];
    if samples.iter().any(|r| r.queue.is_some()) {
        specs.extend(controller_specs());
    }
    specs
        .into_iter()
        .map(|(file, title, y_label, lines)| {
            let svg = draw(samples, title, y_label, &lines).map_err(io::Error::other)?;
            Ok(Chart {
                file: file.to_string(),
                title,
                svg,
            })
        })
        .collect()
}

/// The ENI controller's work queue: what waits and who works, then how long the oldest item
/// has waited (seconds: a unit of its own).
fn controller_specs() -> [Spec; 2] {
    [
        (
            "controller_queue.svg",
            "ENI controller: work queue",
            "items",
            vec![
                line("waiting for a worker", ORANGE, |r| queue(r).depth.into()),
                line("waiting out a requeue delay", RED_, |r| {
                    queue(r).backoff.into()
                }),
                line("workers busy", BLUE_, |r| queue(r).workers_busy.into()),
            ],
        ),
        (
            "controller_wait.svg",
            "ENI controller: the oldest queued item's wait",
            "seconds",
            vec![line("oldest item's wait", PURPLE, |r| {
                queue(r).oldest_wait.as_secs_f64()
            })],
        ),
    ]
}

/// A sample's queue figures (zeros where the model has no queue).
fn queue(r: &SampleRow) -> QueueSample {
    r.queue.unwrap_or_default()
}

fn line(label: &'static str, color: RGBColor, value: fn(&SampleRow) -> f64) -> Line {
    Line {
        label,
        color,
        value,
    }
}

/// Hours, when the run is long enough for them to read well; else minutes.
fn time_axis(samples: &[SampleRow]) -> (f64, &'static str) {
    let end_s = samples.last().map_or(0.0, |r| r.time.as_secs_f64());
    match time_scale(end_s) {
        (per, "h") => (per, "time (h)"),
        (per, _) => (per, "time (min)"),
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

fn draw(
    samples: &[SampleRow],
    title: &str,
    y_label: &str,
    lines: &[Line],
) -> Result<String, String> {
    let (per, x_label) = time_axis(samples);
    let x_max = samples
        .last()
        .map_or(1.0, |r| r.time.as_secs_f64() / per)
        .max(f64::MIN_POSITIVE);
    let y_max = samples
        .iter()
        .flat_map(|r| lines.iter().map(move |l| (l.value)(r)))
        .fold(1.0_f64, f64::max)
        * 1.3; // headroom for the legend in the upper right
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for l in lines {
            let points = samples
                .iter()
                .map(|r| (r.time.as_secs_f64() / per, (l.value)(r)));
            let color = l.color;
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(l.label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn every_chart_is_an_svg_with_its_title_and_legend() {
        let samples: Vec<SampleRow> = (0..50)
            .map(|i| SampleRow {
                time: SimTime::from_secs(i * 600),
                pods_running: i as u32,
                enis_bound: 2 * i as u32,
                ..SampleRow::default()
            })
            .collect();
        let charts = render(&samples).unwrap();
        assert_eq!(charts.len(), 4);
        for c in &charts {
            assert!(c.svg.starts_with("<svg"), "{}", c.file);
            assert!(c.svg.contains(c.title), "{}", c.file);
        }
        assert!(charts[0].svg.contains("waiting for an ENI"));
        assert!(charts[1].svg.contains("time (h)"));
        let again = render(&samples).unwrap();
        assert!(charts.iter().zip(&again).all(|(a, b)| a.svg == b.svg));
    }

    #[test]
    fn an_empty_run_still_draws() {
        assert_eq!(render(&[]).unwrap().len(), 4);
    }

    #[test]
    fn a_run_with_a_work_queue_gets_its_two_charts() {
        let samples: Vec<SampleRow> = (0..20)
            .map(|i| SampleRow {
                time: SimTime::from_secs(i * 60),
                queue: Some(QueueSample {
                    depth: i as u32,
                    oldest_wait: SimTime::from_secs(i * 3),
                    backoff: 1,
                    workers_busy: 2,
                }),
                ..SampleRow::default()
            })
            .collect();
        let charts = render(&samples).unwrap();
        let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(&files[4..], ["controller_queue.svg", "controller_wait.svg"]);
        assert!(charts[4].svg.contains("waiting for a worker"));
        assert!(charts[5].svg.contains("oldest item"));
    }
}
