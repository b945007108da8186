//! compare.html: one self-contained page (inline style and charts, no scripts, nothing
//! fetched): the verdict, every metric of every case, and for each case whose runs' files are
//! at hand the two runs' time series overlaid and their start-up latency distributions.

use super::charts::case_charts;
use super::judge::{CaseResult, MetricRow, Verdict};
use super::text::{change, fingerprint_line, interval, p_value, relative, seeds_line, value};
use super::{Overall, Report};
use crate::report::html::{esc, STYLE};
use std::fmt::Write;

const PAGE_STYLE: &str = "table.m{font-size:.9em;margin:.5em 0}table.m th,table.m td{padding:2px .7em;border-bottom:1px solid #eee}\
table.m thead th{color:#222;font-weight:bold}table.m td{white-space:nowrap}td.l{text-align:left}td.l:last-child{white-space:normal}tr.regressed td{background:#fdecec}\
tr.improved td{background:#eef8ee}tr.changed td{background:#fdf6e6}svg{max-width:100%;height:auto}\
p.verdict{font-size:1.2em;font-weight:bold}.ok{color:#176617}";

/// The page.
pub fn render(report: &Report) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>enisim compare</title><style>{STYLE}{PAGE_STYLE}</style></head><body>\n<h1>enisim compare</h1>\n"
    );
    let class = match report.overall() {
        Overall::Regressed => "bad",
        _ => "ok",
    };
    let _ = writeln!(
        o,
        "<p class=\"verdict {class}\">{}</p>\n<p>baseline <code>{}</code>, current <code>{}</code>; budget: {}</p>",
        esc(&report.verdict_line()),
        esc(&report.baseline),
        esc(&report.current),
        esc(&report.budget)
    );
    if !report.notes.is_empty() {
        o.push_str("<ul>");
        for note in &report.notes {
            let _ = write!(o, "<li>{}</li>", esc(note));
        }
        o.push_str("</ul>\n");
    }
    let labels = [
        format!("baseline: {}", report.baseline),
        format!("current: {}", report.current),
    ];
    for case in &report.cases {
        case_html(&mut o, case, [labels[0].as_str(), labels[1].as_str()]);
    }
    o.push_str("</body></html>\n");
    o
}

fn case_html(o: &mut String, case: &CaseResult, labels: [&str; 2]) {
    let _ = writeln!(
        o,
        "<section><h2>{}</h2>\n<p>{}</p>",
        esc(&case.name),
        esc(&fingerprint_line(case))
    );
    if let Some(line) = seeds_line(case) {
        let _ = writeln!(o, "<p>{}</p>", esc(&line));
    }
    if case.violations.0 + case.violations.1 > 0 {
        let _ = writeln!(
            o,
            "<p class=\"bad\">Invariants broken: {} in the baseline, {} in the current runs.</p>",
            case.violations.0, case.violations.1
        );
    }
    tables(o, case);
    charts(o, case, labels);
    o.push_str("</section>\n");
}

/// The overlaid charts, or why there are none.
fn charts(o: &mut String, case: &CaseResult, labels: [&str; 2]) {
    let missing = |side: &str| {
        format!(
            "<p>No charts: the {side} is a summary without its run's files (a baseline keeps only a sketch of its series, for sparklines); compare run folders to see them.</p>\n"
        )
    };
    let (b, c) = match &case.series {
        (Some(b), Some(c)) if b.is_full() && c.is_full() => (b.load(), c.load()),
        (Some(b), _) if b.is_full() => return o.push_str(&missing("current side")),
        _ => return o.push_str(&missing("baseline")),
    };
    let drawn = b
        .and_then(|b| c.and_then(|c| case_charts(&b, &c, labels)))
        .map_err(|e| format!("<p class=\"bad\">No charts: {}</p>\n", esc(&e)));
    match drawn {
        Ok(svgs) => {
            if case.seeds() > 1 {
                o.push_str("<p>Charts: the first seed of each side.</p>\n");
            }
            for svg in svgs {
                let _ = writeln!(o, "<figure>{svg}</figure>");
            }
        }
        Err(note) => o.push_str(&note),
    }
}

/// The metrics with a verdict to read first, then the others folded.
fn tables(o: &mut String, case: &CaseResult) {
    let (mut shown, folded): (Vec<&MetricRow>, Vec<&MetricRow>) = case
        .rows
        .iter()
        .partition(|r| r.verdict != Verdict::Ok || r.note.is_some());
    shown.sort_by_key(|r| r.verdict);
    if !shown.is_empty() {
        table(o, case, &shown);
    }
    if !folded.is_empty() {
        let what = if case.seeds() > 1 {
            "without significant change"
        } else {
            "unchanged"
        };
        let _ = writeln!(
            o,
            "<details><summary>{} metrics {what}</summary>",
            folded.len()
        );
        table(o, case, &folded);
        o.push_str("</details>\n");
    }
}

fn table(o: &mut String, case: &CaseResult, rows: &[&MetricRow]) {
    let paired = case.seeds() > 1;
    o.push_str("<table class=\"m\"><thead><tr><th>metric</th><th>baseline</th><th>current</th><th>change</th><th>relative</th>");
    if paired {
        o.push_str("<th>95% interval</th><th>p</th>");
    }
    o.push_str("<th>budget</th><th>verdict</th></tr></thead><tbody>\n");
    for r in rows {
        let class = match r.verdict {
            Verdict::Ok => "",
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::Changed => "changed",
        };
        let _ = write!(
            o,
            "<tr class=\"{class}\"><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(&r.metric),
            value(r.baseline),
            value(r.current),
            change(r),
            relative(r)
        );
        if paired {
            let _ = write!(
                o,
                "<td>{}</td><td>{}</td>",
                interval(r),
                r.paired.map(|p| p_value(p.test.p)).unwrap_or_default()
            );
        }
        let note = r
            .note
            .as_deref()
            .map(|n| format!(": {}", esc(n)))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "<td class=\"l\">{}</td><td class=\"l\">{}{note}</td></tr>",
            esc(&r.rule.as_ref().map(ToString::to_string).unwrap_or_default()),
            r.verdict
        );
    }
    o.push_str("</tbody></table>\n");
}
