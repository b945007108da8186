//! Instance types and how many exclusive-ENI pods each can run, per TKE's published table.

/// Families whose instances support "Pod with exclusive ENI".
pub const SUPPORTED_FAMILIES: [&str; 4] = ["S5", "SA2", "IT5", "SA3"];

/// Size names and their core counts, smallest first.
pub const SIZES: [(&str, u32); 16] = [
    ("SMALL", 1),
    ("MEDIUM", 2),
    ("LARGE", 4),
    ("2XLARGE", 8),
    ("3XLARGE", 12),
    ("4XLARGE", 16),
    ("6XLARGE", 24),
    ("8XLARGE", 32),
    ("12XLARGE", 48),
    ("16XLARGE", 64),
    ("20XLARGE", 80),
    ("22XLARGE", 88),
    ("24XLARGE", 96),
    ("32XLARGE", 128),
    ("40XLARGE", 160),
    ("48XLARGE", 192),
];

/// A resolved instance type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceType {
    /// Full name, e.g. `S5.2XLARGE16`.
    pub name: String,
    /// CPU cores.
    pub cores: u32,
    /// Pods with an exclusive ENI per node: bindable ENIs minus the node's primary ENI.
    pub eni_pods: u32,
}

/// Pods with exclusive ENI for a supported family and core count (SPEC's table).
pub fn eni_pods_for(family: &str, cores: u32) -> Option<u32> {
    let (one, two, four, mid, huge) = match family {
        "S5" | "SA2" | "IT5" => (4, 9, 19, 39, 23),
        "SA3" => (4, 9, 15, 15, 15),
        _ => return None,
    };
    Some(match cores {
        0 | 1 => one,
        2 | 3 => two,
        4..=7 => four,
        8..=124 => mid,
        _ => huge,
    })
}

/// Why a type name could not be resolved; the message says what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceTypeError(pub String);

/// Resolves a name like `S5.2XLARGE16` (family `.` size, optional memory in GiB) to its
/// cores and exclusive-ENI pod limit.
pub fn resolve(name: &str) -> Result<InstanceType, InstanceTypeError> {
    let Some((family, rest)) = name.split_once('.') else {
        return Err(InstanceTypeError(format!(
            "instance type \"{name}\" is not of the form FAMILY.SIZE[MEMORY], e.g. \"S5.2XLARGE16\""
        )));
    };
    if !SUPPORTED_FAMILIES.contains(&family) {
        return Err(InstanceTypeError(format!(
            "instance family \"{family}\" (in \"{name}\") does not support exclusive ENI; \
             supported families: {} (or define the type under [[instance_types]])",
            SUPPORTED_FAMILIES.join(", ")
        )));
    }
    let size = rest.trim_end_matches(|c: char| c.is_ascii_digit());
    let Some(&(_, cores)) = SIZES.iter().find(|(s, _)| *s == size) else {
        let names: Vec<&str> = SIZES.iter().map(|(s, _)| *s).collect();
        return Err(InstanceTypeError(format!(
            "unknown size \"{size}\" in instance type \"{name}\"; sizes: {}",
            names.join(", ")
        )));
    };
    Ok(InstanceType {
        name: name.to_string(),
        cores,
        eni_pods: eni_pods_for(family, cores).expect("family checked above"),
    })
}

/// The built-in table as rows (family, size, cores, exclusive-ENI pods), for
/// `enisim instance-types`.
pub fn builtin_table() -> Vec<(&'static str, &'static str, u32, u32)> {
    SUPPORTED_FAMILIES
        .iter()
        .flat_map(|family| {
            SIZES.iter().map(move |(size, cores)| {
                (
                    *family,
                    *size,
                    *cores,
                    eni_pods_for(family, *cores).unwrap_or(0),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_table_for_s5_sa2_it5() {
        for fam in ["S5", "SA2", "IT5"] {
            let limits: Vec<u32> = [1, 2, 4, 8, 12, 124, 128, 192]
                .iter()
                .map(|&c| eni_pods_for(fam, c).unwrap())
                .collect();
            assert_eq!(limits, [4, 9, 19, 39, 39, 39, 23, 23], "{fam}");
        }
    }

    #[test]
    fn spec_table_for_sa3() {
        let limits: Vec<u32> = [1, 2, 4, 8, 128]
            .iter()
            .map(|&c| eni_pods_for("SA3", c).unwrap())
            .collect();
        assert_eq!(limits, [4, 9, 15, 15, 15]);
    }

    #[test]
    fn resolves_names_with_and_without_memory() {
        let t = resolve("S5.2XLARGE16").unwrap();
        assert_eq!((t.cores, t.eni_pods), (8, 39));
        assert_eq!(resolve("SA2.LARGE8").unwrap().eni_pods, 19);
        assert_eq!(resolve("IT5.32XLARGE").unwrap().eni_pods, 23);
        assert_eq!(resolve("SA3.MEDIUM4").unwrap().eni_pods, 9);
    }

    #[test]
    fn unknown_family_names_the_supported_ones() {
        let err = resolve("C5.LARGE8").unwrap_err().0;
        assert!(err.contains("S5, SA2, IT5, SA3"), "{err}");
        assert!(resolve("S5.HUGE8").unwrap_err().0.contains("2XLARGE"));
        assert!(resolve("S5").unwrap_err().0.contains("FAMILY.SIZE"));
    }
}
