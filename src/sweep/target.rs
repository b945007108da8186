//! `--target 'startup_latency_s.p99<=5'`: a bound a variant must meet in every seed.

use std::fmt;

/// A comparison between a metric and a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// Longest first, so `<=` is not read as `<`.
    const ALL: [(&'static str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    fn text(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("", |(t, _)| t)
    }
}

/// One target.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The dotted metric.
    pub metric: String,
    /// The comparison.
    pub op: Op,
    /// The bound.
    pub bound: f64,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.metric, self.op.text(), self.bound)
    }
}

impl Target {
    /// Parses `METRIC OP NUMBER`.
    pub fn parse(text: &str) -> Result<Target, String> {
        let hint =
            "expected METRIC OP NUMBER, e.g. 'startup_latency_s.p99<=5' (OP: <= < >= > == !=)";
        let (at, op, len) = Op::ALL
            .iter()
            .filter_map(|(t, op)| text.find(t).map(|at| (at, *op, t.len())))
            .min_by_key(|(at, _, len)| (*at, usize::MAX - len))
            .ok_or_else(|| format!("no comparison in \"{text}\"; {hint}"))?;
        let metric = text[..at].trim();
        let number = text[at + len..].trim();
        if metric.is_empty() {
            return Err(format!("no metric in \"{text}\"; {hint}"));
        }
        let bound: f64 = number
            .parse()
            .ok()
            .filter(|b: &f64| b.is_finite())
            .ok_or_else(|| format!("\"{number}\" is not a number in \"{text}\"; {hint}"))?;
        Ok(Target {
            metric: metric.to_string(),
            op,
            bound,
        })
    }

    /// Whether `value` meets the target.
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            Op::Le => value <= self.bound,
            Op::Lt => value < self.bound,
            Op::Ge => value >= self.bound,
            Op::Gt => value > self.bound,
            Op::Eq => value == self.bound,
            Op::Ne => value != self.bound,
        }
    }

    /// How far `value` is from meeting the target, relative to the bound (0 when met): how
    /// close a variant came.
    pub fn shortfall(&self, value: f64) -> f64 {
        if self.holds(value) {
            return 0.0;
        }
        (value - self.bound).abs() / self.bound.abs().max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_comparison() {
        let t = Target::parse("startup_latency_s.p99<=5").unwrap();
        assert_eq!(
            (t.metric.as_str(), t.op, t.bound),
            ("startup_latency_s.p99", Op::Le, 5.0)
        );
        assert_eq!(
            Target::parse("pods.failed_scheduling == 0").unwrap().op,
            Op::Eq
        );
        assert_eq!(Target::parse("a>1.5").unwrap().op, Op::Gt);
        assert_eq!(Target::parse("a!=1").unwrap().op, Op::Ne);
        assert_eq!(Target::parse("a<1").unwrap().to_string(), "a<1");
        for bad in ["a", "<=5", "a<=x", "a<=inf"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn holds_and_shortfall() {
        let t = Target::parse("x<=5").unwrap();
        assert!(t.holds(5.0) && !t.holds(5.1));
        assert_eq!(t.shortfall(4.0), 0.0);
        assert!((t.shortfall(6.0) - 0.2).abs() < 1e-12);
    }
}
