//! `--set KEY=VALUE` overrides: TOML dotted keys (`policy.max_warm=3`), with array entries
//! addressed as `node_groups.0.count` or `node_groups[0].count`. Errors name the flag, not a
//! line of the file.

use crate::error::{shorten, InputError, MAX_ECHO};
use crate::scenario::path::{KeyPath, Seg};
use serde::Deserialize;
use toml::Value;

/// One parsed `--set` flag.
#[derive(Clone, Debug)]
pub struct Override {
    /// `KEY=VALUE` as the user wrote it, kept whole for the run's record (summary.json,
    /// the report's title); errors name it through [`flag_label`].
    pub arg: String,
    /// Where the value goes.
    pub path: KeyPath,
    /// The scalar to put there.
    pub value: Value,
}

impl Override {
    /// Parses `KEY=VALUE`. VALUE is read as a TOML value (`3`, `true`, `"2h"`), or else taken
    /// as a plain string, so that `duration=2h` works. Only scalars can be set.
    pub fn parse(arg: &str) -> Result<Override, InputError> {
        let fail = |message: String| {
            InputError::new(flag_label(arg), message).with_hint(
                "expected KEY=VALUE, e.g. --set policy.max_warm=3 or --set node_groups.0.count=5",
            )
        };
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| fail("missing \"=\"".to_string()))?;
        let path = parse_key(key.trim()).map_err(fail)?;
        let value = parse_value(value.trim()).map_err(fail)?;
        Ok(Override {
            arg: arg.to_string(),
            path,
            value,
        })
    }

    /// Sets the value in `doc` (the file as a TOML value), creating missing tables on the way.
    pub fn apply(&self, doc: &mut Value) -> Result<(), InputError> {
        self.set(doc).map_err(|message| self.error(message))
    }

    fn set(&self, doc: &mut Value) -> Result<(), String> {
        let mut node = doc;
        let mut walked = KeyPath::default();
        for seg in &self.path.0 {
            node = step(node, seg, &walked)?;
            walked.0.push(seg.clone());
        }
        if node.is_array() || matches!(node, Value::Table(t) if !t.is_empty()) {
            return Err(format!(
                "{walked} is of type {}; only scalar keys can be set",
                node.type_str()
            ));
        }
        *node = self.value.clone();
        Ok(())
    }

    /// Whether the flag set `path` or something inside it, i.e. is to blame for an error there.
    pub fn covers(&self, path: &KeyPath) -> bool {
        self.path.starts_with(path)
    }

    /// An error blamed on this flag.
    pub fn error(&self, message: impl Into<String>) -> InputError {
        InputError::new(flag_label(&self.arg), message)
    }
}

/// Most segments in a `--set` key; the deepest scenario key has 5
/// (`workloads.0.scale.0.replicas`).
pub const MAX_KEY_SEGMENTS: usize = 8;

/// The flag as errors name it: `--set KEY=VALUE`, cut if it is long.
fn flag_label(arg: &str) -> String {
    format!("--set {}", shorten(arg, MAX_ECHO, MAX_ECHO))
}

/// Splits `a.b[0].c` / `a.b.0.c` into segments; all-digit segments are array indices.
fn parse_key(key: &str) -> Result<KeyPath, String> {
    let segments = key.matches(['.', '[']).count() + 1;
    if segments > MAX_KEY_SEGMENTS {
        return Err(format!(
            "the key has {segments} segments; scenario keys have at most {MAX_KEY_SEGMENTS}"
        ));
    }
    let mut segs = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        segs.push(parse_seg(name, key)?);
        while !rest.is_empty() {
            let (index, tail) = rest
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .ok_or_else(|| format!("malformed index in key \"{key}\""))?;
            segs.push(Seg::Index(parse_index(index, key)?));
            rest = tail;
        }
    }
    Ok(KeyPath(segs))
}

fn parse_seg(name: &str, key: &str) -> Result<Seg, String> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return parse_index(name, key).map(Seg::Index);
    }
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if name.is_empty() || !name.chars().all(bare) {
        return Err(format!(
            "invalid key \"{key}\": expected dotted names such as policy.max_warm"
        ));
    }
    Ok(Seg::Key(name.to_string()))
}

fn parse_index(index: &str, key: &str) -> Result<usize, String> {
    index
        .parse()
        .map_err(|_| format!("invalid index \"{index}\" in key \"{key}\""))
}

/// A TOML scalar, or the raw text as a string when it is not valid TOML.
fn parse_value(text: &str) -> Result<Value, String> {
    match Value::deserialize(toml::de::ValueDeserializer::new(text)) {
        Ok(Value::Table(_)) => Err("only scalar values can be set, not a table".to_string()),
        Ok(Value::Array(_)) => Err("only scalar values can be set, not an array".to_string()),
        Ok(v) => Ok(v),
        Err(_) if looks_like_integer(text) => Err(format!(
            "the integer {text} is out of range: integers go from {} to {}",
            i64::MIN,
            i64::MAX
        )),
        Err(_) => Ok(Value::String(text.to_string())),
    }
}

/// True for a TOML decimal integer (sign, digits, underscores) that may be out of range.
fn looks_like_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// The child of `node` at `seg`; a missing table key is created as an empty table.
fn step<'a>(node: &'a mut Value, seg: &Seg, walked: &KeyPath) -> Result<&'a mut Value, String> {
    let name = if walked.0.is_empty() {
        "the top level".to_string()
    } else {
        walked.to_string()
    };
    match (node, seg) {
        (Value::Table(t), Seg::Key(k)) => Ok(t
            .entry(k.clone())
            .or_insert_with(|| Value::Table(toml::Table::new()))),
        (Value::Array(a), Seg::Index(i)) => {
            let len = a.len();
            a.get_mut(*i)
                .ok_or_else(|| format!("index {i} is out of range: {name} has {len} entries"))
        }
        (Value::Table(t), Seg::Index(i)) if t.is_empty() => {
            Err(format!("index {i} is out of range: {name} has no entries"))
        }
        (Value::Array(_), Seg::Key(k)) => Err(format!(
            "{name} is an array: give an index before \"{k}\", e.g. {name}.0.{k}"
        )),
        (other, _) => Err(format!(
            "{name} is of type {}, so it has no {}",
            other.type_str(),
            match seg {
                Seg::Key(k) => format!("key \"{k}\""),
                Seg::Index(i) => format!("entry {i}"),
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        let table: toml::Table = toml::from_str(
            "seed = 1\n[policy]\nmin_warm = 1\n[[node_groups]]\nname = \"a\"\ncount = 1\n",
        )
        .unwrap();
        Value::Table(table)
    }

    fn applied(arg: &str) -> Result<Value, String> {
        let mut doc = doc();
        Override::parse(arg)
            .and_then(|o| o.apply(&mut doc))
            .map_err(|e| e.to_string())?;
        Ok(doc)
    }

    #[test]
    fn keys_accept_dots_and_brackets() {
        let dotted = parse_key("node_groups.0.count").unwrap();
        assert_eq!(dotted, parse_key("node_groups[0].count").unwrap());
        assert_eq!(dotted, KeyPath::entry("node_groups", 0).key("count"));
        assert!(parse_key("a..b").is_err());
        assert!(parse_key("a[x]").is_err());
        assert!(parse_key("a[0").is_err());
    }

    #[test]
    fn values_are_toml_or_plain_strings() {
        assert_eq!(parse_value("3"), Ok(Value::Integer(3)));
        assert_eq!(parse_value("\"2h\""), Ok(Value::String("2h".into())));
        assert_eq!(parse_value("2h"), Ok(Value::String("2h".into())));
        assert!(parse_value("[1, 2]").unwrap_err().contains("scalar"));
    }

    #[test]
    fn sets_existing_and_new_keys() {
        let doc = applied("node_groups[0].count=5").unwrap();
        assert_eq!(doc["node_groups"][0]["count"].as_integer(), Some(5));
        let doc = applied("vpc.latency.attach=2s").unwrap();
        assert_eq!(doc["vpc"]["latency"]["attach"].as_str(), Some("2s"));
    }

    #[test]
    fn bad_overrides_name_the_flag() {
        let cases = [
            ("seed", "missing \"=\""),
            (
                "node_groups.3.count=1",
                "index 3 is out of range: node_groups has 1 entries",
            ),
            (
                "workloads.0.name=x",
                "index 0 is out of range: workloads has no entries",
            ),
            (
                "seed.x=1",
                "seed is of type integer, so it has no key \"x\"",
            ),
            (
                "node_groups.count=1",
                "node_groups is an array: give an index",
            ),
            (
                "policy=1",
                "policy is of type table; only scalar keys can be set",
            ),
        ];
        for (arg, expected) in cases {
            let err = applied(arg).unwrap_err();
            assert!(err.starts_with(&format!("--set {arg}: ")), "{err}");
            assert!(err.contains(expected), "{arg}: {err}");
        }
    }
}
