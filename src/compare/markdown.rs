//! The report as a pull-request comment: a short verdict line, a table of the metrics that
//! changed (the unchanged folded away), and sparklines of the time series that moved.

use super::judge::num;
use super::judge::{CaseResult, MetricRow, Verdict};
use super::series::SERIES;
use super::text::{change, fingerprint_line, interval, p_value, percent, seeds_line, value};
use super::{Overall, Report};
use std::fmt::Write;

/// Characters of a sparkline, lowest to highest.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The report as markdown; `html` names the compare.html written beside it, if any.
pub fn render(report: &Report, html: Option<&str>) -> String {
    let mut o = String::new();
    let icon = match report.overall() {
        Overall::Regressed => "❌",
        Overall::Identical | Overall::NoRegression => "✅",
    };
    let _ = writeln!(o, "### {icon} enisim: {}\n", cell(&report.verdict_line()));
    let _ = writeln!(
        o,
        "baseline `{}` · current `{}` · budget: {}\n",
        report.baseline, report.current, report.budget
    );
    for note in &report.notes {
        let _ = writeln!(o, "- {}", cell(note));
    }
    if !report.notes.is_empty() {
        o.push('\n');
    }
    let many = report.cases.len() > 1;
    let (same, moved): (Vec<&CaseResult>, Vec<&CaseResult>) = report
        .cases
        .iter()
        .partition(|c| c.identical && !c.failed() && c.rows.iter().all(MetricRow::unchanged));
    for case in moved {
        case_markdown(&mut o, case, many);
    }
    if many && !same.is_empty() {
        let names: Vec<&str> = same.iter().map(|c| c.name.as_str()).collect();
        let _ = writeln!(o, "Identical behaviour: {}.\n", names.join(", "));
    }
    if let Some(link) = html {
        let _ = writeln!(
            o,
            "Charts of both runs overlaid and both start-up latency distributions: [{link}]({link})\n"
        );
    }
    o
}

fn case_markdown(o: &mut String, case: &CaseResult, many: bool) {
    if many {
        let _ = writeln!(o, "#### {}\n", cell(&case.name));
    }
    let _ = writeln!(o, "{}\n", cell(&fingerprint_line(case)));
    if let Some(line) = seeds_line(case) {
        let _ = writeln!(o, "{}\n", cell(&line));
    }
    if case.violations.0 + case.violations.1 > 0 {
        let _ = writeln!(
            o,
            "**Invariants broken:** {} in the baseline, {} in the current runs.\n",
            case.violations.0, case.violations.1
        );
    }
    let paired = case.seeds() > 1;
    let (shown, folded): (Vec<&MetricRow>, Vec<&MetricRow>) = case
        .rows
        .iter()
        .partition(|r| r.verdict != Verdict::Ok || r.note.is_some());
    if !shown.is_empty() {
        let mut shown = shown;
        shown.sort_by_key(|r| r.verdict);
        o.push_str(if paired {
            "| metric | baseline | current | change | 95% interval | p | budget | verdict |\n|---|--:|--:|--:|--:|--:|---|---|\n"
        } else {
            "| metric | baseline | current | change | budget | verdict |\n|---|--:|--:|--:|---|---|\n"
        });
        for r in shown {
            let rel = r
                .relative
                .map(|x| format!(" ({})", percent(x)))
                .unwrap_or_default();
            let mut row = format!(
                "| `{}` | {} | {} | {}{rel} |",
                r.metric,
                value(r.baseline),
                value(r.current),
                change(r)
            );
            if let Some(p) = r.paired {
                let _ = write!(row, " {} | {} |", interval(r), p_value(p.test.p));
            } else if paired {
                row.push_str(" | |");
            }
            let verdict = match r.verdict {
                Verdict::Regressed => "❌ **regressed**".to_string(),
                Verdict::Improved => "✅ improved".to_string(),
                v => v.to_string(),
            };
            let note = r
                .note
                .as_deref()
                .map(|n| format!(": {}", cell(n)))
                .unwrap_or_default();
            let budget = r.rule.as_ref().map(ToString::to_string).unwrap_or_default();
            let _ = writeln!(o, "{row} {} | {verdict}{note} |", cell(&budget));
        }
        o.push('\n');
    }
    if !folded.is_empty() {
        let what = if paired {
            "without significant change"
        } else {
            "unchanged"
        };
        let _ = writeln!(
            o,
            "<details><summary>{} metrics {what}</summary>\n\n| metric | baseline | current |\n|---|--:|--:|",
            folded.len()
        );
        for r in folded {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} |",
                r.metric,
                value(r.baseline),
                value(r.current)
            );
        }
        o.push_str("\n</details>\n\n");
    }
    sparklines(o, case);
}

/// A table of sparklines of the series that moved, both sides on one scale. Sketches are
/// compared, so that a baseline keeping only its sketch compares with a full run.
fn sparklines(o: &mut String, case: &CaseResult) {
    let (Some(b), Some(c)) = (&case.series.0, &case.series.1) else {
        return;
    };
    let (Ok(b), Ok(c)) = (b.load(), c.load()) else {
        return;
    };
    let (b, c) = (b.sketch(), c.sketch());
    let moved = b.moved(&c);
    if moved.is_empty() {
        return;
    }
    let which = if case.seeds() > 1 {
        " (first seed of each side)"
    } else {
        ""
    };
    let _ = writeln!(
        o,
        "Time series that moved{which}, each on one scale for both sides:\n\n| series | baseline | current | range |\n|---|---|---|--:|"
    );
    for i in moved {
        let (lo, hi) = b.values[i]
            .iter()
            .chain(&c.values[i])
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        let _ = writeln!(
            o,
            "| {} | `{}` | `{}` | {}–{} |",
            SERIES[i].1,
            sparkline(&b.values[i], lo, hi),
            sparkline(&c.values[i], lo, hi),
            num(lo),
            num(hi)
        );
    }
    o.push('\n');
}

/// One character per value, scaled from `lo` to `hi`.
pub fn sparkline(values: &[f64], lo: f64, hi: f64) -> String {
    values
        .iter()
        .map(|&x| {
            let level = if hi > lo {
                ((x - lo) / (hi - lo) * (BARS.len() - 1) as f64).round() as usize
            } else {
                0
            };
            BARS[level.min(BARS.len() - 1)]
        })
        .collect()
}

/// Text made safe for a table cell: pipes escaped, lines joined.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::series::Series;

    #[test]
    fn sparklines_of_sketches_on_a_shared_scale() {
        let mut s = Series::default();
        s.values[0] = (0..64).map(f64::from).collect();
        // 64 samples sketched in 32 points: pairs averaged, 0.5 to 62.5.
        let sketch = s.sketch();
        assert_eq!(sketch.values[0].len(), 32);
        assert_eq!((sketch.values[0][0], sketch.values[0][31]), (0.5, 62.5));
        assert_eq!(sketch.sketch(), sketch);
        let line = sparkline(&sketch.values[0], 0.5, 62.5);
        assert_eq!(line.chars().count(), 32);
        assert!(line.starts_with('▁') && line.ends_with('█'), "{line}");
        // Flat on its own scale, low on a wider one: 2 of 14 is level 1 of 7.
        assert_eq!(sparkline(&[2.0; 5], 2.0, 2.0), "▁▁▁▁▁");
        assert_eq!(sparkline(&[2.0; 5], 0.0, 14.0), "▂▂▂▂▂");
        assert_eq!(sparkline(&[], 0.0, 1.0), "");
    }

    #[test]
    fn sketches_survive_a_baseline_file() {
        let mut s = Series {
            time_s: (0..100).map(|i| f64::from(i) * 10.0).collect(),
            ..Series::default()
        };
        for (k, v) in s.values.iter_mut().enumerate() {
            *v = (0..100).map(|i| f64::from(i * k as i32) / 3.0).collect();
        }
        let json = s.sketch_json();
        let back = Series::from_sketch_json(&json).unwrap();
        assert_eq!(back, s.sketch());
        assert!(back.moved(&s.sketch()).is_empty());
        assert!(Series::from_sketch_json(&serde_json::json!({"time_s": [1]})).is_none());
    }
}
