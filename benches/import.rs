//! Audit-log import benchmark: `cargo bench --bench import`.
//!
//! Writes a synthetic day of a busy cluster's audit log (`IMPORT_LINES`, default 5,000,000
//! lines: 80% other API traffic, 20% pod creates at the `Request` level with their object,
//! and their deletes, about 800 pods alive at once), then, each in its own child process so
//! that its peak memory (`VmHWM`) is its own:
//! - `read`: the baseline, reading the same file line by line and doing nothing else (what
//!   "at disk speed" means on this machine, with the file in the page cache as the import
//!   found it);
//! - `import-1` and `import-N`: `enisim::import::audit::import` of the file into a
//!   discarding writer on one thread, then on `IMPORT_JOBS` threads (default: the machine's
//!   cores).
//!
//! It prints lines, bytes, wall time, MB/s, peak RSS and CPU time for each, and the ratios
//! to `read`.

mod common;
use common::{child_result, vm_hwm_kib};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Writes `lines` audit events: every fifth a pod create or delete, pods living ~800 events.
fn generate(path: &Path, lines: u64) {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut alive = std::collections::VecDeque::new();
    let mut serial = 0u64;
    for i in 0..lines {
        let us = i * 17_280; // 5 M lines over a day
        let ts = format!(
            "2024-05-01T{:02}:{:02}:{:02}.{:06}Z",
            us / 3_600_000_000 % 24,
            us / 60_000_000 % 60,
            us / 1_000_000 % 60,
            us % 1_000_000
        );
        // The API server's audit IDs are lowercase UUIDs.
        let id = format!(
            "{:032x}",
            u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
        );
        let id = format!(
            "{}-{}-{}-{}-{}",
            &id[..8],
            &id[8..12],
            &id[12..16],
            &id[16..20],
            &id[20..]
        );
        let head = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id}","stage":"ResponseComplete","#
        );
        let line = if i % 5 != 0 {
            format!(
                r#"{head}"verb":"get","user":{{"username":"system:serviceaccount:kube-system:controller","groups":["system:serviceaccounts"]}},"objectRef":{{"resource":"configmaps","namespace":"kube-system","name":"cfg-{}","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}"}}"#,
                i % 97
            )
        } else if alive.len() > 160 && i % 10 == 0 {
            let name: String = alive.pop_front().unwrap();
            format!(
                r#"{head}"verb":"delete","objectRef":{{"resource":"pods","namespace":"prod","name":"{name}","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}"}}"#
            )
        } else {
            serial += 1;
            let name = format!("web-7c9d8f6b5-{serial:x}");
            alive.push_back(name.clone());
            format!(
                r#"{head}"verb":"create","objectRef":{{"resource":"pods","namespace":"prod","name":"{name}","apiVersion":"v1"}},"responseStatus":{{"code":201}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","requestObject":{{"kind":"Pod","metadata":{{"name":"{name}","labels":{{"app":"web","pod-template-hash":"7c9d8f6b5"}},"annotations":{{"tke.cloud.tencent.com/networks":"tke-direct-eni"}},"ownerReferences":[{{"kind":"ReplicaSet","name":"web-7c9d8f6b5","controller":true}}]}},"spec":{{"containers":[{{"name":"web","image":"nginx:1.27","resources":{{"requests":{{"cpu":"100m","tke.cloud.tencent.com/direct-eni":"1"}},"limits":{{"tke.cloud.tencent.com/direct-eni":"1"}}}}}}]}}}}}}"#
            )
        };
        writeln!(w, "{line}").unwrap();
    }
    w.flush().unwrap();
}

fn child(mode: &str, path: &Path) {
    let started = Instant::now();
    let lines = match mode.strip_prefix("import-") {
        Some(jobs) => {
            let jobs: usize = jobs.parse().expect("import-<threads>");
            let filter = enisim::import::audit::Filter::default();
            let report = enisim::import::audit::import(
                &[path.to_path_buf()],
                &filter,
                false,
                jobs,
                &mut std::io::sink(),
            )
            .expect("valid log")
            .expect("a sink never fails");
            assert!(report.creates > 0);
            report.lines
        }
        None => {
            let mut r = BufReader::with_capacity(1 << 16, std::fs::File::open(path).unwrap());
            let (mut n, mut buf) = (0u64, Vec::new());
            while r.read_until(b'\n', &mut buf).unwrap() > 0 {
                n += 1;
                buf.clear();
            }
            n
        }
    };
    println!(
        "RESULT {mode} {lines} {:.3} {} {:.3}",
        started.elapsed().as_secs_f64(),
        vm_hwm_kib(),
        cpu_seconds()
    );
}

/// CPU time of this process so far, user and system, over all its threads: on a machine
/// shared with other work it says what the wall time cannot.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1], Path::new(&args[i + 2]));
        return;
    }
    let lines: u64 = std::env::var("IMPORT_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("audit.log");
    let t = Instant::now();
    generate(&path, lines);
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!(
        "generated {lines} lines, {:.0} MB, in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let jobs: usize = std::env::var("IMPORT_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut results = Vec::new();
    for mode in [
        "read".to_string(),
        "import-1".into(),
        format!("import-{jobs}"),
    ] {
        let line = child_result([
            std::ffi::OsStr::new("--child"),
            mode.as_ref(),
            path.as_os_str(),
        ]);
        let f: Vec<&str> = line.split_whitespace().collect();
        let secs: f64 = f[2].parse().unwrap();
        let kib: u64 = f[3].parse().unwrap();
        let cpu: f64 = f[4].parse().unwrap();
        println!(
            "{mode:>8}: {} lines in {secs:.2} s, {:.0} MB/s, peak RSS {:.1} MiB, CPU {cpu:.2} s",
            f[1],
            bytes as f64 / 1e6 / secs,
            kib as f64 / 1024.0
        );
        results.push(secs);
    }
    for (i, threads) in [(1, 1), (2, jobs)] {
        println!(
            "import on {threads} thread(s): {:.1}x the time of reading the file",
            results[i] / results[0]
        );
    }
}
