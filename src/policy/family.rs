//! The registry's entries: a policy family is a mode name, the keys of a policy table only it
//! reads, and how its settings are read and a policy built from them. The scenario loader
//! looks families up in [`super::FAMILIES`]; the simulator builds one policy per policy table
//! (`[policy]`, and each node group's own `policy` table).

use super::pool::{ReleaseCheck, ReleaseMode};
use super::AllocationPolicy;
use crate::engine::time::parse_duration;
use crate::engine::SimTime;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// One policy family, as [`super::FAMILIES`] lists it.
pub struct Family {
    /// Its `policy.mode` name.
    pub mode: &'static str,
    /// Keys of a policy table that only this family reads (beyond TKE's pool keys, which
    /// every table accepts), as the hint of a misplaced key lists them.
    pub keys: &'static [&'static str],
    /// Keys TKE's pool mode defines that this family reads too (for the hint).
    pub shared: &'static [&'static str],
    /// Reads its settings from a policy table.
    pub read: fn(&Table) -> Result<Arc<dyn Settings>, KeyError>,
}

impl Family {
    /// The family named `mode`, if there is one.
    pub fn named(mode: &str) -> Option<&'static Family> {
        super::FAMILIES.iter().find(|f| f.mode == mode)
    }

    /// True if the family reads TKE's min_warm and max_warm, its band P + min_warm ..
    /// P + max_warm as the report names it.
    pub fn reads_warm(&self) -> bool {
        self.shared.contains(&"min_warm") && self.shared.contains(&"max_warm")
    }

    /// Every key the family reads, for hints: shared ones first.
    pub fn valid_keys(&self) -> Vec<&'static str> {
        let mut keys = vec!["mode"];
        keys.extend(self.shared);
        keys.extend(self.keys);
        keys
    }

    /// The family whose own keys include `key`, if any.
    pub fn owning(key: &str) -> Option<&'static Family> {
        super::FAMILIES.iter().find(|f| f.keys.contains(&key))
    }
}

/// A family's settings, read and checked: builds the family's policy for a set of nodes.
pub trait Settings: fmt::Debug + Send + Sync {
    /// A fresh policy with these settings.
    fn build(&self, context: Context) -> Box<dyn AllocationPolicy>;
}

/// What the simulator hands a policy it builds.
pub struct Context {
    /// The policy's own random stream (idle picks, jitter): seeded, used by nothing else.
    pub rng: ChaCha8Rng,
    /// The time an ENI typically takes from create to ready (median create and attach
    /// latencies plus a task poll), for policies that plan ahead.
    pub eni_ready: SimTime,
}

/// A policy table's family with its settings: what a scenario (or one of its node groups)
/// runs.
#[derive(Clone, Debug)]
pub struct PolicySpec {
    /// The family's mode name.
    pub mode: &'static str,
    /// Its settings.
    pub settings: Arc<dyn Settings>,
}

impl PolicySpec {
    /// A new policy of this spec.
    pub fn build(&self, context: Context) -> Box<dyn AllocationPolicy> {
        self.settings.build(context)
    }
}

/// One policy table as a family reads it: TKE's pool keys already checked by the loader, and
/// the other keys as written.
pub struct Table<'a> {
    /// `min_warm` (default 1).
    pub min_warm: u32,
    /// `max_warm` (default 1).
    pub max_warm: u32,
    /// `release`.
    pub release: ReleaseMode,
    /// `release_check`.
    pub release_check: ReleaseCheck,
    /// `release_interval`.
    pub release_interval: SimTime,
    /// Every other key of the table with its value.
    pub extra: &'a BTreeMap<String, toml::Value>,
}

/// A bad value for a family's key: the loader locates it in the file.
#[derive(Debug)]
pub struct KeyError {
    /// The key of the policy table.
    pub key: &'static str,
    /// What is wrong.
    pub message: String,
    /// What would be valid.
    pub hint: String,
}

impl KeyError {
    fn new(key: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        KeyError {
            key,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl Table<'_> {
    /// A duration key (`"90s"`, `"10m"`), or `default`; zero only if `zero_ok`.
    pub fn duration(
        &self,
        key: &'static str,
        default: SimTime,
        zero_ok: bool,
    ) -> Result<SimTime, KeyError> {
        let hint = "a duration such as \"30s\", \"10m\" or \"1h\"";
        let Some(value) = self.extra.get(key) else {
            return Ok(default);
        };
        let text = value.as_str().ok_or_else(|| {
            KeyError::new(
                key,
                format!("{key} must be a duration string, not {value}"),
                hint,
            )
        })?;
        if text.trim_start().starts_with('-') {
            return Err(KeyError::new(
                key,
                format!("{key} = \"{text}\" is negative"),
                hint,
            ));
        }
        let time = parse_duration(text).map_err(|e| KeyError::new(key, e, hint))?;
        if time == SimTime::ZERO && !zero_ok {
            return Err(KeyError::new(
                key,
                format!("{key} must be greater than zero"),
                hint,
            ));
        }
        Ok(time)
    }

    /// An optional duration key: `None` when absent or `"never"`.
    pub fn optional_duration(&self, key: &'static str) -> Result<Option<SimTime>, KeyError> {
        match self.extra.get(key) {
            None => Ok(None),
            Some(v) if v.as_str() == Some("never") => Ok(None),
            Some(_) => self.duration(key, SimTime::ZERO, false).map(Some),
        }
    }

    /// A count key, at least `min`, or `default`.
    pub fn count(&self, key: &'static str, default: u32, min: u32) -> Result<u32, KeyError> {
        let Some(value) = self.extra.get(key) else {
            return Ok(default);
        };
        let hint = format!("an integer of at least {min}");
        let n = value.as_integer().ok_or_else(|| {
            KeyError::new(key, format!("{key} must be an integer, not {value}"), &hint)
        })?;
        u32::try_from(n)
            .ok()
            .filter(|&n| n >= min)
            .ok_or_else(|| KeyError::new(key, format!("{key} = {n} is out of range"), hint))
    }

    /// A share key from 0 to 1 (a float or an integer), or `default`.
    pub fn fraction(&self, key: &'static str, default: f64) -> Result<f64, KeyError> {
        let Some(value) = self.extra.get(key) else {
            return Ok(default);
        };
        let x = value
            .as_float()
            .or_else(|| value.as_integer().map(|i| i as f64))
            .filter(|x| (0.0..=1.0).contains(x));
        x.ok_or_else(|| {
            KeyError::new(
                key,
                format!("{key} = {value} is not a share from 0 to 1"),
                "a number from 0 (none) to 1, e.g. 0.1",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(extra: &BTreeMap<String, toml::Value>) -> Table<'_> {
        Table {
            min_warm: 1,
            max_warm: 1,
            release: ReleaseMode::Slow,
            release_check: ReleaseCheck::Periodic,
            release_interval: SimTime::from_secs(120),
            extra,
        }
    }

    fn one(key: &str, value: toml::Value) -> BTreeMap<String, toml::Value> {
        BTreeMap::from([(key.to_string(), value)])
    }

    #[test]
    fn durations_are_read_defaulted_and_checked() {
        let empty = BTreeMap::new();
        let t = table(&empty);
        assert_eq!(
            t.duration("cooldown", SimTime(5), true).unwrap(),
            SimTime(5)
        );
        let given = one("cooldown", "90s".into());
        let t = table(&given);
        assert_eq!(
            t.duration("cooldown", SimTime(5), true).unwrap(),
            SimTime::from_secs(90)
        );
        let negative = one("cooldown", "-1s".into());
        let e = table(&negative)
            .duration("cooldown", SimTime(5), true)
            .unwrap_err();
        assert!(e.message.contains("negative"), "{e:?}");
        let zero = one("cooldown", "0s".into());
        assert!(table(&zero)
            .duration("cooldown", SimTime(5), false)
            .is_err());
        assert_eq!(
            table(&zero).duration("cooldown", SimTime(5), true).unwrap(),
            SimTime::ZERO
        );
        let number = one("cooldown", 5.into());
        assert!(table(&number)
            .duration("cooldown", SimTime(5), true)
            .is_err());
        let never = one("cooldown", "never".into());
        assert_eq!(table(&never).optional_duration("cooldown").unwrap(), None);
    }

    #[test]
    fn counts_and_fractions_are_checked() {
        let zero = one("batch", 0.into());
        let e = table(&zero).count("batch", 5, 1).unwrap_err();
        assert_eq!(e.message, "batch = 0 is out of range");
        assert_eq!(table(&zero).count("batch", 5, 0).unwrap(), 0);
        let big = one("j", 1.5.into());
        assert!(table(&big).fraction("j", 0.1).is_err());
        let ok = one("j", 0.25.into());
        assert_eq!(table(&ok).fraction("j", 0.1).unwrap(), 0.25);
    }
}
