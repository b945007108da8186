//! The sweep's charts: per key metric a heatmap over two varied keys (or a line with the seed
//! spread over one), and the Pareto chart of cost against service. Drawn like a run's charts,
//! with plotters' SVG backend and no font files, so a sweep's charts are byte-identical
//! anywhere.

use super::metrics::{KeyMetric, KEY_METRICS};
use super::outcome::Outcome;
use super::spec::Axis;
use super::Grid;
use crate::report::charts::axes::{fmt_value, nice_ticks, Ticks};
use crate::report::charts::{time_scale, Chart, BLUE_, GREEN_, RED_};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::io;

/// The heatmap file of a key metric.
fn heatmap_file(key: &KeyMetric) -> String {
    format!("heatmap-{}.svg", key.metric)
}

/// The line chart file of a key metric.
fn line_file(key: &KeyMetric) -> String {
    format!("line-{}.svg", key.metric)
}

const PARETO: &str = "pareto.svg";
const PARETO_TITLE: &str = "Cost against service";
const COST: &str = "pool.idle_eni_hours";
const SERVICE: &str = "startup_latency_s.p99";
const WIDTH: u32 = 900;
/// A line or Pareto chart's y axis reaches this far above its highest value, so that its
/// legend (upper right) covers no data.
const HEADROOM: f64 = 1.5;
const CAPTION: (&str, u32) = ("sans-serif", 20);
const LABELS: (&str, u32) = ("sans-serif", 15);
const DESC: (&str, u32) = ("sans-serif", 16);
const GREY: RGBColor = RGBColor(150, 150, 150);

/// Units per shown unit and its name for values up to `max` of a metric in `unit`: seconds
/// become minutes or hours from three minutes up.
fn scale(unit: &'static str, max: f64) -> (f64, &'static str) {
    if unit == "s" && max >= 180.0 {
        time_scale(max)
    } else {
        (1.0, unit)
    }
}

/// A title with its unit, if it has one: `p99 start-up latency (s)`, `ENIs created`.
pub(crate) fn titled(title: &str, unit: &str) -> String {
    if unit.is_empty() {
        title.to_string()
    } else {
        format!("{title} ({unit})")
    }
}

/// The axes that take more than one value: those a chart can show.
pub(crate) fn varied(grid: &Grid) -> Vec<usize> {
    let axes = &grid.settings.axes;
    (0..axes.len())
        .filter(|&a| axes[a].values.len() > 1)
        .collect()
}

/// The variant the charts single out, and what it is: the recommendation, else the
/// closest miss.
fn singled_out(outcome: &Outcome) -> Option<(usize, &'static str)> {
    match (outcome.ranking.first(), &outcome.closest_miss) {
        (Some(&best), _) => Some((best, "recommended")),
        (None, Some(miss)) => Some((miss.variant, "closest miss")),
        (None, None) => None,
    }
}

/// With three varied axes or more, heatmaps show the first two at the singled-out variant's
/// values of the others: `at release=slow`, saying so.
pub(crate) fn slice_note(grid: &Grid, outcome: &Outcome) -> Option<String> {
    let varied = varied(grid);
    if varied.len() < 3 {
        return None;
    }
    let at = slice_at(grid, outcome);
    let axes = &grid.settings.axes;
    let values: Vec<String> = varied[2..]
        .iter()
        .map(|&a| format!("{}={}", short(&axes[a].key), axes[a].values[at[a]].text))
        .collect();
    let whose = if outcome.ranking.is_empty() {
        "as in the closest miss"
    } else {
        "as in the recommended variant"
    };
    Some(format!("at {} ({whose})", values.join(", ")))
}

/// The choice of every axis that heatmaps are sliced at.
fn slice_at(grid: &Grid, outcome: &Outcome) -> Vec<usize> {
    singled_out(outcome)
        .map(|s| s.0)
        .or_else(|| outcome.variants.iter().position(|v| v.runs > 0))
        .and_then(|i| grid.variants.get(i))
        .map_or_else(|| vec![0; grid.settings.axes.len()], |v| v.choice.clone())
}

/// The last part of a dotted key.
fn short(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// Every chart of a sweep: heatmaps (2 varied axes or more) or lines (1), and the Pareto
/// chart; each drawn when it is asked for, so that one chart at a time is held.
pub fn render<'a>(
    grid: &'a Grid,
    outcome: &'a Outcome,
) -> impl Iterator<Item = io::Result<Chart>> + 'a {
    let varied = varied(grid);
    let per_key = KEY_METRICS.iter().filter_map(move |key| {
        let (file, svg) = match varied[..] {
            [] => return None,
            [axis] => (line_file(key), line(grid, outcome, key, axis)),
            [x, y, ..] => (heatmap_file(key), heatmap(grid, outcome, key, (x, y))),
        };
        Some(svg.map_err(io::Error::other).map(|svg| Chart {
            file,
            title: key.title,
            svg,
        }))
    });
    per_key.chain(std::iter::once_with(move || {
        pareto(grid, outcome)
            .map_err(io::Error::other)
            .map(|svg| Chart {
                file: PARETO.to_string(),
                title: PARETO_TITLE,
                svg,
            })
    }))
}

/// One line saying how to read `chart`, for report.html.
pub(crate) fn caption(grid: &Grid, outcome: &Outcome, chart: &Chart) -> String {
    let seeds = grid.seeds();
    let axes = &grid.settings.axes;
    let varied = varied(grid);
    let (marked, ring) = match singled_out(outcome) {
        Some((_, "recommended")) => ("the recommendation", true),
        Some(_) => ("the closest miss", true),
        None => ("", false),
    };
    if chart.file == PARETO {
        let labels: Vec<&str> = varied.iter().map(|&a| short(&axes[a].key)).collect();
        let ringed = if ring {
            format!("; the ringed point is {marked}")
        } else {
            String::new()
        };
        return format!(
            "Each point is a variant, labelled {} where labels fit: further right keeps more idle ENIs (cost), \
             higher waits longer at p99 (service); the step line joins the variants no other beats \
             on both{ringed}.",
            labels.join(",")
        );
    }
    let Some(key) = KEY_METRICS
        .iter()
        .find(|k| heatmap_file(k) == chart.file || line_file(k) == chart.file)
    else {
        return chart.title.to_string();
    };
    let mean = if seeds > 1 {
        format!("mean over {seeds} seeds")
    } else {
        "one seed".to_string()
    };
    if line_file(key) == chart.file {
        let band = if seeds > 1 {
            "the band spans the lowest to the highest seed"
        } else {
            "no band with one seed"
        };
        let ringed = if ring {
            format!("; the ring marks {marked}")
        } else {
            String::new()
        };
        return format!(
            "{} against {}: the line is the {mean}, {band}{ringed}.",
            key.title, axes[varied[0]].key
        );
    }
    let slice = slice_note(grid, outcome).map_or(String::new(), |s| format!(", {s}"));
    let mut notes = vec!["darker is higher".to_string()];
    if ring {
        notes.push(format!("the outlined cell is {marked}"));
    }
    if grid.variants.iter().any(|v| v.skipped.is_some()) {
        notes.push("hatched cells were skipped".to_string());
    }
    format!(
        "{}, {mean}, for each {} (across) and {} (up){slice}: {}.",
        key.title,
        axes[varied[0]].key,
        axes[varied[1]].key,
        notes.join(", ")
    )
}

/// Key points at the centres of `n` unit cells.
fn centres(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64 + 0.5).collect()
}

/// The value text of the cell or category at `position`.
fn category(axis: &Axis, position: f64) -> String {
    axis.values
        .get(position.max(0.0).floor() as usize)
        .map_or_else(String::new, |v| v.text.clone())
}

/// A colour from light (low) to dark red (high) for `t` in 0..=1.
fn heat(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 3] = [(255., 247., 236.), (252., 141., 89.), (127., 0., 0.)];
    let t = t.clamp(0.0, 1.0) * 2.0;
    let i = (t.floor() as usize).min(1);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The cells of a heatmap over axes `x` and `y` at the other axes' `at` values: column, row
/// and variant.
fn cells(grid: &Grid, (x, y): (usize, usize), at: &[usize]) -> Vec<(usize, usize, usize)> {
    grid.variants
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            v.choice
                .iter()
                .enumerate()
                .all(|(a, &c)| a == x || a == y || c == at[a])
        })
        .map(|(i, v)| (v.choice[x], v.choice[y], i))
        .collect()
}

type Plot<'a, X, Y> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>;
type Heat<'a> = Plot<'a, Ticks, Ticks>;

fn heatmap(
    grid: &Grid,
    outcome: &Outcome,
    key: &KeyMetric,
    (x, y): (usize, usize),
) -> Result<String, String> {
    let axes = &grid.settings.axes;
    let (nx, ny) = (axes[x].values.len(), axes[y].values.len());
    let cells = cells(grid, (x, y), &slice_at(grid, outcome));
    let values: Vec<Option<f64>> = cells
        .iter()
        .map(|&(_, _, v)| outcome.mean(v, key.metric))
        .collect();
    let max = values.iter().flatten().copied().fold(0.0, f64::max);
    let min = values.iter().flatten().copied().fold(max, f64::min);
    let (per, unit) = scale(key.unit, max);
    let mut title = titled(key.title, unit);
    if let Some(note) = slice_note(grid, outcome) {
        title = format!("{title}, {note}");
    }
    let plot_h = (ny as u32 * 56).clamp(220, 620);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, plot_h + 100)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, CAPTION)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(90)
            .build_cartesian_2d(
                Ticks {
                    range: 0.0..nx as f64,
                    at: centres(nx),
                },
                Ticks {
                    range: 0.0..ny as f64,
                    at: centres(ny),
                },
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style(LABELS)
            .axis_desc_style(DESC)
            .disable_mesh()
            .x_desc(axes[x].key.as_str())
            .y_desc(axes[y].key.as_str())
            .x_label_formatter(&|v| category(&axes[x], *v))
            .y_label_formatter(&|v| category(&axes[y], *v))
            .draw()
            .map_err(|e| e.to_string())?;
        let (px, py) = chart.plotting_area().get_pixel_range();
        let cell_px = ((px.end - px.start) / nx as i32).min((py.end - py.start) / ny as i32);
        let font = (cell_px / 4).clamp(0, 17);
        for (&(cx, cy, v), value) in cells.iter().zip(&values) {
            let at = (cx as f64, cy as f64);
            if grid.variants[v].skipped.is_some() {
                skipped_cell(&chart, at, font)?;
                continue;
            }
            let t = match value {
                Some(value) if max > min => (value - min) / (max - min),
                _ => 0.0,
            };
            let text = value.map_or_else(|| "n/a".to_string(), |v| fmt_value(v / per));
            cell(&chart, at, heat(t), &text, font)?;
        }
        let chosen = singled_out(outcome).map(|s| s.0);
        if let Some(&(cx, cy, _)) = cells.iter().find(|c| chosen == Some(c.2)) {
            // Black with a white inner edge: seen on the lightest and the darkest cell.
            let (x0, y0) = (cx as f64, cy as f64);
            for (inset, color, width) in [(0.03, BLACK, 5), (0.06, WHITE, 2)] {
                // A path, not a rectangle: the SVG backend draws rectangles' edges 1 px wide.
                let (a, b) = (inset, 1.0 - inset);
                let corners = [(a, a), (b, a), (b, b), (a, b), (a, a)];
                let ring = PathElement::new(
                    corners.map(|(dx, dy)| (x0 + dx, y0 + dy)).to_vec(),
                    color.stroke_width(width),
                );
                chart
                    .plotting_area()
                    .draw(&ring)
                    .map_err(|e| e.to_string())?;
            }
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A cell filled with `fill` and labelled `text` (if the cell is large enough to read it).
fn cell(
    chart: &Heat,
    (x, y): (f64, f64),
    fill: RGBColor,
    text: &str,
    font: i32,
) -> Result<(), String> {
    let area = chart.plotting_area();
    area.draw(&Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill.filled()))
        .map_err(|e| e.to_string())?;
    area.draw(&Rectangle::new(
        [(x, y), (x + 1.0, y + 1.0)],
        WHITE.stroke_width(1),
    ))
    .map_err(|e| e.to_string())?;
    if font < 8 {
        return Ok(());
    }
    let dark = fill.0 as u32 + fill.1 as u32 + fill.2 as u32 <= 3 * 128;
    let ink = if dark { WHITE } else { BLACK };
    let style = ("sans-serif", font)
        .into_font()
        .color(&ink)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(text.to_string(), (x + 0.5, y + 0.5), style))
        .map_err(|e| e.to_string())
}

/// A grey, hatched cell labelled "skipped".
fn skipped_cell(chart: &Heat, (x, y): (f64, f64), font: i32) -> Result<(), String> {
    let area = chart.plotting_area();
    cell(chart, (x, y), RGBColor(235, 235, 235), "", 0)?;
    for k in 1..8 {
        let o = k as f64 / 4.0 - 1.0; // the line x - y = o across the unit cell
        let (from, to) = if o >= 0.0 {
            ((x + o, y), (x + 1.0, y + 1.0 - o))
        } else {
            ((x, y - o), (x + 1.0 + o, y + 1.0))
        };
        area.draw(&PathElement::new(vec![from, to], GREY.stroke_width(1)))
            .map_err(|e| e.to_string())?;
    }
    if font < 8 {
        return Ok(());
    }
    let style = ("sans-serif", font)
        .into_font()
        .color(&RGBColor(80, 80, 80))
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new("skipped".to_string(), (x + 0.5, y + 0.5), style))
        .map_err(|e| e.to_string())
}

/// Where a 1-D sweep's values sit on the x axis: numbers when every value has one (durations
/// in seconds, minutes or hours), else categories 0, 1, 2...; and the axis title.
fn x_positions(axis: &Axis) -> (Vec<f64>, String) {
    let numbers: Option<Vec<f64>> = axis.values.iter().map(|v| v.number).collect();
    let Some(numbers) = numbers else {
        return (
            (0..axis.values.len()).map(|i| i as f64).collect(),
            axis.key.clone(),
        );
    };
    let durations = axis.values.iter().any(|v| v.text.parse::<f64>().is_err());
    if !durations {
        return (numbers, axis.key.clone());
    }
    let max = numbers.iter().copied().fold(0.0, f64::max);
    let (per, unit) = if max >= 180.0 {
        time_scale(max)
    } else {
        (1.0, "s")
    };
    (
        numbers.iter().map(|n| n / per).collect(),
        format!("{} ({unit})", axis.key),
    )
}

/// The ticks of a line chart: the swept values themselves, up to a dozen; beyond, round
/// numbers (1, 2 or 5 times a power of ten apart) across their span.
fn ticks(positions: &[f64]) -> Vec<f64> {
    let mut sorted = positions.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    match (sorted.first(), sorted.last()) {
        (Some(&lo), Some(&hi)) if sorted.len() > 12 => nice_ticks(lo, hi, 8),
        _ => sorted,
    }
}

/// A variant on a line chart: where it sits, its mean and the spread of its seeds.
struct LinePoint {
    x: f64,
    mean: f64,
    band: Option<(f64, f64)>,
    variant: usize,
}

fn line(grid: &Grid, outcome: &Outcome, key: &KeyMetric, axis: usize) -> Result<String, String> {
    let ax = &grid.settings.axes[axis];
    let categorical = ax.values.iter().any(|v| v.number.is_none());
    let (xs, x_desc) = x_positions(ax);
    let mut points: Vec<LinePoint> = Vec::new();
    let mut skipped: Vec<f64> = Vec::new();
    for (i, v) in grid.variants.iter().enumerate() {
        let x = xs[v.choice[axis]];
        if v.skipped.is_some() {
            skipped.push(x);
        } else if let Some(s) = outcome.spread(i, key.metric) {
            let band = (s.n > 1).then_some((s.min, s.max));
            points.push(LinePoint {
                x,
                mean: s.mean,
                band,
                variant: i,
            });
        }
    }
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.variant.cmp(&b.variant)));
    let top = points
        .iter()
        .map(|p| p.band.map_or(p.mean, |b| b.1))
        .fold(0.0, f64::max);
    let (per, unit) = scale(key.unit, top);
    let y_max = if top > 0.0 { top / per * HEADROOM } else { 1.0 };
    let (x_lo, x_hi) = if categorical {
        (-0.5, xs.len() as f64 - 0.5)
    } else {
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = if hi > lo { (hi - lo) * 0.05 } else { 1.0 };
        (lo - pad, hi + pad)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(titled(key.title, unit), CAPTION)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(
                Ticks {
                    range: x_lo..x_hi,
                    at: ticks(&xs),
                },
                0.0..y_max,
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style(LABELS)
            .axis_desc_style(DESC)
            .x_desc(x_desc)
            .y_desc(if unit.is_empty() { "count" } else { unit })
            .x_label_formatter(&|v| {
                if categorical {
                    category(ax, *v + 0.5)
                } else {
                    fmt_value(*v)
                }
            })
            .y_label_formatter(&|v| fmt_value(*v))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        let banded: Vec<(f64, (f64, f64))> = points
            .iter()
            .filter_map(|p| p.band.map(|b| (p.x, b)))
            .collect();
        if banded.len() > 1 {
            let outline: Vec<(f64, f64)> = banded
                .iter()
                .map(|(x, b)| (*x, b.0 / per))
                .chain(banded.iter().rev().map(|(x, b)| (*x, b.1 / per)))
                .collect();
            chart
                .draw_series([Polygon::new(outline, BLUE_.mix(0.2).filled())])
                .map_err(|e| e.to_string())?
                .label("lowest to highest seed")
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 18, y + 5)], BLUE_.mix(0.2).filled())
                });
        }
        let mean = if grid.seeds() > 1 {
            "mean over seeds"
        } else {
            "value"
        };
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.x, p.mean / per)),
                BLUE_.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(mean)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE_.stroke_width(2)));
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new((p.x, p.mean / per), 3, BLUE_.filled())),
            )
            .map_err(|e| e.to_string())?;
        let chosen = singled_out(outcome);
        if let Some((p, name)) =
            chosen.and_then(|(v, name)| Some((points.iter().find(|p| p.variant == v)?, name)))
        {
            chart
                .draw_series([Circle::new((p.x, p.mean / per), 8, RED_.stroke_width(2))])
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(|(x, y)| Circle::new((x + 9, y), 5, RED_.stroke_width(2)));
        }
        if !skipped.is_empty() {
            chart
                .draw_series(
                    skipped
                        .iter()
                        .map(|&x| Cross::new((x, 0.0), 5, GREY.stroke_width(2))),
                )
                .map_err(|e| e.to_string())?
                .label("skipped")
                .legend(|(x, y)| Cross::new((x + 9, y), 5, GREY.stroke_width(2)));
        }
        legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The legend, in the upper right that [`HEADROOM`] keeps clear of data.
fn legend<X: Ranged, Y: Ranged>(chart: &mut Plot<X, Y>) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(LABELS)
        .background_style(WHITE)
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| e.to_string())
}

/// The points of the Pareto chart: (idle ENI-hours, p99 latency) of every variant that ran
/// and measured both, and the variants.
fn run_points(outcome: &Outcome) -> (Vec<(f64, f64)>, Vec<usize>) {
    (0..outcome.variants.len())
        .filter_map(|i| {
            let cost = outcome.mean(i, COST)?;
            let service = outcome.mean(i, SERVICE)?;
            Some(((cost, service), i))
        })
        .unzip()
}

/// The points no other point beats on both coordinates (lower is better on both): the
/// Pareto frontier, by increasing x. Equal points are all on it.
pub(crate) fn frontier(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        let (p, q) = (points[a], points[b]);
        p.0.total_cmp(&q.0)
            .then(p.1.total_cmp(&q.1))
            .then(a.cmp(&b))
    });
    let mut out = Vec::new();
    let mut best: Option<(f64, f64)> = None;
    for i in order {
        let p = points[i];
        // Every earlier point lies left (or level); the last kept one is the lowest.
        if best.is_none_or(|b| p.1 < b.1 || p == b) {
            out.push(i);
            best = Some(p);
        }
    }
    out
}

/// Which points get their label: in `priority` order, each whose label would overlap no
/// label already placed. Labels sit up and right of their point, as drawn.
fn uncrowded(pixels: &[(i32, i32)], labels: &[String], priority: &[usize]) -> Vec<bool> {
    const CHAR_PX: i32 = 7; // 14 px sans-serif, scaled as plotters draws it
    const HEIGHT_PX: i32 = 14;
    let mut shown = vec![false; pixels.len()];
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for &i in priority {
        if shown[i] {
            continue;
        }
        let (x, y) = (pixels[i].0 + 8, pixels[i].1 - 18);
        let b = (x, y, x + CHAR_PX * labels[i].len() as i32, y + HEIGHT_PX);
        if placed
            .iter()
            .all(|a| b.0 >= a.2 || a.0 >= b.2 || b.1 >= a.3 || a.1 >= b.3)
        {
            placed.push(b);
            shown[i] = true;
        }
    }
    shown
}

/// A padded range around `values`, from 0 at the lowest; `top` more of the span above.
fn span(values: impl Iterator<Item = f64> + Clone, top: f64) -> (f64, f64) {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.1
    } else {
        hi.abs().max(1.0) * 0.1
    };
    ((lo - pad).max(0.0), hi + pad + (hi - lo) * top)
}

fn pareto(grid: &Grid, outcome: &Outcome) -> Result<String, String> {
    let (points, variants) = run_points(outcome);
    let front = frontier(&points);
    let max_service = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let (per, unit) = scale("s", max_service);
    let (x_lo, x_hi) = span(points.iter().map(|p| p.0), 0.1);
    let (y_lo, y_hi) = span(points.iter().map(|p| p.1 / per), HEADROOM - 1.0);
    let varied = varied(grid);
    let labels: Vec<String> = variants
        .iter()
        .map(|&v| {
            let choice = &grid.variants[v].choice;
            let texts: Vec<&str> = varied
                .iter()
                .map(|&a| grid.settings.axes[a].values[choice[a]].text.as_str())
                .collect();
            texts.join(",")
        })
        .collect();
    let chosen = singled_out(outcome)
        .and_then(|(v, name)| Some((variants.iter().position(|&w| w == v)?, name)));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(PARETO_TITLE, CAPTION)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style(LABELS)
            .axis_desc_style(DESC)
            .x_desc("idle ENI-hours (cost)")
            .y_desc(format!("p99 start-up latency, {unit} (service)"))
            .x_label_formatter(&|v| fmt_value(*v))
            .y_label_formatter(&|v| fmt_value(*v))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut step: Vec<(f64, f64)> = Vec::new();
        for &i in &front {
            let (x, y) = (points[i].0, points[i].1 / per);
            if let Some(&(_, last_y)) = step.last() {
                step.push((x, last_y));
            }
            step.push((x, y));
        }
        chart
            .draw_series(LineSeries::new(step, GREEN_.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label("frontier")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GREEN_.stroke_width(2)));
        let font = ("sans-serif", 14).into_font().color(&RGBColor(60, 60, 60));
        let priority: Vec<usize> = chosen
            .map(|c| c.0)
            .into_iter()
            .chain(front.iter().copied())
            .chain(0..points.len())
            .collect();
        let pixels: Vec<(i32, i32)> = points
            .iter()
            .map(|p| chart.backend_coord(&(p.0, p.1 / per)))
            .collect();
        let shown = uncrowded(&pixels, &labels, &priority);
        for meets in [true, false] {
            let group: Vec<usize> = (0..points.len())
                .filter(|&i| outcome.variants[variants[i]].meets == meets)
                .collect();
            if group.is_empty() {
                continue;
            }
            let drawn = group.into_iter().map(|i| {
                let text = if shown[i] {
                    labels[i].clone()
                } else {
                    String::new()
                };
                let color = if meets { BLUE_.filled() } else { GREY.filled() };
                EmptyElement::at((points[i].0, points[i].1 / per))
                    + Circle::new((0, 0), 4, color)
                    + Text::new(text, (8, -18), font.clone())
            });
            let color = if meets { BLUE_ } else { GREY };
            let name = match (meets, grid.settings.targets.is_empty()) {
                (true, true) => "variant",
                (true, false) => "meets the targets",
                (false, _) => "misses a target",
            };
            chart
                .draw_series(drawn)
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 9, y), 4, color.filled()));
        }
        if let Some((i, name)) = chosen {
            chart
                .draw_series([Circle::new(
                    (points[i].0, points[i].1 / per),
                    9,
                    RED_.stroke_width(2),
                )])
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(|(x, y)| Circle::new((x + 9, y), 5, RED_.stroke_width(2)));
        }
        legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sweep::metrics::Spread;
    use crate::sweep::outcome::{Miss, VariantOutcome};
    use crate::sweep::{Settings, Variant};

    /// A grid over `axes` (`key=spec`), first axis slowest, with the listed variants skipped.
    pub(crate) fn grid(axes: &[&str], seeds: u32, skipped: &[usize]) -> Grid {
        let axes: Vec<Axis> = axes.iter().map(|a| Axis::parse(a).unwrap()).collect();
        let sizes: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
        let variants = (0..sizes.iter().product())
            .map(|mut i: usize| {
                let index = i;
                let mut choice = vec![0; sizes.len()];
                for (slot, size) in choice.iter_mut().zip(&sizes).rev() {
                    *slot = i % size;
                    i /= size;
                }
                let skipped = skipped
                    .contains(&index)
                    .then(|| "min_warm > max_warm".into());
                Variant { choice, skipped }
            })
            .collect();
        Grid {
            name: "tune".into(),
            seed: 7,
            overrides: vec![],
            settings: Settings {
                axes,
                seeds: Some(seeds),
                targets: vec![],
                minimize: None,
            },
            variants,
        }
    }

    /// Every run variant measured by `values(variant)`: per metric, its value in each seed
    /// (metrics the grid does not show are left out, as a sweep leaves them).
    pub(crate) fn outcome(
        grid: &Grid,
        values: impl Fn(usize) -> Vec<(&'static str, Vec<f64>)>,
        ranking: Vec<usize>,
    ) -> Outcome {
        let mut outcome = Outcome::new(grid);
        for (i, v) in grid.variants.iter().enumerate() {
            let measured = if v.skipped.is_some() {
                vec![]
            } else {
                values(i)
            };
            let spreads = outcome.shown.iter().map(|m| {
                let seeds = &measured.iter().find(|(name, _)| name == m)?.1;
                Spread::of(seeds)
            });
            let spreads: Vec<Option<Spread>> = spreads.collect();
            let runs = if v.skipped.is_some() {
                0
            } else {
                grid.seeds() as usize
            };
            let meets = ranking.contains(&i);
            outcome.push(VariantOutcome { runs, meets }, spreads, vec![]);
        }
        outcome.ranking = ranking;
        outcome
    }

    /// Every chart of a sweep.
    pub(crate) fn all(grid: &Grid, outcome: &Outcome) -> Vec<Chart> {
        render(grid, outcome).collect::<io::Result<_>>().unwrap()
    }

    /// p99 = 10 + variant, idle hours = 2 x variant, calls 3 + 4 = 7 per variant.
    pub(crate) fn plain(i: usize) -> Vec<(&'static str, Vec<f64>)> {
        let i = i as f64;
        vec![
            (SERVICE, vec![10.0 + i]),
            (COST, vec![2.0 * i]),
            ("api.calls_total", vec![3.0 + 4.0]),
        ]
    }

    fn chart<'a>(charts: &'a [Chart], file: &str) -> &'a str {
        &charts
            .iter()
            .find(|c| c.file == file)
            .unwrap_or_else(|| panic!("no {file}"))
            .svg
    }

    /// The texts of an SVG, one per `<text>` element.
    fn texts(svg: &str) -> Vec<&str> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
            .filter_map(|t| t.split("</text>").next())
            .map(str::trim)
            .collect()
    }

    #[test]
    fn the_frontier_is_the_points_no_other_beats_on_both() {
        let points = [
            (1.0, 5.0),
            (2.0, 3.0),
            (2.0, 4.0), // (2, 3) beats it
            (3.0, 3.0), // (2, 3) beats it
            (4.0, 1.0),
            (5.0, 2.0), // (4, 1) beats it
            (1.0, 5.0), // equal to the first: both stay
            (0.5, 6.0),
        ];
        assert_eq!(frontier(&points), [7, 0, 6, 1, 4]);
        assert_eq!(frontier(&[]), Vec::<usize>::new());
        assert_eq!(frontier(&[(3.0, 3.0), (1.0, 1.0)]), [1]);
    }

    #[test]
    fn a_2d_sweep_draws_labelled_heatmaps_with_the_skipped_cell_and_the_recommendation() {
        // min_warm 0..2 x max_warm 1,2; variant 4 (min_warm=2, max_warm=1) is skipped.
        let g = grid(&["policy.min_warm=0..2", "policy.max_warm=1,2"], 1, &[4]);
        let o = outcome(&g, plain, vec![3, 1]);
        let charts = all(&g, &o);
        let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "heatmap-startup_latency_s.p99.svg",
                "heatmap-pool.idle_eni_hours.svg",
                "heatmap-api.calls_total.svg",
                "heatmap-api.throttled.svg",
                "heatmap-churn.enis_created.svg",
                "heatmap-pods.failed_scheduling.svg",
                "pareto.svg",
            ]
        );
        let p99 = chart(&charts, "heatmap-startup_latency_s.p99.svg");
        assert!(p99.starts_with("<svg") && p99.trim_end().ends_with("</svg>"));
        let t = texts(p99);
        for expected in [
            "p99 start-up latency (s)",
            "policy.min_warm",
            "policy.max_warm",
            "10",
            "11",
            "12",
            "13",
            "15",
            "skipped",
        ] {
            assert!(t.contains(&expected), "{expected} not in {t:?}");
        }
        assert!(!t.contains(&"14"), "the skipped variant has no value");
        // One outline, around the recommended cell (variant 3: min_warm=1, max_warm=2).
        assert_eq!(p99.matches("stroke-width=\"5\"").count(), 1);
        // The sum of the calls: 3 + 4.
        assert!(texts(chart(&charts, "heatmap-api.calls_total.svg")).contains(&"7"));
        // Nothing measured: every cell says so.
        let throttled = texts(chart(&charts, "heatmap-api.throttled.svg"));
        assert_eq!(throttled.iter().filter(|t| **t == "n/a").count(), 5);
        let again = all(&g, &o);
        assert!(charts.iter().zip(&again).all(|(a, b)| a.svg == b.svg));
    }

    #[test]
    fn a_1d_sweep_draws_lines_with_the_seed_band_on_a_duration_axis() {
        let g = grid(&["policy.release_interval=30s..3m30s/1m"], 2, &[]);
        let o = outcome(
            &g,
            |i| {
                vec![
                    (COST, vec![i as f64, i as f64 + 2.0]),
                    (SERVICE, vec![4.0, 6.0]),
                    ("api.calls_total", vec![10.0, 12.0]),
                ]
            },
            vec![0],
        );
        let charts = all(&g, &o);
        assert_eq!(charts.len(), 7);
        let idle = chart(&charts, "line-pool.idle_eni_hours.svg");
        let t = texts(idle);
        // 3m30s is over three minutes: the axis is in minutes, ticked at the swept values.
        for expected in ["policy.release_interval (min)", "0.5", "1.5", "2.5", "3.5"] {
            assert!(t.contains(&expected), "{expected} not in {t:?}");
        }
        assert!(t.contains(&"lowest to highest seed"));
        assert_eq!(idle.matches("<polygon").count(), 1, "one band");
        // The total of API calls is measured per run, so it has its seed band too.
        assert_eq!(
            chart(&charts, "line-api.calls_total.svg")
                .matches("<polygon")
                .count(),
            1
        );
    }

    #[test]
    fn a_1d_sweep_of_words_is_categorical() {
        let g = grid(&["policy.release=slow,quick"], 1, &[]);
        let o = outcome(&g, plain, vec![]);
        let charts = all(&g, &o);
        let t = texts(chart(&charts, "line-startup_latency_s.p99.svg"));
        assert!(t.contains(&"slow") && t.contains(&"quick"), "{t:?}");
        assert!(t.contains(&"policy.release"));
    }

    #[test]
    fn a_3d_sweep_slices_the_heatmaps_at_the_recommended_values() {
        let g = grid(
            &[
                "policy.min_warm=0,1",
                "policy.max_warm=1,2",
                "policy.release=slow,quick",
            ],
            1,
            &[],
        );
        // Variant 5: min_warm=1, max_warm=1, release=quick.
        let o = outcome(&g, plain, vec![5]);
        let charts = all(&g, &o);
        let t = texts(chart(&charts, "heatmap-startup_latency_s.p99.svg"));
        assert!(
            t.contains(
                &"p99 start-up latency (s), at release=quick (as in the recommended variant)"
            ),
            "{t:?}"
        );
        // The release=quick variants are the odd ones: p99 11, 13, 15, 17.
        for (value, shown) in [("11", true), ("13", true), ("15", true), ("17", true)] {
            assert_eq!(t.contains(&value), shown, "{value}");
        }
        for value in ["10", "12", "14", "16"] {
            assert!(!t.contains(&value), "{value} is of release=slow");
        }
        let note = caption(&g, &o, &charts[0]);
        assert!(note.contains("at release=quick"), "{note}");
    }

    #[test]
    fn the_pareto_chart_labels_and_rings_the_closest_miss_when_nothing_meets() {
        let g = grid(&["policy.min_warm=0..2"], 1, &[]);
        let mut o = outcome(&g, plain, vec![]);
        o.closest_miss = Some(Miss {
            variant: 1,
            targets: vec![],
        });
        let charts = all(&g, &o);
        let t = texts(chart(&charts, "pareto.svg"));
        for expected in [
            "0",
            "1",
            "2",
            "closest miss",
            "frontier",
            "idle ENI-hours (cost)",
        ] {
            assert!(t.contains(&expected), "{expected} not in {t:?}");
        }
        assert!(caption(&g, &o, &charts[6]).contains("the ringed point is the closest miss"));
    }

    #[test]
    fn ticks_round() {
        assert_eq!(ticks(&[4.0, 1.0, 2.0]), [1.0, 2.0, 4.0]);
        let many: Vec<f64> = (1..=20).map(|i| i as f64 * 0.5).collect();
        assert_eq!(ticks(&many), [2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(scale("s", 240.0), (60.0, "min"));
        assert_eq!(scale("s", 30.0), (1.0, "s"));
    }
}
