//! A run's charts, each with the line report.html shows to say how to read it and the
//! section of the page it belongs to. Drawn from [`RunSeries`]: every sample, and exact
//! latency and delay counts, never per-pod rows.

mod api;
mod capacity;
mod controller;
mod pods;
mod pool;

pub use pods::startup_cdfs;
pub use pool::{band_series, BandSeries};

use super::timeline::{Layer, TimeChart, YAxis};
use super::Chart;
use crate::engine::time::format_duration;
use crate::report::context::RunContext;
use crate::report::notes::Section;
use crate::report::rows::SampleRow;
use crate::report::series::RunSeries;
use crate::report::summary::Summary;
use std::io;

/// A chart with its caption and its place in report.html.
pub struct Figure {
    /// The report's section it belongs to.
    pub section: Section,
    /// The chart.
    pub chart: Chart,
    /// One line saying how to read it.
    pub caption: String,
}

/// Small multiples show at most this many panels; the CSV files hold the rest.
pub(super) const MAX_PANELS: usize = 12;

/// Every chart of a run, in the order report.html shows them.
pub fn render(series: &RunSeries, summary: &Summary, ctx: &RunContext) -> io::Result<Vec<Figure>> {
    let run = Run {
        s: series,
        summary,
        ctx,
        times: series
            .samples
            .iter()
            .map(|r| r.time.as_secs_f64())
            .collect(),
        end_s: ctx.duration.as_secs_f64(),
    };
    let builders: [Builder; 12] = [
        pool::band_chart,
        pool::warm_chart,
        pool::enis_chart,
        pool::hit_rate_chart,
        pool::release_chart,
        pods::startup_chart,
        pods::pods_chart,
        pods::pending_chart,
        api::api_chart,
        capacity::groups_chart,
        capacity::subnets_chart,
        capacity::free_ips_chart,
    ];
    let mut figures = builders
        .iter()
        .map(|b| b(&run))
        .collect::<Result<Vec<Figure>, String>>()
        .map_err(io::Error::other)?;
    if let Some(zoom) = api::api_zoom_chart(&run).map_err(io::Error::other)? {
        let after = figures.iter().position(|f| f.chart.file == "api_calls.svg");
        figures.insert(after.map_or(figures.len(), |i| i + 1), zoom);
    }
    figures.extend(controller::controller_charts(&run).map_err(io::Error::other)?);
    Ok(figures)
}

/// Draws one of the run's charts.
type Builder = fn(&Run) -> Result<Figure, String>;

/// What every chart is drawn from.
struct Run<'a> {
    s: &'a RunSeries,
    summary: &'a Summary,
    ctx: &'a RunContext,
    /// Each sample's time, seconds.
    times: Vec<f64>,
    /// The run's end, seconds.
    end_s: f64,
}

impl Run<'_> {
    /// A timeseries column.
    fn column(&self, value: impl Fn(&SampleRow) -> f64) -> Vec<f64> {
        self.s.samples.iter().map(value).collect()
    }

    /// A chart of counts over the run's samples.
    fn counts(&self, title: &'static str, y_title: &str, layers: Vec<Layer>) -> TimeChart {
        TimeChart {
            title,
            y_title: y_title.to_string(),
            y: YAxis::Count,
            span_s: (0.0, self.end_s),
            run_s: self.end_s,
            times: self.times.clone(),
            layers,
        }
    }

    /// "every 10s", for captions.
    fn interval(&self) -> String {
        format_duration(self.ctx.sample_interval)
    }
}

fn figure(
    section: Section,
    file: &str,
    title: &'static str,
    svg: String,
    caption: String,
) -> Figure {
    Figure {
        section,
        chart: Chart {
            file: file.to_string(),
            title,
            svg,
        },
        caption,
    }
}
