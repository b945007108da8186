//! Virtual time as integer milliseconds, so that event order never depends on float rounding.

use std::fmt;

/// A point in virtual time, or a span of it, in whole milliseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any event a run can schedule.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// A time given in whole milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms)
    }

    /// A time given in whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * 1000)
    }

    /// The time in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The time in seconds, for reports only (never for ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// `self + d`, saturating at [`SimTime::MAX`].
    pub fn plus(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// `self - earlier`, or zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(earlier.0))
    }
}

/// A moment that may not have come yet, in 8 bytes rather than `Option<SimTime>`'s 16: pod
/// and ENI records are the simulator's largest tables, and smaller records mean fewer cache
/// misses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp(u64);

impl Stamp {
    /// Not yet.
    pub const NONE: Stamp = Stamp(u64::MAX);

    /// The moment, if it came.
    pub fn get(self) -> Option<SimTime> {
        (self != Stamp::NONE).then_some(SimTime(self.0))
    }

    /// Records the moment `t`.
    pub fn set(&mut self, t: SimTime) {
        debug_assert!(t != SimTime::MAX);
        self.0 = t.0;
    }

    /// True once the moment came.
    pub fn is_some(self) -> bool {
        self != Stamp::NONE
    }

    /// True while the moment has not come.
    pub fn is_none(self) -> bool {
        self == Stamp::NONE
    }

    /// Records the moment `t` unless one is recorded already.
    pub fn set_once(&mut self, t: SimTime) {
        if self.is_none() {
            self.set(t);
        }
    }

    /// The moment, if it came, forgetting it.
    pub fn take(&mut self) -> Option<SimTime> {
        let t = self.get();
        self.clear();
        t
    }

    /// Forgets the moment: not yet again.
    pub fn clear(&mut self) {
        *self = Stamp::NONE;
    }
}

impl Default for Stamp {
    fn default() -> Self {
        Stamp::NONE
    }
}

/// Prints seconds with exactly three decimals (`12.345`), the form every CSV column uses, so
/// that output never depends on float formatting.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// Parses a duration such as `500ms`, `90s`, `2m`, `1h30m` or `1d`: one or more
/// `<integer><unit>` parts with units `ms`, `s`, `m`, `h`, `d`, largest unit first.
///
/// Hand-written rather than taken from a crate because the simulator's clock is milliseconds:
/// general parsers accept units (`us`, `ns`, months, years) that have no exact meaning here.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    const HINT: &str = "expected a duration like \"1h\", \"90s\", \"1h30m\", \"250ms\" or \"1d\" (units: ms, s, m, h, d; no spaces)";
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration; {HINT}"));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_rank = usize::MAX;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return Err(format!("invalid duration \"{text}\": {HINT}"));
        }
        let value: u64 = s[start..i]
            .parse()
            .map_err(|_| format!("duration \"{text}\" is too large"))?;
        let spaced = i < bytes.len() && bytes[i].is_ascii_whitespace();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[unit_start..i];
        if spaced && matches!(unit, "d" | "h" | "m" | "s" | "ms") {
            return Err(format!(
                "invalid duration \"{text}\": no spaces between number and unit; {HINT}"
            ));
        }
        let (rank, millis) = match unit {
            "d" => (0, 86_400_000),
            "h" => (1, 3_600_000),
            "m" => (2, 60_000),
            "s" => (3, 1_000),
            "ms" => (4, 1),
            "" => return Err(format!("duration \"{text}\" is missing a unit; {HINT}")),
            other => {
                return Err(format!(
                    "unknown unit \"{other}\" in duration \"{text}\"; {HINT}"
                ))
            }
        };
        if last_rank != usize::MAX && rank <= last_rank {
            return Err(format!(
                "invalid duration \"{text}\": units must go from largest to smallest, each once; {HINT}"
            ));
        }
        last_rank = rank;
        total = value
            .checked_mul(millis)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration \"{text}\" is too large"))?;
    }
    Ok(SimTime(total))
}

/// Formats a duration the way [`parse_duration`] reads it, largest unit first: `0s`, `250ms`,
/// `90s` is `1m30s`, `1h30m`.
pub fn format_duration(t: SimTime) -> String {
    let mut ms = t.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    if ms > 0 {
        out.push_str(&format!("{ms}ms"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_what_it_parses() {
        for (ms, text) in [
            (0, "0s"),
            (250, "250ms"),
            (15_000, "15s"),
            (90_000, "1m30s"),
            (5_400_000, "1h30m"),
            (86_401_001, "1d1s1ms"),
        ] {
            assert_eq!(format_duration(SimTime(ms)), text);
            assert_eq!(parse_duration(text), Ok(SimTime(ms)));
        }
    }

    #[test]
    fn parses_every_unit_and_compounds() {
        assert_eq!(parse_duration("500ms"), Ok(SimTime(500)));
        assert_eq!(parse_duration("30s"), Ok(SimTime(30_000)));
        assert_eq!(parse_duration("2m"), Ok(SimTime(120_000)));
        assert_eq!(parse_duration("1h30m"), Ok(SimTime(5_400_000)));
        assert_eq!(parse_duration("1d"), Ok(SimTime(86_400_000)));
        assert_eq!(parse_duration("1m30s250ms"), Ok(SimTime(90_250)));
        assert_eq!(parse_duration("0s"), Ok(SimTime(0)));
    }

    #[test]
    fn rejects_malformed_durations_with_a_hint() {
        for bad in ["", "5", "m", "5x", "1.5h", "30m1h", "1h1h", "-1s", "1 h"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("duration"), "{bad}: {err}");
        }
        let spaced = parse_duration("10 min").unwrap_err();
        assert!(
            spaced.contains("unknown unit \"min\"") && spaced.contains("\"1h30m\""),
            "{spaced}"
        );
        assert!(parse_duration("10 m").unwrap_err().contains("no spaces"));
        assert!(parse_duration("99999999999999999999d")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn displays_seconds_with_three_decimals() {
        assert_eq!(SimTime(0).to_string(), "0.000");
        assert_eq!(SimTime(1_234_567).to_string(), "1234.567");
        assert_eq!(SimTime(5).to_string(), "0.005");
    }
}
