//! Where a value is in a JSON text, so that an error found after parsing (a metric that is
//! not a number, summaries of different scenarios) still names a line and column.

/// The byte offset where the value at `path` (object keys from the root) starts in `text`,
/// or where the deepest enclosing value present starts. `text` is JSON that parsed; anything
/// else yields the start.
pub fn offset(text: &str, path: &[&str]) -> usize {
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
    };
    s.ws();
    let mut found = s.i;
    for key in path {
        match s.member(key) {
            Some(at) => found = at,
            None => break,
        }
    }
    found
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    /// In the object at the cursor, moves to the value of `key` and gives its offset.
    fn member(&mut self, key: &str) -> Option<usize> {
        if self.peek() != Some(b'{') {
            return None;
        }
        self.i += 1;
        loop {
            self.ws();
            match self.peek()? {
                b'}' => return None,
                b',' => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            let name = self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            if name == key {
                return Some(self.i);
            }
            self.skip_value()?;
        }
    }

    /// Reads the string at the cursor (escapes decoded), leaving the cursor after it.
    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i;
        self.i += 1;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    let raw = std::str::from_utf8(&self.b[start..self.i]).ok()?;
                    return serde_json::from_str(raw).ok();
                }
                _ => self.i += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                loop {
                    self.ws();
                    match self.peek()? {
                        c if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' | b':' => self.i += 1,
                        _ => self.skip_value()?,
                    }
                }
            }
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                ) {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\n  \"a\": [1, {\"x\": \"}\"}],\n  \"pool\": {\n    \"hit\\\"s\": 2,\n    \"idle\": \"x\"\n  }\n}\n";

    #[test]
    fn finds_nested_values_past_strings_and_arrays() {
        assert_eq!(
            offset(TEXT, &["pool", "idle"]),
            TEXT.find("\"x\"\n").unwrap()
        );
        assert_eq!(offset(TEXT, &["pool", "hit\"s"]), TEXT.find('2').unwrap());
        assert_eq!(offset(TEXT, &["pool"]), TEXT.find("{\n    ").unwrap());
        // Missing: the deepest value present.
        assert_eq!(
            offset(TEXT, &["pool", "none"]),
            TEXT.find("{\n    ").unwrap()
        );
        assert_eq!(offset(TEXT, &["none"]), 0);
        assert_eq!(offset("", &["a"]), 0);
        assert_eq!(offset("[1", &["a"]), 0);
    }
}
