//! The workload layer against statistics and against hand-checked traces: Poisson counts and
//! Little's law, diurnal shape, exact trace replay, every bad-row error with its line, and the
//! shipped Alibaba trace checked against counts computed independently here.

use enisim::engine::{RngStreams, SimTime, Stream};
use enisim::error::InputError;
use enisim::workload::{
    Burst, BurstConfig, BurstSource, Diurnal, LifetimeModel, PodEvent, PodSource, PoissonConfig,
    PoissonSource, TraceConfig, TraceFormat, TraceSource,
};
use std::path::{Path, PathBuf};

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;

fn drain(source: &mut impl PodSource) -> Vec<PodEvent> {
    let mut events = Vec::new();
    while let Some(event) = source.next_event().expect("valid source") {
        events.push(event);
    }
    events
}

fn poisson(per_minute: f64, lifetime: LifetimeModel, diurnal: Option<Diurnal>) -> PoissonConfig {
    PoissonConfig {
        arrivals_per_minute: per_minute,
        lifetime,
        diurnal,
        start: SimTime::ZERO,
        end: None,
        static_ip: false,
    }
}

fn poisson_events(config: PoissonConfig, seed: u64, run_end: u64) -> Vec<PodEvent> {
    let rng = RngStreams::new(seed).indexed(Stream::Workloads, 0);
    drain(&mut PoissonSource::new(config, rng, SimTime(run_end)))
}

fn creates(events: &[PodEvent]) -> Vec<(u64, Option<u64>)> {
    events
        .iter()
        .filter_map(|e| match e {
            PodEvent::Create { at, lifetime, .. } => Some((at.0, lifetime.map(|l| l.0))),
            PodEvent::Delete { .. } => None,
        })
        .collect()
}

fn assert_time_ordered_with_dense_keys(events: &[PodEvent]) {
    assert!(events.windows(2).all(|w| w[0].at() <= w[1].at()));
    let keys: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            PodEvent::Create { key, .. } => Some(*key),
            PodEvent::Delete { .. } => None,
        })
        .collect();
    assert!(keys.iter().enumerate().all(|(i, &k)| k as usize == i));
}

#[test]
fn poisson_count_over_a_window_is_within_four_sigma_of_lambda_t() {
    let run_end = 10 * HOUR;
    let events = poisson_events(
        poisson(30.0, LifetimeModel::Fixed(SimTime(MINUTE)), None),
        42,
        run_end,
    );
    assert_time_ordered_with_dense_keys(&events);
    let expected = 30.0 * 600.0;
    let n = events.len() as f64;
    assert!(
        (n - expected).abs() < 4.0 * expected.sqrt(),
        "{n} arrivals, expected {expected}"
    );
    assert!(events.iter().all(|e| e.at().0 < run_end));
}

/// Time-average of alive pods over [warm_up, run_end], from the creations and lifetimes.
fn mean_alive(events: &[PodEvent], warm_up: u64, run_end: u64) -> f64 {
    let alive_ms: u64 = creates(events)
        .into_iter()
        .map(|(at, lifetime)| {
            let end = at.saturating_add(lifetime.expect("generated pods have lifetimes"));
            end.min(run_end).saturating_sub(at.max(warm_up))
        })
        .sum();
    alive_ms as f64 / (run_end - warm_up) as f64
}

/// Little's law: the mean number alive is λ·E[L]. For a Poisson arrival stream (M/G/∞) the
/// time average over a span T has variance about λ·E[L²]/T, which sets the bound.
fn assert_littles_law(lifetime: LifetimeModel, mean_min: f64, mean_square_min2: f64) {
    let per_minute = 60.0;
    let (warm_up, run_end) = (4 * HOUR, 52 * HOUR);
    let events = poisson_events(poisson(per_minute, lifetime, None), 7, run_end);
    let observed = mean_alive(&events, warm_up, run_end);
    let expected = per_minute * mean_min;
    let span_min = ((run_end - warm_up) / MINUTE) as f64;
    let sigma = (per_minute * mean_square_min2 / span_min).sqrt();
    assert!(
        (observed - expected).abs() < 4.0 * sigma,
        "{lifetime:?}: mean alive {observed}, Little's law {expected} (sigma {sigma})"
    );
}

#[test]
fn exponential_lifetimes_obey_littles_law() {
    // Mean 10 min: E[L²] = 2 · 10².
    assert_littles_law(
        LifetimeModel::Exponential {
            mean: SimTime(10 * MINUTE),
        },
        10.0,
        200.0,
    );
}

#[test]
fn lognormal_lifetimes_obey_littles_law() {
    // Median 5 min, p99 60 min: σ = ln(12)/z99, E[L] = 5·e^{σ²/2}, E[L²] = 25·e^{2σ²}.
    let sigma = 12f64.ln() / 2.326_347_874_040_841;
    assert_littles_law(
        LifetimeModel::LogNormal {
            median: SimTime(5 * MINUTE),
            p99: SimTime(60 * MINUTE),
        },
        5.0 * (sigma * sigma / 2.0).exp(),
        25.0 * (2.0 * sigma * sigma).exp(),
    );
}

#[test]
fn diurnal_rate_peaks_at_the_peak_and_keeps_its_mean() {
    let day = 24 * HOUR;
    let diurnal = Diurnal {
        amplitude: 0.8,
        period: SimTime(day),
        peak: SimTime(12 * HOUR),
    };
    let run_end = 10 * day;
    let events = poisson_events(
        poisson(20.0, LifetimeModel::Fixed(SimTime(MINUTE)), Some(diurnal)),
        3,
        run_end,
    );
    assert_time_ordered_with_dense_keys(&events);
    let hour_of_day = |e: &PodEvent| (e.at().0 % day) / HOUR;
    let near_peak = events
        .iter()
        .filter(|e| (9..15).contains(&hour_of_day(e)))
        .count();
    let near_trough = events
        .iter()
        .filter(|e| !(3..21).contains(&hour_of_day(e)))
        .count();
    // Expected ratio over ±3h: (1 + 0.8·0.9) / (1 − 0.8·0.9) ≈ 6.1.
    assert!(
        near_peak > 4 * near_trough,
        "peak {near_peak}, trough {near_trough}"
    );
    // Whole cycles: the mean rate is the base rate.
    let expected = 20.0 * (run_end / MINUTE) as f64;
    let n = events.len() as f64;
    assert!(
        (n - expected).abs() < 4.0 * expected.sqrt(),
        "{n} vs {expected}"
    );
}

#[test]
fn poisson_is_deterministic_and_respects_start_and_end() {
    let mut config = poisson(
        12.0,
        LifetimeModel::Exponential {
            mean: SimTime(MINUTE),
        },
        None,
    );
    config.start = SimTime(HOUR);
    config.end = Some(SimTime(3 * HOUR));
    let a = poisson_events(config.clone(), 5, 10 * HOUR);
    assert_eq!(a, poisson_events(config.clone(), 5, 10 * HOUR));
    assert_ne!(a, poisson_events(config.clone(), 6, 10 * HOUR));
    assert!(a.iter().all(|e| (HOUR..3 * HOUR).contains(&e.at().0)));
    // The run ending first stops the source.
    let cut = poisson_events(config.clone(), 5, 2 * HOUR);
    assert!(!cut.is_empty() && cut.iter().all(|e| e.at().0 < 2 * HOUR));
    assert_eq!(cut[..], a[..cut.len()]);
    // A rate that is not a positive number gives nothing, without panicking.
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        config.arrivals_per_minute = rate;
        assert!(poisson_events(config.clone(), 5, 10 * HOUR).is_empty());
    }
}

#[test]
fn bursts_come_in_time_order_with_their_counts() {
    let config = BurstConfig {
        bursts: vec![
            Burst {
                at: SimTime(5_000),
                count: 2,
            },
            Burst {
                at: SimTime(1_000),
                count: 3,
            },
            Burst {
                at: SimTime(3_000),
                count: 0,
            },
        ],
        lifetime: LifetimeModel::Fixed(SimTime(700)),
        static_ip: true,
    };
    let rng = RngStreams::new(1).indexed(Stream::Workloads, 2);
    let events = drain(&mut BurstSource::new(config, rng));
    assert_time_ordered_with_dense_keys(&events);
    assert_eq!(
        creates(&events),
        [
            (1_000, Some(700)),
            (1_000, Some(700)),
            (1_000, Some(700)),
            (5_000, Some(700)),
            (5_000, Some(700))
        ]
    );
    assert!(events.iter().all(|e| matches!(
        e,
        PodEvent::Create {
            static_ip: true,
            name: None,
            ..
        }
    )));
}

// ---- traces ----

fn write_trace(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("trace.csv");
    std::fs::write(&path, text).expect("write trace");
    path
}

fn trace_config(path: &Path, format: TraceFormat) -> TraceConfig {
    TraceConfig {
        path: path.to_path_buf(),
        label: "traces/day1.csv".to_string(),
        format,
        time_scale: 1.0,
        from: None,
        to: None,
        limit: None,
        static_ip: false,
        static_ip_mode: true,
    }
}

fn replay(config: &TraceConfig) -> Vec<PodEvent> {
    drain(&mut TraceSource::open(config).expect("trace opens"))
}

fn create(at: u64, key: u32, name: &str, static_ip: bool) -> PodEvent {
    PodEvent::Create {
        at: SimTime(at),
        key,
        name: Some(name.to_string()),
        lifetime: None,
        static_ip,
    }
}

fn delete(at: u64, key: u32) -> PodEvent {
    PodEvent::Delete {
        at: SimTime(at),
        key,
    }
}

const DAY1: &str = "time,action,pod,workload,static_ip
0,create,web-0,web,
0,create,web-1,web,false
1.5,create,db-0,db,true
60,delete,web-1,web,
61.25,create,web-1,web,
100.0004,delete,web-0,,
100.0005,create,job-a,,
3600,delete,db-0,db,
";

#[test]
fn an_enisim_trace_replays_exactly_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_trace(&dir, DAY1);
    let mut config = trace_config(&path, TraceFormat::Enisim);
    config.static_ip = true;
    assert_eq!(
        replay(&config),
        [
            create(0, 0, "web-0", true),
            create(0, 1, "web-1", false),
            create(1_500, 2, "db-0", true),
            delete(60_000, 1),
            create(61_250, 3, "web-1", true),
            delete(100_000, 0),
            create(100_001, 4, "job-a", true),
            delete(3_600_000, 2),
        ]
    );
    let stats = TraceSource::validate(&config).expect("valid");
    assert_eq!(stats.pods, 5);
    assert_eq!(stats.skipped, 0);
    assert_eq!(stats.first_create, Some(SimTime(0)));
    assert_eq!(stats.last_event, Some(SimTime(3_600_000)));
    // At 61.25 s web-0, db-0 and the new web-1 are alive; web-0 goes before job-a comes.
    assert_eq!(stats.peak_alive, 3);
}

#[test]
fn time_scale_from_to_and_limit_select_and_stretch_the_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_trace(&dir, DAY1);
    let mut config = trace_config(&path, TraceFormat::Enisim);

    config.time_scale = 0.5;
    let halved: Vec<u64> = replay(&config).iter().map(|e| e.at().0).collect();
    assert_eq!(
        halved,
        [0, 0, 750, 30_000, 30_625, 50_000, 50_001, 1_800_000]
    );

    // [1.5 s, 100 s): db-0 and the second web-1; times count from `from`.
    config.time_scale = 1.0;
    config.from = Some(SimTime(1_500));
    config.to = Some(SimTime(100_000));
    assert_eq!(
        replay(&config),
        [
            create(0, 0, "db-0", true),
            create(59_750, 1, "web-1", false),
            delete(3_598_500, 0),
        ]
    );

    // The first two pods only; the others' deletes are dropped with them.
    config.from = None;
    config.to = None;
    config.limit = Some(2);
    assert_eq!(
        replay(&config),
        [
            create(0, 0, "web-0", false),
            create(0, 1, "web-1", false),
            delete(60_000, 1),
            delete(100_000, 0),
        ]
    );
}

/// The error `validate` reports for a trace made of `rows` under the enisim header.
fn enisim_error(rows: &str) -> InputError {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_trace(&dir, &format!("time,action,pod,workload,static_ip\n{rows}"));
    let config = trace_config(&path, TraceFormat::Enisim);
    // Running the source hits the same error as validating it.
    let mut source = TraceSource::open(&config).expect("header is fine");
    let run_error = loop {
        match source.next_event() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("no error for {rows:?}"),
            Err(e) => break e,
        }
    };
    let error = TraceSource::validate(&config).expect_err("bad trace");
    assert_eq!(error, run_error);
    assert_eq!(error.file, "traces/day1.csv");
    error
}

fn assert_error_at(error: &InputError, line: usize, column: usize, words: &str) {
    assert_eq!(
        (error.line, error.column),
        (Some(line), Some(column)),
        "{error}"
    );
    assert!(error.to_string().contains(words), "{error}");
}

#[test]
fn each_bad_row_is_reported_with_its_line_and_column() {
    let ok = "0,create,a,,\n";
    assert_error_at(
        &enisim_error(&format!("{ok}1.5s,create,b,,\n")),
        3,
        1,
        "invalid time \"1.5s\"",
    );
    assert_error_at(
        &enisim_error(&format!("{ok}2,start,b,,\n")),
        3,
        3,
        "unknown action \"start\"",
    );
    assert_error_at(
        &enisim_error(&format!("{ok}2,delete,b,,\n")),
        3,
        10,
        "delete of pod \"b\", which is not alive",
    );
    assert_error_at(
        &enisim_error(&format!("{ok}1,create,b,,\n3,create,a,,\n")),
        4,
        10,
        "created on line 2",
    );
    assert_error_at(
        &enisim_error(&format!("{ok}5,create,b,,\n4,create,c,,\n")),
        4,
        1,
        "out of time order",
    );
    assert_error_at(
        &enisim_error(&format!("{ok}5,create,b,,yes\n")),
        3,
        13,
        "`true`, `false`",
    );
    assert_error_at(
        &enisim_error(&format!("{ok}5,create,,,\n")),
        3,
        10,
        "pod name is empty",
    );
    let ragged = enisim_error(&format!("{ok}1,create,b,,\n5,create,c\n"));
    assert_eq!(ragged.line, Some(4), "{ragged}");
    assert!(ragged.to_string().contains("3 fields"), "{ragged}");
}

#[test]
fn a_wrong_header_names_the_expected_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_trace(&dir, "time,action,pod\n0,create,a\n");
    let error = TraceSource::open(&trace_config(&path, TraceFormat::Enisim))
        .err()
        .expect("bad header");
    assert_error_at(&error, 1, 1, "time,action,pod,workload,static_ip");
    let error = TraceSource::open(&trace_config(&path, TraceFormat::AlibabaOpenb))
        .err()
        .expect("bad header");
    assert_error_at(&error, 1, 1, "name,cpu_milli,memory_mib");
    let empty = write_trace(&dir, "");
    let error = TraceSource::open(&trace_config(&empty, TraceFormat::Enisim))
        .err()
        .expect("empty");
    assert_error_at(&error, 1, 1, "empty trace");
    let missing = trace_config(&dir.path().join("nope.csv"), TraceFormat::Enisim);
    let error = TraceSource::open(&missing).err().expect("missing file");
    assert!(error.to_string().contains("cannot open"), "{error}");
    let mut bad_scale = trace_config(&path, TraceFormat::Enisim);
    bad_scale.time_scale = 0.0;
    let error = TraceSource::open(&bad_scale).err().expect("bad scale");
    assert!(error.to_string().contains("time_scale"), "{error}");
}

// ---- the shipped Alibaba trace ----

const OPENB_PODS: usize = 8_152;

fn openb_config() -> TraceConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/alibaba-gpu-2023/openb_pod_list_default.csv");
    let mut config = trace_config(&path, TraceFormat::AlibabaOpenb);
    config.label = "openb_pod_list_default.csv".to_string();
    config
}

/// (creation, deletion) in seconds of every pod, read with plain string splitting.
fn openb_rows() -> Vec<(u64, Option<u64>)> {
    let text = std::fs::read_to_string(openb_config().path).expect("shipped trace");
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let creation = cells[8].parse().expect("creation");
            (creation, cells[9].parse().ok())
        })
        .collect()
}

#[test]
fn the_shipped_alibaba_trace_accounts_for_every_pod() {
    let rows = openb_rows();
    assert_eq!(rows.len(), OPENB_PODS);
    let final_time = rows.iter().filter_map(|r| r.1).max().expect("deletions");
    let skipped = rows
        .iter()
        .filter(|(c, d)| d.is_some_and(|d| d <= *c))
        .count();
    // Sweep line over the kept pods: at each second, deletions before creations.
    let mut changes: Vec<(u64, i64)> = Vec::new();
    for &(c, d) in rows.iter().filter(|(c, d)| !d.is_some_and(|d| d <= *c)) {
        changes.push((c, 1));
        if let Some(d) = d.filter(|&d| d != final_time) {
            changes.push((d, -1));
        }
    }
    changes.sort();
    let (mut alive, mut peak) = (0i64, 0i64);
    for (_, change) in changes {
        alive += change;
        peak = peak.max(alive);
    }

    let config = openb_config();
    let mut source = TraceSource::open(&config).expect("opens");
    let events = drain(&mut source);
    assert_time_ordered_with_dense_keys(&events);
    assert_eq!(events.len() + source.skipped() as usize, OPENB_PODS);
    assert_eq!(source.skipped() as usize, skipped);
    // Pods the trace cut while running live to the end.
    let forever = creates(&events).iter().filter(|c| c.1.is_none()).count();
    assert_eq!(forever, 34);

    let stats = TraceSource::validate(&config).expect("valid");
    assert_eq!(stats.pods as usize, events.len());
    assert_eq!(stats.skipped as usize, skipped);
    assert_eq!(stats.peak_alive as i64, peak);
    assert_eq!(stats.first_create, Some(SimTime(0)));
    let last_row_end = rows
        .iter()
        .filter(|(c, d)| !d.is_some_and(|d| d <= *c))
        .map(|&(c, d)| d.filter(|&d| d != final_time).unwrap_or(c))
        .max();
    assert_eq!(stats.last_event, last_row_end.map(SimTime::from_secs));
}

#[test]
fn the_alibaba_trace_scales_and_cuts() {
    let rows = openb_rows();
    let mut config = openb_config();

    // 100x faster: the second pod (427,061 s) arrives at 4,270.61 s.
    config.time_scale = 0.01;
    config.limit = Some(3);
    let events = replay(&config);
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].at(), SimTime(0));
    assert_eq!(events[1].at(), SimTime(4_270_610));
    // The first pod lives 12,537,496 s, scaled to 125,374.96 s.
    assert!(matches!(
        &events[0],
        PodEvent::Create { lifetime: Some(SimTime(125_374_960)), name: Some(n), .. }
            if n == "openb-pod-0000"
    ));

    // One day of the trace, starting on day 140.
    let (from, to) = (140 * 86_400, 141 * 86_400);
    config.time_scale = 1.0;
    config.limit = None;
    config.from = Some(SimTime::from_secs(from));
    config.to = Some(SimTime::from_secs(to));
    let in_window = rows
        .iter()
        .filter(|(c, d)| (from..to).contains(c) && !d.is_some_and(|d| d <= *c))
        .count();
    let events = replay(&config);
    assert!(in_window > 0);
    assert_eq!(events.len(), in_window);
    assert!(events.iter().all(|e| e.at().0 < 86_400_000));
}

#[test]
fn damaged_traces_give_errors_not_panics() {
    let openb_head: String = std::fs::read_to_string(openb_config().path)
        .expect("shipped trace")
        .lines()
        .take(40)
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    for (text, format) in [
        (DAY1.to_string(), TraceFormat::Enisim),
        (openb_head, TraceFormat::AlibabaOpenb),
    ] {
        let bytes = text.as_bytes();
        for i in (0..bytes.len()).step_by(7) {
            for replacement in [&b""[..], b",", b"\n", b"-", b"\xff", b"\"", b"9"] {
                let mut damaged = bytes[..i].to_vec();
                damaged.extend_from_slice(replacement);
                damaged.extend_from_slice(&bytes[i + 1..]);
                let path = dir.path().join("damaged.csv");
                std::fs::write(&path, &damaged).expect("write");
                // Either outcome is fine; a panic fails the test.
                let _ = TraceSource::validate(&trace_config(&path, format));
            }
        }
    }
}
