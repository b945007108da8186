//! Bad input: one error type for everything a user can get wrong in a scenario file or on the
//! command line. The binary maps it to exit code 2.

use std::fmt;

/// A user error, located as precisely as possible so that it can be fixed without guessing.
///
/// Displays as `FILE:LINE:COLUMN: MESSAGE`, followed by `\n  hint: HINT` when there is a hint.
/// Line and column are left out when unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// Where the input came from: a path as given, or a flag such as
    /// `--set policy.max_warm=x`.
    pub file: String,
    /// 1-based line, when the error can be pinned to one.
    pub line: Option<usize>,
    /// 1-based column (in characters), when the error can be pinned to one.
    pub column: Option<usize>,
    /// What is wrong, on one line.
    pub message: String,
    /// What would be valid, when that is not already in the message.
    pub hint: Option<String>,
}

impl InputError {
    /// An error about `file` as a whole, without a location yet.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            file: cut_echoes(&file.into()),
            line: None,
            column: None,
            message: cut_echoes(&message.into()),
            hint: None,
        }
    }

    /// Pins the error to a 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Pins the error to the byte `offset` of `text` (the file's contents); an offset past the
    /// end points just after the last character.
    pub fn at_offset(self, text: &str, offset: usize) -> Self {
        let (line, column) = line_column(text, offset);
        self.at(line, column)
    }

    /// Adds a hint saying what would be valid.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(cut_echoes(&hint.into()));
        self
    }
}

/// Longest value an error quotes whole; a longer one is cut to its start and its length.
pub const MAX_ECHO: usize = 60;
/// Longest error text (file label, message or hint), whatever it quotes.
pub const MAX_ERROR_TEXT: usize = 2_000;

/// Cuts each over-long value quoted in `text` (between `"` or backquotes) to its first
/// characters and says how long it was, and the whole text to [`MAX_ERROR_TEXT`]: an error
/// about a 100,000-character value stays one readable line.
fn cut_echoes(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_ERROR_TEXT + 64));
    let mut rest = text;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            rest = after;
            break;
        };
        out.push_str(&shorten(&after[..close], MAX_ECHO, MAX_ECHO / 2));
        out.push(quote);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    shorten(&out, MAX_ERROR_TEXT, MAX_ERROR_TEXT)
}

/// `text` itself if it has at most `max` characters, else its first `keep` characters and
/// its length: how an error quotes a value that may be huge.
pub fn shorten(text: &str, max: usize, keep: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let start: String = text.chars().take(keep).collect();
    format!("{start}... ({n} characters)")
}

/// The 1-based line and column (counted in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_location_message_and_hint() {
        let err = InputError::new("scenarios/x.toml", "unknown instance family \"C5\"")
            .at(12, 15)
            .with_hint("supported families: S5, SA2, IT5, SA3");
        assert_eq!(
            err.to_string(),
            "scenarios/x.toml:12:15: unknown instance family \"C5\"\n  hint: supported families: S5, SA2, IT5, SA3"
        );
        let flag = InputError::new("--set seed=x", "expected an integer");
        assert_eq!(flag.to_string(), "--set seed=x: expected an integer");
    }

    #[test]
    fn long_quoted_values_are_cut_and_their_length_given() {
        let long = "a".repeat(100_000);
        let e = InputError::new("f.toml", format!("unknown kind \"{long}\"; kinds: \"x\""));
        assert_eq!(
            e.message,
            format!(
                "unknown kind \"{}... (100000 characters)\"; kinds: \"x\"",
                "a".repeat(30)
            )
        );
        let e = InputError::new("f.toml", "x".repeat(5_000));
        assert!(e.message.len() < MAX_ERROR_TEXT + 30);
        assert!(e.message.ends_with("(5000 characters)"));
        let e = InputError::new("f.toml", "short \"ok\" and `v` and an \"unclosed");
        assert_eq!(e.message, "short \"ok\" and `v` and an \"unclosed");
    }

    #[test]
    fn offsets_become_one_based_lines_and_character_columns() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (1, 5));
        assert_eq!(line_column(text, 6), (2, 1));
        // "é" is two bytes but one column.
        assert_eq!(line_column(text, 6 + 8), (2, 8));
        // Inside a multi-byte character or past the end: no panic.
        assert_eq!(line_column(text, 6 + 6), (2, 6));
        assert_eq!(line_column(text, 1000), (3, 1));
    }
}
