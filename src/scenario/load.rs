//! Reading a scenario: file -> TOML -> raw structs (+ `--set` overrides) -> validated model,
//! with every error located in the file or blamed on the `--set` flag that caused it.

use crate::error::InputError;
use crate::scenario::model::{Scenario, WorkloadKind};
use crate::scenario::overrides::Override;
use crate::scenario::path::SpanIndex;
use crate::scenario::raw::RawScenario;
use crate::scenario::validate::{self, Invalid};
use crate::workload::TraceSource;
use std::path::Path;

/// Loads and validates the scenario file at `path`, applying `--set KEY=VALUE` overrides.
/// The scenario's default name is the file stem.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, InputError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(&label, format!("cannot read scenario file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| not_utf8(&label, e))?;
    let stem = path
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    load_str(&text, &label, &stem, overrides)
}

/// Like [`load`], from the file's contents: `file_label` names it in errors and
/// `default_name` is the scenario name when the file has none. Lets tests skip the disk.
pub fn load_str(
    text: &str,
    file_label: &str,
    default_name: &str,
    overrides: &[String],
) -> Result<Scenario, InputError> {
    load_variant(text, file_label, default_name, overrides).map_err(|e| e.error)
}

/// Why a scenario with overrides did not load.
#[derive(Debug)]
pub struct LoadError {
    /// The error, located.
    pub error: InputError,
    /// True when a rule between several keys refused the combination of values (min_warm
    /// above max_warm), rather than one value being bad on its own: a sweep skips such a
    /// variant instead of stopping.
    pub between_keys: bool,
}

impl From<InputError> for LoadError {
    fn from(error: InputError) -> Self {
        LoadError {
            error,
            between_keys: false,
        }
    }
}

/// Like [`load_str`], telling a combination refused by a rule between keys from bad input.
pub fn load_variant(
    text: &str,
    file_label: &str,
    default_name: &str,
    overrides: &[String],
) -> Result<Scenario, LoadError> {
    let overrides = overrides
        .iter()
        .map(|arg| Override::parse(arg))
        .collect::<Result<Vec<_>, _>>()?;
    let source = Source {
        text,
        label: file_label,
        spans: SpanIndex::new(text),
    };
    let (raw, doc) = deserialize(&source, &overrides)?;
    let mut scenario = validate::build(raw, default_name).map_err(|invalid| LoadError {
        between_keys: invalid.paths.len() > 1,
        error: source.locate(invalid, &overrides),
    })?;
    let base = Path::new(file_label).parent().unwrap_or(Path::new(""));
    check_traces(&mut scenario, base)?;
    scenario.overrides = overrides.iter().map(|o| o.arg.clone()).collect();
    scenario.effective = effective(doc, &scenario);
    Ok(scenario)
}

/// The scenario as it runs, as a file: the overrides applied, the name and seed written out,
/// trace paths made absolute, so that running the file anywhere repeats the run.
fn effective(mut doc: toml::Value, scenario: &Scenario) -> String {
    if let toml::Value::Table(t) = &mut doc {
        t.insert("name".into(), toml::Value::String(scenario.name.clone()));
        t.insert("seed".into(), toml::Value::Integer(scenario.seed as i64));
    }
    for (i, w) in scenario.workloads.iter().enumerate() {
        if let WorkloadKind::Trace(trace) = &w.kind {
            let path = std::fs::canonicalize(&trace.path).unwrap_or_else(|_| trace.path.clone());
            if let Some(toml::Value::Table(entry)) =
                doc.get_mut("workloads").and_then(|a| a.get_mut(i))
            {
                entry.insert(
                    "path".into(),
                    toml::Value::String(path.display().to_string()),
                );
            }
        }
    }
    toml::to_string(&doc).unwrap_or_default()
}

/// Resolves trace paths against the scenario file's directory and reads each trace once, so
/// that a bad row stops the run before it starts, naming the file and the row.
fn check_traces(scenario: &mut Scenario, base: &Path) -> Result<(), InputError> {
    for workload in &mut scenario.workloads {
        if let WorkloadKind::Trace(trace) = &mut workload.kind {
            trace.path = base.join(&trace.path);
            trace.label = trace.path.display().to_string();
            TraceSource::validate(trace)?;
        }
    }
    Ok(())
}

/// The scenario file's text, its label for errors and where its keys are.
struct Source<'a> {
    text: &'a str,
    label: &'a str,
    spans: SpanIndex,
}

impl Source<'_> {
    /// A `toml` error at its position in the file.
    fn toml_error(&self, err: toml::de::Error) -> InputError {
        let located = InputError::new(self.label, one_line(err.message()));
        match err.span() {
            Some(span) => located.at_offset(self.text, span.start),
            None => located,
        }
    }

    /// A validation error at its value in the file, or blamed on the last `--set` flag that
    /// set one of the values involved.
    fn locate(&self, invalid: Invalid, overrides: &[Override]) -> InputError {
        let culprit = overrides
            .iter()
            .rev()
            .find(|o| invalid.paths.iter().any(|p| o.covers(p)));
        let err = match culprit {
            Some(o) => o.error(invalid.message),
            None => {
                let err = InputError::new(self.label, invalid.message);
                let span = |p| {
                    if invalid.on_key {
                        self.spans.find_key(p)
                    } else {
                        self.spans.find(p)
                    }
                };
                match invalid.paths.first().and_then(span) {
                    Some(span) => err.at_offset(self.text, span.start),
                    None => err,
                }
            }
        };
        match invalid.hint {
            Some(hint) => err.with_hint(hint),
            None => err,
        }
    }
}

/// The file as raw structs with the overrides applied. The file is checked alone first, so
/// that its errors point at its lines; then each override in turn, so that an error it
/// introduces blames its flag. A file that is only valid thanks to the overrides (e.g.
/// `duration` given by `--set`) is accepted.
fn deserialize(
    source: &Source,
    overrides: &[Override],
) -> Result<(RawScenario, toml::Value), InputError> {
    let table = toml::from_str(source.text).map_err(|e| source.toml_error(e))?;
    let mut doc = toml::Value::Table(table);
    let mut raw = match toml::from_str::<RawScenario>(source.text) {
        Ok(raw) => raw,
        Err(e) => {
            // An unsupported workload kind explains unknown keys better than they do.
            let file_error = match validate::workload_kinds(&doc) {
                Err(invalid) => source.locate(invalid, &[]),
                Ok(()) => source.toml_error(e),
            };
            for o in overrides {
                o.apply(&mut doc)?;
            }
            let raw = doc.clone().try_into().map_err(|_| file_error)?;
            return Ok((raw, doc));
        }
    };
    for o in overrides {
        o.apply(&mut doc)?;
        raw = doc
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| o.error(one_line(e.message())))?;
    }
    Ok((raw, doc))
}

/// A scenario file that is not UTF-8, located at its first bad byte.
fn not_utf8(label: &str, e: std::string::FromUtf8Error) -> InputError {
    let valid = e.utf8_error().valid_up_to();
    let bytes = e.as_bytes();
    let byte = bytes.get(valid).copied().unwrap_or_default();
    // The prefix is valid UTF-8, so it gives the line and column.
    let prefix = String::from_utf8_lossy(&bytes[..valid]);
    InputError::new(
        label,
        format!("byte 0x{byte:02X} is not UTF-8; a scenario file is UTF-8 text"),
    )
    .at_offset(&prefix, valid)
    .with_hint("save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)")
}

/// Names the range of the integer type a `toml` message expects ("expected u32").
fn with_ranges(message: String) -> String {
    const RANGES: [(&str, &str); 5] = [
        ("expected u8", "0 to 255"),
        ("expected u16", "0 to 65535"),
        ("expected u32", "0 to 4294967295"),
        ("expected u64", "0 to 18446744073709551615"),
        (
            "expected i64",
            "-9223372036854775808 to 9223372036854775807",
        ),
    ];
    if message.starts_with("number too large to fit in target type") {
        return format!(
            "the integer is out of range: integers go from {} to {}",
            i64::MIN,
            i64::MAX
        );
    }
    for (expected, range) in RANGES {
        if message.ends_with(expected) || message.contains(&format!("{expected};")) {
            return message.replacen(
                expected,
                &format!("{expected} (an integer from {range})"),
                1,
            );
        }
    }
    message
}

/// `toml` messages can span lines ("invalid key\nexpected ..."); errors are one line.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    with_ranges(lines.join("; "))
}
