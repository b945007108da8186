//! The report for a terminal or a CI log: the verdict first, then per case its fingerprints
//! and a table of every metric.

use super::judge::{num, CaseResult, MetricRow};
use super::Report;
use std::fmt::Write;

/// The report as text.
pub fn render(report: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", report.verdict_line());
    let _ = writeln!(
        o,
        "baseline {}, current {}; budget: {}",
        report.baseline, report.current, report.budget
    );
    for note in &report.notes {
        let _ = writeln!(o, "{note}");
    }
    for case in &report.cases {
        o.push('\n');
        case_text(&mut o, case, report.cases.len() > 1);
    }
    o
}

fn case_text(o: &mut String, case: &CaseResult, many: bool) {
    let same = case.identical && case.rows.iter().all(MetricRow::unchanged);
    if many && same && !case.failed() {
        let _ = writeln!(
            o,
            "== {}: identical behaviour (fingerprint {}), every metric the same",
            case.name,
            case.baseline_fingerprints()
        );
        return;
    }
    if many {
        let _ = writeln!(o, "== {}", case.name);
    }
    if many || !case.identical {
        let _ = writeln!(o, "{}", fingerprint_line(case));
    }
    if let Some(line) = seeds_line(case) {
        let _ = writeln!(o, "{line}");
    }
    if case.violations.0 + case.violations.1 > 0 {
        let _ = writeln!(
            o,
            "invariants broken: {} in the baseline, {} in the current runs (see their summary.json invariants.details)",
            case.violations.0, case.violations.1
        );
    }
    if same {
        let _ = writeln!(o, "every metric is the same ({} metrics)", case.rows.len());
        return;
    }
    let paired = case.seeds() > 1;
    let mut head = vec!["metric", "baseline", "current", "change", "relative"];
    if paired {
        head.extend(["95% interval", "p"]);
    }
    head.extend(["budget", "verdict"]);
    let rows: Vec<Vec<String>> = case.rows.iter().map(|r| cells(r, paired)).collect();
    let mut width: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |o: &mut String, cells: &[&str]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&width).enumerate() {
            let pad = w - c.chars().count();
            // Names and words to the left, figures to the right.
            let right = i > 0 && i + 2 < cells.len();
            if right {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
            s.push_str("  ");
        }
        let _ = writeln!(o, "{}", s.trim_end());
    };
    line(o, &head);
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(o, &cells);
    }
    for r in case.rows.iter().filter(|r| r.note.is_some()) {
        let _ = writeln!(
            o,
            "{} {}: {}",
            r.verdict,
            r.metric,
            r.note.as_deref().unwrap_or("")
        );
    }
}

/// "identical behaviour: same fingerprint F" or "fingerprint A -> B".
pub fn fingerprint_line(case: &CaseResult) -> String {
    if case.identical {
        format!(
            "identical behaviour: same fingerprint{} {}",
            if case.seeds() > 1 { "s" } else { "" },
            case.baseline_fingerprints()
        )
    } else {
        format!(
            "behaviour changed: fingerprint {} -> {}",
            case.baseline_fingerprints(),
            case.current_fingerprints()
        )
    }
}

/// How many seeds were compared, which, and how: for cases of several seeds.
pub fn seeds_line(case: &CaseResult) -> Option<String> {
    let n = case.seeds();
    if n < 2 {
        return None;
    }
    let range = |runs: &[(u64, String)]| match (runs.first(), runs.last()) {
        (Some(a), Some(b)) => format!("{}..{}", a.0, b.0),
        _ => String::new(),
    };
    let mut line = format!(
        "{n} seeds a side, paired by position (baseline seeds {}, current seeds {}): change is the mean per-seed change with its 95% interval (Student's t); p is the Wilcoxon signed-rank test's; a change is called one at a 5% false discovery rate over the metrics (Benjamini-Hochberg)",
        range(&case.baseline),
        range(&case.current)
    );
    if n < 6 {
        line.push_str(&format!(
            "; with {n} seeds no change can be significant at 5% (6 at least)"
        ));
    }
    Some(line)
}

/// A signed figure: `+0.933`, `-2`.
pub fn signed(x: f64) -> String {
    let s = num(x);
    if x > 0.0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

/// A relative change in percent, one decimal.
pub fn percent(r: f64) -> String {
    format!("{:+.1}%", r * 100.0)
}

/// A value, or `none` when the side measured nothing.
pub fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "none".to_string(), num)
}

/// The change column: signed, empty when a side has no value.
pub fn change(r: &MetricRow) -> String {
    r.change.map(signed).unwrap_or_default()
}

/// The relative change, empty when there is none (or no change at all).
pub fn relative(r: &MetricRow) -> String {
    r.relative
        .filter(|x| *x != 0.0)
        .map(percent)
        .unwrap_or_default()
}

/// The p-value, short.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// The 95% interval of the mean change.
pub fn interval(r: &MetricRow) -> String {
    r.paired
        .map(|p| format!("[{}, {}]", signed(p.change.ci95.0), signed(p.change.ci95.1)))
        .unwrap_or_default()
}

fn cells(r: &MetricRow, paired: bool) -> Vec<String> {
    let mut c = vec![
        r.metric.clone(),
        value(r.baseline),
        value(r.current),
        change(r),
        relative(r),
    ];
    if paired {
        c.push(interval(r));
        c.push(r.paired.map(|p| p_value(p.test.p)).unwrap_or_default());
    }
    c.push(r.rule.as_ref().map(ToString::to_string).unwrap_or_default());
    c.push(r.verdict.to_string());
    c
}
