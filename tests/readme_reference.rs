//! The README's scenario reference names every key the loader accepts: the loader's own
//! "expected one of" list for each table is checked against the reference's text, where a
//! key appears as `` `key` ``, as a table header (`[policy]`, `[vpc.latency]`) or inside an
//! inline table example (`{ median = "5m", p99 = "1h" }`).

use enisim::scenario::load_str;
use std::fs;

/// Minimal valid scenario text before a table with an unknown key is appended.
const BASE: &str = "duration = \"1h\"\n";

/// For each table: the text that puts an unknown key `zz_unknown` into it.
const TABLES: [(&str, &str); 15] = [
    ("top level", "zz_unknown = 1\n"),
    ("[policy]", "[policy]\nzz_unknown = 1\n"),
    ("[policy.retry]", "[policy.retry]\nzz_unknown = 1\n"),
    ("[vpc]", "[vpc]\nzz_unknown = 1\n"),
    ("[controller]", "[controller]\nzz_unknown = 1\n"),
    ("[vpc.faults]", "[vpc.faults]\nzz_unknown = 1\n"),
    (
        "[[vpc.outages]]",
        "[[vpc.outages]]\nstart = \"1m\"\nend = \"2m\"\nzz_unknown = 1\n",
    ),
    (
        "[[instance_types]]",
        "[[instance_types]]\nname = \"X\"\neni_pods = 1\nzz_unknown = 1\n",
    ),
    (
        "[[subnets]]",
        "[[subnets]]\nid = \"a\"\nzone = \"z\"\ncidr = \"10.0.0.0/24\"\nzz_unknown = 1\n",
    ),
    (
        "[[node_groups]]",
        "[[node_groups]]\nname = \"n\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"z\"\ncount = 1\nzz_unknown = 1\n",
    ),
    (
        "[[workloads]]",
        "[[workloads]]\nname = \"w\"\nkind = \"deployment\"\nzz_unknown = 1\n",
    ),
    (
        "diurnal",
        "[[workloads]]\nname = \"w\"\nkind = \"poisson\"\ndiurnal = { amplitude = 0.5, peak = \"1h\", zz_unknown = 1 }\n",
    ),
    (
        "[[events]]",
        "[[events]]\nat = \"1m\"\naction = \"add_nodes\"\nzz_unknown = 1\n",
    ),
    ("[sweep]", "[sweep]\nzz_unknown = 1\n"),
    (
        "lifetime",
        "[[workloads]]\nname = \"w\"\nkind = \"poisson\"\nlifetime = { mean = \"1m\", zz_unknown = 1 }\n",
    ),
];

/// The keys an "unknown field ..., expected one of `a`, `b`" message lists.
fn expected_keys(message: &str) -> Vec<String> {
    let list = message
        .split_once("expected one of")
        .or_else(|| message.split_once("expected"))
        .map_or("", |(_, rest)| rest);
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_key_the_loader_accepts_is_in_the_readme_reference() {
    let readme = fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("## Scenario reference")
        .expect("a reference section");
    let end = readme[start..]
        .find("\n## ")
        .map_or(readme.len(), |i| start + i);
    let reference = &readme[start..end];
    let mut missing = Vec::new();
    for (table, text) in TABLES {
        let err = match load_str(&format!("{BASE}{text}"), "t.toml", "t", &[]) {
            Ok(_) => panic!("{table}: an unknown key was accepted"),
            Err(e) => e.to_string(),
        };
        let keys = expected_keys(&err);
        assert!(keys.len() > 1, "{table}: no key list in {err:?}");
        for key in keys {
            let named = [
                format!("`{key}`"),
                format!("[{key}]"),
                format!(".{key}]"),
                format!("{{ {key} = "),
                format!(", {key} = "),
            ];
            if !named.iter().any(|n| reference.contains(n.as_str())) {
                missing.push(format!("{table}: `{key}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys missing from README's reference: {missing:?}"
    );
}
