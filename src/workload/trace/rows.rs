//! Reading a trace CSV row by row: the header check, line numbers, the time column's order,
//! and errors that point at the offending cell.

use crate::cluster::names::{check_subdomain, SUBDOMAIN_RULE};
use crate::error::InputError;
use csv::{ErrorKind, StringRecord};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Longest line a trace may have, in bytes: a row is a few short fields.
pub const MAX_TRACE_LINE: usize = 64 * 1024;

/// The layout a trace format expects.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    /// The header, column by column, exactly as it must appear.
    pub header: &'static [&'static str],
    /// The column holding each row's time, which must never decrease.
    pub time_column: usize,
}

/// A streaming reader of one trace file. Holds one row at a time.
pub(super) struct Rows {
    reader: csv::Reader<LineLimit<BufReader<File>>>,
    record: StringRecord,
    label: String,
    layout: Layout,
    /// Time (ms) and line of the previous row, for the order check.
    previous: Option<(u64, u64)>,
}

/// One row of a trace, with what is needed to blame it.
pub(super) struct Row<'a> {
    record: &'a StringRecord,
    label: &'a str,
    layout: Layout,
    /// 1-based line of the row in the file (the header is line 1).
    pub line: u64,
    /// The row's time column, in trace milliseconds.
    pub time: u64,
}

impl Rows {
    /// Opens `path` and checks its header against `layout`; `label` names the file in errors.
    pub(super) fn open(path: &Path, label: &str, layout: Layout) -> Result<Self, InputError> {
        let cannot_open = |e: std::io::Error| {
            InputError::new(label, format!("cannot open the trace: {e}"))
                .with_hint("a trace path is relative to the scenario file")
        };
        // Checked before opening: opening a FIFO would wait for a writer.
        if !std::fs::metadata(path).map_err(cannot_open)?.is_file() {
            return Err(InputError::new(
                label,
                "the trace is not a regular file (a device, a pipe or a directory)",
            )
            .with_hint("give the path of a CSV file"));
        }
        let file = File::open(path).map_err(cannot_open)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(LineLimit::new(BufReader::new(file)));
        let mut record = StringRecord::new();
        let expected = layout.header.join(",");
        let found = reader
            .read_record(&mut record)
            .map_err(|e| csv_error(label, e))?;
        if !found || record.iter().ne(layout.header.iter().copied()) {
            let what = if found {
                format!(
                    "unexpected header \"{}\"",
                    record.iter().collect::<Vec<_>>().join(",")
                )
            } else {
                "empty trace: no header".to_string()
            };
            return Err(InputError::new(label, what)
                .at(1, 1)
                .with_hint(format!("this trace format needs the header \"{expected}\"")));
        }
        Ok(Rows {
            reader,
            record,
            label: label.to_string(),
            layout,
            previous: None,
        })
    }

    /// The next row, with its time parsed and checked to be no earlier than the previous row's.
    pub(super) fn next_row(&mut self) -> Result<Option<Row<'_>>, InputError> {
        let label = self.label.as_str();
        if !self
            .reader
            .read_record(&mut self.record)
            .map_err(|e| csv_error(label, e))?
        {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
        let mut row = Row {
            record: &self.record,
            label,
            layout: self.layout,
            line,
            time: 0,
        };
        let column = self.layout.time_column;
        row.time = row.seconds(column)?;
        if let Some((previous, previous_line)) = self.previous {
            if row.time < previous {
                return Err(row
                    .error(column, "rows are out of time order")
                    .with_hint(format!(
                        "`{}` must never decrease; line {previous_line} has a later time: sort the trace by it",
                        self.layout.header[column]
                    )));
            }
        }
        self.previous = Some((row.time, line));
        Ok(Some(row))
    }
}

impl Row<'_> {
    /// The text of column `column` (the header guarantees it exists).
    pub(super) fn field(&self, column: usize) -> &str {
        self.record.get(column).unwrap_or("")
    }

    /// An error about the cell of `column` in this row.
    pub(super) fn error(&self, column: usize, message: impl AsRef<str>) -> InputError {
        // Character column of the cell: exact for unquoted fields.
        let offset: usize = (0..column).map(|c| self.field(c).chars().count() + 1).sum();
        InputError::new(
            self.label,
            format!("`{}`: {}", self.layout.header[column], message.as_ref()),
        )
        .at(usize::try_from(self.line).unwrap_or(usize::MAX), offset + 1)
    }

    /// Column `column` as a pod name, which Kubernetes' rules bound (a DNS-1123 subdomain).
    pub(super) fn pod_name(&self, column: usize) -> Result<&str, InputError> {
        let name = self.field(column);
        check_subdomain(name).map_err(|why| {
            self.error(column, format!("pod name \"{name}\" {why}"))
                .with_hint(SUBDOMAIN_RULE)
        })?;
        Ok(name)
    }

    /// Column `column` as seconds with up to three decimals, in milliseconds.
    pub(super) fn seconds(&self, column: usize) -> Result<u64, InputError> {
        let text = self.field(column);
        parse_seconds(text).ok_or_else(|| {
            self.error(column, format!("invalid time \"{text}\""))
                .with_hint("a time is seconds from the trace start, like 12 or 12.5")
        })
    }
}

/// Parses non-negative decimal seconds (`12`, `1.5`, `0.0005`) into whole milliseconds,
/// exactly: digits are read as digits, never through a float. More than three decimals round
/// to the nearest millisecond, halves up. `None` for anything else or an overflow.
pub(super) fn parse_seconds(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || text.ends_with('.') {
        return None;
    }
    let mut millis: u64 = 0;
    for i in 0..3 {
        let digit = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |b| u64::from(b - b'0'));
        millis = millis * 10 + digit;
    }
    let round_up = fraction.as_bytes().get(3).is_some_and(|&b| b >= b'5');
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(1000)?
        .checked_add(millis + u64::from(round_up))
}

/// A CSV-level error (ragged row, bad UTF-8, I/O) as an input error on its line.
fn csv_error(label: &str, err: csv::Error) -> InputError {
    let line = err.position().map(|p| p.line());
    let (message, hint) = match err.kind() {
        ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            format!("row has {len} fields, the header has {expected_len}"),
            Some("every row needs one value per header column (empty values are allowed where documented)"),
        ),
        ErrorKind::Utf8 { .. } => ("row is not valid UTF-8".to_string(), None),
        ErrorKind::Io(e) => match e.get_ref().and_then(|i| i.downcast_ref::<LineTooLong>()) {
            Some(long) => {
                return InputError::new(label, long.to_string())
                    .at(usize::try_from(long.line).unwrap_or(usize::MAX), 1)
                    .with_hint("a trace row is a few short comma-separated fields");
            }
            None => (format!("cannot read the trace: {e}"), None),
        },
        _ => (err.to_string(), None),
    };
    let mut error = InputError::new(label, message);
    if let Some(line) = line {
        error = error.at(usize::try_from(line).unwrap_or(usize::MAX), 1);
    }
    if let Some(hint) = hint {
        error = error.with_hint(hint);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn seconds_parse_exactly_to_milliseconds() {
        assert_eq!(parse_seconds("0"), Some(0));
        assert_eq!(parse_seconds("1.5"), Some(1500));
        assert_eq!(parse_seconds("12.345"), Some(12_345));
        assert_eq!(parse_seconds("0.1"), Some(100));
        assert_eq!(parse_seconds("2.0004"), Some(2000));
        assert_eq!(parse_seconds("2.0005"), Some(2001));
        assert_eq!(parse_seconds("0.9996"), Some(1000));
        assert_eq!(parse_seconds("12902960"), Some(12_902_960_000));
    }

    #[test]
    fn malformed_seconds_are_rejected() {
        for bad in [
            "",
            ".5",
            "5.",
            "-1",
            "1e3",
            "1.2.3",
            " 1",
            "abc",
            "99999999999999999999",
        ] {
            assert_eq!(parse_seconds(bad), None, "{bad:?}");
        }
    }
}

/// A reader that fails once a line grows past [`MAX_TRACE_LINE`] bytes, so a file without
/// line breaks (or `/dev/zero` behind a link) cannot make the CSV reader buffer it whole.
pub(super) struct LineLimit<R> {
    inner: R,
    /// Bytes since the last line break.
    run: usize,
    /// 1-based line being read.
    line: u64,
}

/// The error [`LineLimit`] fails with, carried inside an `io::Error`.
#[derive(Debug)]
struct LineTooLong {
    line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than {MAX_TRACE_LINE} bytes",
            self.line
        )
    }
}

impl std::error::Error for LineTooLong {}

impl<R> LineLimit<R> {
    fn new(inner: R) -> Self {
        LineLimit {
            inner,
            run: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.run = 0;
                self.line += 1;
            } else {
                self.run += 1;
                if self.run > MAX_TRACE_LINE {
                    let long = LineTooLong { line: self.line };
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, long));
                }
            }
        }
        Ok(n)
    }
}
