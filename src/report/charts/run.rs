//! A run's charts, each with the line report.html shows to say how to read it and the
//! section of the page it belongs to. Drawn from [`RunSeries`]: every sample, and exact
//! latency and delay counts, never per-pod rows.

use super::axes::{fmt_count, fmt_duration, time_step, Clock};
use super::distribution::{
    bins, cdf_budget, cdf_points, draw_cdf, draw_histogram, log_floor, Cdf, Mark,
};
use super::frame::empty;
use super::timeline::{draw, draw_panels, Layer, Panel, TimeChart, YAxis};
use super::{Chart, BLUE_, BROWN, CYAN, GREEN_, GREY, OLIVE, ORANGE, PINK, PURPLE, RED_};
use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::cluster::pod::SchedulingFailure;
use crate::engine::time::format_duration;
use crate::engine::SimTime;
use crate::report::context::RunContext;
use crate::report::notes::Section;
use crate::report::rows::SampleRow;
use crate::report::series::{GroupPoint, RunSeries, Track};
use crate::report::summary::Summary;
use crate::scenario::model::{PolicyMode, ReleaseMode};
use plotters::style::RGBColor;
use std::io;
use std::ops::Range;

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
const MAX_PANELS: usize = 12;

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
        band_chart,
        warm_chart,
        enis_chart,
        hit_rate_chart,
        release_chart,
        startup_chart,
        pods_chart,
        pending_chart,
        api_chart,
        groups_chart,
        subnets_chart,
        free_ips_chart,
    ];
    let mut figures = builders
        .iter()
        .map(|b| b(&run))
        .collect::<Result<Vec<Figure>, String>>()
        .map_err(io::Error::other)?;
    if let Some(zoom) = api_zoom_chart(&run).map_err(io::Error::other)? {
        let after = figures.iter().position(|f| f.chart.file == "api_calls.svg");
        figures.insert(after.map_or(figures.len(), |i| i + 1), zoom);
    }
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

/// The band chart's series, one value per timeseries sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BandSeries {
    /// Sample times, seconds.
    pub times_s: Vec<f64>,
    /// The band's lower edge summed over nodes (`band_low`).
    pub low: Vec<f64>,
    /// Its upper edge (`band_high`).
    pub high: Vec<f64>,
    /// B summed over nodes (`enis_bound`).
    pub bound: Vec<f64>,
    /// Idle ENIs (`enis_idle`).
    pub idle: Vec<f64>,
    /// P summed over nodes: node_groups.csv's `pods` added up over groups.
    pub pods: Vec<f64>,
}

/// What the band chart draws.
pub fn band_series(s: &RunSeries) -> BandSeries {
    let column = |f: fn(&SampleRow) -> u32| s.samples.iter().map(|r| f64::from(f(r))).collect();
    BandSeries {
        times_s: s.samples.iter().map(|r| r.time.as_secs_f64()).collect(),
        low: column(|r| r.band_low),
        high: column(|r| r.band_high),
        bound: column(|r| r.enis_bound),
        idle: column(|r| r.enis_idle),
        pods: (0..s.samples.len())
            .map(|i| {
                s.groups
                    .iter()
                    .filter_map(|g| g.points.get(i))
                    .map(|p| f64::from(p.pods))
                    .sum()
            })
            .collect(),
    }
}

const BAND_TITLE: &str = "The policy's band: bound ENIs (B) against P + min_warm .. P + max_warm";
const STATIC_BAND_TITLE: &str = "Bound ENIs (B) against pods (P)";

fn band_chart(run: &Run) -> Result<Figure, String> {
    let b = band_series(run.s);
    let pool = run.ctx.mode == PolicyMode::Pool;
    let pods = Layer::line("pods holding or awaiting an ENI (P)", GREY, b.pods);
    let bound = Layer::line("bound ENIs (B)", BLUE_, b.bound);
    let (title, layers, caption) = if pool {
        let layers = vec![
            Layer::Band {
                label: "the band: P + min_warm to P + max_warm (at most M)".into(),
                color: GREEN_,
                low: b.low,
                high: b.high,
            },
            Layer::Area {
                label: "idle ENIs (bound, no pod)".into(),
                color: ORANGE,
                values: b.idle,
            },
            pods,
            bound,
        ];
        let caption = "Summed over nodes, the policy binds ENIs while B (blue, counted from the moment an \
            ENI's creation is asked) is below the green band and releases them while it is above; the orange \
            area is idle ENIs, what the pool costs (pool.idle_eni_hours).";
        (BAND_TITLE, layers, caption.to_string())
    } else {
        let caption =
            "Static IP mode keeps no pool: B (blue) follows the pods (grey), one ENI each.";
        (STATIC_BAND_TITLE, vec![pods, bound], caption.to_string())
    };
    let svg = draw(&run.counts(title, "ENIs (summed over nodes)", layers))?;
    Ok(figure(Section::Pool, "band.svg", title, svg, caption))
}

const WARM_TITLE: &str = "Warm ENIs: B - P against min_warm .. max_warm";

/// The band chart with P taken off every series: at any scale the band stays as wide as the
/// warm ENIs it allows, where on the band chart it is a hair on top of thousands of pods.
fn warm_chart(run: &Run) -> Result<Figure, String> {
    let file = "warm_enis.svg";
    if run.ctx.mode == PolicyMode::Static {
        let svg = empty(
            WARM_TITLE,
            "Static IP mode keeps no warm ENIs: B follows P.",
        )?;
        let caption = "Bound ENIs beyond the pods, against the warm ENIs the policy allows.";
        return Ok(figure(Section::Pool, file, WARM_TITLE, svg, caption.into()));
    }
    let b = band_series(run.s);
    let less_pods = |v: &[f64]| -> Vec<f64> { v.iter().zip(&b.pods).map(|(x, p)| x - p).collect() };
    let layers = vec![
        Layer::Band {
            label: "the band: min_warm to max_warm (at most M - P)".into(),
            color: GREEN_,
            low: less_pods(&b.low),
            high: less_pods(&b.high),
        },
        Layer::Area {
            label: "idle ENIs (bound, no pod)".into(),
            color: ORANGE,
            values: b.idle.clone(),
        },
        Layer::line("warm ENIs: B - P", BLUE_, less_pods(&b.bound)),
    ];
    let svg = draw(&run.counts(
        WARM_TITLE,
        "ENIs beyond the pods (summed over nodes)",
        layers,
    ))?;
    let caption = "The band chart less P, readable at any scale: B - P (blue) is the ENIs bound beyond \
        the pods, below zero when pods wait with no ENI bound for them; idle ENIs are those of them \
        already attached.";
    Ok(figure(Section::Pool, file, WARM_TITLE, svg, caption.into()))
}

fn enis_chart(run: &Run) -> Result<Figure, String> {
    let title = "ENIs";
    let layers = vec![
        Layer::line("in the VPC", RED_, run.column(|r| r.enis_total.into())),
        Layer::line(
            "bound to nodes (B)",
            BLUE_,
            run.column(|r| r.enis_bound.into()),
        ),
        Layer::line("idle in pools", GREEN_, run.column(|r| r.enis_idle.into())),
        Layer::line(
            "call in flight",
            ORANGE,
            run.column(|r| r.enis_in_flight.into()),
        ),
        Layer::line(
            "kept for static IPs",
            PURPLE,
            run.column(|r| r.enis_retained.into()),
        ),
    ];
    let svg = draw(&run.counts(title, "ENIs", layers))?;
    let caption =
        "Every ENI by state: the gap between \"in the VPC\" and \"bound\" is ENIs being released, \
        kept for static IPs or orphaned.";
    Ok(figure(
        Section::Pool,
        "enis.svg",
        title,
        svg,
        caption.into(),
    ))
}

/// The pool hit rate per window of time.
struct HitRate {
    /// The windows' width, seconds.
    width: f64,
    /// Each window's end.
    ends: Vec<f64>,
    /// The share of the pods started in each window that were pool hits (NaN: none started).
    each: Vec<f64>,
    /// The pods started in each window.
    started: Vec<f64>,
    /// The share since the start (NaN while no pod has started).
    so_far: Vec<f64>,
}

fn hit_rate_windows(run: &Run) -> HitRate {
    let width = time_step(run.end_s, 60.0, run.ctx.sample_interval.as_secs_f64());
    let w_ms = ((width * 1000.0) as u64).max(1);
    let n = ((run.ctx.duration.as_millis().max(1) - 1) / w_ms + 1) as usize;
    let mut sums = vec![(0u64, 0u64); n];
    for r in &run.s.samples {
        // A sample counts the pods started since the previous one: in the window ending at it.
        let window = ((r.time.as_millis().saturating_sub(1) / w_ms) as usize).min(n - 1);
        sums[window].0 += u64::from(r.pool_hits);
        sums[window].1 += u64::from(r.pods_started);
    }
    let share = |hits: u64, started: u64| {
        if started > 0 {
            hits as f64 / started as f64
        } else {
            f64::NAN
        }
    };
    let (mut hits, mut started) = (0, 0);
    HitRate {
        width,
        ends: (1..=n).map(|k| (k as f64 * width).min(run.end_s)).collect(),
        each: sums.iter().map(|&(h, s)| share(h, s)).collect(),
        started: sums.iter().map(|&(_, s)| s as f64).collect(),
        so_far: sums
            .iter()
            .map(|&(h, s)| {
                hits += h;
                started += s;
                share(hits, started)
            })
            .collect(),
    }
}

fn hit_rate_chart(run: &Run) -> Result<Figure, String> {
    let title = "Pool hit rate over time";
    let file = "pool_hit_rate.svg";
    let nothing = if run.ctx.mode == PolicyMode::Static {
        Some("Static IP mode keeps no pool: no pod finds an idle ENI waiting.")
    } else if run.summary.pods.started == 0 {
        Some("No pod started in this run: there is no hit rate to show.")
    } else {
        None
    };
    if let Some(sentence) = nothing {
        let svg = empty(title, sentence)?;
        let caption = "The share of started pods that found an idle ENI waiting, over time.";
        return Ok(figure(Section::Pool, file, title, svg, caption.into()));
    }
    let h = hit_rate_windows(run);
    let window = format_duration(SimTime((h.width * 1000.0) as u64));
    let chart = TimeChart {
        title,
        y_title: "pods started that found an idle ENI".into(),
        y: YAxis::Share,
        span_s: (0.0, run.end_s),
        run_s: run.end_s,
        times: h.ends,
        layers: vec![
            Layer::Line {
                label: "since the start of the run".into(),
                color: GREY,
                dashed: true,
                values: h.so_far,
            },
            Layer::Dots {
                label: format!("in the {window} before (larger: more pods started)"),
                color: BLUE_,
                values: h.each,
                weights: h.started,
            },
        ],
    };
    let svg = draw(&chart)?;
    let caption = format!(
        "Each dot is the share of the pods started in a {window} window that found an idle ENI, \
         larger for more pods (none started: no dot); dashed: the share since the start, ending at \
         pool.hit_rate."
    );
    Ok(figure(Section::Pool, file, title, svg, caption))
}

fn release_chart(run: &Run) -> Result<Figure, String> {
    let title = "Release delays: how long surplus ENIs waited to be released";
    let file = "release_delays.svg";
    let pacing = match run.ctx.release {
        ReleaseMode::Slow => format!(
            "one ENI per node every {} (release = slow), so a big surplus waits in line",
            format_duration(run.ctx.release_interval)
        ),
        ReleaseMode::Quick => format!(
            "all of a node's surplus at each check, every {} (release = quick)",
            format_duration(run.ctx.release_interval)
        ),
    };
    let caption =
        format!("How long each released ENI was surplus first: the policy releases {pacing}.");
    let counts = run.s.release_delay_ms.counts();
    let nothing = if run.ctx.mode == PolicyMode::Static {
        Some("Static IP mode keeps no pool: an ENI is released when its pod ends, not as surplus.")
    } else if counts.is_empty() {
        Some("No surplus ENI was released in this run.")
    } else {
        None
    };
    if let Some(sentence) = nothing {
        let svg = empty(title, sentence)?;
        return Ok(figure(Section::Pool, file, title, svg, caption));
    }
    let (width, bins) = bins(&counts);
    let max = counts.last().map_or(0.0, |c| c.0 as f64 / 1000.0);
    let (per, unit) = match max {
        m if m >= 180.0 => (60.0, "min"),
        m if m >= 1.0 => (1.0, "s"),
        _ => (0.001, "ms"),
    };
    let d = &run.summary.release.delay_s;
    let marks: Vec<Mark> = [("p50", d.p50, 0.5), ("p99", d.p99, 0.99)]
        .into_iter()
        .filter_map(|(name, v, share)| {
            v.map(|x| Mark {
                label: format!("{name} {}", fmt_duration(x)),
                x,
                share,
            })
        })
        .collect();
    let svg = draw_histogram(
        title,
        (&format!("time surplus before release ({unit})"), per),
        "ENIs released",
        &format!("ENIs released ({})", fmt_count(run.summary.release.count)),
        (width, &bins),
        &marks,
    )?;
    Ok(figure(Section::Pool, file, title, svg, caption))
}

/// The start-up latency CDFs: pool hits, pool misses and all pods (those with pods).
pub fn startup_cdfs(s: &RunSeries) -> Vec<Cdf> {
    let all = s.startup_hit_ms.merged(&s.startup_miss_ms);
    let all_counts = all.counts();
    let floor = log_floor(all_counts.iter().map(|c| c.0 as f64 / 1000.0));
    let budget = cdf_budget(3);
    [
        ("pool hits", GREEN_, s.startup_hit_ms.counts()),
        ("pool misses", ORANGE, s.startup_miss_ms.counts()),
        ("all pods", BLUE_, all_counts),
    ]
    .into_iter()
    .filter(|(_, _, counts)| !counts.is_empty())
    .map(|(name, color, counts)| {
        let n: u64 = counts.iter().map(|c| c.1).sum();
        Cdf {
            label: format!("{name} ({})", fmt_count(n)),
            color,
            points: cdf_points(&counts, floor, budget),
        }
    })
    .collect()
}

fn startup_chart(run: &Run) -> Result<Figure, String> {
    let title = "Start-up latency: pod scheduled to its ENI ready";
    let file = "startup_latency.svg";
    let cdfs = startup_cdfs(run.s);
    let caption =
        "Read across at 50%, 90% and 99% for the percentiles (marked): pool hits took an idle ENI \
        at once (0 s, at the left edge), misses waited for a new ENI to be created and attached.";
    if cdfs.is_empty() {
        let svg = empty(
            title,
            "No pod started in this run: there is no latency to show.",
        )?;
        return Ok(figure(Section::Startup, file, title, svg, caption.into()));
    }
    let l = &run.summary.startup_latency_s;
    let marks: Vec<Mark> = [
        ("p50", l.p50, 0.5),
        ("p90", l.p90, 0.9),
        ("p99", l.p99, 0.99),
    ]
    .into_iter()
    .filter_map(|(name, v, share)| {
        v.map(|x| Mark {
            label: format!("{name} {}", fmt_duration(x)),
            x,
            share,
        })
    })
    .collect();
    let svg = draw_cdf(
        title,
        "start-up latency (log scale)",
        "pods started within that latency",
        &cdfs,
        &marks,
    )?;
    Ok(figure(Section::Startup, file, title, svg, caption.into()))
}

fn pods_chart(run: &Run) -> Result<Figure, String> {
    let title = "Pods";
    let layers = vec![
        Layer::line("running", BLUE_, run.column(|r| r.pods_running.into())),
        Layer::line(
            "waiting for an ENI",
            ORANGE,
            run.column(|r| r.pods_waiting_eni.into()),
        ),
        Layer::line(
            "pending (not placed)",
            RED_,
            run.column(|r| r.pods_pending.into()),
        ),
    ];
    let svg = draw(&run.counts(title, "pods", layers))?;
    let caption =
        "A hump of \"waiting for an ENI\" after a scale-up is the pool running dry; \"pending\" \
        means no node could take the pods.";
    Ok(figure(
        Section::Startup,
        "pods.svg",
        title,
        svg,
        caption.into(),
    ))
}

/// Colours of the scheduling failure reasons, as [`SchedulingFailure::ALL`].
const REASON_COLORS: [RGBColor; 6] = [RED_, PURPLE, ORANGE, BROWN, PINK, OLIVE];

fn pending_chart(run: &Run) -> Result<Figure, String> {
    let title = "Pending pods by the reason they could not be placed";
    let file = "pending.svg";
    let caption =
        "Pods not placed yet, stacked by the scheduler's reason (no_free_eni_slot: every \
        exclusive-ENI slot taken; no_free_ip_in_zone: the zone's subnets full).";
    let parts: Vec<(String, RGBColor, Vec<f64>)> = SchedulingFailure::ALL
        .iter()
        .zip(REASON_COLORS)
        .enumerate()
        .map(|(i, (reason, color))| {
            let values = run.column(|r| r.pending_by_reason[i].into());
            (reason.name().to_string(), color, values)
        })
        .filter(|p| p.2.iter().any(|&v| v > 0.0))
        .collect();
    if parts.is_empty() {
        let sentence =
            "Every pod was placed on a node when it was created: no pod waited to be placed.";
        let svg = empty(title, sentence)?;
        return Ok(figure(
            Section::Scheduling,
            file,
            title,
            svg,
            caption.into(),
        ));
    }
    let svg = draw(&run.counts(title, "pods pending", vec![Layer::Stack(parts)]))?;
    Ok(figure(
        Section::Scheduling,
        file,
        title,
        svg,
        caption.into(),
    ))
}

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

fn api_chart(run: &Run) -> Result<Figure, String> {
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
fn api_zoom_chart(run: &Run) -> Result<Option<Figure>, String> {
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

/// The panels of the node groups chart: one per group, or per zone when there are more
/// groups than panels (the zone's groups added up); at most [`MAX_PANELS`].
/// Also what a panel is, and how many there would be without the limit.
fn group_panels(run: &Run) -> (Vec<Panel>, &'static str, usize) {
    let groups = &run.s.groups;
    let by_zone = groups.len() > MAX_PANELS;
    let mut tracks: Vec<(String, Vec<&Track<GroupPoint>>)> = Vec::new();
    for g in groups {
        let key = if by_zone {
            g.zone.clone()
        } else {
            format!("{} ({})", g.name, g.zone)
        };
        match tracks.iter_mut().find(|t| t.0 == key) {
            Some(t) => t.1.push(g),
            None => tracks.push((key, vec![g])),
        }
    }
    let n = run.times.len();
    let panels = tracks
        .iter()
        .take(MAX_PANELS)
        .map(|(title, members)| {
            let sum = |f: fn(&GroupPoint) -> u32| -> Vec<f64> {
                (0..n)
                    .map(|i| {
                        members
                            .iter()
                            .filter_map(|t| t.points.get(i))
                            .map(|p| f64::from(f(p)))
                            .sum()
                    })
                    .collect()
            };
            let mut layers = vec![
                Layer::line("pods holding or awaiting an ENI (P)", GREY, sum(|p| p.pods)),
                Layer::line("bound ENIs (B)", BLUE_, sum(|p| p.enis_bound)),
            ];
            if run.ctx.mode == PolicyMode::Pool {
                let idle = Layer::Area {
                    label: "idle ENIs".into(),
                    color: ORANGE,
                    values: sum(|p| p.enis_idle),
                };
                layers.insert(0, idle);
            }
            Panel {
                title: title.clone(),
                layers,
            }
        })
        .collect();
    let what = if by_zone {
        "zone"
    } else {
        "node group (zone in brackets)"
    };
    (panels, what, tracks.len())
}

fn groups_chart(run: &Run) -> Result<Figure, String> {
    let title = "Node groups: pods, bound and idle ENIs";
    let (panels, what, all) = group_panels(run);
    let more = if all > panels.len() {
        format!(
            " The first {} of {all} are shown; node_groups.csv has every group.",
            panels.len()
        )
    } else {
        String::new()
    };
    let chart = run.counts(title, "pods or ENIs", vec![]);
    let svg = draw_panels(&chart, &panels, true)?;
    let reading = match run.ctx.mode {
        PolicyMode::Pool => "P, B and idle ENIs; B well above P is warm ENIs the group keeps",
        PolicyMode::Static => "P and B, one ENI per pod in static IP mode",
    };
    let caption = format!("One panel per {what}, all on one scale: {reading}.{more}");
    Ok(figure(
        Section::Capacity,
        "node_groups.svg",
        title,
        svg,
        caption,
    ))
}

fn subnets_chart(run: &Run) -> Result<Figure, String> {
    let title = "Subnets: addresses used against their size";
    let subnets = &run.s.subnets;
    let panels: Vec<Panel> = subnets
        .iter()
        .take(MAX_PANELS)
        .map(|t| {
            let col = |f: fn(&crate::report::series::SubnetPoint) -> u32| {
                t.points.iter().map(|p| f64::from(f(p))).collect()
            };
            Panel {
                title: format!("{} ({})", t.name, t.zone),
                layers: vec![
                    Layer::Area {
                        label: "addresses held by ENIs".into(),
                        color: BLUE_,
                        values: col(|p| p.used_ips),
                    },
                    Layer::Line {
                        label: "usable addresses (size)".into(),
                        color: RED_,
                        dashed: true,
                        values: col(|p| p.usable_ips),
                    },
                ],
            }
        })
        .collect();
    let more = if subnets.len() > MAX_PANELS {
        format!(
            " The first {MAX_PANELS} of {} are shown; subnets.csv has them all.",
            subnets.len()
        )
    } else {
        String::new()
    };
    let chart = run.counts(title, "addresses", vec![]);
    let svg = draw_panels(&chart, &panels, false)?;
    let caption = format!(
        "One panel per subnet (zone in brackets), each on its own scale: addresses held by ENIs against \
         the usable ones (dashed); touching the line is the subnet running dry.{more}"
    );
    Ok(figure(
        Section::Capacity,
        "subnets.svg",
        title,
        svg,
        caption,
    ))
}

fn free_ips_chart(run: &Run) -> Result<Figure, String> {
    let title = "Free addresses over all subnets";
    let layers = vec![Layer::line(
        "free",
        GREEN_,
        run.column(|r| r.subnet_free_ips as f64),
    )];
    let svg = draw(&run.counts(title, "addresses", layers))?;
    let caption = "Free addresses over every subnet: at zero no new ENI can be created anywhere.";
    Ok(figure(
        Section::Capacity,
        "subnet_free_ips.svg",
        title,
        svg,
        caption.into(),
    ))
}
