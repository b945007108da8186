//! `enisim import nodes`: `kubectl get nodes -o json` to `[[node_groups]]`, one group per
//! instance type and zone.

use crate::cloud::instance::resolve;
use crate::cluster::names::to_label;
use crate::error::InputError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The first line of a file `import nodes` writes: it may replace a file starting so.
pub const NODES_MARK: &str = "# Node groups imported by enisim";

/// Node labels that name the instance type, newest first (Kubernetes' well-known labels).
const TYPE_LABELS: [&str; 2] = [
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
];
/// Node labels that name the zone, newest first.
const ZONE_LABELS: [&str; 2] = [
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

/// Nodes of one instance type in one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeGroup {
    /// The group's name: type and zone as a DNS-1123 label.
    pub name: String,
    /// The instance type label's value.
    pub instance_type: String,
    /// The zone label's value.
    pub zone: String,
    /// Nodes.
    pub count: u32,
    /// Why enisim cannot run this type as is (not a family of the exclusive-ENI mode, or a
    /// name it does not know), else `None`.
    pub unknown: Option<String>,
}

/// The node groups of a node list, sorted by instance type then zone, and the nodes left out
/// (no type or zone label) by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// The groups.
    pub groups: Vec<NodeGroup>,
    /// Nodes without an instance type or zone label.
    pub unlabelled: Vec<String>,
}

#[derive(Deserialize)]
struct RawList {
    kind: Option<String>,
    #[serde(default)]
    items: Vec<RawNode>,
    metadata: Option<RawMeta>,
}

#[derive(Deserialize)]
struct RawNode {
    kind: Option<String>,
    metadata: Option<RawMeta>,
}

#[derive(Deserialize)]
struct RawMeta {
    name: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// Reads `kubectl get nodes -o json` (a list, or one node); `file` names it in errors.
pub fn import(text: &str, file: &str) -> Result<Imported, InputError> {
    let list: RawList = serde_json::from_str(text).map_err(|e| {
        InputError::new(file, format!("not a JSON node list: {e}"))
            .at(e.line().max(1), e.column().max(1))
            .with_hint("give the output of `kubectl get nodes -o json`")
    })?;
    let items: Vec<RawNode> = match list.kind.as_deref() {
        Some("Node") => vec![RawNode {
            kind: list.kind.clone(),
            metadata: list.metadata,
        }],
        Some("List" | "NodeList") => list.items,
        other => {
            return Err(InputError::new(
                file,
                format!(
                    "a {}, not a list of nodes",
                    other.unwrap_or("JSON object without a kind")
                ),
            )
            .at(1, 1)
            .with_hint("give the output of `kubectl get nodes -o json`"))
        }
    };
    let mut groups: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut unlabelled = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.kind.as_deref().is_some_and(|k| k != "Node") {
            let kind = item.kind.as_deref().unwrap_or_default();
            let err = InputError::new(file, format!("items[{i}] is a {kind}, not a Node"))
                .with_hint("give the output of `kubectl get nodes -o json`");
            return Err(match item_offset(text, i) {
                Some(offset) => err.at_offset(text, offset),
                None => err,
            });
        }
        let labels = item.metadata.as_ref().map(|m| &m.labels);
        let label =
            |keys: &[&str]| labels.and_then(|l| keys.iter().find_map(|k| l.get(*k).cloned()));
        match (label(&TYPE_LABELS), label(&ZONE_LABELS)) {
            (Some(t), Some(z)) => *groups.entry((t, z)).or_default() += 1,
            _ => unlabelled.push(
                item.metadata
                    .as_ref()
                    .and_then(|m| m.name.clone())
                    .unwrap_or_else(|| format!("items[{i}]")),
            ),
        }
    }
    let groups = groups
        .into_iter()
        .map(|((instance_type, zone), count)| NodeGroup {
            name: group_name(&instance_type, &zone),
            unknown: resolve(&instance_type).err().map(|e| e.0),
            instance_type,
            zone,
            count,
        })
        .collect();
    Ok(Imported { groups, unlabelled })
}

/// Byte offset of the `i`-th item of the top-level `items` array, found by scanning (serde's
/// values keep no positions).
fn item_offset(text: &str, i: usize) -> Option<usize> {
    let start = text.find("\"items\"")?;
    let bytes = text.as_bytes();
    let mut at = start + text[start..].find('[')? + 1;
    let (mut depth, mut seen, mut in_string, mut escaped) = (0i32, 0usize, false, false);
    while at < bytes.len() {
        let c = bytes[at];
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    if depth == 0 {
                        if seen == i {
                            return Some(at);
                        }
                        seen += 1;
                    }
                    depth += 1;
                }
                b'}' | b']' => {
                    depth -= 1;
                    if depth < 0 {
                        return None;
                    }
                }
                _ => {}
            }
        }
        at += 1;
    }
    None
}

/// `S5.2XLARGE16` in `ap-guangzhou-3` -> `s5-2xlarge16-ap-guangzhou-3`.
fn group_name(instance_type: &str, zone: &str) -> String {
    to_label(&format!("{instance_type}-{zone}"))
}

/// The groups as TOML, ready to paste into a scenario: `[[node_groups]]` for each type
/// enisim knows, the others commented out with what to add.
pub fn to_toml(imported: &Imported, source: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{NODES_MARK} from {source}");
    let total: u32 = imported.groups.iter().map(|g| g.count).sum();
    let _ = writeln!(
        o,
        "# {total} node(s) in {} group(s): one per instance type and zone.",
        imported.groups.len()
    );
    if !imported.unlabelled.is_empty() {
        let _ = writeln!(
            o,
            "# Left out, without an instance type or zone label: {}",
            imported.unlabelled.join(", ")
        );
    }
    o.push_str(&groups_toml(imported));
    o
}

/// The `[[node_groups]]` entries alone (unknown types commented out with what to add).
pub fn groups_toml(imported: &Imported) -> String {
    let mut o = String::new();
    for g in &imported.groups {
        let _ = writeln!(o);
        match &g.unknown {
            None => {
                let _ = writeln!(o, "[[node_groups]]");
                let _ = writeln!(o, "name = \"{}\"", g.name);
                let _ = writeln!(o, "instance_type = \"{}\"", g.instance_type);
                let _ = writeln!(o, "zone = \"{}\"", g.zone);
                let _ = writeln!(o, "count = {}", g.count);
            }
            Some(why) => {
                let _ = writeln!(
                    o,
                    "# {} node(s) of {} in {}: {why}.",
                    g.count, g.instance_type, g.zone
                );
                let _ = writeln!(
                    o,
                    "# To run them, define the type with its exclusive-ENI pods per node (see \
                     `enisim instance-types`) and uncomment the group; `max_attach` in the group \
                     lowers the limit per node, as the direct-eni-max-attach annotation does."
                );
                let _ = writeln!(o, "# [[instance_types]]");
                let _ = writeln!(o, "# name = \"{}\"", g.instance_type);
                let _ = writeln!(o, "# eni_pods = 0   # set this");
                let _ = writeln!(o, "# [[node_groups]]");
                let _ = writeln!(o, "# name = \"{}\"", g.name);
                let _ = writeln!(o, "# instance_type = \"{}\"", g.instance_type);
                let _ = writeln!(o, "# zone = \"{}\"", g.zone);
                let _ = writeln!(o, "# count = {}", g.count);
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, ty: &str, zone: &str) -> String {
        format!(
            r#"{{"kind":"Node","metadata":{{"name":"{name}","labels":{{"node.kubernetes.io/instance-type":"{ty}","topology.kubernetes.io/zone":"{zone}"}}}}}}"#
        )
    }

    #[test]
    fn groups_by_type_and_zone() {
        let items = [
            node("a", "S5.2XLARGE16", "ap-guangzhou-3"),
            node("b", "S5.2XLARGE16", "ap-guangzhou-3"),
            node("c", "S5.2XLARGE16", "ap-guangzhou-4"),
            node("d", "SA2.LARGE8", "ap-guangzhou-4"),
            node("e", "M5.LARGE16", "ap-guangzhou-4"),
            r#"{"kind":"Node","metadata":{"name":"bare","labels":{}}}"#.to_string(),
        ];
        let text = format!(r#"{{"kind":"List","items":[{}]}}"#, items.join(","));
        let got = import(&text, "nodes.json").unwrap();
        let summary: Vec<(&str, u32, bool)> = got
            .groups
            .iter()
            .map(|g| (g.name.as_str(), g.count, g.unknown.is_none()))
            .collect();
        assert_eq!(
            summary,
            [
                ("m5-large16-ap-guangzhou-4", 1, false),
                ("s5-2xlarge16-ap-guangzhou-3", 2, true),
                ("s5-2xlarge16-ap-guangzhou-4", 1, true),
                ("sa2-large8-ap-guangzhou-4", 1, true),
            ]
        );
        assert_eq!(got.unlabelled, ["bare"]);
        let toml = to_toml(&got, "nodes.json");
        assert!(toml.starts_with(NODES_MARK));
        assert!(toml.contains("# [[instance_types]]\n# name = \"M5.LARGE16\""));
    }

    #[test]
    fn a_pod_list_is_refused_at_its_first_item() {
        let text = "{\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Pod\", \"metadata\": {}}\n  ]\n}\n";
        let e = import(text, "pods.json").unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(5)));
        assert!(e.message.contains("items[0] is a Pod"), "{}", e.message);
        let e = import(r#"{"kind":"PodList","items":[]}"#, "p.json").unwrap_err();
        assert!(
            e.message.contains("a PodList, not a list of nodes"),
            "{}",
            e.message
        );
        assert!(import("{", "x.json").unwrap_err().line.is_some());
    }
}
