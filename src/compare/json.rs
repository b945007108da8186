//! The report as JSON, for scripts: the verdict, and per case and metric every figure the
//! text shows, unrounded. Keys may be added, never renamed.

use super::judge::{CaseResult, MetricRow};
use super::{Overall, Report};
use serde_json::{json, Value};

/// The report as pretty JSON with a final newline.
pub fn render(report: &Report) -> String {
    let doc = json!({
        "enisim": env!("CARGO_PKG_VERSION"),
        "verdict": match report.overall() {
            Overall::Identical => "identical",
            Overall::NoRegression => "no_regression",
            Overall::Regressed => "regressed",
        },
        "summary": report.verdict_line(),
        "exit_code": report.exit_code(),
        "baseline": report.baseline,
        "current": report.current,
        "budget": report.budget,
        "left_out": report.notes,
        "cases": report.cases.iter().map(case).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn runs(runs: &[(u64, String)]) -> Value {
    runs.iter()
        .map(|(seed, fp)| json!({ "seed": seed, "fingerprint": fp }))
        .collect()
}

fn case(c: &CaseResult) -> Value {
    json!({
        "name": c.name,
        "identical": c.identical,
        "regressed": c.failed(),
        "seeds": c.seeds(),
        "baseline_runs": runs(&c.baseline),
        "current_runs": runs(&c.current),
        "invariant_violations": { "baseline": c.violations.0, "current": c.violations.1 },
        "metrics": c.rows.iter().map(metric).collect::<Vec<_>>(),
    })
}

fn metric(r: &MetricRow) -> Value {
    json!({
        "metric": r.metric,
        "baseline": r.baseline,
        "current": r.current,
        "change": r.change,
        "relative_change": r.relative,
        "budget": r.rule.as_ref().map(ToString::to_string),
        "verdict": r.verdict.to_string(),
        "note": r.note,
        "seeds": r.paired.map(|p| json!({
            "pairs": p.n,
            "mean_change": p.change.mean,
            "ci95": [p.change.ci95.0, p.change.ci95.1],
            "wilcoxon_p": p.test.p,
            "wilcoxon_v": p.test.w_plus,
            "exact": p.test.exact,
        })),
    })
}
