//! Key paths into the scenario document (`node_groups.1.instance_type`), and where each one
//! is in the file, so that errors found after deserialization still point at a line and column.

use std::fmt;
use std::ops::Range;
use toml_edit::{ImDocument, Item};

/// One step of a [`KeyPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A key of a table.
    Key(String),
    /// An element of an array (of tables).
    Index(usize),
}

/// A key path from the document root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// A path of table keys only, such as `["policy", "min_warm"]`.
    pub fn keys(keys: &[&str]) -> KeyPath {
        KeyPath(keys.iter().map(|k| Seg::Key((*k).to_string())).collect())
    }

    /// Element `index` of the top-level array `array`, such as `node_groups.1`.
    pub fn entry(array: &str, index: usize) -> KeyPath {
        KeyPath(vec![Seg::Key(array.to_string()), Seg::Index(index)])
    }

    /// This path extended by an array index, for arrays below the top level (`vpc.outages.0`).
    pub fn index(&self, index: usize) -> KeyPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        KeyPath(segs)
    }

    /// This path extended by a key.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        KeyPath(segs)
    }

    /// Whether `self` is `prefix` or lies inside it.
    pub fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match seg {
                Seg::Key(k) => f.write_str(k)?,
                Seg::Index(n) => write!(f, "{n}")?,
            }
        }
        Ok(())
    }
}

/// The parsed file with its spans, for looking up where a path is.
pub struct SpanIndex {
    doc: Option<ImDocument<String>>,
}

impl SpanIndex {
    /// Indexes `text`; a document that does not parse yields no spans (the caller has already
    /// reported syntax errors, so this does not happen in practice).
    pub fn new(text: &str) -> SpanIndex {
        SpanIndex {
            doc: ImDocument::parse(text.to_string()).ok(),
        }
    }

    /// Byte range of the value at `path`, or of its nearest ancestor present in the file (a
    /// missing key is reported at the table that lacks it).
    pub fn find(&self, path: &KeyPath) -> Option<Range<usize>> {
        let doc = self.doc.as_ref()?;
        let mut item: &Item = doc.as_item();
        let mut best = None;
        for seg in &path.0 {
            let next = match seg {
                Seg::Key(k) => item.get(k.as_str()),
                Seg::Index(n) => item.get(*n),
            };
            match next {
                Some(found) => {
                    item = found;
                    best = found.span().or(best);
                }
                None => break,
            }
        }
        best
    }

    /// Byte range of the key that ends `path` (where an unknown key is), or of its value or
    /// nearest ancestor if the key cannot be told apart.
    pub fn find_key(&self, path: &KeyPath) -> Option<Range<usize>> {
        let (Some(Seg::Key(last)), Some(doc)) = (path.0.last(), self.doc.as_ref()) else {
            return self.find(path);
        };
        let mut item: &Item = doc.as_item();
        for seg in &path.0[..path.0.len() - 1] {
            let next = match seg {
                Seg::Key(k) => item.get(k.as_str()),
                Seg::Index(n) => item.get(*n),
            };
            match next {
                Some(found) => item = found,
                None => return self.find(path),
            }
        }
        item.as_table_like()
            .and_then(|t| t.get_key_value(last))
            .and_then(|(key, _)| key.span())
            .or_else(|| self.find(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "seed = 1\n[policy]\nmin_warm = 2\n\n[[node_groups]]\nname = \"a\"\n\n[[node_groups]]\nname = \"b\"\nscale = [ { at = \"1h\" } ]\n";

    fn start(path: &KeyPath) -> Option<usize> {
        SpanIndex::new(TEXT).find(path).map(|r| r.start)
    }

    #[test]
    fn finds_values_tables_and_array_elements() {
        assert_eq!(start(&KeyPath::keys(&["seed"])), TEXT.find('1'));
        assert_eq!(
            start(&KeyPath::keys(&["policy", "min_warm"])),
            TEXT.find('2')
        );
        let b = KeyPath::entry("node_groups", 1);
        assert_eq!(start(&b.key("name")), TEXT.find("\"b\""));
        let mut first_step = b.key("scale");
        first_step.0.push(Seg::Index(0));
        assert_eq!(start(&first_step), TEXT.find("{ at"));
    }

    #[test]
    fn missing_keys_fall_back_to_their_table() {
        let missing = KeyPath::entry("node_groups", 1).key("count");
        assert_eq!(start(&missing), TEXT.rfind("[[node_groups]]"));
        assert_eq!(start(&KeyPath::keys(&["nothing"])), None);
    }

    #[test]
    fn displays_dotted() {
        assert_eq!(
            KeyPath::entry("events", 2).key("count").to_string(),
            "events.2.count"
        );
    }
}
