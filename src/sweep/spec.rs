//! `--vary KEY=SPEC`: one axis of a sweep, the values one scalar key takes.
//!
//! SPEC is `0..4` (inclusive integer range), `0..60s/15s` or `0.1..0.5/0.1` (range with a
//! step; integers, decimals or durations), or a list `1,2,4,8` / `slow,quick` (any scalars,
//! strings included). A single value is a list of one.

use crate::engine::time::{format_duration, parse_duration};
use crate::engine::SimTime;

/// Most values one axis may take (a typo such as `0..1000000000` must not allocate for ever).
pub const MAX_AXIS_VALUES: usize = 100_000;

/// One varied key and its values, in the order they were given.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The dotted key, as `--set` takes it (`policy.min_warm`, `node_groups.0.max_warm`).
    pub key: String,
    /// Its values.
    pub values: Vec<AxisValue>,
}

/// One value of an axis.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisValue {
    /// As written in `--set KEY=VALUE` and shown in tables: `3`, `15s`, `slow`.
    pub text: String,
    /// Where it sits on a chart axis: the number, a duration in seconds; none for words.
    pub number: Option<f64>,
}

impl AxisValue {
    /// The value written `text`, with the number it stands for if any.
    pub fn word(text: &str) -> Self {
        AxisValue {
            text: text.to_string(),
            number: number_of(text),
        }
    }
}

/// A number a value stands for: an integer, a decimal, or a duration in seconds.
fn number_of(text: &str) -> Option<f64> {
    if let Ok(n) = text.parse::<f64>() {
        return n.is_finite().then_some(n);
    }
    parse_duration(text).ok().map(SimTime::as_secs_f64)
}

impl Axis {
    /// Parses `KEY=SPEC`; the error says what would be valid.
    pub fn parse(arg: &str) -> Result<Axis, String> {
        let (key, spec) = arg.split_once('=').ok_or_else(|| {
            format!("\"{arg}\" has no \"=\"; expected KEY=SPEC, e.g. policy.min_warm=0..4")
        })?;
        let key = key.trim();
        let ok_key = !key.is_empty()
            && key.split('.').all(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-[]".contains(c))
            });
        if !ok_key {
            return Err(format!(
                "invalid key \"{key}\": expected a dotted key such as policy.min_warm"
            ));
        }
        let values = parse_spec(spec.trim())?;
        Ok(Axis {
            key: key.to_string(),
            values,
        })
    }

    /// The `--set` argument that gives this axis its `i`-th value.
    pub fn set_arg(&self, i: usize) -> String {
        format!("{}={}", self.key, self.values[i].text)
    }
}

const SPEC_HINT: &str =
    "expected 0..4 (inclusive range), 0..60s/15s (range with a step) or a list 1,2,4,8";

fn parse_spec(spec: &str) -> Result<Vec<AxisValue>, String> {
    if spec.is_empty() {
        return Err(format!("empty SPEC; {SPEC_HINT}"));
    }
    let Some((start, rest)) = spec.split_once("..") else {
        let values: Vec<AxisValue> = spec.split(',').map(|v| AxisValue::word(v.trim())).collect();
        if values.iter().any(|v| v.text.is_empty()) {
            return Err(format!("empty value in list \"{spec}\"; {SPEC_HINT}"));
        }
        return Ok(values);
    };
    let (end, step) = match rest.split_once('/') {
        Some((end, step)) => (end, Some(step)),
        None => (rest, None),
    };
    let bad = |why: &str| format!("bad range \"{spec}\": {why}; {SPEC_HINT}");
    let (start, end) = (start.trim(), end.trim());
    if let (Ok(a), Ok(b)) = (start.parse::<i64>(), end.parse::<i64>()) {
        let step = match step {
            Some(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| bad("the step must be an integer"))?,
            None => 1,
        };
        return int_range(a, b, step).map_err(|why| bad(&why));
    }
    let Some(step) = step else {
        return Err(bad("a range without a step takes integers"));
    };
    let step = step.trim();
    if let (Ok(a), Ok(b), Ok(s)) = (
        start.parse::<f64>(),
        end.parse::<f64>(),
        step.parse::<f64>(),
    ) {
        return decimal_range(a, b, s).map_err(|why| bad(&why));
    }
    // A bare 0 is a duration too: `0..60s/15s`.
    let duration = |t: &str| {
        if t == "0" {
            Ok(SimTime(0))
        } else {
            parse_duration(t)
        }
    };
    match (duration(start), duration(end), duration(step)) {
        (Ok(a), Ok(b), Ok(s)) => duration_range(a, b, s).map_err(|why| bad(&why)),
        _ => Err(bad(
            "start, end and step must all be integers, decimals or durations",
        )),
    }
}

fn check_count(count: u64) -> Result<usize, String> {
    if count > MAX_AXIS_VALUES as u64 {
        return Err(format!("{count} values, more than {MAX_AXIS_VALUES}"));
    }
    Ok(count as usize)
}

fn int_range(a: i64, b: i64, step: i64) -> Result<Vec<AxisValue>, String> {
    if a > b {
        return Err("the start is above the end".into());
    }
    if step <= 0 {
        return Err("the step must be above 0".into());
    }
    let count = check_count(((b as i128 - a as i128) / step as i128 + 1) as u64)?;
    Ok((0..count)
        .map(|i| AxisValue::word(&(a + i as i64 * step).to_string()))
        .collect())
}

fn decimal_range(a: f64, b: f64, step: f64) -> Result<Vec<AxisValue>, String> {
    if !(a.is_finite() && b.is_finite() && step.is_finite()) || a > b {
        return Err("the start is above the end".into());
    }
    if step <= 0.0 {
        return Err("the step must be above 0".into());
    }
    // A hair of slack so that 0.1..0.3/0.1 ends at 0.3 despite binary fractions.
    let count = check_count(((b - a) / step + 1e-9).floor() as u64 + 1)?;
    Ok((0..count)
        .map(|i| {
            let v = a + i as f64 * step;
            // Twelve significant decimals at most: 0.30000000000000004 is shown as 0.3.
            let text = format!("{:.12}", v)
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string();
            AxisValue::word(&text)
        })
        .collect())
}

fn duration_range(a: SimTime, b: SimTime, step: SimTime) -> Result<Vec<AxisValue>, String> {
    if a > b {
        return Err("the start is above the end".into());
    }
    if step.as_millis() == 0 {
        return Err("the step must be above 0s".into());
    }
    let count = check_count((b.as_millis() - a.as_millis()) / step.as_millis() + 1)?;
    Ok((0..count as u64)
        .map(|i| {
            AxisValue::word(&format_duration(SimTime(
                a.as_millis() + i * step.as_millis(),
            )))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(arg: &str) -> Vec<String> {
        Axis::parse(arg)
            .unwrap()
            .values
            .into_iter()
            .map(|v| v.text)
            .collect()
    }

    #[test]
    fn ranges_lists_and_steps() {
        assert_eq!(texts("policy.min_warm=0..4"), ["0", "1", "2", "3", "4"]);
        assert_eq!(texts("a=1,2,4,8"), ["1", "2", "4", "8"]);
        assert_eq!(texts("a=0..60s/15s"), ["0s", "15s", "30s", "45s", "1m"]);
        assert_eq!(texts("a=1m..2m/30s"), ["1m", "1m30s", "2m"]);
        assert_eq!(texts("a=0..10/4"), ["0", "4", "8"]);
        assert_eq!(texts("a=0.1..0.3/0.1"), ["0.1", "0.2", "0.3"]);
        assert_eq!(texts("policy.release=slow,quick"), ["slow", "quick"]);
        assert_eq!(texts("a=3"), ["3"]);
        let axis = Axis::parse("node_groups.0.max_warm=2..3").unwrap();
        assert_eq!(axis.set_arg(1), "node_groups.0.max_warm=3");
        let d = Axis::parse("a=0..60s/15s").unwrap();
        assert_eq!(d.values[1].number, Some(15.0));
        assert_eq!(Axis::parse("a=slow").unwrap().values[0].number, None);
    }

    #[test]
    fn bad_specs_say_what_is_valid() {
        for (arg, expected) in [
            ("a=4..0", "the start is above the end"),
            ("a=0..60s/0s", "the step must be above 0s"),
            ("a=0..4/0", "the step must be above 0"),
            ("a=0s..1m", "a range without a step takes integers"),
            ("a=0..1000000000", "more than 100000"),
            ("a=1,,2", "empty value"),
            ("a=", "empty SPEC"),
            ("a", "no \"=\""),
            ("=1", "invalid key"),
            ("a..b=1", "invalid key"),
            ("a=x..y/1", "integers, decimals or durations"),
        ] {
            let err = Axis::parse(arg).unwrap_err();
            assert!(err.contains(expected), "{arg}: {err}");
        }
    }
}
