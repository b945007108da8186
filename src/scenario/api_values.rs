//! Typed values of the `[vpc]` keys that name APIs, error codes, rates and probabilities,
//! checked while deserializing so that `toml` reports a bad value at its own line and column.

use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::scenario::model::FaultSpec;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// A rate limit in requests per second, greater than zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate(pub u32);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u32::deserialize(deserializer)? {
            0 => Err(de::Error::custom(
                "a rate limit must be at least 1 request per second",
            )),
            n => Ok(Rate(n)),
        }
    }
}

impl From<Rate> for u32 {
    fn from(rate: Rate) -> u32 {
        rate.0
    }
}

/// A probability from 0 to 1, written as a float or as the integers 0 and 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probability(pub f64);

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ProbabilityVisitor)
    }
}

/// Accepts floats and integers, so that `0` and `1` need no decimal point.
struct ProbabilityVisitor;

impl Visitor<'_> for ProbabilityVisitor {
    type Value = Probability;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a probability from 0 to 1, such as 0.02")
    }

    fn visit_f64<E: de::Error>(self, p: f64) -> Result<Probability, E> {
        if (0.0..=1.0).contains(&p) {
            Ok(Probability(p))
        } else {
            Err(E::custom(format!(
                "probability {p} is not between 0 and 1 (e.g. 0.02 for 2%)"
            )))
        }
    }

    fn visit_i64<E: de::Error>(self, p: i64) -> Result<Probability, E> {
        self.visit_f64(p as f64)
    }

    fn visit_u64<E: de::Error>(self, p: u64) -> Result<Probability, E> {
        self.visit_f64(p as f64)
    }
}

/// An error code a fault or outage answers with, in Tencent Cloud's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code(pub ApiErrorCode);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ApiErrorCode::from_name(&text).map(Code).ok_or_else(|| {
            let names: Vec<String> = ApiErrorCode::ALL
                .iter()
                .map(|c| format!("\"{}\"", c.name()))
                .collect();
            de::Error::custom(format!(
                "unknown error code \"{text}\"; codes: {}",
                names.join(", ")
            ))
        })
    }
}

/// An endpoint named as in scenario keys (`attach`, `describe_task`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiName(pub Endpoint);

impl<'de> Deserialize<'de> for ApiName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Endpoint::from_name(&text).map(ApiName).ok_or_else(|| {
            let names: Vec<String> = Endpoint::ALL
                .iter()
                .map(|e| format!("\"{}\"", e.name()))
                .collect();
            de::Error::custom(format!(
                "unknown api \"{text}\"; apis: {}",
                names.join(", ")
            ))
        })
    }
}

/// An endpoint's injected failure: `0.02`, or `{ probability = 0.02, code = "InternalError" }`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fault(pub FaultSpec);

impl From<Fault> for FaultSpec {
    fn from(fault: Fault) -> FaultSpec {
        fault.0
    }
}

impl<'de> Deserialize<'de> for Fault {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FaultVisitor)
    }
}

/// Accepts both forms of [`Fault`]; a bare probability fails with InternalError.
struct FaultVisitor;

impl FaultVisitor {
    fn bare<E: de::Error>(p: Result<Probability, E>) -> Result<Fault, E> {
        Ok(Fault(FaultSpec {
            probability: p?.0,
            code: ApiErrorCode::InternalError,
        }))
    }
}

impl<'de> Visitor<'de> for FaultVisitor {
    type Value = Fault;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a probability such as 0.02 or a table { probability = 0.02, code = \"InternalError\" }",
        )
    }

    fn visit_f64<E: de::Error>(self, p: f64) -> Result<Fault, E> {
        Self::bare(ProbabilityVisitor.visit_f64(p))
    }

    fn visit_i64<E: de::Error>(self, p: i64) -> Result<Fault, E> {
        Self::bare(ProbabilityVisitor.visit_i64(p))
    }

    fn visit_u64<E: de::Error>(self, p: u64) -> Result<Fault, E> {
        Self::bare(ProbabilityVisitor.visit_u64(p))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Fault, A::Error> {
        let table = FaultTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Fault(FaultSpec {
            probability: table.probability.0,
            code: table.code.map_or(ApiErrorCode::InternalError, |c| c.0),
        }))
    }
}

/// The table form of [`Fault`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultTable {
    probability: Probability,
    code: Option<Code>,
}
