//! What the run's charts draw, checked against the CSV files the same run wrote: the band
//! chart's series against timeseries.csv and node_groups.csv (and the policy's formula by
//! hand), the start-up CDFs against pods.csv, every SVG's axis titles and legend, and the
//! bound on points per chart over a long run.

mod common;
use common::Cluster;
use enisim::output::run_to_dir;
use enisim::report::charts::downsample::POINTS_PER_CHART;
use enisim::report::charts::run::{band_series, startup_cdfs};
use enisim::report::context::RunContext;
use enisim::report::files::CsvFiles;
use enisim::report::series::RunSeries;
use enisim::report::summary::Summary;
use enisim::scenario::{load, load_str};
use enisim::sim::{self, RunOptions};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Runs `toml` with its CSV files written into `dir`, and returns the summary and what the
/// charts are drawn from, as `enisim run` does.
fn run_into(toml: &str, dir: &Path) -> (Summary, RunSeries, RunContext) {
    let sc = load_str(toml, "test.toml", "test", &[]).expect("scenario loads");
    let ctx = RunContext::of(&sc);
    let mut files = CsvFiles::create(dir).unwrap();
    let summary = sim::run(sc, &mut files).expect("run");
    assert_eq!(summary.invariants.violations, 0, "{:?}", summary.invariants);
    (summary, files.finish().unwrap(), ctx)
}

/// A CSV file's rows as maps from column to text.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

/// Two node groups in one zone: "big" (2 nodes, M = 39, min_warm 1, max_warm 3) and
/// "capped" (1 node, max_attach 3 so M = 3, min_warm 2, max_warm 4), under a deployment
/// scaled 6 -> 20 -> 2.
const TWO_GROUPS: &str = r#"
duration = "30m"
sample_interval = "10s"
[policy]
min_warm = 1
max_warm = 3
[vpc.latency]
create = "300ms"
attach = { median = "2s", p99 = "8s" }
[[subnets]]
id = "a"
zone = "z"
cidr = "10.0.0.0/24"
[[node_groups]]
name = "big"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 2
[[node_groups]]
name = "capped"
instance_type = "S5.2XLARGE16"
zone = "z"
count = 1
max_attach = 3
min_warm = 2
max_warm = 4
[[workloads]]
name = "web"
kind = "deployment"
replicas = 6
scale = [ { at = "10m", replicas = 20 }, { at = "20m", replicas = 2 } ]
"#;

/// The band chart draws, at every sample, the band summed over nodes as the policy defines
/// it: for "big", P + nodes x min_warm up to P + nodes x max_warm (M is never reached); for
/// the single "capped" node, min(P + 2, 3) up to min(P + 4, 3). Computed here from
/// node_groups.csv, and equal to timeseries.csv's columns and to the chart's series.
#[test]
fn the_band_chart_draws_the_sums_timeseries_csv_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, series, _) = run_into(TWO_GROUPS, tmp.path());
    let timeseries = rows(&tmp.path().join("timeseries.csv"));
    let groups = rows(&tmp.path().join("node_groups.csv"));
    assert_eq!(
        groups.len(),
        2 * timeseries.len(),
        "a row per group per sample"
    );
    let band = band_series(&series);
    assert_eq!(band.times_s.len(), timeseries.len());
    let mut capped_bites = false;
    for (i, t) in timeseries.iter().enumerate() {
        let (big, capped) = (&groups[2 * i], &groups[2 * i + 1]);
        assert_eq!(
            (&big["node_group"][..], &capped["node_group"][..]),
            ("big", "capped")
        );
        assert_eq!(big["time_s"], t["time_s"]);
        let (p_big, n_big) = (num(big, "pods"), num(big, "nodes"));
        let p_capped = num(capped, "pods");
        let low = p_big + n_big + (p_capped + 2.0).min(3.0);
        let high = p_big + 3.0 * n_big + (p_capped + 4.0).min(3.0);
        capped_bites |= p_capped + 2.0 > 3.0;
        let at = &t["time_s"];
        assert_eq!(num(t, "band_low"), low, "band_low at {at}");
        assert_eq!(num(t, "band_high"), high, "band_high at {at}");
        assert_eq!(num(t, "nodes"), n_big + 1.0);
        // What the chart draws is what the CSV holds.
        assert_eq!(band.times_s[i], num(t, "time_s"));
        assert_eq!((band.low[i], band.high[i]), (low, high), "at {at}");
        assert_eq!(band.bound[i], num(t, "enis_bound"), "B at {at}");
        assert_eq!(band.idle[i], num(t, "enis_idle"), "idle at {at}");
        // P summed over nodes is every pod holding or awaiting an ENI.
        assert_eq!(band.pods[i], p_big + p_capped);
        assert_eq!(
            band.pods[i],
            num(t, "pods_running") + num(t, "pods_waiting_eni"),
            "P at {at}"
        );
        // Groups add up to the cluster.
        assert_eq!(
            num(big, "enis_bound") + num(capped, "enis_bound"),
            num(t, "enis_bound")
        );
        assert_eq!(
            num(big, "enis_idle") + num(capped, "enis_idle"),
            num(t, "enis_idle")
        );
    }
    assert!(capped_bites, "M caps the capped node's band at some sample");
    // The scale-up and the scale-down both show: B goes above 20 and comes down again.
    let peak = band.bound.iter().copied().fold(0.0, f64::max);
    assert!(peak > 20.0, "{peak}");
    assert!(band.bound.last().is_some_and(|&b| b < peak));
}

/// The start-up latency of every pod that started, from pods.csv, split by from_pool.
fn latencies(dir: &Path) -> BTreeMap<&'static str, Vec<u64>> {
    let mut out: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    for r in rows(&dir.join("pods.csv")) {
        let Ok(s) = r["startup_latency_s"].parse::<f64>() else {
            continue;
        };
        let ms = (s * 1000.0).round() as u64;
        let split = if r["from_pool"] == "true" {
            "pool hits"
        } else {
            "pool misses"
        };
        out.entry(split).or_default().push(ms);
        out.entry("all pods").or_default().push(ms);
    }
    out
}

/// Every point of every curve is a latency some pod had, at the share of its pods that
/// started within it; the last is the slowest at 100%; with `whole`, every distinct
/// latency has its point.
fn check_cdfs(series: &RunSeries, dir: &Path, whole: bool) {
    let from_csv = latencies(dir);
    let cdfs = startup_cdfs(series);
    assert_eq!(cdfs.len(), from_csv.len(), "a curve per kind of start");
    for cdf in &cdfs {
        let (name, count) = cdf.label.rsplit_once(" (").unwrap();
        let mut ms = from_csv[name].clone();
        ms.sort_unstable();
        assert_eq!(
            count.replace(',', ""),
            format!("{})", ms.len()),
            "{}",
            cdf.label
        );
        for &(x, share) in &cdf.points {
            let x_ms = (x * 1000.0).round() as u64;
            assert!(
                ms.binary_search(&x_ms).is_ok(),
                "{name}: {x} s is no pod's latency"
            );
            let within = ms.partition_point(|&v| v <= x_ms);
            assert_eq!(share, within as f64 / ms.len() as f64, "{name} at {x} s");
        }
        let last = *ms.last().unwrap() as f64 / 1000.0;
        assert_eq!(cdf.points.last(), Some(&(last, 1.0)), "{name}");
        if whole {
            let mut distinct = ms.clone();
            distinct.dedup();
            assert_eq!(cdf.points.len(), distinct.len(), "{name}");
        }
    }
}

#[test]
fn the_startup_cdfs_are_the_latencies_pods_csv_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let (summary, series, _) = run_into(TWO_GROUPS, tmp.path());
    let from_csv = latencies(tmp.path());
    assert!(from_csv.contains_key("pool hits") && from_csv.contains_key("pool misses"));
    assert_eq!(
        from_csv["all pods"].len() as u64,
        summary.pods.started,
        "every start is in pods.csv"
    );
    check_cdfs(&series, tmp.path(), true);
    // A larger run: 940 pods, the curves thinned to the chart's points, every point exact.
    let storm = tempfile::tempdir().unwrap();
    let text = fs::read_to_string("scenarios/scale-up-storm.toml").unwrap();
    let (_, series, _) = run_into(&text, storm.path());
    check_cdfs(&series, storm.path(), false);
}

/// The texts of an SVG, one per `<text>` element, joined by spaces (a legend label wrapped
/// over two lines reads whole).
fn texts(svg: &str) -> String {
    let parts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
        .filter_map(|t| t.split("</text>").next())
        .map(str::trim)
        .collect();
    parts
        .join(" ")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Each chart of scale-up-storm has its title, both axis titles and every series named in
/// its legend; the chart with nothing to draw says why.
#[test]
fn every_chart_names_its_axes_and_series() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("storm");
    let sc = load(Path::new("scenarios/scale-up-storm.toml"), &[]).unwrap();
    run_to_dir(sc, &out, false, RunOptions::default()).unwrap();
    let time = "time since start (h:mm)";
    let expected: [(&str, &[&str]); 15] = [
        (
            "band.svg",
            &[
                "The policy's band",
                time,
                "ENIs (summed over nodes)",
                "bound ENIs (B)",
                "pods holding or awaiting an ENI (P)",
                "idle ENIs (bound, no pod)",
                "the band: P + min_warm to P + max_warm (at most M)",
            ],
        ),
        (
            "warm_enis.svg",
            &[
                "Warm ENIs: B - P",
                time,
                "ENIs beyond the pods (summed over nodes)",
                "warm ENIs: B - P",
                "idle ENIs (bound, no pod)",
                "the band: min_warm to max_warm (at most M - P)",
            ],
        ),
        (
            "enis.svg",
            &[
                time,
                "ENIs",
                "in the VPC",
                "bound to nodes (B)",
                "idle in pools",
                "call in flight",
                "kept for static IPs",
            ],
        ),
        (
            "pool_hit_rate.svg",
            &[
                time,
                "pods started that found an idle ENI",
                "in the 5m before",
                "since the start of the run",
                "100%",
            ],
        ),
        (
            "release_delays.svg",
            &[
                "time surplus before release (min)",
                "ENIs released",
                "ENIs released (541)",
                "percentiles",
                "p50 14 min",
                "p99 28 min",
            ],
        ),
        (
            "startup_latency.svg",
            &[
                "start-up latency (log scale)",
                "pods started within that latency",
                "pool hits (340)",
                "pool misses (600)",
                "all pods (940)",
                "p50 2.33 min",
                "p90 3.67 min",
                "p99 3.98 min",
                "10 s",
                "1 min",
                "5 min",
            ],
        ),
        (
            "pods.svg",
            &[
                time,
                "pods",
                "running",
                "waiting for an ENI",
                "pending (not placed)",
            ],
        ),
        (
            "pending.svg",
            &["Every pod was placed on a node when it was created: no pod waited to be placed."],
        ),
        (
            "api_calls.svg",
            &[
                time,
                "calls per 10s interval",
                "create",
                "attach",
                "detach",
                "delete",
                "describe_task",
            ],
        ),
        (
            "api_calls_busiest.svg",
            &[time, "calls per 10s interval", "describe_task", "0:10"],
        ),
        (
            "node_groups.svg",
            &[
                time,
                "pods or ENIs",
                "batch (ap-guangzhou-3)",
                "bound ENIs (B)",
                "idle ENIs",
            ],
        ),
        (
            "subnets.svg",
            &[
                time,
                "addresses",
                "subnet-batch (ap-guangzhou-3)",
                "addresses held by ENIs",
                "usable addresses (size)",
            ],
        ),
        ("subnet_free_ips.svg", &[time, "addresses", "free"]),
        (
            "controller_queue.svg",
            &[
                time,
                "items",
                "waiting for a worker",
                "waiting out a requeue delay",
                "workers busy",
            ],
        ),
        (
            "controller_wait.svg",
            &[time, "seconds", "oldest item's wait"],
        ),
    ];
    let files: Vec<String> = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), expected.len(), "{files:?}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    for (file, wanted) in expected {
        let svg = fs::read_to_string(out.join("charts").join(file)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{file}"
        );
        let t = texts(&svg);
        for w in wanted {
            assert!(t.contains(w), "{file}: {w:?} not in {t:?}");
        }
        // Inline in report.html as written, under a caption.
        let id = file.trim_end_matches(".svg");
        let at = html
            .find(&format!("<figure id=\"fig-{id}\"><figcaption>"))
            .unwrap_or_else(|| panic!("{file} not in report.html"));
        assert!(html[at..].contains(&svg), "{file} inline as in charts/");
    }
}

/// Calls the VPC refused are a series of their own in both API charts when there were any: the
/// storm's nodes, each sending its own calls (`per_node`), run into the VPC's limit; the ENI
/// controller's client limit keeps the default run under it, and those charts leave the series
/// out.
#[test]
fn the_api_charts_draw_throttled_calls_when_the_vpc_refused_some() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("storm");
    let sc = load(
        Path::new("scenarios/scale-up-storm.toml"),
        &["controller.model=per_node".to_string()],
    )
    .unwrap();
    let summary = run_to_dir(sc, &out, false, RunOptions::default()).unwrap();
    assert!(summary.api.throttled > 0);
    for file in ["api_calls.svg", "api_calls_busiest.svg"] {
        let svg = fs::read_to_string(out.join("charts").join(file)).unwrap();
        assert!(
            texts(&svg).contains("throttled (RequestLimitExceeded)"),
            "{file}"
        );
    }
}

/// A month sampled every 10 s (259,201 samples): every chart draws at most
/// POINTS_PER_CHART points, and the page stays small; timeseries.csv keeps every sample.
#[test]
fn a_long_run_draws_a_bounded_number_of_points_per_chart() {
    let toml = Cluster::new("30d").sample_interval("10s").with(
        "[[workloads]]\nname = \"jobs\"\nkind = \"poisson\"\narrivals_per_minute = 0.5\nlifetime = { mean = \"20m\" }\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("month.toml");
    fs::write(&scenario, toml).unwrap();
    let out = tmp.path().join("o");
    let sc = load(&scenario, &[]).unwrap();
    run_to_dir(sc, &out, false, RunOptions::default()).unwrap();
    let samples = fs::read_to_string(out.join("timeseries.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(samples, 30 * 8640 + 1);
    let mut drawn_total = 0;
    for entry in fs::read_dir(out.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        let svg = fs::read_to_string(&path).unwrap();
        // The coordinates of polylines and polygons of data (not an axis' two points).
        let drawn: usize = svg
            .split("points=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().split_whitespace().count())
            .filter(|&n| n > 2)
            .sum();
        assert!(
            drawn <= POINTS_PER_CHART,
            "{}: {drawn} points",
            path.display()
        );
        drawn_total += drawn;
    }
    assert!(
        drawn_total > POINTS_PER_CHART,
        "the charts still draw the run"
    );
    let page = fs::metadata(out.join("report.html")).unwrap().len();
    assert!(page < 2_000_000, "report.html is {page} bytes");
}

/// The README documents every column of the per-sample CSV files.
#[test]
fn the_readme_names_every_column_of_the_sample_files() {
    let tmp = tempfile::tempdir().unwrap();
    run_into(TWO_GROUPS, tmp.path());
    let readme = fs::read_to_string("README.md").unwrap();
    for file in ["timeseries.csv", "node_groups.csv", "subnets.csv"] {
        let text = fs::read_to_string(tmp.path().join(file)).unwrap();
        for column in text.lines().next().unwrap().split(',') {
            assert!(
                readme.contains(&format!("`{column}`"))
                    || readme.contains(&format!(" {column},"))
                    || readme.contains(&format!(" {column}`")),
                "{file}: {column} is not in the README"
            );
        }
    }
}

/// A canary group's figures stand beside the rest of the cluster's in report.html, as
/// summary.json's `node_groups` has them.
#[test]
fn the_report_sets_each_node_group_s_figures_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("canary");
    let sc = load(Path::new("scenarios/canary.toml"), &[]).unwrap();
    let summary = run_to_dir(sc, &out, false, RunOptions::default()).unwrap();
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let table = &html[html
        .find("<h2>Node groups</h2>")
        .expect("a node groups table")..];
    let table = &table[..table.find("</table>").unwrap()];
    for (name, policy) in [("web", "pool"), ("canary", "adaptive")] {
        let g = &summary.node_groups[name];
        assert_eq!(g.policy, policy);
        let row = format!(
            "<tr><th>{name}</th><td>{policy}</td><td>{}</td>",
            g.pods_started
        );
        assert!(table.contains(&row), "{row} not in {table}");
        let created = format!("<td>{}</td>", g.churn.enis_created);
        assert!(table[table.find(&row).unwrap()..].contains(&created));
    }
    // The canary's policy table keeps min_warm 0 where the rest keep 1: the band's caption
    // names no per-node span that only some nodes have.
    assert!(
        !html.contains("per node)"),
        "a band span named for mixed warms"
    );
    // The groups' pods are the cluster's.
    let started: u64 = summary.node_groups.values().map(|g| g.pods_started).sum();
    assert_eq!(started, summary.pods.started);
}

/// The band's caption names the per-node min_warm .. max_warm span only for a family whose
/// band is built from them: TKE's pool does, Terway-style reclaim (its pool sizes) does not.
#[test]
fn the_band_caption_names_min_and_max_warm_only_for_a_family_that_reads_them() {
    let tmp = tempfile::tempdir().unwrap();
    for (mode, named) in [("pool", true), ("reclaim", false)] {
        let out = tmp.path().join(mode);
        let sc = load(
            Path::new("scenarios/diurnal-web-day.toml"),
            &[format!("policy.mode={mode}")],
        )
        .unwrap();
        run_to_dir(sc, &out, false, RunOptions::default()).unwrap();
        let html = fs::read_to_string(out.join("report.html")).unwrap();
        assert_eq!(html.contains("(P + 1 to P + 2 per node)"), named, "{mode}");
        let band = fs::read_to_string(out.join("charts/band.svg")).unwrap();
        assert_eq!(texts(&band).contains("P + min_warm"), named, "{mode}");
    }
}
