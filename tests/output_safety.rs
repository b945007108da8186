//! Where results go, through the binary: a user's files are never lost, and no folder ever
//! passes the manifest check without being a whole, self-consistent result — with runs
//! racing each other, killed at random moments, or short of disk.

mod binary;
use binary::{enisim, result_files};
use enisim::output::{verify, MANIFEST};
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

const SCENARIO: &str = "scenarios/diurnal-web-day.toml";

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("enisim")
}

/// The arguments of a run of SCENARIO over `hours` of virtual time under `seed`.
fn run_args(out: &Path, seed: u64, hours: u32) -> Vec<String> {
    vec![
        "run".into(),
        SCENARIO.into(),
        "--quiet".into(),
        "--seed".into(),
        seed.to_string(),
        "--set".into(),
        format!("duration=\"{hours}h\""),
        "--out".into(),
        out.display().to_string(),
    ]
}

fn spawn(args: &[String]) -> Child {
    std::process::Command::new(binary())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("enisim starts")
}

/// Names in `dir` other than `keep`: what a writer left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

/// A seeded sequence of delays, so the kill points differ but the test is reproducible.
fn delays(n: usize, max_ms: u64) -> Vec<Duration> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(x % max_ms)
        })
        .collect()
}

#[test]
fn a_folder_of_the_users_is_refused_and_force_keeps_the_users_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mine = tmp.path().join("mydir");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "my notes").unwrap();
    enisim()
        .args(run_args(&mine, 1, 1))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(mine.display().to_string()))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(leftovers(&mine, &[]), ["notes.txt"]);
    assert_eq!(leftovers(tmp.path(), &[]), ["mydir"]);

    let mut forced = run_args(&mine, 1, 1);
    forced.push("--force".into());
    enisim().args(&forced).assert().success();
    assert_eq!(
        fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "my notes"
    );
    let manifest = verify(&mine).unwrap();
    assert!(manifest.files.iter().all(|f| f.path != "notes.txt"));
    // Now enisim's: the next run needs no --force, replaces its own files, keeps the notes,
    // and leaves nothing beside the folder.
    enisim().args(run_args(&mine, 2, 1)).assert().success();
    assert_eq!(
        fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "my notes"
    );
    assert_eq!(verify(&mine).unwrap().seed, Some(2));
    assert_eq!(leftovers(tmp.path(), &[]), ["mydir"]);
}

#[test]
fn a_file_in_place_of_the_folder_is_refused_even_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("out");
    fs::write(&file, "keep").unwrap();
    let mut args = run_args(&file, 1, 1);
    args.push("--force".into());
    enisim()
        .args(&args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a folder"));
    assert_eq!(fs::read_to_string(&file).unwrap(), "keep");
}

#[test]
fn summary_and_manifest_list_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    enisim().args(run_args(&out, 1, 1)).assert().success();
    let manifest = verify(&out).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let listed: Vec<&str> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    expected.push(MANIFEST);
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        manifest.fingerprint.as_deref(),
        summary["fingerprint"].as_str()
    );
    for f in ["pods.csv", "enis.csv", "api_calls.csv", "timeseries.csv"] {
        assert!(listed.contains(&f), "{f}");
    }
}

#[test]
fn two_runs_racing_into_one_folder_leave_one_whole_result() {
    let tmp = tempfile::tempdir().unwrap();
    let refs: Vec<_> = [1, 2]
        .iter()
        .map(|&seed| {
            let dir = tmp.path().join(format!("ref{seed}"));
            enisim().args(run_args(&dir, seed, 48)).assert().success();
            result_files(&dir)
        })
        .collect();
    assert_ne!(refs[0], refs[1]);
    let same = tmp.path().join("same");
    for round in 0..12 {
        let mut a = spawn(&run_args(&same, 1, 48));
        let mut b = spawn(&run_args(&same, 2, 48));
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        let got = result_files(&same);
        assert!(
            got == refs[0] || got == refs[1],
            "round {round}: the result mixes two runs"
        );
        assert_eq!(
            leftovers(tmp.path(), &["ref1", "ref2", "same"]),
            Vec::<String>::new()
        );
    }
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_previous_result_or_none() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let refs: Vec<_> = [1, 2]
        .iter()
        .map(|&seed| {
            let dir = tmp.path().join(format!("ref{seed}"));
            enisim().args(run_args(&dir, seed, 240)).assert().success();
            result_files(&dir)
        })
        .collect();
    enisim().args(run_args(&out, 1, 240)).assert().success();
    for (i, delay) in delays(20, 300).into_iter().enumerate() {
        let mut child = spawn(&run_args(&out, 2 - (i as u64 % 2), 240));
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        if out.exists() {
            let got = result_files(&out);
            assert!(
                got == refs[0] || got == refs[1],
                "kill {i} after {delay:?}: a result that is not whole"
            );
        }
    }
    // The next run finishes and removes every dead writer's staging folder.
    enisim().args(run_args(&out, 1, 240)).assert().success();
    assert_eq!(result_files(&out), refs[0]);
    assert_eq!(
        leftovers(tmp.path(), &["ref1", "ref2", "out"]),
        Vec::<String>::new()
    );
}

/// A folder nobody may write into: read-only for an ordinary user; as root, who may write
/// anywhere on disk, a folder of sysfs, which refuses new entries even to root.
fn unwritable(tmp: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp.join("ro");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    if fs::create_dir(dir.join("probe")).is_ok() {
        return PathBuf::from("/sys/enisim-output-test");
    }
    dir.join("out")
}

#[test]
fn an_unwritable_place_exits_1_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = unwritable(tmp.path());
    enisim()
        .args(run_args(&out, 1, 1))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "cannot write {}",
            out.display()
        )));
    assert!(!out.exists());
    // Under a file: the OS error says why.
    let file = tmp.path().join("a-file");
    fs::write(&file, "").unwrap();
    enisim()
        .args(run_args(&file.join("out"), 1, 1))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Not a directory"));
}

#[test]
fn a_full_disk_exits_1_and_keeps_the_previous_result() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    enisim().args(run_args(&out, 1, 48)).assert().success();
    let before = result_files(&out);
    // A file-size limit stands in for a full disk: writes past it fail (EFBIG) instead of the
    // process being signalled, as SIGXFSZ is ignored.
    let args = run_args(&out, 2, 48).join(" ");
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec {} {args}",
        binary().display()
    );
    std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .map(|o| {
            assert_eq!(
                o.status.code(),
                Some(1),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("cannot write") && err.contains("large"),
                "{err}"
            );
        })
        .unwrap();
    assert_eq!(result_files(&out), before);
    assert_eq!(leftovers(tmp.path(), &["out"]), Vec::<String>::new());
}
