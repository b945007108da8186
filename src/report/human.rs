//! The readable summary printed on stdout after a run, with the wall-clock figures that
//! summary.json must not hold.

use super::stats::or_none;
use super::summary::Summary;
use std::fmt::Write;
use std::time::Duration;

/// Formats the summary for a person, with the run's wall time and event rate.
pub fn render(s: &Summary, wall: Duration, out_dir: &str) -> String {
    let secs = wall.as_secs_f64();
    let rate = if secs > 0.0 {
        s.events_processed as f64 / secs
    } else {
        0.0
    };
    let p = &s.pods;
    let l = &s.startup_latency_s;
    let c = &s.churn;
    let r = &s.release;
    let calls: Vec<String> = s
        .api
        .calls
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} (seed {}): {} s of virtual time in {:.3} s wall, {} events ({:.0} events/s)",
        s.scenario, s.seed, s.duration_s, secs, s.events_processed, rate
    );
    let _ = writeln!(
        o,
        "  pods        created {}  started {}  failed scheduling {}  pending at end {}  ENI timeouts {}",
        p.created, p.started, p.failed_scheduling, p.pending_at_end, p.eni_timeouts
    );
    if p.failed_scheduling > 0 {
        let by_reason = |m: &std::collections::BTreeMap<String, u64>| {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k} {v}")).collect();
            if parts.is_empty() {
                "none".to_string()
            } else {
                parts.join(", ")
            }
        };
        let _ = writeln!(
            o,
            "  scheduling  failed: {}  pending at end: {}",
            by_reason(&p.failed_scheduling_by_reason),
            by_reason(&p.pending_at_end_by_reason)
        );
    }
    let ms = |x: f64| format!("{x:.3}s");
    let tenths = |x: f64| format!("{x:.1}s");
    if l.max.is_some() {
        let _ = writeln!(
            o,
            "  start-up    p50 {}  p90 {}  p99 {}  max {}  mean {}",
            or_none(l.p50, ms),
            or_none(l.p90, ms),
            or_none(l.p99, ms),
            or_none(l.max, ms),
            or_none(l.mean, ms)
        );
    } else {
        let _ = writeln!(o, "  start-up    none (no pod started)");
    }
    let sp = &s.startup_split_s;
    if l.max.is_some() {
        let need = &s.controller.need_to_call_s;
        let _ = writeln!(
            o,
            "  split       queueing {}  throttling {}  API {}  other {}  (means); need to ENI call p50 {}  p99 {}",
            or_none(sp.queueing, ms),
            or_none(sp.throttling, ms),
            or_none(sp.api, ms),
            or_none(sp.other, ms),
            or_none(need.p50, ms),
            or_none(need.p99, ms)
        );
    }
    let _ = writeln!(
        o,
        "  pool        hit rate {}  idle ENI-hours {:.2}  peak bound {}  peak idle {}",
        or_none(s.pool.hit_rate, |x| format!("{:.1}%", x * 100.0)),
        s.pool.idle_eni_hours,
        s.pool.peak_bound_enis,
        s.pool.peak_idle_enis
    );
    group_lines(&mut o, s);
    let _ = writeln!(
        o,
        "  churn       created {}  attached {}  detached {}  deleted {}",
        c.enis_created, c.enis_attached, c.enis_detached, c.enis_deleted
    );
    if r.count > 0 {
        let _ = writeln!(
            o,
            "  release     {} released  delay p50 {}  p99 {}  max {}",
            r.count,
            or_none(r.delay_s.p50, tenths),
            or_none(r.delay_s.p99, tenths),
            or_none(r.delay_s.max, tenths)
        );
    } else {
        let _ = writeln!(o, "  release     none released");
    }
    let st = &s.static_ip;
    if st.retained + st.reattached + st.lost > 0 {
        let _ = writeln!(
            o,
            "  static IPs  retained {}  reattached {}  expired {}  lost {}  kept at end {}",
            st.retained, st.reattached, st.expired, st.lost, st.retained_at_end
        );
    }
    let _ = writeln!(o, "  api calls   {}", calls.join("  "));
    if !s.api.errors.is_empty() {
        let errors: Vec<String> = s
            .api
            .errors
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(
            o,
            "  api errors  {}  (throttled {})",
            errors.join("  "),
            s.api.throttled
        );
    }
    let ctl = &s.controller;
    if let Some(reconciles) = ctl.reconciles {
        let q = &ctl.queue_wait_s;
        let _ = writeln!(
            o,
            "  controller  {} reconciles  queue wait p50 {}  p99 {}  max {}  peak depth {}  requeues {}  client-held calls {}",
            reconciles,
            or_none(q.p50, tenths),
            or_none(q.p99, tenths),
            or_none(q.max, tenths),
            ctl.peak_queue_depth.unwrap_or(0),
            ctl.requeues.unwrap_or(0),
            ctl.client_throttled_calls.unwrap_or(0)
        );
    }
    let inv = &s.invariants;
    if inv.violations == 0 && inv.orphans > 0 {
        let _ = writeln!(
            o,
            "  invariants  all hold; {} ENIs of lost create answers found by the reconciler (lived p50 {}, max {}), {} not yet at the end",
            inv.orphans,
            or_none(inv.orphan_lived_s.p50, tenths),
            or_none(inv.orphan_lived_s.max, tenths),
            inv.orphans_at_end
        );
    } else if inv.violations == 0 {
        let _ = writeln!(o, "  invariants  all hold");
    } else {
        let _ = writeln!(
            o,
            "  invariants  {} BROKEN ({} leaked ENIs)",
            inv.violations, inv.leaked_enis
        );
        for d in inv.details.iter().take(10) {
            let _ = writeln!(o, "    - {d}");
        }
    }
    for w in &s.warnings {
        let _ = writeln!(o, "  WARNING     {w}");
    }
    let _ = writeln!(o, "  fingerprint {}", s.fingerprint);
    let _ = writeln!(o, "  outputs     {out_dir}");
    o
}

/// One line per node group when the groups run different policy families (a canary): each
/// group's share of the pool figures, to judge the canary against the rest at a glance.
fn group_lines(o: &mut String, s: &Summary) {
    let mut groups = s.node_groups.iter();
    let Some((_, first)) = groups.next() else {
        return;
    };
    if groups.all(|(_, g)| g.policy == first.policy) {
        return;
    }
    for (name, g) in &s.node_groups {
        let _ = writeln!(
            o,
            "  group {name} ({}): started {}  p99 {}  hit rate {}  idle ENI-hours {:.2}  created {}",
            g.policy,
            g.pods_started,
            or_none(g.startup_latency_s.p99, |x| format!("{x:.3}s")),
            or_none(g.pool.hit_rate, |x| format!("{:.1}%", x * 100.0)),
            g.pool.idle_eni_hours,
            g.churn.enis_created
        );
    }
}
