//! A pod's workload name in the trace: its controlling owner, as a person names it.

use crate::cluster::names::to_label;

/// The characters Kubernetes draws generated suffixes from (`rand.String`: no vowels, no
/// look-alikes), in pod-template hashes and generateName suffixes.
const SAFE_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

/// The workload of a pod from its controlling owner: a ReplicaSet's Deployment (the
/// ReplicaSet's name without its pod-template hash), a StatefulSet, Job or any other owner by
/// name, or, for a pod without one, the pod itself. Without the pod object (audit level
/// `Metadata`), the same is guessed from the pod's name.
pub fn workload(owner: Option<(&str, &str)>, pod: &str) -> String {
    let name = match owner {
        Some(("ReplicaSet", rs)) => strip_generated(rs).unwrap_or(rs),
        Some((_, owner)) => owner,
        None => guess_from_pod_name(pod),
    };
    to_label(name)
}

/// `name` without a trailing `-<generated>` part, if it has one.
fn strip_generated(name: &str) -> Option<&str> {
    let (base, suffix) = name.rsplit_once('-')?;
    let generated =
        (5..=10).contains(&suffix.len()) && suffix.chars().all(|c| SAFE_ALPHABET.contains(c));
    (generated && !base.is_empty()).then_some(base)
}

/// `web-7c9d8f6b5-x2kqp` -> `web`, `db-0` -> `db`, else the name itself.
fn guess_from_pod_name(pod: &str) -> &str {
    if let Some(rs) = strip_generated(pod).filter(|rs| strip_generated(rs).is_some()) {
        return strip_generated(rs).unwrap_or(rs);
    }
    match pod.rsplit_once('-') {
        Some((base, ordinal))
            if !base.is_empty()
                && !ordinal.is_empty()
                && ordinal.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => pod,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_become_workloads() {
        assert_eq!(workload(Some(("ReplicaSet", "web-7c9d8f6b5")), "x"), "web");
        assert_eq!(
            workload(Some(("ReplicaSet", "api-v2-5f4d9c8b7d")), "x"),
            "api-v2"
        );
        assert_eq!(workload(Some(("ReplicaSet", "plain")), "x"), "plain");
        assert_eq!(workload(Some(("StatefulSet", "db")), "db-0"), "db");
        assert_eq!(workload(Some(("Job", "backup-28600")), "x"), "backup-28600");
        assert_eq!(workload(None, "standalone"), "standalone");
        assert_eq!(workload(Some(("StatefulSet", "a.b")), "x"), "a-b");
    }

    #[test]
    fn without_the_object_the_name_tells() {
        assert_eq!(workload(None, "web-7c9d8f6b5-x2kqp"), "web");
        assert_eq!(workload(None, "db-12"), "db");
        assert_eq!(workload(None, "my-pod"), "my-pod");
    }
}
