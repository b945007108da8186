//! The warm pool's charts: the band, warm ENIs, ENIs by state, the hit rate over time and
//! the release delays.

use super::{figure, Figure, Run};
use crate::engine::time::format_duration;
use crate::engine::SimTime;
use crate::policy::pool::ReleaseMode;
use crate::report::charts::axes::{fmt_count, fmt_duration, time_step};
use crate::report::charts::distribution::{bins, draw_histogram, Mark};
use crate::report::charts::frame::empty;
use crate::report::charts::timeline::{draw, Layer, TimeChart, YAxis};
use crate::report::charts::{BLUE_, GREEN_, GREY, ORANGE, PURPLE, RED_};
use crate::report::notes::Section;
use crate::report::rows::SampleRow;
use crate::report::series::RunSeries;
use crate::scenario::model::PolicyMode;

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
/// The band chart's title for a family whose band is not built from min_warm and max_warm.
const FAMILY_BAND_TITLE: &str =
    "The policy's band: bound ENIs (B) against where the policy keeps them";
const STATIC_BAND_TITLE: &str = "Bound ENIs (B) against pods (P)";

/// `band.svg`: B against the policy's band, P and idle ENIs, summed over nodes.
pub(super) fn band_chart(run: &Run) -> Result<Figure, String> {
    let b = band_series(run.s);
    let pool = run.ctx.mode == PolicyMode::Pool;
    let pods = Layer::line("pods holding or awaiting an ENI (P)", GREY, b.pods);
    let bound = Layer::line("bound ENIs (B)", BLUE_, b.bound);
    let (title, layers, caption) = if pool {
        let layers = vec![
            Layer::Band {
                label: match run.ctx.warm_band {
                    true => "the band: P + min_warm to P + max_warm (at most M)",
                    false => "the band: where the policy keeps B (at most M)",
                }
                .into(),
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
        let caption = format!(
            "Summed over nodes, the policy binds ENIs while B (blue, counted from the moment an ENI's \
             creation is asked) is below the green band{} and releases them while it is above; the \
             orange area is idle ENIs, what the pool costs (pool.idle_eni_hours).",
            warm_settings(run, "P + ")
        );
        let title = match run.ctx.warm_band {
            true => BAND_TITLE,
            false => FAMILY_BAND_TITLE,
        };
        (title, layers, caption)
    } else {
        let caption =
            "Static IP mode keeps no pool: B (blue) follows the pods (grey), one ENI each.";
        (STATIC_BAND_TITLE, vec![pods, bound], caption.to_string())
    };
    let svg = draw(&run.counts(title, "ENIs (summed over nodes)", layers))?;
    Ok(figure(Section::Pool, "band.svg", title, svg, caption))
}

const WARM_TITLE: &str = "Warm ENIs: B - P against min_warm .. max_warm";
/// The warm chart's title for a family whose band is not built from min_warm and max_warm.
const FAMILY_WARM_TITLE: &str = "Warm ENIs: B - P against the policy's band less P";

/// The band chart with P taken off every series: at any scale the band stays as wide as the
/// warm ENIs it allows, where on the band chart it is a hair on top of thousands of pods.
pub(super) fn warm_chart(run: &Run) -> Result<Figure, String> {
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
            label: match run.ctx.warm_band {
                true => "the band: min_warm to max_warm (at most M - P)",
                false => "the band less P (at most M - P)",
            }
            .into(),
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
    let title = match run.ctx.warm_band {
        true => WARM_TITLE,
        false => FAMILY_WARM_TITLE,
    };
    let svg = draw(&run.counts(title, "ENIs beyond the pods (summed over nodes)", layers))?;
    let caption = format!(
        "The band chart less P, readable at any scale: B - P (blue) is the ENIs bound beyond the pods \
         against the band{}, below zero when pods wait with no ENI bound for them; idle ENIs are \
         those of them already attached.",
        warm_settings(run, "")
    );
    Ok(figure(Section::Pool, file, title, svg, caption))
}

/// ` (P + 1 to P + 3 per node)` with `prefix` "P + " when every node group starts with the same
/// min_warm and max_warm; nothing when they differ.
fn warm_settings(run: &Run, prefix: &str) -> String {
    run.ctx.warm.map_or(String::new(), |(min, max)| {
        format!(" ({prefix}{min} to {prefix}{max} per node)")
    })
}

/// `enis.svg`: every ENI by state.
pub(super) fn enis_chart(run: &Run) -> Result<Figure, String> {
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

/// `pool_hit_rate.svg`: the pool hit rate per window and since the start.
pub(super) fn hit_rate_chart(run: &Run) -> Result<Figure, String> {
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

/// `release_delays.svg`: a histogram of how long released ENIs were surplus.
pub(super) fn release_chart(run: &Run) -> Result<Figure, String> {
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
