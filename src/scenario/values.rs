//! Typed scalar values of the scenario file (durations, CIDRs, latency models), parsed while
//! deserializing so that `toml` reports a bad value at the value's own line and column.

use crate::engine::time::parse_duration;
use crate::engine::SimTime;
use crate::scenario::model::LatencyModel;
use crate::workload::LifetimeModel;
use ipnet::Ipv4Net;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// A duration string such as `"2m"` or `"1h30m"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration(pub SimTime);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Reads a duration string, and says what to write instead of a bare number.
struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a duration string such as \"1h\", \"90s\", \"1h30m\" or \"250ms\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        parse_duration(text).map(Duration).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Duration, E> {
        Err(E::custom(format!(
            "a duration is a string with a unit: write \"{n}s\" (seconds) or e.g. \"1h\", \"90s\", \"1h30m\", \"250ms\", not {n}"
        )))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Duration, E> {
        self.visit_i64(n as i64)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Duration, E> {
        Err(E::custom(format!(
            "a duration is a string with a unit such as \"1h\", \"90s\", \"1h30m\" or \"250ms\", not {n}"
        )))
    }
}

/// Shortest and longest prefixes a subnet may have: TKE's VPC accepts /8 to /29 (IPv4).
const PREFIX_RANGE: std::ops::RangeInclusive<u8> = 8..=29;

/// An IPv4 subnet range: a network address with a prefix length from /8 to /29.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr(pub Ipv4Net);

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_cidr(&text).map(Cidr).map_err(de::Error::custom)
    }
}

/// Parses and checks a subnet CIDR; the message says what would be valid.
fn parse_cidr(text: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = text.trim().parse().map_err(|_| {
        format!("invalid CIDR \"{text}\": expected an IPv4 network such as \"10.0.0.0/24\"")
    })?;
    if net.network() != net.addr() {
        return Err(format!(
            "CIDR \"{text}\" is not a network address (host bits are set); did you mean \"{}\"?",
            net.trunc()
        ));
    }
    if !PREFIX_RANGE.contains(&net.prefix_len()) {
        return Err(format!(
            "CIDR \"{text}\": prefix length must be between /{} and /{}",
            PREFIX_RANGE.start(),
            PREFIX_RANGE.end()
        ));
    }
    Ok(net)
}

/// A latency: `"300ms"` (fixed), `{ median = "2s", p99 = "8s" }` (lognormal, p99 >= median)
/// or `{ min = "1s", max = "3s" }` (uniform, min <= max).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latency(pub LatencyModel);

impl From<Latency> for LatencyModel {
    fn from(latency: Latency) -> LatencyModel {
        latency.0
    }
}

impl<'de> Deserialize<'de> for Latency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LatencyVisitor)
    }
}

/// Accepts every form of [`Latency`] so that errors in any keep the value's span.
struct LatencyVisitor;

impl<'de> Visitor<'de> for LatencyVisitor {
    type Value = Latency;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a duration such as \"300ms\", a table { median = \"2s\", p99 = \"8s\" } or a table { min = \"1s\", max = \"3s\" }",
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Latency, E> {
        parse_duration(text)
            .map(|d| Latency(LatencyModel::Fixed(d)))
            .map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Latency, A::Error> {
        let t = LatencyTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let lognormal = t.median.is_some() || t.p99.is_some();
        let uniform = t.min.is_some() || t.max.is_some();
        let model = match (lognormal, uniform) {
            (true, false) => {
                let (median, p99) = (need(t.median, "median")?, need(t.p99, "p99")?);
                ordered(median, p99, "p99", "the median")?;
                LatencyModel::LogNormal { median, p99 }
            }
            (false, true) => {
                let (min, max) = (need(t.min, "min")?, need(t.max, "max")?);
                ordered(min, max, "max", "min")?;
                LatencyModel::Uniform { min, max }
            }
            _ => return Err(de::Error::custom(
                "a latency table is either { median, p99 } (lognormal) or { min, max } (uniform)",
            )),
        };
        Ok(Latency(model))
    }
}

/// A key of the latency table that its form requires.
fn need<E: de::Error>(value: Option<Duration>, key: &'static str) -> Result<SimTime, E> {
    value.map(|d| d.0).ok_or_else(|| E::missing_field(key))
}

/// Fails when the upper bound `high` (named `high_name`) is below `low` (named `low_name`).
fn ordered<E: de::Error>(
    low: SimTime,
    high: SimTime,
    high_name: &str,
    low_name: &str,
) -> Result<(), E> {
    if high < low {
        return Err(E::custom(format!(
            "latency {high_name} ({high}s) must not be below {low_name} ({low}s)"
        )));
    }
    Ok(())
}

/// The table forms of [`Latency`], told apart by their keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyTable {
    median: Option<Duration>,
    p99: Option<Duration>,
    min: Option<Duration>,
    max: Option<Duration>,
}

/// A pod lifetime: `"10m"` (fixed), `{ mean = "10m" }` (exponential) or
/// `{ median = "5m", p99 = "1h" }` (lognormal, p99 >= median).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lifetime(pub LifetimeModel);

impl<'de> Deserialize<'de> for Lifetime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LifetimeVisitor)
    }
}

/// Accepts every form of [`Lifetime`] so that errors in any keep the value's span.
struct LifetimeVisitor;

impl<'de> Visitor<'de> for LifetimeVisitor {
    type Value = Lifetime;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a duration such as \"10m\" (fixed), { mean = \"10m\" } (exponential) or { median = \"5m\", p99 = \"1h\" } (lognormal)",
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Lifetime, E> {
        parse_duration(text)
            .map(|d| Lifetime(LifetimeModel::Fixed(d)))
            .map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lifetime, A::Error> {
        let t = LifetimeTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let model = match (t.mean, t.median, t.p99) {
            (Some(mean), None, None) if mean.0 > SimTime::ZERO => {
                LifetimeModel::Exponential { mean: mean.0 }
            }
            (None, Some(median), Some(p99)) if p99.0 >= median.0 => LifetimeModel::LogNormal {
                median: median.0,
                p99: p99.0,
            },
            (None, Some(_), Some(_)) => {
                return Err(de::Error::custom("lifetime p99 must not be below the median"))
            }
            _ => {
                return Err(de::Error::custom(
                    "lifetime takes { mean = \"10m\" } (exponential, mean > 0) or { median = \"5m\", p99 = \"1h\" } (lognormal), or a fixed duration such as \"10m\"",
                ))
            }
        };
        Ok(Lifetime(model))
    }
}

/// The table forms of [`Lifetime`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LifetimeTable {
    mean: Option<Duration>,
    median: Option<Duration>,
    p99: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_must_be_network_addresses_within_prefix_limits() {
        assert_eq!(parse_cidr("10.0.0.0/24").unwrap().prefix_len(), 24);
        let err = parse_cidr("10.0.0.1/24").unwrap_err();
        assert!(err.contains("did you mean \"10.0.0.0/24\""), "{err}");
        assert!(parse_cidr("10.0.0.0/30")
            .unwrap_err()
            .contains("/8 and /29"));
        assert!(parse_cidr("10.0.0.0/7").is_err());
        assert!(parse_cidr("10.0.0/24")
            .unwrap_err()
            .contains("invalid CIDR"));
    }
}
