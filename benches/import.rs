//! Audit-log import benchmark: `cargo bench --bench import`.
//!
//! Writes a synthetic day of a busy cluster's audit log (`IMPORT_LINES`, default 5,000,000
//! lines: 80% other API traffic, 20% pod creates at the `Request` level with their object,
//! and their deletes, about 800 pods alive at once), then, each in its own child process so
//! that its peak memory (`VmHWM`) is its own:
//! - `disk`: the file read from the disk itself, with `O_DIRECT` past the page cache in 4 MiB
//!   blocks, its lines counted: what "at disk speed" means on this machine;
//! - `read`: the same file read line by line through the page cache, doing nothing else
//!   (the cost of just handling the lines);
//! - `import-1` and `import-N`: `enisim::import::audit::import` of the file into a
//!   discarding writer on one thread, then on `IMPORT_JOBS` threads (default: the machine's
//!   cores), the file in the page cache as the generator left it.
//!
//! The four run in turn `IMPORT_ROUNDS` times (default 3), so that each import is measured
//! next to a disk read on a machine whose speed drifts. It prints lines, bytes, wall time,
//! MB/s, peak RSS and CPU time for each run, then the medians and, per round, each import's
//! time over that round's disk read.

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
        None if mode == "disk" => read_direct(path),
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

/// Reads `path` from the disk, past the page cache (`O_DIRECT`, which wants a buffer, offsets
/// and lengths aligned to the device's blocks: 4 MiB at 4 KiB alignment), and counts its lines.
fn read_direct(path: &Path) -> u64 {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    const BLOCK: usize = 4 << 20;
    const ALIGN: usize = 4096;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .expect("the file system takes O_DIRECT (tmpfs does not)");
    // An aligned block within a buffer one alignment longer.
    let mut buf = vec![0u8; BLOCK + ALIGN];
    let at = buf.as_ptr().align_offset(ALIGN);
    let block = &mut buf[at..at + BLOCK];
    let mut lines = 0;
    loop {
        let n = file.read(block).expect("direct read");
        if n == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &block[..n]).count() as u64;
    }
    lines
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
    let lines: u64 = setting("IMPORT_LINES").unwrap_or(5_000_000);
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
    let jobs: usize = setting("IMPORT_JOBS")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let rounds: usize = setting("IMPORT_ROUNDS").unwrap_or(3).max(1);
    let modes = [
        "disk".to_string(),
        format!("import-{jobs}"),
        "read".into(),
        "import-1".into(),
    ];
    // Wall times per mode, in round order.
    let mut times = vec![Vec::new(); modes.len()];
    for round in 1..=rounds {
        for (mode, times) in modes.iter().zip(&mut times) {
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
                "round {round} {mode:>8}: {} lines in {secs:.2} s, {:.0} MB/s, peak RSS {:.1} MiB, CPU {cpu:.2} s",
                f[1],
                bytes as f64 / 1e6 / secs,
                kib as f64 / 1024.0
            );
            times.push(secs);
        }
    }
    for (mode, t) in modes.iter().zip(&times) {
        let m = median(t);
        println!(
            "median {mode:>8}: {m:.2} s, {:.0} MB/s",
            bytes as f64 / 1e6 / m
        );
    }
    for (i, threads) in [(1, jobs), (3, 1)] {
        let per_round: Vec<String> = times[i]
            .iter()
            .zip(&times[0])
            .map(|(import, disk)| format!("{:.2}", import / disk))
            .collect();
        println!(
            "import on {threads} thread(s) over the disk read, per round: {}",
            per_round.join(", ")
        );
    }
}

/// The environment variable `name` read as a `T`, if it is set and reads.
fn setting<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.parse().ok()
}

/// The median of `v` (the mean of the middle two for an even count).
fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}
