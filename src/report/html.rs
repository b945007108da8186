//! report.html: one self-contained page (inline style and charts, no scripts, nothing fetched,
//! which its content security policy enforces) with the summary's figures, and per section
//! what to look at and the charts with how to read each, for reading a run in a browser.

use super::charts::Figure;
use super::context::RunContext;
use super::notes::Section;
use super::series::RunSeries;
use super::stats::or_none;
use super::summary::{ControllerSummary, Summary};
use std::fmt::Write;

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table of (label, value) rows under a heading.
pub(crate) fn table(out: &mut String, heading: &str, rows: &[(&str, String)]) {
    let _ = write!(out, "<section><h2>{}</h2><table>", esc(heading));
    for (label, value) in rows {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(label),
            esc(value)
        );
    }
    out.push_str("</table></section>\n");
}

/// The pages' style sheet: screen and print.
pub(crate) const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:960px;color:#222;padding:0 1em}\
h1{font-size:1.5em}h2{font-size:1.1em;margin:1.2em 0 .4em}\
.grid{display:flex;flex-wrap:wrap;gap:0 2em}.grid section{min-width:280px}\
table{border-collapse:collapse}th{text-align:left;font-weight:normal;color:#555;padding:2px 1em 2px 0}\
td{text-align:right;font-variant-numeric:tabular-nums;padding:2px 0}\
table.groups{font-size:.9em}table.groups th,table.groups td{padding:2px .5em}\
figure{margin:1em 0 2em}figcaption{color:#444;margin-bottom:.3em}svg{max-width:100%;height:auto;display:block}\
section.charts{border-top:1px solid #ddd;margin-top:2em}section.charts h2{font-size:1.3em}\
p.look{background:#f4f7fb;border-left:4px solid #1f77b4;padding:.5em .8em}\
nav{margin:1.5em 0 0;line-height:1.8}nav a{margin-right:1.2em;white-space:nowrap}.bad{color:#b00}.warn{color:#a60}\
@media print{body{margin:0;max-width:none}nav{display:none}figure,table{break-inside:avoid}\
h2{break-after:avoid}a{color:inherit;text-decoration:none}p.look{border-left-color:#888}}";

/// Nothing a page shows is fetched: no script, font, image or style from anywhere. The
/// browser enforces it, so even a name in a scenario cannot make the page load something.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The start of a page, up to and including `<body>`: `title` escaped, the shared style
/// sheet and `extra_style`.
pub(crate) fn head(o: &mut String, title: &str, extra_style: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}{extra_style}</style></head><body>\n",
        esc(title)
    );
}

/// A chart and the line that says how to read it, as every page shows them; `id` names it
/// in the page (`fig-<id>`).
pub(crate) fn figure(o: &mut String, id: &str, caption: &str, svg: &str) {
    let _ = write!(
        o,
        "<figure id=\"fig-{}\"><figcaption>{}</figcaption>\n{svg}\n</figure>\n",
        esc(id),
        esc(caption)
    );
}

/// The page for a run: its figures in tables, then each section's "what to look at" and its
/// charts with their captions.
pub fn render(s: &Summary, figures: &[Figure], series: &RunSeries, ctx: &RunContext) -> String {
    let mut o = String::new();
    head(&mut o, &format!("enisim: {}", s.scenario), "");
    let _ = write!(
        o,
        "<h1>enisim run: {name}{with}</h1>\n<p>seed {seed}, {dur} s of virtual time, {events} events, fingerprint <code>{fp}</code></p>\n",
        name = esc(&s.scenario),
        with = if s.overrides.is_empty() {
            String::new()
        } else {
            format!(" with {}", esc(&s.overrides.join(", ")))
        },
        seed = s.seed,
        dur = s.duration_s,
        events = s.events_processed,
        fp = esc(&s.fingerprint),
    );
    let inv = &s.invariants;
    if inv.violations > 0 {
        let _ = writeln!(
            o,
            "<p class=\"bad\">{} invariant(s) broken, {} leaked ENIs: {}</p>",
            inv.violations,
            inv.leaked_enis,
            esc(inv.details.first().map_or("", String::as_str))
        );
    }
    if !s.warnings.is_empty() {
        o.push_str("<section><h2>Warnings: values TKE would not accept</h2><ul>");
        for w in &s.warnings {
            let _ = write!(o, "<li class=\"warn\">{}</li>", esc(w));
        }
        o.push_str("</ul></section>\n");
    }
    o.push_str("<div class=\"grid\">\n");
    let p = &s.pods;
    table(
        &mut o,
        "Pods",
        &[
            ("created", p.created.to_string()),
            ("started", p.started.to_string()),
            ("failed scheduling", p.failed_scheduling.to_string()),
            ("pending at end", p.pending_at_end.to_string()),
            (
                "waiting for an ENI at end",
                p.waiting_eni_at_end.to_string(),
            ),
            ("ENI timeouts", p.eni_timeouts.to_string()),
        ],
    );
    let l = &s.startup_latency_s;
    let ms = |x: f64| format!("{x:.3} s");
    let tenths = |x: f64| format!("{x:.1} s");
    table(
        &mut o,
        "Start-up latency (scheduled to ENI ready)",
        &[
            ("p50", or_none(l.p50, ms)),
            ("p90", or_none(l.p90, ms)),
            ("p99", or_none(l.p99, ms)),
            ("max", or_none(l.max, ms)),
            ("mean", or_none(l.mean, ms)),
        ],
    );
    let sp = &s.startup_split_s;
    let ctl = &s.controller;
    table(
        &mut o,
        "Start-up latency split (means)",
        &[
            ("queueing in the controller", or_none(sp.queueing, ms)),
            ("throttling", or_none(sp.throttling, ms)),
            ("API latency", or_none(sp.api, ms)),
            ("other", or_none(sp.other, ms)),
            (
                "need to ENI call p50 / p99",
                format!(
                    "{} / {}",
                    or_none(ctl.need_to_call_s.p50, ms),
                    or_none(ctl.need_to_call_s.p99, ms)
                ),
            ),
        ],
    );
    let pool = &s.pool;
    table(
        &mut o,
        "Pool",
        &[
            (
                "hit rate",
                or_none(pool.hit_rate, |x| format!("{:.1}%", x * 100.0)),
            ),
            ("idle ENI-hours", format!("{:.2}", pool.idle_eni_hours)),
            ("peak bound ENIs", pool.peak_bound_enis.to_string()),
            ("peak idle ENIs", pool.peak_idle_enis.to_string()),
        ],
    );
    let c = &s.churn;
    let r = &s.release;
    table(
        &mut o,
        "ENI churn",
        &[
            ("created", c.enis_created.to_string()),
            ("attached", c.enis_attached.to_string()),
            ("detached", c.enis_detached.to_string()),
            ("deleted", c.enis_deleted.to_string()),
            ("released as surplus", r.count.to_string()),
            (
                "release delay p50 / max",
                format!(
                    "{} / {}",
                    or_none(r.delay_s.p50, tenths),
                    or_none(r.delay_s.max, tenths)
                ),
            ),
        ],
    );
    let mut api: Vec<(&str, String)> = s
        .api
        .calls
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_string()))
        .collect();
    api.extend(
        s.api
            .errors
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_string())),
    );
    table(&mut o, "VPC API calls and errors", &api);
    controller_table(&mut o, ctl);
    let subnets: Vec<(&str, String)> = s
        .subnets
        .iter()
        .map(|(id, f)| {
            let text = format!(
                "peak {} used, {:.0} s exhausted",
                f.peak_used_ips, f.exhausted_s
            );
            (id.as_str(), text)
        })
        .collect();
    table(&mut o, "Subnets", &subnets);
    let st = &s.static_ip;
    table(
        &mut o,
        "Static IPs and orphans",
        &[
            ("ENIs kept for a pod name", st.retained.to_string()),
            ("re-attached", st.reattached.to_string()),
            ("expired", st.expired.to_string()),
            ("lost with their node", st.lost.to_string()),
            ("lost create answers (orphans)", inv.orphans.to_string()),
        ],
    );
    o.push_str("</div>\n");
    node_groups_table(&mut o, s);
    charts(&mut o, s, figures, series, ctx);
    files(&mut o, &s.files);
    o.push_str("</body></html>\n");
    o
}

/// The pool figures of each node group side by side: how a canary group with a policy of its
/// own fares against the rest of the cluster (summary.json's `node_groups`).
fn node_groups_table(o: &mut String, s: &Summary) {
    if s.node_groups.is_empty() {
        return;
    }
    let secs = |x: f64| format!("{x:.1} s");
    o.push_str(
        "<section><h2>Node groups</h2><table class=\"groups\"><tr><th>group</th><th>policy</th>\
         <th>pods started</th><th>hit rate</th><th>start-up p50</th><th>start-up p99</th>\
         <th>idle ENI-hours</th><th>peak bound</th><th>peak idle</th><th>ENIs created</th>\
         <th>ENIs deleted</th><th>released</th></tr>",
    );
    for (name, g) in &s.node_groups {
        let cells = [
            g.pods_started.to_string(),
            or_none(g.pool.hit_rate, |x| format!("{:.1}%", x * 100.0)),
            or_none(g.startup_latency_s.p50, secs),
            or_none(g.startup_latency_s.p99, secs),
            format!("{:.2}", g.pool.idle_eni_hours),
            g.pool.peak_bound_enis.to_string(),
            g.pool.peak_idle_enis.to_string(),
            g.churn.enis_created.to_string(),
            g.churn.enis_deleted.to_string(),
            g.releases.to_string(),
        ];
        let _ = write!(o, "<tr><th>{}</th><td>{}</td>", esc(name), esc(&g.policy));
        for cell in cells {
            let _ = write!(o, "<td>{}</td>", esc(&cell));
        }
        o.push_str("</tr>");
    }
    o.push_str("</table></section>\n");
}

/// The ENI controller's work queue, when the run had one.
fn controller_table(o: &mut String, c: &ControllerSummary) {
    let Some(reconciles) = c.reconciles else {
        return;
    };
    let secs = |x: f64| format!("{x:.3} s");
    let q = &c.queue_wait_s;
    let count = |v: Option<u64>| v.map_or_else(|| "none".to_string(), |n| n.to_string());
    table(
        o,
        "ENI controller (work queue)",
        &[
            ("reconciles", reconciles.to_string()),
            ("requeues after failures", count(c.requeues)),
            ("peak queue depth", count(c.peak_queue_depth)),
            (
                "queue wait p50 / p99 / max",
                format!(
                    "{} / {} / {}",
                    or_none(q.p50, secs),
                    or_none(q.p99, secs),
                    or_none(q.max, secs)
                ),
            ),
            (
                "calls held by the client limit",
                format!(
                    "{} ({} waited)",
                    count(c.client_throttled_calls),
                    or_none(c.client_throttled_s, secs)
                ),
            ),
        ],
    );
}

/// A contents line, then each section: its heading, what to look at, its figures.
fn charts(o: &mut String, s: &Summary, figures: &[Figure], series: &RunSeries, ctx: &RunContext) {
    let links: Vec<String> = Section::ALL
        .iter()
        .map(|sec| format!("<a href=\"#{}\">{}</a>", sec.id(), esc(sec.title(ctx.mode))))
        .collect();
    let _ = writeln!(o, "<nav>{}</nav>", links.join(" "));
    for sec in Section::ALL {
        let _ = write!(
            o,
            "<section class=\"charts\" id=\"{}\"><h2>{}</h2>\n<p class=\"look\"><b>What to look at:</b> {}</p>\n",
            sec.id(),
            esc(sec.title(ctx.mode)),
            esc(&sec.notes(s, series, ctx))
        );
        for f in figures.iter().filter(|f| f.section == sec) {
            let id = f.chart.file.trim_end_matches(".svg");
            figure(o, id, &f.caption, &f.chart.svg);
        }
        o.push_str("</section>\n");
    }
}

/// Links to the result's other files (those summary.json lists; charts as their folder).
fn files(o: &mut String, files: &[String]) {
    let mut links: Vec<&str> = Vec::new();
    for f in files {
        let shown = if f.starts_with("charts/") {
            "charts/"
        } else {
            f.as_str()
        };
        if shown != "report.html" && !links.contains(&shown) {
            links.push(shown);
        }
    }
    if links.is_empty() {
        return;
    }
    let links: Vec<String> = links
        .iter()
        .map(|f| format!("<a href=\"{0}\">{0}</a>", esc(f)))
        .collect();
    let _ = writeln!(o, "<p>Files: {}.</p>", links.join(", "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_user_named() {
        assert_eq!(esc("a<b> & \"c\""), "a&lt;b&gt; &amp; &quot;c&quot;");
    }
}
