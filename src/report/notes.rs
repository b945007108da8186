//! The sections of report.html and the "what to look at" paragraph of each, written from the
//! run's figures: where the band was left and by how much, what the slow pods waited for,
//! when calls were throttled, which subnet came closest to running dry.

use super::charts::axes::{fmt_count, fmt_duration, fmt_percent, Clock};
use super::context::RunContext;
use super::series::{GroupPoint, RunSeries, Track};
use super::stats::{Percentiles, Samples};
use super::summary::Summary;
use crate::cloud::api::ApiErrorCode;
use crate::cluster::pod::SchedulingFailure;
use crate::engine::time::format_duration;
use crate::engine::SimTime;
use crate::policy::pool::ReleaseMode;
use crate::report::rows::SampleRow;
use crate::scenario::model::PolicyMode;

/// A section of report.html, in page order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The pool: the band, ENIs, hit rate, release delays.
    Pool,
    /// Start-up latency and pods.
    Startup,
    /// Pods that could not be placed.
    Scheduling,
    /// VPC API traffic.
    Api,
    /// Node groups, zones and subnets.
    Capacity,
}

impl Section {
    /// Every section, in page order.
    pub const ALL: [Section; 5] = [
        Section::Pool,
        Section::Startup,
        Section::Scheduling,
        Section::Api,
        Section::Capacity,
    ];

    /// The section's heading.
    pub fn title(self, mode: PolicyMode) -> &'static str {
        match (self, mode) {
            (Section::Pool, PolicyMode::Pool) => "The warm pool: does B stay in the band?",
            (Section::Pool, PolicyMode::Static) => "ENIs (static IP mode: no warm pool)",
            (Section::Startup, _) => "Start-up latency: how long pods wait for their ENI",
            (Section::Scheduling, _) => "Scheduling: pods that could not be placed",
            (Section::Api, _) => "VPC API: calls, errors and throttling",
            (Section::Capacity, _) => "Node groups, zones and subnets",
        }
    }

    /// The section's anchor in the page.
    pub fn id(self) -> &'static str {
        match self {
            Section::Pool => "pool",
            Section::Startup => "startup",
            Section::Scheduling => "scheduling",
            Section::Api => "api",
            Section::Capacity => "capacity",
        }
    }

    /// What to look at in this section, in plain sentences from the run's figures.
    pub fn notes(self, s: &Summary, series: &RunSeries, ctx: &RunContext) -> String {
        let w = Writer { series, ctx };
        let sentences = match self {
            Section::Pool => w.pool(s),
            Section::Startup => w.startup(s),
            Section::Scheduling => w.scheduling(s),
            Section::Api => w.api(s),
            Section::Capacity => w.capacity(s),
        };
        if sentences.is_empty() {
            return "Nothing happened here in this run: the charts below are empty.".into();
        }
        sentences.join(" ")
    }
}

/// Writes the sentences of each section.
struct Writer<'a> {
    series: &'a RunSeries,
    ctx: &'a RunContext,
}

impl Writer<'_> {
    /// When `t` is, as the charts' time axis reads it: `0:10` in a run of hours, `4m30s` in
    /// a shorter one.
    fn when(&self, t: SimTime) -> String {
        match Clock::for_span(self.ctx.duration.as_secs_f64()) {
            Clock::HoursMinutes => Clock::HoursMinutes.show(t.as_secs_f64()),
            _ => format_duration(SimTime(t.as_millis() / 1000 * 1000)),
        }
    }

    /// The highest value of `f` over the samples and when it was first reached; `None` when
    /// it is never above zero.
    fn peak(&self, f: impl Fn(&SampleRow) -> u64) -> Option<(u64, SimTime)> {
        let mut best: Option<(u64, SimTime)> = None;
        for r in &self.series.samples {
            let v = f(r);
            if v > 0 && best.is_none_or(|b| v > b.0) {
                best = Some((v, r.time));
            }
        }
        best
    }

    fn pool(&self, s: &Summary) -> Vec<String> {
        let samples = &self.series.samples;
        let mut out = Vec::new();
        if self.ctx.mode == PolicyMode::Static {
            if let Some((n, at)) = self.peak(|r| r.enis_bound.into()) {
                out.push(format!(
                    "Every pod gets an ENI of its own; at most {} were bound at once ({}).",
                    fmt_count(n),
                    self.when(at)
                ));
            }
            let st = &s.static_ip;
            if st.retained > 0 {
                out.push(format!(
                    "{} kept for their pod's name, {} given back to a new incarnation, {} \
                     deleted when their retention ran out, {} lost with their node.",
                    many(st.retained, "ENI"),
                    fmt_count(st.reattached),
                    fmt_count(st.expired),
                    fmt_count(st.lost)
                ));
            }
            return out;
        }
        if !samples.is_empty() {
            let n = samples.len() as f64;
            let below = samples.iter().filter(|r| r.enis_bound < r.band_low).count();
            let above = samples
                .iter()
                .filter(|r| r.enis_bound > r.band_high)
                .count();
            let inside = samples.len() - below - above;
            let mut parts = vec![format!(
                "B was inside the band in {} of the samples",
                fmt_percent(inside as f64 / n)
            )];
            if let Some((d, at)) = self.peak(|r| r.band_low.saturating_sub(r.enis_bound).into()) {
                parts.push(format!(
                    "below it in {} (by up to {} at {}: the policy was still binding, pods waited)",
                    fmt_percent(below as f64 / n),
                    many(d, "ENI"),
                    self.when(at)
                ));
            }
            if let Some((d, at)) = self.peak(|r| r.enis_bound.saturating_sub(r.band_high).into()) {
                parts.push(format!(
                    "above it in {} (by up to {} at {}: surplus waiting for its release)",
                    fmt_percent(above as f64 / n),
                    many(d, "ENI"),
                    self.when(at)
                ));
            }
            out.push(format!("{}.", parts.join(", ")));
        }
        let idle_peak = self
            .peak(|r| r.enis_idle.into())
            .map_or(String::new(), |(n, at)| {
                format!(
                    " (at most {} idle at once, at {})",
                    fmt_count(n),
                    self.when(at)
                )
            });
        let found = s.pool.hit_rate.map_or(String::new(), |rate| {
            format!("; {} of started pods found one waiting", fmt_percent(rate))
        });
        out.push(format!(
            "Idle ENIs cost {} ENI-hours{idle_peak}{found}.",
            fmt_decimal(s.pool.idle_eni_hours),
        ));
        let r = &s.release;
        match (r.delay_s.p50, r.delay_s.max) {
            (Some(p50), Some(max)) => {
                let how = match self.ctx.release {
                    ReleaseMode::Slow => "one per node per",
                    ReleaseMode::Quick => "all surplus of a node at each",
                };
                out.push(format!(
                    "{} released after {} at the median and up to {} ({how} \
                     release_interval of {}).",
                    many(r.count, "surplus ENI"),
                    fmt_duration(p50),
                    fmt_duration(max),
                    format_duration(self.ctx.release_interval)
                ));
            }
            _ => out.push("No surplus ENI was released.".into()),
        }
        out
    }

    fn startup(&self, s: &Summary) -> Vec<String> {
        let l = &s.startup_latency_s;
        let (Some(p50), Some(p99), Some(max)) = (l.p50, l.p99, l.max) else {
            return vec!["No pod started: there is no start-up latency to show.".into()];
        };
        let mut out = vec![format!(
            "p99 start-up {} (p50 {}, slowest {}).",
            fmt_duration(p99),
            fmt_duration(p50),
            fmt_duration(max)
        )];
        let hits = self.series.startup_hit_ms.len();
        let misses = self.series.startup_miss_ms.len();
        let miss = Percentiles::of(&mut Samples::clone(&self.series.startup_miss_ms));
        let mut split = format!(
            "{} took an idle ENI at once and {} waited for a new one",
            many(hits as u64, "pod"),
            fmt_count(misses as u64)
        );
        if let (Some(m50), Some(m99)) = (miss.p50, miss.p99) {
            split.push_str(&format!(
                " (p50 {}, p99 {})",
                fmt_duration(m50),
                fmt_duration(m99)
            ));
        }
        out.push(format!("{split}."));
        let sp = &s.startup_split_s;
        if let (Some(mean), Some(q), Some(t), Some(a), Some(o)) =
            (l.mean, sp.queueing, sp.throttling, sp.api, sp.other)
        {
            if mean > 0.0 {
                out.push(format!(
                    "The mean wait of {} splits into queueing in the ENI controller {}, \
                     throttling {}, VPC API latency {} and other {}.",
                    fmt_duration(mean),
                    fmt_duration(q),
                    fmt_duration(t),
                    fmt_duration(a),
                    fmt_duration(o)
                ));
            }
        }
        let timeout = format_duration(self.ctx.eni_timeout);
        let waiting = self.peak(|r| r.pods_waiting_eni.into());
        let peak = waiting.map_or(String::new(), |(n, at)| {
            format!(
                "; waiting for an ENI peaked at {} at {}",
                many(n, "pod"),
                self.when(at)
            )
        });
        if s.pods.eni_timeouts > 0 {
            out.push(format!(
                "{} waited past the ENI timeout ({timeout}){peak}.",
                many(s.pods.eni_timeouts, "pod")
            ));
        } else {
            out.push(format!(
                "No pod waited past the ENI timeout ({timeout}){peak}."
            ));
        }
        out
    }

    fn scheduling(&self, s: &Summary) -> Vec<String> {
        let p = &s.pods;
        let Some((n, at)) = self.peak(|r| r.pods_pending.into()) else {
            return vec!["Every pod was placed on a node when it was created.".into()];
        };
        let reasons: Vec<String> = p
            .failed_scheduling_by_reason
            .iter()
            .map(|(k, v)| format!("{k} {}", fmt_count(*v)))
            .collect();
        let mut out = vec![format!(
            "{} could not be placed when created ({}); pending peaked at {} at {}, \
             {} still pending at the end.",
            many(p.failed_scheduling, "pod"),
            reasons.join(", "),
            fmt_count(n),
            self.when(at),
            fmt_count(p.pending_at_end)
        )];
        if let Some(i) = self.most_pending_reason() {
            out.push(format!(
                "Most of the waiting was {}.",
                SchedulingFailure::ALL[i].name()
            ));
        }
        out
    }

    /// The reason that kept the most pod-samples pending.
    fn most_pending_reason(&self) -> Option<usize> {
        let mut totals = [0u64; SchedulingFailure::ALL.len()];
        for r in &self.series.samples {
            for (t, n) in totals.iter_mut().zip(r.pending_by_reason) {
                *t += u64::from(n);
            }
        }
        let (i, &most) = totals.iter().enumerate().rev().max_by_key(|&(_, t)| *t)?;
        (most > 0).then_some(i)
    }

    fn api(&self, s: &Summary) -> Vec<String> {
        let a = &s.api;
        if a.calls_total == 0 {
            return vec!["No VPC call was made.".into()];
        }
        let per: Vec<String> = a
            .calls
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(k, &n)| format!("{k} {}", fmt_count(n)))
            .collect();
        let interval = format_duration(self.ctx.sample_interval);
        let mut out = vec![format!(
            "{} in all ({}){}.",
            many(a.calls_total, "call"),
            per.join(", "),
            self.peak(|r| r.api_calls)
                .map_or(String::new(), |(n, at)| format!(
                    ", at most {} in one {interval} interval at {}",
                    fmt_count(n),
                    self.when(at)
                ))
        )];
        let throttled = ApiErrorCode::RequestLimitExceeded.index();
        if a.throttled > 0 {
            let peak =
                self.peak(|r| r.errors_by_code[throttled])
                    .map_or(String::new(), |(n, at)| {
                        format!(
                            ", up to {} in one interval at {}",
                            fmt_count(n),
                            self.when(at)
                        )
                    });
            out.push(format!(
                "{} throttled (RequestLimitExceeded){peak}: each is retried after a backoff, \
                 so throttling adds to the wait of the pods behind it.",
                many(a.throttled, "call")
            ));
        }
        let others: Vec<String> = a
            .errors
            .iter()
            .filter(|(k, _)| k.as_str() != ApiErrorCode::RequestLimitExceeded.name())
            .map(|(k, &n)| format!("{k} {}", fmt_count(n)))
            .collect();
        if others.is_empty() {
            if a.throttled == 0 {
                out.push("No call failed.".into());
            }
        } else {
            out.push(format!("Other failed calls: {}.", others.join(", ")));
        }
        out.extend(controller(s));
        out
    }

    fn capacity(&self, s: &Summary) -> Vec<String> {
        let mut out = Vec::new();
        // Ties go to the first subnet in the file.
        let fullest = (self.series.subnets.iter().rev())
            .filter_map(|t| {
                let usable = t.points.first()?.usable_ips;
                let figures = s.subnets.get(&t.name)?;
                let share = figures.peak_used_ips as f64 / f64::from(usable.max(1));
                Some((t, usable, figures, share))
            })
            .max_by(|a, b| a.3.total_cmp(&b.3));
        if let Some((t, usable, figures, share)) = fullest {
            let mut text = format!(
                "The fullest subnet, {} ({}), held at most {} of its {} usable addresses ({})",
                t.name,
                t.zone,
                fmt_count(figures.peak_used_ips),
                fmt_count(usable.into()),
                fmt_percent(share)
            );
            if figures.exhausted_s > 0.0 {
                text.push_str(&format!(
                    " and had none free for {}",
                    fmt_duration(figures.exhausted_s)
                ));
            }
            out.push(format!("{text}."));
        }
        let groups = &self.series.groups;
        let idle =
            |g: &Track<GroupPoint>| g.points.iter().map(|p| u64::from(p.enis_idle)).sum::<u64>();
        if let Some(g) = groups.iter().rev().max_by_key(|g| idle(g)) {
            if groups.len() > 1 && idle(g) > 0 {
                out.push(format!(
                    "Node group {} ({}) kept the most idle ENIs over the run.",
                    g.name, g.zone
                ));
            }
        }
        out
    }
}

/// `n` things: `1 pod`, `23,345 pods` (the plural by an `s`).
/// What the ENI controller's queue did, under the queue model.
fn controller(s: &Summary) -> Option<String> {
    let c = &s.controller;
    let reconciles = c.reconciles?;
    let q = &c.queue_wait_s;
    let wait = match (q.p99, q.max) {
        (Some(p99), Some(max)) => format!(
            ", each waiting for a worker up to {} (p99 {})",
            fmt_duration(max),
            fmt_duration(p99)
        ),
        _ => String::new(),
    };
    let held = match (c.client_throttled_calls, c.client_throttled_s) {
        (Some(n), Some(secs)) if n > 0 => format!(
            "; {} waited for its client-side limit, {} in all",
            many(n, "call"),
            fmt_duration(secs)
        ),
        _ => String::new(),
    };
    Some(format!(
        "The ENI controller took {} from its work queue{wait}{held}.",
        many(reconciles, "item")
    ))
}

fn many(n: u64, thing: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {thing}{s}", fmt_count(n))
}

/// A figure with one decimal and thousands separators: `1,433.4`.
fn fmt_decimal(v: f64) -> String {
    let tenths = (v * 10.0).round() as u64;
    format!("{}.{}", fmt_count(tenths / 10), tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::stats::Samples;

    fn ctx(mode: PolicyMode) -> RunContext {
        RunContext {
            mode,
            release: ReleaseMode::Slow,
            release_interval: SimTime::from_secs(120),
            eni_timeout: SimTime::from_secs(30),
            sample_interval: SimTime::from_secs(600),
            duration: SimTime::from_secs(3 * 3600),
            warm_band: true,
            warm: Some((1, 3)),
        }
    }

    /// Samples every 10 minutes with (band_low, band_high, enis_bound, pods_waiting_eni).
    fn series(rows: &[(u32, u32, u32, u32)]) -> RunSeries {
        let samples = (0u64..)
            .zip(rows)
            .map(|(i, &(low, high, bound, waiting))| SampleRow {
                time: SimTime::from_secs(600 * i),
                band_low: low,
                band_high: high,
                enis_bound: bound,
                pods_waiting_eni: waiting,
                ..SampleRow::default()
            })
            .collect();
        RunSeries {
            samples,
            ..RunSeries::default()
        }
    }

    #[test]
    fn the_pool_notes_say_how_often_and_how_far_b_left_the_band() {
        let s = series(&[
            (10, 12, 10, 0),
            (10, 12, 8, 0),
            (10, 12, 15, 0),
            (10, 12, 12, 0),
        ]);
        let mut summary = Summary::default();
        summary.pool.idle_eni_hours = 1433.44;
        summary.pool.hit_rate = Some(0.362);
        let text = Section::Pool.notes(&summary, &s, &ctx(PolicyMode::Pool));
        assert_eq!(
            text,
            "B was inside the band in 50% of the samples, below it in 25% (by up to 2 ENIs at \
             0:10: the policy was still binding, pods waited), above it in 25% (by up to 3 ENIs \
             at 0:20: surplus waiting for its release). Idle ENIs cost 1,433.4 ENI-hours; 36.2% \
             of started pods found one waiting. No surplus ENI was released."
        );
    }

    #[test]
    fn the_startup_notes_split_hits_from_misses_and_count_timeouts() {
        let mut s = series(&[(0, 0, 0, 0), (0, 0, 0, 560), (0, 0, 0, 3)]);
        let mut miss = Samples::default();
        for ms in [20_000, 40_000, 60_000] {
            miss.push(ms);
        }
        s.startup_miss_ms = miss;
        s.startup_hit_ms.push(0);
        let mut summary = Summary::default();
        summary.startup_latency_s.p50 = Some(20.0);
        summary.startup_latency_s.p99 = Some(60.0);
        summary.startup_latency_s.max = Some(60.0);
        summary.pods.eni_timeouts = 2;
        let text = Section::Startup.notes(&summary, &s, &ctx(PolicyMode::Pool));
        assert_eq!(
            text,
            "p99 start-up 60 s (p50 20 s, slowest 60 s). 1 pod took an idle ENI at once and 3 \
             waited for a new one (p50 40 s, p99 60 s). 2 pods waited past the ENI timeout \
             (30s); waiting for an ENI peaked at 560 pods at 0:10."
        );
    }

    #[test]
    fn a_run_with_nothing_in_it_still_says_something_in_every_section() {
        let (summary, s) = (Summary::default(), RunSeries::default());
        for mode in [PolicyMode::Pool, PolicyMode::Static] {
            for section in Section::ALL {
                let text = section.notes(&summary, &s, &ctx(mode));
                assert!(
                    text.ends_with('.') && text.len() > 20,
                    "{section:?}: {text:?}"
                );
            }
        }
        let text = Section::Startup.notes(&summary, &s, &ctx(PolicyMode::Pool));
        assert_eq!(
            text,
            "No pod started: there is no start-up latency to show."
        );
    }
}
