//! The report as a pull-request comment: a short verdict line, a table of the metrics that
//! changed (the unchanged folded away), and sparklines of the time series that moved.

use super::judge::{CaseResult, MetricRow, Verdict};
use super::series::{Series, SERIES};
use super::text::{change, fingerprint_line, interval, p_value, percent, seeds_line, value};
use super::{Overall, Report};
use std::fmt::Write;

/// Characters of a sparkline, lowest to highest.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Characters per sparkline.
pub const SPARK_WIDTH: usize = 32;

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

/// A table of sparklines of the series that moved, both sides on one scale.
fn sparklines(o: &mut String, case: &CaseResult) {
    let (Some(b), Some(c)) = (&case.series.0, &case.series.1) else {
        return;
    };
    let (Ok(b), Ok(c)) = (b.load(), c.load()) else {
        return;
    };
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
        let (lo, hi) = range(&[&b.values[i], &c.values[i]]);
        let _ = writeln!(
            o,
            "| {} | `{}` | `{}` | {}–{} |",
            SERIES[i].1,
            sparkline(&b, i, lo, hi),
            sparkline(&c, i, lo, hi),
            super::judge::num(lo),
            super::judge::num(hi)
        );
    }
    o.push('\n');
}

fn range(series: &[&Vec<f64>]) -> (f64, f64) {
    series
        .iter()
        .flat_map(|v| v.iter())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// Series `i` of `s` in [`SPARK_WIDTH`] characters: the mean of each slice of the run's time,
/// scaled from `lo` to `hi`.
pub fn sparkline(s: &Series, i: usize, lo: f64, hi: f64) -> String {
    let values = &s.values[i];
    if values.is_empty() {
        return String::new();
    }
    let n = values.len();
    let width = SPARK_WIDTH.min(n);
    (0..width)
        .map(|k| {
            let slice = &values[k * n / width..((k + 1) * n / width).max(k * n / width + 1)];
            let mean = slice.iter().sum::<f64>() / slice.len() as f64;
            let level = if hi > lo {
                ((mean - lo) / (hi - lo) * (BARS.len() - 1) as f64).round() as usize
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

    #[test]
    fn sparklines_average_slices_on_a_shared_scale() {
        let mut s = Series::default();
        s.values[0] = (0..64).map(f64::from).collect();
        // 64 samples in 32 characters: pairs averaged, 0.5 to 62.5 over 0..63.
        let line = sparkline(&s, 0, 0.0, 63.0);
        assert_eq!(line.chars().count(), 32);
        assert!(line.starts_with('▁') && line.ends_with('█'), "{line}");
        // Flat on its own scale, low on a wider one.
        s.values[1] = vec![2.0; 5];
        assert_eq!(sparkline(&s, 1, 2.0, 2.0), "▁▁▁▁▁");
        assert_eq!(sparkline(&s, 1, 0.0, 14.0), "▂▂▂▂▂");
        assert_eq!(sparkline(&s, 2, 0.0, 1.0), "");
    }
}
