//! `enisim import audit`, `import nodes` and `init` through the binary, on an audit log
//! written here whose trace is computed by hand.

mod binary;
use binary::enisim;
use flate2::write::GzEncoder;
use predicates::prelude::*;
use std::fs;
use std::io::Write;
use std::path::Path;

/// One audit event line: `at` seconds after 2024-05-01T10:00:00Z.
#[allow(clippy::too_many_arguments)]
fn event(
    id: &str,
    stage: &str,
    verb: &str,
    resource: &str,
    ns: &str,
    name: &str,
    sub: &str,
    code: u32,
    at: f64,
    object: &str,
) -> String {
    let whole = at.floor() as u64;
    let micros = ((at - at.floor()) * 1e6).round() as u64;
    let ts = format!(
        "2024-05-01T10:{:02}:{:02}.{micros:06}Z",
        whole / 60,
        whole % 60
    );
    let sub = if sub.is_empty() {
        String::new()
    } else {
        format!(",\"subresource\":\"{sub}\"")
    };
    let name = if name.is_empty() {
        String::new()
    } else {
        format!(",\"name\":\"{name}\"")
    };
    let object = if object.is_empty() {
        String::new()
    } else {
        format!(",\"responseObject\":{object}")
    };
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id}","stage":"{stage}","verb":"{verb}","objectRef":{{"resource":"{resource}","namespace":"{ns}"{name}{sub},"apiVersion":"v1"}},"responseStatus":{{"code":{code}}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}"{object}}}"#
    )
}

/// A pod object: its name, owner (kind, name), and whether it asks for an exclusive ENI and
/// keeps its IP.
fn pod(name: &str, owner: Option<(&str, &str)>, direct_eni: bool, static_ip: bool) -> String {
    let owner = owner.map_or(String::new(), |(k, n)| {
        format!(r#","ownerReferences":[{{"kind":"{k}","name":"{n}","controller":true}}]"#)
    });
    let mut annotations = Vec::new();
    if static_ip {
        annotations.push(r#""tke.cloud.tencent.com/vpc-ip-claim-delete-policy":"Never""#);
    }
    let resources = if direct_eni {
        r#","resources":{"requests":{"tke.cloud.tencent.com/direct-eni":"1"},"limits":{"tke.cloud.tencent.com/direct-eni":"1"}}"#
    } else {
        ""
    };
    format!(
        r#"{{"kind":"Pod","metadata":{{"name":"{name}","labels":{{"app":"x"}},"annotations":{{{}}}{owner}}},"spec":{{"containers":[{{"name":"c"{resources}}}]}}}}"#,
        annotations.join(",")
    )
}

const DONE: &str = "ResponseComplete";
const WEB: &str = "web-7c9d8f6b5-x2kqp";

/// An audit ID as the API server writes them.
const E9: &str = "0f8e2c1a-5b3d-4e6f-9a7b-c8d9e0f1a2b3";

/// The older rotated part (gzip) and the current file (plain), written so that the current
/// one is given first.
fn write_logs(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let old = [
        event(
            "e0",
            DONE,
            "get",
            "configmaps",
            "prod",
            "cfg",
            "",
            200,
            0.0,
            "",
        ),
        event(
            "e1",
            DONE,
            "create",
            "pods",
            "prod",
            "",
            "",
            201,
            1.5,
            &pod(WEB, Some(("ReplicaSet", "web-7c9d8f6b5")), true, false),
        ),
        event(
            "e2",
            DONE,
            "create",
            "pods",
            "prod",
            "log-agent-zz5kq",
            "",
            201,
            2.0,
            &pod(
                "log-agent-zz5kq",
                Some(("DaemonSet", "log-agent")),
                false,
                false,
            ),
        ),
        event(
            "e3",
            DONE,
            "create",
            "pods",
            "prod",
            "db-0",
            "",
            201,
            3.0,
            &pod("db-0", Some(("StatefulSet", "db")), true, true),
        ),
        event(
            "e4",
            DONE,
            "create",
            "pods",
            "prod",
            "web-7c9d8f6b5-b2b2b",
            "",
            409,
            4.0,
            "",
        ),
        event(
            "e5",
            "RequestReceived",
            "delete",
            "pods",
            "prod",
            "db-0",
            "",
            200,
            10.0,
            "",
        ),
        event(
            "e5", DONE, "delete", "pods", "prod", "db-0", "", 200, 10.25, "",
        ),
        event(
            "e6", DONE, "delete", "pods", "prod", "db-0", "", 200, 12.0, "",
        ),
        event(
            "e7",
            DONE,
            "create",
            "pods",
            "prod",
            "db-0",
            "",
            201,
            20.0,
            &pod("db-0", Some(("StatefulSet", "db")), true, true),
        ),
        event(
            "e8", DONE, "delete", "pods", "prod", "old-pod", "", 200, 30.0, "",
        ),
    ];
    let current = [
        // Logged twice, with the API server's own kind of ID (a UUID).
        event(
            E9, DONE, "create", "pods", "prod", WEB, "eviction", 201, 100.0, "",
        ),
        event(
            E9, DONE, "create", "pods", "prod", WEB, "eviction", 201, 100.0, "",
        ),
        event(
            "e10",
            DONE,
            "create",
            "pods",
            "jobs",
            "batch-run",
            "",
            201,
            150.125,
            &pod("batch-run", None, true, false),
        ),
    ];
    let old_path = dir.join("audit-2024-05-01.log.gz");
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all((old.join("\n") + "\n").as_bytes()).unwrap();
    fs::write(&old_path, gz.finish().unwrap()).unwrap();
    let current_path = dir.join("audit.log");
    fs::write(&current_path, current.join("\n") + "\n").unwrap();
    (current_path, old_path)
}

/// `enisim import audit FLAGS LOGS... --out OUT`, run and asserted on.
fn import_audit<P: AsRef<Path>>(
    flags: &[&str],
    logs: &[P],
    out: &Path,
) -> assert_cmd::assert::Assert {
    enisim()
        .args(["import", "audit"])
        .args(flags)
        .args(logs.iter().map(AsRef::as_ref))
        .arg("--out")
        .arg(out)
        .assert()
}

#[test]
fn an_audit_log_becomes_the_trace_computed_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let (current, old) = write_logs(tmp.path());
    let out = tmp.path().join("trace.csv");
    import_audit(&[], &[&current, &old], &out)
        .success()
        .stdout(predicate::str::contains(
            "4 pod(s) created, 2 deleted (1 by eviction) over 150.1 s; 2 alive when the logs end",
        ))
        .stdout(predicate::str::contains(
            "left out: 1 pod(s) not asking for an exclusive ENI",
        ))
        .stdout(predicate::str::contains("left out: 1 failed request(s)"))
        .stdout(predicate::str::contains(
            "left out: 1 event(s) logged twice",
        ))
        .stdout(predicate::str::contains(
            "left out: 1 delete(s) of pods never seen created",
        ))
        .stdout(predicate::str::contains("left out: 1 repeated delete(s)"));
    // Times from the first event (the configmap read at 0 s); the pod created with
    // generateName is named from the response; the StatefulSet pod comes back under its name
    // and keeps its IP; the eviction ends the web pod.
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        "time,action,pod,workload,static_ip\n\
         1.5,create,web-7c9d8f6b5-x2kqp.prod,web,\n\
         3,create,db-0.prod,db,true\n\
         10.25,delete,db-0.prod,db,\n\
         20,create,db-0.prod,db,true\n\
         100,delete,web-7c9d8f6b5-x2kqp.prod,web,\n\
         150.125,create,batch-run.jobs,batch-run,\n"
    );
    // One namespace: plain pod names, the other namespace left out; every pod with --all-pods.
    import_audit(
        &["--namespace", "prod", "--all-pods"],
        &[&old, &current],
        &out,
    )
    .success();
    let trace = fs::read_to_string(&out).unwrap();
    assert!(
        trace.contains("\n2,create,log-agent-zz5kq,log-agent,\n"),
        "{trace}"
    );
    assert!(!trace.contains("batch-run"), "{trace}");
    assert!(
        trace.contains("\n100,delete,web-7c9d8f6b5-x2kqp,web,\n"),
        "{trace}"
    );
}

#[test]
fn bad_audit_lines_exit_2_with_their_location_unless_lenient() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("a.log");
    let good = event(
        "e1",
        DONE,
        "create",
        "pods",
        "p",
        "x",
        "",
        201,
        1.0,
        &pod("x", None, true, false),
    );
    fs::write(&log, format!("{good}\nnot json at all\n")).unwrap();
    let out = tmp.path().join("t.csv");
    import_audit(&[], &[&log], &out)
        .code(2)
        .stderr(predicate::str::contains(
            "a.log:2:2: not a JSON audit event: expected ident\n",
        ));
    assert!(!out.exists(), "no half-written trace");
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "no leftover");
    import_audit(&["--lenient"], &[&log], &out)
        .success()
        .stdout(predicate::str::contains(
            "left out: 1 line(s) that are not audit events",
        ));
    fs::write(
        &log,
        "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[]}\n",
    )
    .unwrap();
    import_audit(&[], &[&log], &out)
        .code(2)
        .stderr(predicate::str::contains(
            "a.log:1:1: not an audit.k8s.io Event",
        ));
}

/// Line `i` of a busy log: a pod create every 10th line (pod `p<i>`), its delete 205 lines
/// later, configmap reads between, some lines 0.3 s late in their file.
fn busy_line(i: u64) -> String {
    let at = i as f64 * 0.05 + if i % 7 == 3 { 0.3 } else { 0.0 };
    let id = format!("e{i}");
    match i % 10 {
        0 => {
            let name = format!("p{i}");
            let object = pod(&name, Some(("StatefulSet", "p")), true, false);
            event(
                &id, DONE, "create", "pods", "prod", &name, "", 201, at, &object,
            )
        }
        5 if i >= 205 => {
            let name = format!("p{}", i - 205);
            event(&id, DONE, "delete", "pods", "prod", &name, "", 200, at, "")
        }
        _ => event(
            &id,
            DONE,
            "get",
            "configmaps",
            "prod",
            "cfg",
            "",
            200,
            at,
            "",
        ),
    }
}

#[test]
fn an_import_on_one_thread_and_on_several_writes_the_same_trace() {
    // Three API servers' logs of 8,000 lines each (several batches each), line i in file
    // i % 3, the last one gzip: 2,400 creates, 2,380 deletes (those of lines 205..24,000).
    let tmp = tempfile::tempdir().unwrap();
    let lines = 24_000;
    let mut files = Vec::new();
    for f in 0..3 {
        let text: String = (f..lines).step_by(3).map(|i| busy_line(i) + "\n").collect();
        let path = tmp.path().join(format!("api{f}.log"));
        if f == 2 {
            let mut gz = GzEncoder::new(fs::File::create(&path).unwrap(), Default::default());
            gz.write_all(text.as_bytes()).unwrap();
            gz.finish().unwrap();
        } else {
            fs::write(&path, text).unwrap();
        }
        files.push(path);
    }
    let mut traces = Vec::new();
    for jobs in ["1", "3"] {
        let out = tmp.path().join(format!("trace-{jobs}.csv"));
        import_audit(&["--jobs", jobs], &files, &out)
            .success()
            .stdout(predicate::str::contains(
                "2400 pod(s) created, 2380 deleted (0 by eviction) over 1199.8 s; 20 alive when the logs end",
            ))
            .stdout(predicate::str::contains("read 24000 line(s)"));
        traces.push(fs::read_to_string(&out).unwrap());
    }
    assert_eq!(traces[0], traces[1], "the same trace on 1 and 3 threads");
    // Pod p0 at 0 s, its delete at line 205 (10.25 s); p10 at 0.8 s (line 10 is one of the
    // late ones), p20 at 1 s; pods named with their namespace.
    assert!(
        traces[0].starts_with(
            "time,action,pod,workload,static_ip\n\
             0,create,p0.prod,p,\n\
             0.8,create,p10.prod,p,\n\
             1,create,p20.prod,p,\n"
        ),
        "{}",
        &traces[0][..200]
    );
    assert!(traces[0].contains("\n10.25,delete,p0.prod,p,\n"));
}

#[test]
fn a_bad_line_deep_in_a_large_batch_is_reported_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("big.log");
    let text: String = (0..30_000u64)
        .map(|i| match i {
            25_000 => "{\"kind\":\"Event\",\"apiVersion\":\n".to_string(),
            _ => busy_line(i) + "\n",
        })
        .collect();
    fs::write(&log, text).unwrap();
    let out = tmp.path().join("t.csv");
    import_audit(&["--jobs", "2"], &[&log], &out)
        .code(2)
        .stderr(predicate::str::contains(
            "big.log:25001:29: not a JSON audit event: EOF while parsing a value\n",
        ));
    assert!(!out.exists(), "no half-written trace");
    import_audit(&["--jobs", "2", "--lenient"], &[&log], &out)
        .success()
        .stdout(predicate::str::contains("read 30000 line(s)"))
        .stdout(predicate::str::contains(
            "left out: 1 line(s) that are not audit events",
        ));
}

fn node(name: &str, ty: &str, zone: &str) -> String {
    format!(
        r#"{{"kind":"Node","metadata":{{"name":"{name}","labels":{{"node.kubernetes.io/instance-type":"{ty}","topology.kubernetes.io/zone":"{zone}"}}}}}}"#
    )
}

fn write_nodes(path: &Path) {
    let items = [
        node("n1", "S5.2XLARGE16", "ap-guangzhou-3"),
        node("n2", "S5.2XLARGE16", "ap-guangzhou-3"),
        node("n3", "SA2.LARGE8", "ap-guangzhou-4"),
        node("n4", "S5.2XLARGE16", "ap-guangzhou-4"),
        node("n5", "M5.LARGE8", "ap-guangzhou-4"),
    ];
    fs::write(
        path,
        format!("{{\"kind\":\"List\",\"items\":[{}]}}", items.join(",\n")),
    )
    .unwrap();
}

#[test]
fn a_node_list_becomes_node_groups_and_a_pod_list_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let nodes = tmp.path().join("nodes.json");
    write_nodes(&nodes);
    let out = tmp.path().join("nodes.toml");
    enisim()
        .args(["import", "nodes"])
        .arg(&nodes)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("4 node group(s), 5 node(s)"))
        .stdout(predicate::str::contains(
            "1 node(s) of M5.LARGE8 in ap-guangzhou-4: not run as is",
        ));
    let toml = fs::read_to_string(&out).unwrap();
    for group in [
        "[[node_groups]]\nname = \"s5-2xlarge16-ap-guangzhou-3\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"ap-guangzhou-3\"\ncount = 2\n",
        "[[node_groups]]\nname = \"s5-2xlarge16-ap-guangzhou-4\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"ap-guangzhou-4\"\ncount = 1\n",
        "[[node_groups]]\nname = \"sa2-large8-ap-guangzhou-4\"\ninstance_type = \"SA2.LARGE8\"\nzone = \"ap-guangzhou-4\"\ncount = 1\n",
        "# [[node_groups]]\n# name = \"m5-large8-ap-guangzhou-4\"",
    ] {
        assert!(toml.contains(group), "{group} missing from\n{toml}");
    }
    let pods = tmp.path().join("pods.json");
    fs::write(
        &pods,
        "{\n\"kind\": \"List\",\n\"items\": [\n  {\"kind\": \"Pod\"}\n]}\n",
    )
    .unwrap();
    enisim()
        .args(["import", "nodes"])
        .arg(&pods)
        .arg("--out")
        .arg(tmp.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pods.json:4:3: items[0] is a Pod, not a Node",
        ));
}

#[test]
fn init_writes_a_scenario_that_replays_exactly_the_pods_of_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let (current, old) = write_logs(tmp.path());
    let nodes = tmp.path().join("nodes.json");
    write_nodes(&nodes);
    let dir = tmp.path().join("my-cluster");
    enisim()
        .args(["init", "--nodes"])
        .arg(&nodes)
        .arg("--audit")
        .arg(&current)
        .arg(&old)
        .arg("--out")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("3 node group(s)"));
    let scenario = fs::read_to_string(dir.join("scenario.toml")).unwrap();
    assert!(
        scenario.contains("mode = \"static\""),
        "static-IP pods in the log:\n{scenario}"
    );
    assert!(
        scenario.contains("duration = \"3m\""),
        "150 s rounded up:\n{scenario}"
    );
    let run = tmp.path().join("run");
    enisim()
        .arg("run")
        .arg(dir.join("scenario.toml"))
        .arg("--out")
        .arg(&run)
        .assert()
        .success();
    let pods = fs::read_to_string(run.join("pods.csv")).unwrap();
    let mut seen: Vec<(String, String)> = pods
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[5].to_string())
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("batch-run.jobs".to_string(), "150.125".to_string()),
            ("db-0.prod".to_string(), "20.000".to_string()),
            ("db-0.prod".to_string(), "3.000".to_string()),
            ("web-7c9d8f6b5-x2kqp.prod".to_string(), "1.500".to_string()),
        ]
    );
}

#[test]
fn a_selector_keeps_exactly_the_pods_whose_labels_match() {
    let tmp = tempfile::tempdir().unwrap();
    let (current, old) = write_logs(tmp.path());
    let (all, out) = (tmp.path().join("all.csv"), tmp.path().join("selected.csv"));
    import_audit(&[], &[&current, &old], &all).success();
    let all = fs::read_to_string(&all).unwrap();
    assert_eq!(all.lines().count(), 7, "{all}");
    // Every pod of the log is labelled app=x.
    for selector in ["app=x", "app==x", "app", "app!=y,app"] {
        import_audit(&["--selector", selector], &[&current, &old], &out).success();
        assert_eq!(fs::read_to_string(&out).unwrap(), all, "{selector}");
    }
    for selector in ["app=y", "app!=x", "tier", "app=x,tier=db"] {
        import_audit(&["--selector", selector], &[&current, &old], &out).success();
        assert_eq!(
            fs::read_to_string(&out).unwrap(),
            "time,action,pod,workload,static_ip\n",
            "{selector}"
        );
    }
}
