//! The pods' charts: start-up latency, pods by state, pods waiting to be placed.

use super::{figure, Figure, Run};
use crate::cluster::pod::SchedulingFailure;
use crate::report::charts::axes::{fmt_count, fmt_duration};
use crate::report::charts::distribution::{cdf_budget, cdf_points, draw_cdf, log_floor, Cdf, Mark};
use crate::report::charts::frame::empty;
use crate::report::charts::timeline::{draw, Layer};
use crate::report::charts::{BLUE_, BROWN, GREEN_, OLIVE, ORANGE, PINK, PURPLE, RED_};
use crate::report::notes::Section;
use crate::report::series::RunSeries;
use plotters::style::RGBColor;

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

/// `startup_latency.svg`: the start-up CDFs with all pods' percentiles marked.
pub(super) fn startup_chart(run: &Run) -> Result<Figure, String> {
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

/// `pods.svg`: pods running, waiting for an ENI and not placed.
pub(super) fn pods_chart(run: &Run) -> Result<Figure, String> {
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

/// `pending.svg`: pods not placed yet, stacked by the scheduler's reason.
pub(super) fn pending_chart(run: &Run) -> Result<Figure, String> {
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
