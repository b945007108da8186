//! Kubernetes' naming rules (RFC 1123), so names written into every output row stay short
//! and are names a real cluster would accept.

/// Longest DNS-1123 label: a workload or node group name, a pod name's prefix.
pub const MAX_LABEL: usize = 63;
/// Longest DNS-1123 subdomain: a pod's full name.
pub const MAX_SUBDOMAIN: usize = 253;

/// What a DNS-1123 label is, for hints.
pub const LABEL_RULE: &str = "at most 63 characters: lowercase letters, digits and '-', \
starting and ending with a letter or digit (Kubernetes' DNS-1123 label), e.g. \"web-1\"";
/// What a DNS-1123 subdomain is, for hints.
pub const SUBDOMAIN_RULE: &str = "at most 253 characters: dot-separated DNS-1123 labels \
(lowercase letters, digits and '-', each starting and ending with a letter or digit), e.g. \"web-7f9c-x2\"";

/// Checks a DNS-1123 label; the error says what is wrong with it.
pub fn check_label(name: &str) -> Result<(), String> {
    at_most(name, MAX_LABEL)?;
    label_chars(name)
}

/// Checks a DNS-1123 subdomain; the error says what is wrong with it.
pub fn check_subdomain(name: &str) -> Result<(), String> {
    at_most(name, MAX_SUBDOMAIN)?;
    name.split('.').try_for_each(label_chars)
}

/// `raw` made a DNS-1123 label: lowercased, every other character than a letter or digit
/// turned into '-', cut to 63 characters, without leading or trailing '-' (empty if nothing
/// is left). For names made from other systems' names: instance types, zones, owners, folders.
pub fn to_label(raw: &str) -> String {
    let name: String = raw
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(MAX_LABEL)
        .collect();
    name.trim_matches('-').to_string()
}

/// Fails when `name` has more than `max` characters.
fn at_most(name: &str, max: usize) -> Result<(), String> {
    let n = name.chars().count();
    if n > max {
        return Err(format!("is {n} characters long, over {max}"));
    }
    Ok(())
}

fn label_chars(label: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if label.is_empty() {
        return Err("is empty".to_string());
    }
    if let Some(c) = label.chars().find(|&c| !alnum(c) && c != '-') {
        return Err(format!(
            "has {c:?}, which is not a lowercase letter, digit or '-'"
        ));
    }
    if !label.starts_with(alnum) || !label.ends_with(alnum) {
        return Err("must start and end with a lowercase letter or digit".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_names_become_labels() {
        assert_eq!(
            to_label("S5.2XLARGE16-ap-guangzhou-3"),
            "s5-2xlarge16-ap-guangzhou-3"
        );
        assert_eq!(to_label("a.b"), "a-b");
        assert_eq!(to_label("--My Cluster_/"), "my-cluster");
        assert_eq!(to_label(&"x".repeat(70)).len(), 63);
        assert_eq!(to_label("..."), "");
        assert_eq!(check_label(&to_label("Any Thing.at_all")), Ok(()));
    }

    #[test]
    fn labels_and_subdomains_follow_rfc_1123() {
        for ok in ["web", "db-0", "a", "0abc", &"x".repeat(63)] {
            assert_eq!(check_label(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Web", "web_1", "-web", "web-", "a.b", &"x".repeat(64)] {
            assert!(check_label(bad).is_err(), "{bad}");
        }
        assert_eq!(check_subdomain("web-1.default"), Ok(()));
        assert!(check_subdomain("web..1").is_err());
        assert!(check_subdomain(&"a.".repeat(127)).is_err());
        assert!(check_label(&"x".repeat(100_000))
            .unwrap_err()
            .contains("100000"));
        // Forty two-byte characters are short enough; the character is what is wrong.
        let accented = "é".repeat(40);
        assert!(check_label(&accented).unwrap_err().contains("'é'"));
        assert!(check_subdomain(&accented).unwrap_err().contains("'é'"));
    }
}
