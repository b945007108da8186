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
use crate::report::rows::SampleRow;
use crate::scenario::model::{PolicyMode, ReleaseMode};

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
                    "{} ENIs were kept for their pod's name, {} given back to a new incarnation, {} \
                     deleted when their retention ran out, {} lost with their node.",
                    fmt_count(st.retained),
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
                    "below it in {} (by up to {} ENIs at {}: the policy was still binding, pods waited)",
                    fmt_percent(below as f64 / n),
                    fmt_count(d),
                    self.when(at)
                ));
            }
            if let Some((d, at)) = self.peak(|r| r.enis_bound.saturating_sub(r.band_high).into()) {
                parts.push(format!(
                    "above it in {} (by up to {} ENIs at {}: surplus waiting for its release)",
                    fmt_percent(above as f64 / n),
                    fmt_count(d),
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
        out.push(format!(
            "Idle ENIs cost {} ENI-hours{idle_peak}; {} of started pods found one waiting.",
            fmt_decimal(s.pool.idle_eni_hours),
            s.pool.hit_rate.map_or("none".to_string(), fmt_percent)
        ));
        let r = &s.release;
        match (r.delay_s.p50, r.delay_s.max) {
            (Some(p50), Some(max)) => {
                let how = match self.ctx.release {
                    ReleaseMode::Slow => "one per node per",
                    ReleaseMode::Quick => "all surplus of a node at each",
                };
                out.push(format!(
                    "{} surplus ENIs were released after {} at the median and up to {} ({how} \
                     release_interval of {}).",
                    fmt_count(r.count),
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
            "{} pods took an idle ENI at once and {} waited for a new one",
            fmt_count(hits as u64),
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
        let timeout = format_duration(self.ctx.eni_timeout);
        let waiting = self.peak(|r| r.pods_waiting_eni.into());
        let peak = waiting.map_or(String::new(), |(n, at)| {
            format!(
                "; waiting for an ENI peaked at {} pods at {}",
                fmt_count(n),
                self.when(at)
            )
        });
        if s.pods.eni_timeouts > 0 {
            out.push(format!(
                "{} pods waited past the ENI timeout ({timeout}){peak}.",
                fmt_count(s.pods.eni_timeouts)
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
            "{} pods could not be placed when they were created ({}); pending peaked at {} at {}, \
             {} still pending at the end.",
            fmt_count(p.failed_scheduling),
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
            "{} calls in all ({}){}.",
            fmt_count(a.calls_total),
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
                "{} calls were throttled (RequestLimitExceeded){peak}: each is retried after a backoff, \
                 so throttling adds to the wait of the pods behind it.",
                fmt_count(a.throttled)
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

/// A figure with one decimal and thousands separators: `1,433.4`.
fn fmt_decimal(v: f64) -> String {
    let tenths = (v * 10.0).round() as u64;
    format!("{}.{}", fmt_count(tenths / 10), tenths % 10)
}
