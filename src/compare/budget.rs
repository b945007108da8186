//! Budgets: how far each metric may move before a change counts as a regression. A budget
//! file (TOML) holds one entry per dotted metric, e.g.
//! `"startup_latency_s.p99" = { max_increase = "10%", slack = 0.5 }`; every error in it is
//! located at its line and column.

use crate::error::InputError;
use crate::sweep::metrics::any_run_names;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use toml_edit::{ImDocument, Item, TableLike, Value};

/// The budget that applies without `--budget`: the metrics that matter for a CI gate.
/// docs/ci.md shows this text as it is.
pub const DEFAULT_BUDGET: &str = r#"# A change may raise each figure by the percentage of its baseline value plus the slack
# (in the figure's own unit); no change may break an invariant or leak an ENI.
"startup_latency_s.p50" = { max_increase = "10%", slack = 0.5 }
"startup_latency_s.p99" = { max_increase = "10%", slack = 0.5 }
"pods.failed_scheduling" = { max_increase = "10%", slack = 1 }
"pods.eni_timeouts" = { max_increase = "10%", slack = 1 }
"pool.idle_eni_hours" = { max_increase = "5%", slack = 1.0 }
"api.calls_total" = { max_increase = "10%", slack = 10 }
"api.throttled" = { max_increase = "10%", slack = 10 }
"invariants.violations" = { max = 0 }
"invariants.leaked_enis" = { max = 0 }
"#;

/// The limits of a budget entry, as the file names them.
const LIMITS: &str = "max_increase, max_decrease, max, min, slack, better";

/// How much a metric may move: a share of its baseline value or an amount in its unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    /// Percent of the baseline value's magnitude.
    Percent(f64),
    /// In the metric's unit.
    Absolute(f64),
}

/// Which way a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Less is better (latency, cost, failures).
    Lower,
    /// More is better (pool hit rate).
    Higher,
}

/// One metric's budget.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rule {
    /// Largest rise from the baseline.
    pub max_increase: Option<Amount>,
    /// Largest fall from the baseline.
    pub max_decrease: Option<Amount>,
    /// Highest value the current side may have, whatever the baseline.
    pub max: Option<f64>,
    /// Lowest value the current side may have.
    pub min: Option<f64>,
    /// Added to `max_increase` and `max_decrease`, in the metric's unit: a percentage of a
    /// value near zero allows nothing, the slack allows the noise a figure always has.
    pub slack: f64,
    /// Which way is better, when the entry says so.
    pub better: Option<Better>,
}

impl Rule {
    /// The rise (or fall) allowed from `baseline` by `amount`, slack included.
    pub fn allowance(&self, amount: Amount, baseline: f64) -> f64 {
        let base = match amount {
            Amount::Percent(p) => p / 100.0 * baseline.abs(),
            Amount::Absolute(a) => a,
        };
        base + self.slack
    }

    /// Which way `metric` is better: as the entry says, else what its limits imply (only
    /// rises bounded: lower is better), else enisim's reading of the metric.
    pub fn better(&self, metric: &str) -> Option<Better> {
        let up = self.max_increase.is_some() || self.max.is_some();
        let down = self.max_decrease.is_some() || self.min.is_some();
        self.better.or(match (up, down) {
            (true, false) => Some(Better::Lower),
            (false, true) => Some(Better::Higher),
            _ => default_better(metric),
        })
    }
}

/// Which way a summary metric is better, where that is plain: less waiting, cost, churn,
/// load and failure; more pool hits and started pods.
pub fn default_better(metric: &str) -> Option<Better> {
    const HIGHER: [&str; 3] = ["pool.hit_rate", "pods.started", "static.reattached"];
    const LOWER_PREFIXES: [&str; 6] = [
        "startup_latency_s.",
        "churn.",
        "api.",
        "invariants.",
        "pods.failed_scheduling",
        "pods.pending_at_end",
    ];
    const LOWER: [&str; 6] = [
        "pods.eni_timeouts",
        "pods.waiting_eni_at_end",
        "pool.idle_eni_hours",
        "pool.peak_idle_enis",
        "static.lost",
        "static.expired",
    ];
    if HIGHER.contains(&metric) {
        Some(Better::Higher)
    } else if LOWER.contains(&metric)
        || LOWER_PREFIXES.iter().any(|p| metric.starts_with(p))
        || (metric.starts_with("subnets.") && metric.ends_with(".exhausted_s"))
    {
        Some(Better::Lower)
    } else {
        None
    }
}

fn fmt_amount(f: &mut fmt::Formatter<'_>, sign: char, a: Amount) -> fmt::Result {
    match a {
        Amount::Percent(p) => write!(f, "{sign}{p}%"),
        Amount::Absolute(x) => write!(f, "{sign}{x}"),
    }
}

impl fmt::Display for Rule {
    /// Compact: `+10% (slack 0.5)`, `-5%`, `max 0`, `min 0.9`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(a) = self.max_increase {
            fmt_amount(f, '+', a)?;
            sep = ", ";
        }
        if let Some(a) = self.max_decrease {
            f.write_str(sep)?;
            fmt_amount(f, '-', a)?;
            sep = ", ";
        }
        if self.slack != 0.0 {
            write!(f, " (slack {})", self.slack)?;
        }
        if let Some(m) = self.max {
            write!(f, "{sep}max {m}")?;
            sep = ", ";
        }
        if let Some(m) = self.min {
            write!(f, "{sep}min {m}")?;
        }
        Ok(())
    }
}

/// A budget: per dotted metric, its rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    /// Where it came from: the file as given, or "the built-in default budget".
    pub source: String,
    /// The rules, by metric.
    pub rules: BTreeMap<String, Rule>,
}

impl Budget {
    /// The built-in default budget ([`DEFAULT_BUDGET`]).
    pub fn builtin() -> Budget {
        let mut b = Budget::parse(DEFAULT_BUDGET, "the built-in default budget")
            .unwrap_or_else(|e| unreachable!("the built-in budget parses: {e}"));
        b.source = "the built-in default budget".into();
        b
    }

    /// Reads the budget file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Budget, InputError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(&label, format!("cannot read budget file: {e}")))?;
        Budget::parse(&text, &label)
    }

    /// Parses a budget file's `text`; `label` names it in errors.
    pub fn parse(text: &str, label: &str) -> Result<Budget, InputError> {
        let at = |span: Option<Range<usize>>, message: String| {
            let e = InputError::new(label, message);
            match span {
                Some(s) => e.at_offset(text, s.start),
                None => e,
            }
        };
        let doc = ImDocument::parse(text.to_string()).map_err(|e| {
            at(e.span(), one_line(e.message())).with_hint(
                "a budget is TOML: \"startup_latency_s.p99\" = { max_increase = \"10%\" }",
            )
        })?;
        let mut rules = BTreeMap::new();
        let known = any_run_names();
        entries(doc.as_table(), "", &mut |name, key_span, item| {
            let rule = rule(item, &|span, m| at(span, m))
                .map_err(|e| e.with_hint(format!("a budget entry takes {LIMITS}")))?;
            if !known.accepts(&name) {
                return Err(
                    at(key_span, format!("unknown metric \"{name}\"")).with_hint(format!(
                        "{}; quote dotted names: \"pool.idle_eni_hours\"",
                        known.hint()
                    )),
                );
            }
            rules.insert(name, rule);
            Ok(())
        })?;
        Ok(Budget {
            source: label.to_string(),
            rules,
        })
    }
}

/// What [`entries`] calls with each entry: its dotted name, its key's span and its item.
type OnEntry<'a> = dyn FnMut(String, Option<Range<usize>>, &Item) -> Result<(), InputError> + 'a;

/// Calls `f` with the dotted name, key span and item of every entry: a table whose values
/// are all plain values is an entry; a table holding tables is a group of entries
/// (`[startup_latency_s] p99 = { ... }`).
fn entries(table: &dyn TableLike, prefix: &str, f: &mut OnEntry) -> Result<(), InputError> {
    for (k, item) in table.iter() {
        let name = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        let key_span = table.get_key_value(k).and_then(|(key, _)| key.span());
        match item.as_table_like() {
            Some(sub) if sub.iter().any(|(_, v)| v.is_table_like()) => entries(sub, &name, f)?,
            _ => f(name, key_span, item)?,
        }
    }
    Ok(())
}

/// One entry's rule.
fn rule(
    item: &Item,
    at: &dyn Fn(Option<Range<usize>>, String) -> InputError,
) -> Result<Rule, InputError> {
    let Some(table) = item.as_table_like() else {
        return Err(at(
            item.span(),
            "a budget entry is a table of limits, e.g. { max_increase = \"10%\" }".into(),
        ));
    };
    let mut r = Rule::default();
    for (k, v) in table.iter() {
        let span = v.span();
        let value = v.as_value();
        match k {
            "max_increase" => r.max_increase = Some(amount(k, value, span, at)?),
            "max_decrease" => r.max_decrease = Some(amount(k, value, span, at)?),
            "max" => r.max = Some(number(k, value, span, at)?),
            "min" => r.min = Some(number(k, value, span, at)?),
            "slack" => {
                r.slack = number(k, value, span.clone(), at)?;
                if r.slack < 0.0 {
                    return Err(at(span, format!("slack {} is negative", r.slack)));
                }
            }
            "better" => {
                r.better = match value.and_then(Value::as_str) {
                    Some("lower") => Some(Better::Lower),
                    Some("higher") => Some(Better::Higher),
                    _ => return Err(at(span, "better is \"lower\" or \"higher\"".to_string())),
                }
            }
            other => {
                let key = table.get_key_value(other).and_then(|(key, _)| key.span());
                return Err(at(key, format!("unknown limit \"{other}\"")));
            }
        }
    }
    let whole = item.span();
    if r == Rule::default() {
        return Err(at(whole, "the entry sets no limit".into()));
    }
    if r.slack != 0.0 && r.max_increase.is_none() && r.max_decrease.is_none() {
        return Err(at(
            whole,
            "slack widens max_increase or max_decrease, and the entry has neither".into(),
        ));
    }
    if let (Some(lo), Some(hi)) = (r.min, r.max) {
        if lo > hi {
            return Err(at(whole, format!("min {lo} is above max {hi}")));
        }
    }
    Ok(r)
}

fn number(
    key: &str,
    value: Option<&Value>,
    span: Option<Range<usize>>,
    at: &dyn Fn(Option<Range<usize>>, String) -> InputError,
) -> Result<f64, InputError> {
    let x = match value {
        Some(Value::Integer(i)) => *i.value() as f64,
        Some(Value::Float(x)) => *x.value(),
        _ => return Err(at(span, format!("{key} is a number"))),
    };
    if x.is_finite() {
        Ok(x)
    } else {
        Err(at(span, format!("{key} is a finite number")))
    }
}

/// `"10%"` (of the baseline) or a number in the metric's unit (`2`, `"2"`), not negative.
fn amount(
    key: &str,
    value: Option<&Value>,
    span: Option<Range<usize>>,
    at: &dyn Fn(Option<Range<usize>>, String) -> InputError,
) -> Result<Amount, InputError> {
    let bad = || {
        at(
            span.clone(),
            format!("{key} is a percentage of the baseline (\"10%\") or an amount in the metric's unit (2.5), not negative"),
        )
    };
    let a = match value {
        Some(Value::String(s)) => {
            let t = s.value().trim();
            match t.strip_suffix('%') {
                Some(p) => Amount::Percent(p.trim().parse().map_err(|_| bad())?),
                None => Amount::Absolute(t.parse().map_err(|_| bad())?),
            }
        }
        _ => Amount::Absolute(number(key, value, span.clone(), at).map_err(|_| bad())?),
    };
    match a {
        Amount::Percent(x) | Amount::Absolute(x) if x.is_finite() && x >= 0.0 => Ok(a),
        _ => Err(bad()),
    }
}

/// A TOML parser's message on one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Budget::parse(text, "b.toml").unwrap_err().to_string()
    }

    #[test]
    fn entries_quoted_dotted_or_grouped() {
        let b = Budget::parse(
            "\"pool.idle_eni_hours\" = { max_increase = \"5%\", slack = 1.0 }\n\
             api.throttled = { max_increase = 20 }\n\
             [startup_latency_s]\np99 = { max_increase = \"10%\", max = 30 }\n\
             [\"pool.hit_rate\"]\nmax_decrease = \"2.5%\"\nmin = 0.5\n",
            "b.toml",
        )
        .unwrap();
        let names: Vec<&str> = b.rules.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "api.throttled",
                "pool.hit_rate",
                "pool.idle_eni_hours",
                "startup_latency_s.p99"
            ]
        );
        let idle = &b.rules["pool.idle_eni_hours"];
        assert_eq!(idle.max_increase, Some(Amount::Percent(5.0)));
        // 5% of 20 plus the slack of 1.
        assert_eq!(idle.allowance(Amount::Percent(5.0), 20.0), 2.0);
        assert_eq!(idle.to_string(), "+5% (slack 1)");
        assert_eq!(
            b.rules["api.throttled"].max_increase,
            Some(Amount::Absolute(20.0))
        );
        let hit = &b.rules["pool.hit_rate"];
        assert_eq!(hit.better("pool.hit_rate"), Some(Better::Higher));
        assert_eq!(hit.to_string(), "-2.5%, min 0.5");
        assert_eq!(b.rules["startup_latency_s.p99"].to_string(), "+10%, max 30");
    }

    #[test]
    fn docs_ci_shows_the_builtin_budget_as_it_is() {
        let doc = include_str!("../../docs/ci.md");
        assert!(doc.contains(&format!("```toml\n{DEFAULT_BUDGET}```")));
    }

    #[test]
    fn the_builtin_budget_holds_the_metrics_that_matter() {
        let b = Budget::builtin();
        for m in [
            "startup_latency_s.p99",
            "pods.failed_scheduling",
            "invariants.leaked_enis",
            "pool.idle_eni_hours",
            "api.calls_total",
            "api.throttled",
        ] {
            assert!(b.rules.contains_key(m), "{m}");
        }
        assert_eq!(b.rules["invariants.violations"].max, Some(0.0));
        assert_eq!(b.source, "the built-in default budget");
    }

    #[test]
    fn errors_are_located_and_say_what_is_valid() {
        let e = err("\"pool.idle_eni_hours\" = { max_increase = \"5%\" }\n\"startup_latency.p99\" = { max = 3 }\n");
        assert!(
            e.starts_with("b.toml:2:1: unknown metric \"startup_latency.p99\""),
            "{e}"
        );
        assert!(
            e.contains("hint: metrics are summary.json's numbers"),
            "{e}"
        );
        let e = err("\"api.throttled\" = { max_increase = \"ten%\" }\n");
        assert!(
            e.starts_with("b.toml:1:36: max_increase is a percentage"),
            "{e}"
        );
        let e = err("\"api.throttled\" = { max_inc = 3 }\n");
        assert!(
            e.starts_with("b.toml:1:21: unknown limit \"max_inc\""),
            "{e}"
        );
        assert!(
            e.contains("max_increase, max_decrease, max, min, slack, better"),
            "{e}"
        );
        let e = err("\"api.throttled\" = { max_increase = \"-5%\" }\n");
        assert!(e.starts_with("b.toml:1:36:"), "{e}");
        let e = err("\"api.throttled\" = 5\n");
        assert!(
            e.starts_with("b.toml:1:19: a budget entry is a table"),
            "{e}"
        );
        let e = err("\"api.throttled\" = { slack = 2 }\n");
        assert!(
            e.contains("slack widens max_increase or max_decrease"),
            "{e}"
        );
        let e = err("\"pool.hit_rate\" = { min = 0.9, max = 0.5 }\n");
        assert!(e.contains("min 0.9 is above max 0.5"), "{e}");
        let e = err("\"api.throttled\" = { better = \"up\" }\n");
        assert!(
            e.starts_with("b.toml:1:30: better is \"lower\" or \"higher\""),
            "{e}"
        );
        let e = err("\"api.throttled\" = { max = 1 \n");
        assert!(e.starts_with("b.toml:1:"), "{e}");
        let e = err("\"subnets.sub-a.exhausted_s\" = { max = 0 }\n\"subnets.x\" = { max = 0 }\n");
        assert!(
            e.starts_with("b.toml:2:1: unknown metric \"subnets.x\""),
            "{e}"
        );
    }

    #[test]
    fn direction_from_the_entry_its_limits_or_the_metric() {
        let lower = Rule {
            max: Some(3.0),
            ..Rule::default()
        };
        assert_eq!(lower.better("pool.hit_rate"), Some(Better::Lower));
        let none = Rule::default();
        assert_eq!(none.better("pool.hit_rate"), Some(Better::Higher));
        assert_eq!(none.better("api.errors.InternalError"), Some(Better::Lower));
        assert_eq!(none.better("pods.created"), None);
        assert_eq!(none.better("subnets.a.exhausted_s"), Some(Better::Lower));
    }
}
