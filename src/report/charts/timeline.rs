//! Charts over virtual time: lines, areas, bands and stacks on a time axis in h:mm or
//! minutes, alone or as small multiples, each drawn through at most
//! [`POINTS_PER_CHART`] points chosen so that no peak is lost.

use super::axes::{count_axis, fmt_percent, fmt_tick, time_axis, Clock, Ticks};
use super::downsample::{buckets_for, select, POINTS_PER_CHART};
use super::frame::{empty, err, framed, Area, Entry, Swatch, DESC, LABELS};
use plotters::prelude::*;

/// Opacity of filled areas: lines and other areas stay visible through them.
const FILL: f64 = 0.3;
/// Grid lines.
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Something drawn over time; values are aligned with the chart's times.
#[derive(Clone, Debug)]
pub(crate) enum Layer {
    /// A line; a dashed one is drawn as a dash per few pixels, so it is for a reference
    /// that changes little (a subnet's size), not for a jagged measure.
    Line {
        /// Legend.
        label: String,
        /// Colour.
        color: RGBColor,
        /// Dashed rather than solid (a reference, not a measure).
        dashed: bool,
        /// One value per time.
        values: Vec<f64>,
    },
    /// A translucent area from zero up to the values.
    Area {
        /// Legend.
        label: String,
        /// Colour.
        color: RGBColor,
        /// One value per time.
        values: Vec<f64>,
    },
    /// A translucent area between two series, its edges drawn thin (so a band whose edges
    /// meet still shows).
    Band {
        /// Legend.
        label: String,
        /// Colour.
        color: RGBColor,
        /// Its lower edge.
        low: Vec<f64>,
        /// Its upper edge.
        high: Vec<f64>,
    },
    /// Areas stacked on each other, first at the bottom: (legend, colour, values).
    Stack(Vec<(String, RGBColor, Vec<f64>)>),
    /// Dots, each as large as its weight says (a share over many pods weighs more than one
    /// over a few); a NaN value has none.
    Dots {
        /// Legend.
        label: String,
        /// Colour.
        color: RGBColor,
        /// One value per time, NaN where there is none.
        values: Vec<f64>,
        /// One weight per time; the heaviest dot is drawn largest.
        weights: Vec<f64>,
    },
}

impl Layer {
    /// A solid line.
    pub fn line(label: impl Into<String>, color: RGBColor, values: Vec<f64>) -> Layer {
        Layer::Line {
            label: label.into(),
            color,
            dashed: false,
            values,
        }
    }

    /// The highest value it reaches (a stack: its total).
    fn top(&self) -> f64 {
        self.extreme(f64::max)
    }

    /// The lowest value it reaches, or 0.
    fn bottom(&self) -> f64 {
        match self {
            Layer::Band { low, .. } => low
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(0.0, f64::min),
            _ => self.extreme(f64::min),
        }
    }

    /// Its values folded by `pick` from 0 (a band: its upper edge; a stack: its total).
    fn extreme(&self, pick: fn(f64, f64) -> f64) -> f64 {
        let max = |v: &[f64]| v.iter().copied().filter(|x| x.is_finite()).fold(0.0, pick);
        match self {
            Layer::Line { values, .. }
            | Layer::Area { values, .. }
            | Layer::Dots { values, .. } => max(values),
            Layer::Band { high, .. } => max(high),
            Layer::Stack(parts) => max(&stack_total(parts)),
        }
    }

    /// Polylines it draws through each selected sample.
    fn lines(&self) -> usize {
        match self {
            Layer::Line { .. } | Layer::Area { .. } | Layer::Dots { .. } => 1,
            Layer::Band { .. } => 4,
            Layer::Stack(parts) => 2 * parts.len(),
        }
    }

    /// Its legend entries.
    fn entries(&self) -> Vec<Entry> {
        let entry = |label: &String, swatch| Entry {
            label: label.clone(),
            swatch,
        };
        match self {
            Layer::Line {
                label,
                color,
                dashed,
                ..
            } => vec![entry(
                label,
                if *dashed {
                    Swatch::Dashed(*color)
                } else {
                    Swatch::Line(*color)
                },
            )],
            Layer::Area { label, color, .. } | Layer::Band { label, color, .. } => {
                vec![entry(label, Swatch::Fill(*color, FILL))]
            }
            // Top of the stack first, as it is drawn.
            Layer::Stack(parts) => parts
                .iter()
                .rev()
                .map(|(label, color, _)| entry(label, Swatch::Fill(*color, 0.75)))
                .collect(),
            Layer::Dots { label, color, .. } => vec![entry(label, Swatch::Dot(*color))],
        }
    }
}

/// A stack's total at each time.
fn stack_total(parts: &[(String, RGBColor, Vec<f64>)]) -> Vec<f64> {
    let n = parts.first().map_or(0, |p| p.2.len());
    (0..n).map(|i| parts.iter().map(|p| p.2[i]).sum()).collect()
}

/// The y axis of a time chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum YAxis {
    /// Counts from 0, whole-number ticks.
    Count,
    /// Shares from 0 to 1, shown as percentages.
    Share,
}

/// A chart over time.
#[derive(Clone, Debug)]
pub(crate) struct TimeChart {
    /// Its title.
    pub title: &'static str,
    /// The y axis' title, with its unit.
    pub y_title: String,
    /// Counts or shares.
    pub y: YAxis,
    /// Where the time axis starts and ends, seconds (0 and the run's duration, or a window
    /// of it).
    pub span_s: (f64, f64),
    /// The run's duration, seconds: the clock times are read on.
    pub run_s: f64,
    /// The time of each value, seconds.
    pub times: Vec<f64>,
    /// What is drawn, first at the bottom.
    pub layers: Vec<Layer>,
}

/// Height of a single time chart.
const HEIGHT: u32 = 340;

/// The chart's SVG; a chart without samples says so instead.
pub(crate) fn draw(c: &TimeChart) -> Result<String, String> {
    if c.times.is_empty() {
        return empty(c.title, "The run recorded no samples.");
    }
    let legend: Vec<Entry> = c.layers.iter().rev().flat_map(Layer::entries).collect();
    framed(c.title, HEIGHT, &legend, |area| {
        let mut chart = axes(area, c, span(&c.layers), (48, 76), 8.0, (true, true))?;
        draw_layers(&mut chart, &c.times, &c.layers, POINTS_PER_CHART)
    })
}

/// One of several small charts drawn side by side on the same axes' titles.
#[derive(Clone, Debug)]
pub(crate) struct Panel {
    /// Its title (a node group and its zone, a subnet).
    pub title: String,
    /// What it draws, first at the bottom; every panel has the same layers' names and colours.
    pub layers: Vec<Layer>,
}

/// Panels per row, at most.
const COLUMNS: usize = 3;
/// Height of a row of panels.
const PANEL_HEIGHT: u32 = 210;

/// Small multiples: one panel per entry of `panels` over the same times, in rows of three,
/// with one legend. With `shared_y` every panel has the same y scale (compare sizes); else
/// each its own (compare shapes).
pub(crate) fn draw_panels(
    c: &TimeChart,
    panels: &[Panel],
    shared_y: bool,
) -> Result<String, String> {
    let columns = panels.len().clamp(1, COLUMNS);
    let rows = panels.len().div_ceil(columns).max(1);
    let height = 50 + rows as u32 * PANEL_HEIGHT;
    if c.times.is_empty() || panels.is_empty() {
        return empty(c.title, "The run recorded no samples.");
    }
    let legend: Vec<Entry> = panels[0]
        .layers
        .iter()
        .rev()
        .flat_map(Layer::entries)
        .collect();
    let all: Vec<Layer> = panels.iter().flat_map(|p| p.layers.clone()).collect();
    let shared = span(&all);
    framed(c.title, height, &legend, |area| {
        let cells = area.split_evenly((rows, columns));
        for (i, (panel, cell)) in panels.iter().zip(&cells).enumerate() {
            let values = if shared_y {
                shared
            } else {
                span(&panel.layers)
            };
            let cell = cell.titled(&panel.title, ("sans-serif", 14)).map_err(err)?;
            // Axis titles on the left column and the bottom row only.
            let left = i % columns == 0;
            let bottom = i + columns >= panels.len();
            let parts = [8.0, 6.0, 4.0][columns - 1];
            let mut chart = axes(&cell, c, values, (36, 56), parts, (left, bottom))?;
            let budget = POINTS_PER_CHART / panels.len();
            draw_layers(&mut chart, &c.times, &panel.layers, budget)?;
        }
        Ok(())
    })
}

type TimePlot<'a> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<Ticks, Ticks>>;

/// The lowest (at most 0) and highest values of `layers`.
fn span(layers: &[Layer]) -> (f64, f64) {
    let bottom = layers.iter().map(Layer::bottom).fold(0.0, f64::min);
    (bottom, layers.iter().map(Layer::top).fold(0.0, f64::max))
}

/// The time and value axes of `c` in `area`, values over `low..top`: the x and y label areas
/// this many pixels wide, at most `parts` time ticks, and whether to title the y and the x
/// axis.
fn axes<'a>(
    area: &Area<'a>,
    c: &TimeChart,
    (low, top): (f64, f64),
    (x_px, y_px): (u32, u32),
    parts: f64,
    (y_title, x_title): (bool, bool),
) -> Result<TimePlot<'a>, String> {
    let (x, clock) = time_axis(c.span_s.0, c.span_s.1, c.run_s, parts);
    let y = match c.y {
        YAxis::Count => count_axis(low, top),
        YAxis::Share => Ticks {
            range: 0.0..1.0,
            at: (0..=5).map(|k| f64::from(k) / 5.0).collect(),
        },
    };
    let step = y.at.get(1).map_or(1.0, |v| v - y.at[0]);
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_right(14)
        .x_label_area_size(x_px)
        .y_label_area_size(y_px)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    let share = c.y == YAxis::Share;
    let y_label = |v: &f64| {
        if share {
            fmt_percent(*v)
        } else {
            fmt_tick(*v, step)
        }
    };
    let x_label = |v: &f64| clock.show(*v);
    let mut mesh = chart.configure_mesh();
    mesh.label_style(LABELS)
        .axis_desc_style(DESC)
        .bold_line_style(GRID)
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label);
    if x_title {
        mesh.x_desc(Clock::axis_title(clock));
    }
    if y_title {
        mesh.y_desc(c.y_title.as_str());
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

/// Draws `layers` in order, within `budget` points in all.
fn draw_layers(
    chart: &mut TimePlot,
    times: &[f64],
    layers: &[Layer],
    budget: usize,
) -> Result<(), String> {
    let weight: usize = layers.iter().map(Layer::lines).sum();
    let n = times.len();
    for layer in layers {
        let share = budget * layer.lines() / weight.max(1);
        let buckets = |keys| buckets_for(share, layer.lines(), keys);
        match layer {
            Layer::Line {
                color,
                dashed,
                values,
                ..
            } => {
                let sel = select(n, buckets(1), &[&|i| values[i]]);
                let points: Vec<(f64, f64)> = (sel.iter())
                    .filter(|&&i| values[i].is_finite())
                    .map(|&i| (times[i], values[i]))
                    .collect();
                if *dashed {
                    chart
                        .draw_series(DashedLineSeries::new(points, 6, 4, color.stroke_width(2)))
                        .map_err(err)?;
                } else {
                    chart
                        .draw_series(LineSeries::new(points, color.stroke_width(2)))
                        .map_err(err)?;
                }
            }
            Layer::Area { color, values, .. } => {
                let sel = select(n, buckets(1), &[&|i| values[i]]);
                let mut outline = vec![(times[sel[0]], 0.0)];
                outline.extend(sel.iter().map(|&i| (times[i], values[i])));
                outline.push((times[sel[sel.len() - 1]], 0.0));
                chart
                    .draw_series([Polygon::new(outline, color.mix(FILL).filled())])
                    .map_err(err)?;
            }
            Layer::Band {
                color, low, high, ..
            } => {
                let sel = select(n, buckets(2), &[&|i| low[i], &|i| high[i]]);
                let outline: Vec<(f64, f64)> = (sel.iter().map(|&i| (times[i], high[i])))
                    .chain(sel.iter().rev().map(|&i| (times[i], low[i])))
                    .collect();
                chart
                    .draw_series([Polygon::new(outline, color.mix(FILL).filled())])
                    .map_err(err)?;
                for edge in [low, high] {
                    let points = sel.iter().map(|&i| (times[i], edge[i]));
                    chart
                        .draw_series(LineSeries::new(points, color.stroke_width(1)))
                        .map_err(err)?;
                }
            }
            Layer::Stack(parts) => {
                let total = stack_total(parts);
                let sel = select(n, buckets(1), &[&|i| total[i]]);
                let mut base = vec![0.0; sel.len()];
                for (_, color, values) in parts {
                    let top: Vec<f64> =
                        sel.iter().zip(&base).map(|(&i, b)| b + values[i]).collect();
                    let outline: Vec<(f64, f64)> = (sel.iter().zip(&top))
                        .map(|(&i, &v)| (times[i], v))
                        .chain(sel.iter().zip(&base).rev().map(|(&i, &v)| (times[i], v)))
                        .collect();
                    chart
                        .draw_series([Polygon::new(outline, color.mix(0.75).filled())])
                        .map_err(err)?;
                    base = top;
                }
            }
            Layer::Dots {
                color,
                values,
                weights,
                ..
            } => {
                let sel = select(n, buckets(1), &[&|i| values[i]]);
                let heaviest = weights.iter().copied().fold(0.0, f64::max).max(1.0);
                // Area grows with the weight: radius 2 px for the lightest, 8 px for the heaviest.
                let radius = |w: f64| (2.0 + 6.0 * (w / heaviest).sqrt()).round() as i32;
                let dots = (sel.iter()).filter(|&&i| values[i].is_finite()).map(|&i| {
                    Circle::new(
                        (times[i], values[i]),
                        radius(weights[i]),
                        color.mix(0.7).filled(),
                    )
                });
                chart.draw_series(dots).map_err(err)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::{BLUE_, GREEN_, ORANGE};

    fn chart(n: usize, layers: Vec<Layer>) -> TimeChart {
        TimeChart {
            title: "Test chart",
            y_title: "things".into(),
            y: YAxis::Count,
            span_s: (0.0, n as f64 * 10.0),
            run_s: n as f64 * 10.0,
            times: (0..n).map(|i| i as f64 * 10.0).collect(),
            layers,
        }
    }

    /// Coordinates in the SVG's polylines and polygons of data (more than two points:
    /// not an axis or a legend's swatch).
    fn points(svg: &str) -> usize {
        svg.split("points=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().split_whitespace().count())
            .filter(|&n| n > 2)
            .sum()
    }

    #[test]
    fn a_long_run_draws_within_the_points_of_a_chart() {
        let n = 100_000;
        let wave = |k: usize| (0..n).map(|i| ((i * k) % 977) as f64).collect::<Vec<f64>>();
        let layers = vec![
            Layer::Band {
                label: "band".into(),
                color: GREEN_,
                low: wave(3),
                high: wave(3).iter().map(|v| v + 5.0).collect(),
            },
            Layer::Stack(vec![
                ("a".into(), BLUE_, wave(5)),
                ("b".into(), ORANGE, wave(7)),
            ]),
            Layer::line("line", BLUE_, wave(11)),
        ];
        let svg = draw(&chart(n, layers)).unwrap();
        let drawn = points(&svg);
        assert!(drawn <= POINTS_PER_CHART, "{drawn} points");
        assert!(
            drawn > POINTS_PER_CHART / 2,
            "{drawn} points: most of the budget used"
        );
        for name in [
            "band",
            "a",
            "b",
            "line",
            "things",
            "time since start (h:mm)",
        ] {
            assert!(
                svg.contains(&format!(">{name}<")) || svg.contains(name),
                "{name}"
            );
        }
    }

    #[test]
    fn a_short_run_draws_every_sample() {
        let svg = draw(&chart(
            5,
            vec![Layer::line("x", BLUE_, vec![1.0, 3.0, 2.0, 5.0, 4.0])],
        ))
        .unwrap();
        assert_eq!(points(&svg), 5);
    }

    #[test]
    fn no_samples_says_so() {
        let svg = draw(&chart(0, vec![])).unwrap();
        assert!(svg.contains("The run recorded no samples."));
    }
}
