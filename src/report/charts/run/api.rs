//! The VPC API's charts: calls stacked by API with errors and throttling, and the zoom into
//! a burst.

use super::{figure, Figure, Run};
use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::report::charts::axes::{fmt_count, Clock};
use crate::report::charts::frame::empty;
use crate::report::charts::timeline::{draw, Layer, TimeChart, YAxis};
use crate::report::charts::{BLUE_, BROWN, CYAN, GREEN_, OLIVE, ORANGE, PINK, PURPLE, RED_};
use crate::report::notes::Section;
use crate::report::rows::SampleRow;
use plotters::style::RGBColor;
use std::ops::Range;

/// Colours of the endpoints, as [`Endpoint::ALL`], and of the error codes, as
/// [`ApiErrorCode::ALL`].
const ENDPOINT_COLORS: [RGBColor; 5] = [BLUE_, GREEN_, PURPLE, BROWN, CYAN];
const ERROR_COLORS: [RGBColor; 5] = [RED_, PINK, OLIVE, plotters::style::BLACK, ORANGE];

/// The legend of an error code's line: throttled calls say so.
fn error_label(code: ApiErrorCode) -> String {
    match code {
        ApiErrorCode::RequestLimitExceeded => "throttled (RequestLimitExceeded)".into(),
        code => format!("failed: {}", code.name()),
    }
}

/// The API chart's layers over the samples in `within`: the calls stacked by API (those with
/// any), and a line per error code (those with any).
fn api_layers(run: &Run, within: Range<usize>) -> Vec<Layer> {
    let samples = &run.s.samples[within];
    let column = |f: &dyn Fn(&SampleRow) -> u64| -> Vec<f64> {
        samples.iter().map(|r| f(r) as f64).collect()
    };
    let calls: Vec<(String, RGBColor, Vec<f64>)> = (Endpoint::ALL.iter().zip(ENDPOINT_COLORS))
        .enumerate()
        .map(|(i, (e, color))| {
            let values = column(&|r| r.calls_by_endpoint[i]);
            (e.name().to_string(), color, values)
        })
        .filter(|p| p.2.iter().any(|&v| v > 0.0))
        .collect();
    let mut layers = vec![Layer::Stack(calls)];
    for (i, (code, color)) in ApiErrorCode::ALL.iter().zip(ERROR_COLORS).enumerate() {
        let values = column(&|r| r.errors_by_code[i]);
        if values.iter().any(|&v| v > 0.0) {
            layers.push(Layer::line(error_label(*code), color, values));
        }
    }
    layers
}

/// `api_calls.svg`: calls per sample interval stacked by API, a line per error code.
pub(super) fn api_chart(run: &Run) -> Result<Figure, String> {
    let title = "VPC API calls per sample interval";
    let file = "api_calls.svg";
    let caption = format!(
        "Calls per {} stacked by API (describe_task: task polls; retries count), and a line per error \
         code: throttled calls (RequestLimitExceeded) on their own.",
        run.interval()
    );
    if run.summary.api.calls_total == 0 {
        let svg = empty(title, "No VPC call was made in this run.")?;
        return Ok(figure(Section::Api, file, title, svg, caption));
    }
    let layers = api_layers(run, 0..run.times.len());
    let y_title = format!("calls per {} interval", run.interval());
    let svg = draw(&run.counts(title, &y_title, layers))?;
    Ok(figure(Section::Api, file, title, svg, caption))
}

/// Sample intervals the zoom into the busiest calls spans.
const ZOOM_INTERVALS: f64 = 30.0;

/// A zoom is drawn when its window holds at least this many times its share of the run's
/// samples in calls: a burst, not a busy day.
const ZOOM_CONCENTRATION: f64 = 5.0;

/// The API chart zoomed into the [`ZOOM_INTERVALS`] around the interval with the most calls,
/// at full resolution: what a storm does interval by interval. Only where the whole-run
/// chart squeezes a burst into a few pixels: runs at least four windows long whose window
/// holds [`ZOOM_CONCENTRATION`] times its share of the calls.
pub(super) fn api_zoom_chart(run: &Run) -> Result<Option<Figure>, String> {
    let span = ZOOM_INTERVALS * run.ctx.sample_interval.as_secs_f64();
    let peak = (run.s.samples.iter().enumerate().rev()).max_by_key(|(_, r)| r.api_calls);
    let Some((peak, row)) = peak else {
        return Ok(None);
    };
    if run.end_s < 4.0 * span || row.api_calls == 0 {
        return Ok(None);
    }
    let start = (run.times[peak] - span / 2.0).clamp(0.0, run.end_s - span);
    let end = start + span;
    let within =
        run.times.partition_point(|&t| t < start)..run.times.partition_point(|&t| t <= end);
    let samples = &run.s.samples;
    let in_window: u64 = samples[within.clone()].iter().map(|r| r.api_calls).sum();
    let share_of_calls = in_window as f64 / run.summary.api.calls_total.max(1) as f64;
    let share_of_time = within.len() as f64 / samples.len() as f64;
    if share_of_calls < ZOOM_CONCENTRATION * share_of_time {
        return Ok(None);
    }
    let title = "VPC API calls around the busiest interval";
    let clock = Clock::for_span(run.end_s);
    let chart = TimeChart {
        title,
        y_title: format!("calls per {} interval", run.interval()),
        y: YAxis::Count,
        span_s: (start, end),
        run_s: run.end_s,
        times: run.times[within.clone()].to_vec(),
        layers: api_layers(run, within),
    };
    let svg = draw(&chart)?;
    let caption = format!(
        "The chart above from {} to {}, around its busiest interval ({} calls at {}), interval by \
         interval.",
        clock.show(start),
        clock.show(end),
        fmt_count(row.api_calls),
        clock.show(run.times[peak])
    );
    Ok(Some(figure(
        Section::Api,
        "api_calls_busiest.svg",
        title,
        svg,
        caption,
    )))
}
