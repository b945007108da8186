//! The verdict on each metric. One draw a side: the change against the budget. Several seeds
//! a side, paired by seed: the mean change with its 95% interval and the signed-rank test of
//! the per-seed differences; a metric regresses only when its budget is broken with
//! confidence: the whole interval lies beyond the allowance and the test rejects "no more
//! than the allowance" at 5%.

use super::budget::{Better, Budget, Rule};
use super::series::SeriesSource;
use super::stats::{signed_rank, SignedRank};
use super::{Case, Side};
use crate::sweep::metrics::{absent_value, Spread};
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

/// Significance level of every test: 5%, two-sided.
pub const ALPHA: f64 = 0.05;

/// What became of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Its budget is broken (with confidence, over seeds).
    Regressed,
    /// It moved (significantly, over seeds) but not the better way, within budget; or it
    /// has a value on one side only.
    Changed,
    /// It moved (significantly, over seeds) the better way.
    Improved,
    /// It did not move (significantly, over seeds).
    Ok,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Regressed => "regressed",
            Verdict::Changed => "changed",
            Verdict::Improved => "improved",
            Verdict::Ok => "ok",
        })
    }
}

/// The statistics of a metric over paired seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Seeds where both sides measured it.
    pub n: usize,
    /// Mean per-seed change and its 95% interval (Student's t).
    pub change: Spread,
    /// The signed-rank test of the per-seed changes against zero.
    pub test: SignedRank,
}

/// One metric compared.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow {
    /// Dotted name.
    pub metric: String,
    /// The baseline's value (mean over seeds); none when it measured nothing.
    pub baseline: Option<f64>,
    /// The current side's value.
    pub current: Option<f64>,
    /// Current minus baseline (mean of per-seed changes).
    pub change: Option<f64>,
    /// The change relative to the baseline's magnitude; none from zero.
    pub relative: Option<f64>,
    /// Its budget, if it has one.
    pub rule: Option<Rule>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, when the verdict needs saying why: the limit broken, a budget that cannot apply,
    /// a mean beyond the budget without confidence.
    pub note: Option<String>,
    /// The seed statistics, when each side ran several seeds.
    pub paired: Option<Paired>,
}

impl MetricRow {
    /// True if the metric has the same value on both sides (none on both included).
    pub fn unchanged(&self) -> bool {
        self.baseline == self.current && self.paired.is_none_or(|p| p.test.n == 0)
    }
}

/// One case compared.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case's name (both sides' when they differ).
    pub name: String,
    /// Seeds and fingerprints, per side, in pair order.
    pub baseline: Vec<(u64, String)>,
    /// The current side's.
    pub current: Vec<(u64, String)>,
    /// Every pair of runs has the same fingerprint: the same behaviour.
    pub identical: bool,
    /// Invariants broken over all runs of each side.
    pub violations: (u64, u64),
    /// Every metric, sorted by name.
    pub rows: Vec<MetricRow>,
    /// Where each side's first run's time series are, if anywhere.
    pub series: (Option<SeriesSource>, Option<SeriesSource>),
}

impl CaseResult {
    /// Seeds compared per side.
    pub fn seeds(&self) -> usize {
        self.baseline.len()
    }

    /// A budget broken, or an invariant broken on either side.
    pub fn failed(&self) -> bool {
        self.violations.0 + self.violations.1 > 0
            || self.rows.iter().any(|r| r.verdict == Verdict::Regressed)
    }

    /// The baseline's fingerprint, or how many distinct ones its seeds have.
    pub fn baseline_fingerprints(&self) -> String {
        fingerprints(&self.baseline)
    }

    /// The current side's fingerprint, or how many distinct ones.
    pub fn current_fingerprints(&self) -> String {
        fingerprints(&self.current)
    }
}

fn fingerprints(runs: &[(u64, String)]) -> String {
    match runs {
        [(_, one)] => one.clone(),
        many => {
            let distinct: BTreeSet<&String> = many.iter().map(|(_, f)| f).collect();
            format!("{} distinct over {} seeds", distinct.len(), many.len())
        }
    }
}

/// Compares the cases of two sides (already checked to match) under `budget`: by position for
/// runs, by variant for sweeps.
pub fn compare(base: &Side, cur: &Side, budget: &Budget) -> Vec<CaseResult> {
    base.cases
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let c = if base.cases.len() == 1 {
                cur.cases.first()
            } else {
                cur.cases
                    .iter()
                    .find(|c| c.name == b.name)
                    .or(cur.cases.get(i))
            }?;
            Some(compare_case(b, c, budget))
        })
        .collect()
}

fn compare_case(b: &Case, c: &Case, budget: &Budget) -> CaseResult {
    let runs = |case: &Case| -> Vec<(u64, String)> {
        case.draws
            .iter()
            .map(|d| (d.seed, d.fingerprint.clone()))
            .collect()
    };
    let names: BTreeSet<&String> = b
        .draws
        .iter()
        .chain(&c.draws)
        .flat_map(|d| d.metrics.keys())
        .collect();
    let values = |case: &Case, metric: &str| -> Vec<Option<f64>> {
        case.draws
            .iter()
            .map(|d| {
                d.metrics
                    .get(metric)
                    .copied()
                    .or_else(|| absent_value(metric))
            })
            .collect()
    };
    let mut rows: Vec<MetricRow> = names
        .into_iter()
        .map(|m| {
            let rule = budget.rules.get(m.as_str());
            judge(m, &values(b, m), &values(c, m), rule)
        })
        .collect();
    control_discoveries(&mut rows);
    let violations = |case: &Case| case.draws.iter().map(super::Draw::violations).sum();
    let (bn, cn) = (runs(b), runs(c));
    CaseResult {
        name: if b.name == c.name {
            b.name.clone()
        } else {
            format!("{} vs {}", b.name, c.name)
        },
        identical: bn.len() == cn.len() && bn.iter().zip(&cn).all(|(x, y)| x.1 == y.1),
        baseline: bn,
        current: cn,
        violations: (violations(b), violations(c)),
        rows,
        series: (b.series.clone(), c.series.clone()),
    }
}

/// Over seeds, a case tests every metric at once, and at 5% each some of fifty would move by
/// chance alone. Changes stay called changes (or improvements) only where the Benjamini-
/// Hochberg procedure keeps them: the false discovery rate over the case's metrics is 5%.
/// Regressions are judged by the budget's own test and stay.
fn control_discoveries(rows: &mut [MetricRow]) {
    let mut p: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.paired.map(|x| x.test.p))
        .collect();
    p.sort_by(f64::total_cmp);
    let m = p.len() as f64;
    let cutoff = p
        .iter()
        .enumerate()
        .filter(|&(k, &pk)| pk <= (k + 1) as f64 / m * ALPHA)
        .map(|(_, &pk)| pk)
        .next_back()
        .unwrap_or(-1.0);
    for r in rows.iter_mut() {
        let moved = matches!(r.verdict, Verdict::Changed | Verdict::Improved);
        if let (true, Some(x)) = (moved, r.paired) {
            if x.test.p > cutoff {
                r.verdict = Verdict::Ok;
            }
        }
    }
}

/// A little room for the rounding of figures written with three decimals.
fn beyond(x: f64, limit: f64) -> bool {
    x > limit + 1e-9 * limit.abs().max(1.0)
}

/// Judges one metric given its value per seed on each side (paired by position).
pub fn judge(
    metric: &str,
    base: &[Option<f64>],
    cur: &[Option<f64>],
    rule: Option<&Rule>,
) -> MetricRow {
    let present = |v: &[Option<f64>]| v.iter().flatten().copied().collect::<Vec<f64>>();
    let (bv, cv) = (present(base), present(cur));
    let mean = |v: &[f64]| Spread::of(v).map(|s| s.mean);
    let diffs: Vec<f64> = base
        .iter()
        .zip(cur)
        .filter_map(|(b, c)| Some((*c)? - (*b)?))
        .collect();
    let (b, c) = (mean(&bv), mean(&cv));
    let change = mean(&diffs).or(match (b, c) {
        (Some(b), Some(c)) => Some(c - b),
        _ => None,
    });
    let mut row = MetricRow {
        metric: metric.to_string(),
        baseline: b,
        current: c,
        change,
        relative: change
            .zip(b)
            .and_then(|(d, b)| (b != 0.0).then(|| d / b.abs())),
        rule: rule.cloned(),
        verdict: Verdict::Ok,
        note: None,
        paired: None,
    };
    let better = rule.map_or_else(
        || super::budget::default_better(metric),
        |r| r.better(metric),
    );
    if base.len() > 1 {
        paired(&mut row, &diffs, &cv, better);
    } else {
        single(&mut row, better);
    }
    row
}

/// Which way a move of `sign` is: improved, or changed.
fn moved(sign: Ordering, better: Option<Better>) -> Verdict {
    match (sign, better) {
        (Ordering::Less, Some(Better::Lower)) | (Ordering::Greater, Some(Better::Higher)) => {
            Verdict::Improved
        }
        _ => Verdict::Changed,
    }
}

/// One draw a side.
fn single(row: &mut MetricRow, better: Option<Better>) {
    let broken = row.rule.as_ref().map_or_else(Vec::new, |rule| {
        breaches(rule, row.baseline, row.current, row.change, row.relative)
    });
    row.verdict = match (row.baseline, row.current, row.change) {
        _ if !broken.is_empty() => Verdict::Regressed,
        (None, None, _) => Verdict::Ok,
        (_, _, Some(0.0)) => Verdict::Ok,
        (_, _, Some(d)) => moved(d.total_cmp(&0.0), better),
        _ => Verdict::Changed,
    };
    let mut notes = broken;
    if let (Some(rule), None) = (&row.rule, row.change) {
        if row.baseline.is_some() || row.current.is_some() {
            notes.extend(not_applied(rule, row.baseline.is_none()));
        }
    }
    row.note = (!notes.is_empty()).then(|| notes.join("; "));
}

/// What `rule` cannot judge when one side has no value.
fn not_applied(rule: &Rule, baseline_missing: bool) -> Option<String> {
    let relative: Vec<&str> = [
        rule.max_increase.map(|_| "max_increase"),
        rule.max_decrease.map(|_| "max_decrease"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let absolute_too = !baseline_missing && (rule.max.is_some() || rule.min.is_some());
    let mut limits = relative;
    if absolute_too {
        limits.extend(["max", "min"].iter().filter(|l| {
            (**l == "max" && rule.max.is_some()) || (**l == "min" && rule.min.is_some())
        }));
    }
    if limits.is_empty() {
        return None;
    }
    let side = if baseline_missing {
        "baseline"
    } else {
        "current side"
    };
    Some(format!(
        "{} not applied: the {side} measured nothing (none)",
        limits.join(" and ")
    ))
}

/// The limits of `rule` one draw a side breaks, said in words.
fn breaches(
    rule: &Rule,
    base: Option<f64>,
    cur: Option<f64>,
    change: Option<f64>,
    relative: Option<f64>,
) -> Vec<String> {
    let mut out = Vec::new();
    let pct = |r: Option<f64>| r.map_or(String::new(), |r| format!(" ({:+.1}%)", r * 100.0));
    if let (Some(d), Some(b)) = (change, base) {
        if let Some(a) = rule.max_increase {
            let allowed = rule.allowance(a, b);
            if beyond(d, allowed) {
                out.push(format!(
                    "rose {}{}, budget allows +{}",
                    num(d),
                    pct(relative),
                    num(allowed)
                ));
            }
        }
        if let Some(a) = rule.max_decrease {
            let allowed = rule.allowance(a, b);
            if beyond(-d, allowed) {
                out.push(format!(
                    "fell {}{}, budget allows -{}",
                    num(-d),
                    pct(relative),
                    num(allowed)
                ));
            }
        }
    }
    if let Some(c) = cur {
        if let Some(max) = rule.max.filter(|&m| beyond(c, m)) {
            out.push(format!("{} is above max {}", num(c), num(max)));
        }
        if let Some(min) = rule.min.filter(|&m| beyond(m, c)) {
            out.push(format!("{} is below min {}", num(c), num(min)));
        }
    }
    out
}

/// Whether `values` lie beyond `limit` (above when `up`) with confidence: the 95% interval of
/// their mean is entirely beyond it and the signed-rank test of their distance to it rejects
/// zero at [`ALPHA`] in that direction.
fn beyond_with_confidence(values: &[f64], limit: f64, up: bool) -> bool {
    let Some(s) = Spread::of(values) else {
        return false;
    };
    let sign = if up { 1.0 } else { -1.0 };
    let interval_beyond = if up {
        beyond(s.ci95.0, limit)
    } else {
        beyond(limit, s.ci95.1)
    };
    let distances: Vec<f64> = values.iter().map(|v| sign * (v - limit)).collect();
    let t = signed_rank(&distances);
    interval_beyond && t.p < ALPHA && t.direction() == Ordering::Greater
}

/// Several seeds a side, paired.
fn paired(row: &mut MetricRow, diffs: &[f64], cur: &[f64], better: Option<Better>) {
    let Some(change) = Spread::of(diffs) else {
        // No seed measured it on both sides.
        single(row, better);
        if row.verdict == Verdict::Regressed {
            row.verdict = Verdict::Changed;
        }
        return;
    };
    let test = signed_rank(diffs);
    row.paired = Some(Paired {
        n: diffs.len(),
        change,
        test,
    });
    let mut broken = Vec::new();
    let mut unsure = Vec::new();
    if let Some(rule) = row.rule.clone() {
        let base = row.baseline.unwrap_or(0.0);
        let mut check = |what: String, values: &[f64], limit: f64, up: bool, mean: f64| {
            if beyond_with_confidence(values, limit, up) {
                broken.push(what);
            } else if (up && beyond(mean, limit)) || (!up && beyond(limit, mean)) {
                unsure.push(what);
            }
        };
        if let Some(a) = rule.max_increase {
            let allowed = rule.allowance(a, base);
            check(
                format!("mean change above +{}", num(allowed)),
                diffs,
                allowed,
                true,
                change.mean,
            );
        }
        if let Some(a) = rule.max_decrease {
            let allowed = rule.allowance(a, base);
            check(
                format!("mean change below -{}", num(allowed)),
                diffs,
                -allowed,
                false,
                change.mean,
            );
        }
        let cur_mean = row.current.unwrap_or(0.0);
        if let Some(max) = rule.max {
            check(
                format!("mean above max {}", num(max)),
                cur,
                max,
                true,
                cur_mean,
            );
        }
        if let Some(min) = rule.min {
            check(
                format!("mean below min {}", num(min)),
                cur,
                min,
                false,
                cur_mean,
            );
        }
    }
    let significant = test.p < ALPHA;
    row.verdict = if !broken.is_empty() {
        Verdict::Regressed
    } else if significant {
        moved(test.direction(), better)
    } else {
        Verdict::Ok
    };
    let mut notes: Vec<String> = broken
        .into_iter()
        .map(|b| format!("{b} with 95% confidence"))
        .collect();
    notes.extend(unsure.into_iter().map(|u| {
        format!(
            "{u}, but not with 95% confidence over {} seeds",
            diffs.len()
        )
    }));
    row.note = (!notes.is_empty()).then(|| notes.join("; "));
}

/// A figure as the reports print it: up to three decimals (four below 1, as hit rates are
/// written; one from 1000 up), trailing
/// zeros dropped; tiny values in scientific notation rather than as zero.
pub fn num(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.0005 {
        return format!("{x:.2e}");
    }
    let decimals = match x.abs() {
        a if a >= 1000.0 => 1,
        a if a < 1.0 => 4,
        _ => 3,
    };
    let s = format!("{x:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0" } else { s }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::budget::Amount;

    fn rise(pct: f64, slack: f64) -> Rule {
        Rule {
            max_increase: Some(Amount::Percent(pct)),
            slack,
            ..Rule::default()
        }
    }

    #[test]
    fn one_draw_a_side_is_judged_by_the_budget() {
        // Idle ENI-hours 1.099 -> 2.032: +0.933, +84.9%.
        let tight = judge(
            "pool.idle_eni_hours",
            &[Some(1.099)],
            &[Some(2.032)],
            Some(&rise(10.0, 0.0)),
        );
        assert_eq!(tight.verdict, Verdict::Regressed);
        assert_eq!(tight.change.map(num).as_deref(), Some("0.933"));
        assert_eq!(
            tight.note.as_deref(),
            Some("rose 0.933 (+84.9%), budget allows +0.1099")
        );
        let loose = judge(
            "pool.idle_eni_hours",
            &[Some(1.099)],
            &[Some(2.032)],
            Some(&rise(100.0, 0.0)),
        );
        assert_eq!(
            (loose.verdict, loose.note.as_deref()),
            (Verdict::Changed, None)
        );
        let back = judge(
            "pool.idle_eni_hours",
            &[Some(2.032)],
            &[Some(1.099)],
            Some(&rise(10.0, 0.0)),
        );
        assert_eq!(back.verdict, Verdict::Improved);
        let same = judge("pods.created", &[Some(3.0)], &[Some(3.0)], None);
        assert_eq!(same.verdict, Verdict::Ok);
        assert!(same.unchanged());
        let undirected = judge("pods.created", &[Some(3.0)], &[Some(4.0)], None);
        assert_eq!(undirected.verdict, Verdict::Changed);
        // Exactly at the allowance holds: 10% of 2 plus 0.5 is 0.7.
        let edge = judge(
            "startup_latency_s.p99",
            &[Some(2.0)],
            &[Some(2.7)],
            Some(&rise(10.0, 0.5)),
        );
        assert_eq!(edge.verdict, Verdict::Changed);
    }

    #[test]
    fn none_on_a_side_is_a_change_and_budgets_say_what_they_cannot_judge() {
        let r = judge(
            "startup_latency_s.p99",
            &[None],
            &[Some(3.2)],
            Some(&rise(10.0, 0.0)),
        );
        assert_eq!(r.verdict, Verdict::Changed);
        assert_eq!((r.change, r.relative), (None, None));
        assert_eq!(
            r.note.as_deref(),
            Some("max_increase not applied: the baseline measured nothing (none)")
        );
        let bound = Rule {
            max: Some(2.0),
            ..rise(10.0, 0.0)
        };
        let r = judge("startup_latency_s.p99", &[None], &[Some(3.2)], Some(&bound));
        assert_eq!(
            r.verdict,
            Verdict::Regressed,
            "max applies to the current value alone"
        );
        let r = judge("startup_latency_s.p99", &[Some(3.2)], &[None], Some(&bound));
        assert_eq!(r.verdict, Verdict::Changed);
        assert_eq!(
            r.note.as_deref(),
            Some("max_increase and max not applied: the current side measured nothing (none)")
        );
        let r = judge("startup_latency_s.p99", &[None], &[None], Some(&bound));
        assert_eq!((r.verdict, r.note), (Verdict::Ok, None));
    }

    #[test]
    fn over_seeds_only_a_confident_breach_regresses() {
        let rule = rise(0.0, 1.0);
        let base: Vec<Option<f64>> = (0..10).map(|i| Some(10.0 + f64::from(i))).collect();
        // Noise: changes of +0.9 and -0.9: no significant change.
        let noise: Vec<Option<f64>> = base
            .iter()
            .enumerate()
            .map(|(i, b)| Some(b.unwrap() + if i % 2 == 0 { 0.9 } else { -0.9 }))
            .collect();
        let r = judge("api.throttled", &base, &noise, Some(&rule));
        assert_eq!(r.verdict, Verdict::Ok);
        let p = r.paired.unwrap();
        assert_eq!(p.n, 10);
        assert!(p.test.p > 0.5, "{p:?}");
        // Every seed +3: beyond the allowance of 1 with confidence.
        let up: Vec<Option<f64>> = base.iter().map(|b| Some(b.unwrap() + 3.0)).collect();
        let r = judge("api.throttled", &base, &up, Some(&rule));
        assert_eq!(r.verdict, Verdict::Regressed);
        assert_eq!(
            r.note.as_deref(),
            Some("mean change above +1 with 95% confidence")
        );
        // +1.5 on average but +6 or -3 seed by seed: the mean breaks the budget, the interval
        // does not lie beyond it.
        let wild: Vec<Option<f64>> = base
            .iter()
            .enumerate()
            .map(|(i, b)| Some(b.unwrap() + if i % 2 == 0 { 6.0 } else { -3.0 }))
            .collect();
        let r = judge("api.throttled", &base, &wild, Some(&rule));
        assert_eq!(r.verdict, Verdict::Ok);
        assert!(r
            .note
            .unwrap()
            .contains("not with 95% confidence over 10 seeds"));
        // Every seed -3 with a lower-is-better metric: improved.
        let down: Vec<Option<f64>> = base.iter().map(|b| Some(b.unwrap() - 3.0)).collect();
        let r = judge("api.throttled", &base, &down, Some(&rule));
        assert_eq!(r.verdict, Verdict::Improved);
        // Five seeds can never be significant at 5% (p >= 2/32).
        let r = judge("api.throttled", &base[..5], &up[..5], Some(&rule));
        assert_eq!(r.verdict, Verdict::Ok);
    }

    #[test]
    fn changes_over_seeds_are_kept_at_a_false_discovery_rate_of_5_percent() {
        let row = |p: f64| MetricRow {
            metric: String::new(),
            baseline: None,
            current: None,
            change: None,
            relative: None,
            rule: None,
            verdict: Verdict::Changed,
            note: None,
            paired: Some(Paired {
                n: 10,
                change: Spread::of(&[1.0]).unwrap(),
                test: SignedRank {
                    n: 10,
                    w_plus: 50.0,
                    p,
                    exact: true,
                },
            }),
        };
        // Five tests: the k-th smallest p passes at k / 5 * 5%: 0.01, 0.02, 0.03, 0.04, 0.05.
        // 0.004 (<= 0.01) and 0.019 (<= 0.02) pass; 0.04 (> 0.03), and so the rest, do not
        // (the largest passing rank is 2).
        let mut rows: Vec<MetricRow> = [0.04, 0.004, 0.9, 0.019, 0.045].map(row).into();
        control_discoveries(&mut rows);
        let kept: Vec<Verdict> = rows.iter().map(|r| r.verdict).collect();
        use Verdict::{Changed as C, Ok as O};
        assert_eq!(kept, [O, C, O, C, O]);
        // Each of 0.01, 0.02, 0.03, 0.04 is at its rank's bound: all four pass.
        let mut rows: Vec<MetricRow> = [0.01, 0.02, 0.03, 0.04, 0.9].map(row).into();
        control_discoveries(&mut rows);
        assert_eq!(rows.iter().filter(|r| r.verdict == C).count(), 4);
    }

    #[test]
    fn figures_print_short() {
        assert_eq!(num(1.0990000001), "1.099");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-0.0001), "-1.00e-4");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(7611.7123), "7611.7");
    }
}
