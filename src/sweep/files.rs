//! A sweep's files: `sweep.csv` (one row per run), `variants.csv` (one row per variant),
//! `sweep.json` (the grid, skipped variants, the recommendation); and a shard's files read
//! back for a merge. Numbers are written in their shortest exact form, so a shard's rows read
//! back are the rows it ran, and a merge writes exactly what one unsharded sweep writes.

use super::metrics::Spread;
use super::outcome::{Outcome, VariantOutcome};
use super::spec::{Axis, AxisValue};
use super::target::Target;
use super::{Grid, RunRow, Settings, Shard, Variant};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The fixed columns of sweep.csv before the varied keys.
const RUN_HEAD: &str = "variant";

/// A number in its shortest exact form (`{}` of f64 round-trips).
fn num(x: f64) -> String {
    format!("{x}")
}

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// The axis keys, as column names.
fn axis_columns(grid: &Grid) -> impl Iterator<Item = &str> {
    grid.settings.axes.iter().map(|a| a.key.as_str())
}

/// The text of each axis's value in a variant.
fn axis_values<'a>(grid: &'a Grid, v: &'a Variant) -> impl Iterator<Item = &'a str> {
    grid.settings
        .axes
        .iter()
        .zip(&v.choice)
        .map(|(a, &i)| a.values[i].text.as_str())
}

/// sweep.csv written as its rows come: `variant`, the varied keys, `seed`, `fingerprint`,
/// then every metric column.
pub struct RunsCsv<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> RunsCsv<W> {
    /// Writes the header.
    pub fn new(w: W, grid: &Grid, columns: &[String]) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(w);
        let mut head: Vec<&str> = vec![RUN_HEAD];
        head.extend(axis_columns(grid));
        head.extend(["seed", "fingerprint"]);
        head.extend(columns.iter().map(String::as_str));
        out.write_record(&head).map_err(csv_err)?;
        Ok(RunsCsv { out })
    }

    /// Writes a run's row.
    pub fn row(&mut self, grid: &Grid, r: &RunRow) -> io::Result<()> {
        let mut rec: Vec<String> = vec![r.variant.to_string()];
        rec.extend(axis_values(grid, &grid.variants[r.variant]).map(str::to_string));
        rec.push(r.seed.to_string());
        rec.push(r.fingerprint.clone());
        rec.extend(r.values.iter().map(|v| v.map_or_else(String::new, num)));
        self.out.write_record(&rec).map_err(csv_err)
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// What variants.csv gives of each metric over a variant's seeds.
const STATS: [&str; 5] = ["mean", "min", "max", "ci95_low", "ci95_high"];

/// variants.csv written a variant at a time: its values, runs, why it was skipped, whether it
/// meets every target, then per metric its mean, min, max and 95% interval over seeds.
pub struct VariantsCsv<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> VariantsCsv<W> {
    /// Writes the header.
    pub fn new(w: W, grid: &Grid, columns: &[String]) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(w);
        let mut head: Vec<String> = vec![RUN_HEAD.into()];
        head.extend(axis_columns(grid).map(str::to_string));
        head.extend(["runs", "skipped", "meets_targets"].map(String::from));
        for c in columns {
            head.extend(STATS.iter().map(|s| format!("{c}.{s}")));
        }
        out.write_record(&head).map_err(csv_err)?;
        Ok(VariantsCsv { out })
    }

    /// Writes variant `i`'s row: `o` over its seeds, `spreads` per metric column.
    pub fn row(
        &mut self,
        grid: &Grid,
        i: usize,
        o: &VariantOutcome,
        spreads: &[Option<Spread>],
    ) -> io::Result<()> {
        let v = &grid.variants[i];
        let mut rec: Vec<String> = vec![i.to_string()];
        rec.extend(axis_values(grid, v).map(str::to_string));
        rec.push(o.runs.to_string());
        rec.push(v.skipped.clone().unwrap_or_default());
        rec.push(o.meets.to_string());
        for s in spreads {
            match s {
                Some(s) => rec.extend([s.mean, s.min, s.max, s.ci95.0, s.ci95.1].map(num)),
                None => rec.extend(std::iter::repeat_n(String::new(), STATS.len())),
            }
        }
        self.out.write_record(&rec).map_err(csv_err)
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The grid as sweep.json holds it: enough to rebuild it.
#[derive(Serialize, Deserialize)]
struct GridJson {
    scenario: String,
    seed: u64,
    #[serde(default)]
    overrides: Vec<String>,
    seeds: u32,
    axes: Vec<AxisJson>,
    targets: Vec<String>,
    minimize: String,
    skipped: Vec<SkippedJson>,
}

#[derive(Serialize, Deserialize)]
struct AxisJson {
    key: String,
    values: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct SkippedJson {
    variant: usize,
    values: Map<String, Value>,
    reason: String,
}

fn values_of(grid: &Grid, v: &Variant) -> Map<String, Value> {
    axis_columns(grid)
        .zip(axis_values(grid, v))
        .map(|(k, t)| (k.to_string(), Value::String(t.to_string())))
        .collect()
}

fn grid_json(grid: &Grid) -> GridJson {
    GridJson {
        scenario: grid.name.clone(),
        seed: grid.seed,
        overrides: grid.overrides.clone(),
        seeds: grid.seeds() as u32,
        axes: grid
            .settings
            .axes
            .iter()
            .map(|a| AxisJson {
                key: a.key.clone(),
                values: a.values.iter().map(|v| v.text.clone()).collect(),
            })
            .collect(),
        targets: grid
            .settings
            .targets
            .iter()
            .map(Target::to_string)
            .collect(),
        minimize: grid.minimize().to_string(),
        skipped: grid
            .variants
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                v.skipped.as_ref().map(|reason| SkippedJson {
                    variant: i,
                    values: values_of(grid, v),
                    reason: reason.clone(),
                })
            })
            .collect(),
    }
}

/// A hash of the grid and the enisim version: shards of one sweep share it.
pub fn sweep_id(grid: &Grid) -> String {
    let text = serde_json::to_string(&grid_json(grid)).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in env!("CARGO_PKG_VERSION").bytes().chain(text.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A variant's values and the means of the metrics it is described by, for sweep.json.
fn pick(grid: &Grid, outcome: &Outcome, variant: usize) -> Value {
    let figures: Map<String, Value> = grid
        .shown_metrics()
        .into_iter()
        .filter_map(|m| {
            outcome
                .mean(variant, m)
                .map(|mean| (m.to_string(), json!(mean)))
        })
        .collect();
    json!({
        "variant": variant,
        "values": values_of(grid, &grid.variants[variant]),
        "mean": figures,
    })
}

/// Writes sweep.json of a whole sweep: the grid, every variant, the recommendation. A
/// variant at a time: nothing the size of the grid is built first.
pub fn write_sweep_json(
    w: &mut impl Write,
    grid: &Grid,
    outcome: &Outcome,
    runs: usize,
) -> io::Result<()> {
    let closest = outcome.closest_miss.as_ref().map(|m| {
        let misses: Vec<Value> = m
            .targets
            .iter()
            .map(|&(t, worst, off)| {
                json!({ "target": grid.settings.targets[t].to_string(), "worst_seed_value": worst, "relative_miss": off })
            })
            .collect();
        json!({ "variant": m.variant, "values": values_of(grid, &grid.variants[m.variant]), "misses": misses })
    });
    let doc = SweepJson {
        closest_miss: closest,
        enisim: env!("CARGO_PKG_VERSION"),
        grid: serde_json::to_value(grid_json(grid)).map_err(io::Error::other)?,
        recommendation: outcome.ranking.first().map(|&v| pick(grid, outcome, v)),
        runner_up: outcome.ranking.get(1).map(|&v| pick(grid, outcome, v)),
        runs,
        shard: Value::Null,
        sweep_id: sweep_id(grid),
        variants: VariantsJson { grid, outcome },
    };
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

/// sweep.json of a whole sweep, its keys in sorted order (as a JSON map of them is).
#[derive(Serialize)]
struct SweepJson<'a> {
    closest_miss: Option<Value>,
    enisim: &'static str,
    grid: Value,
    recommendation: Option<Value>,
    runner_up: Option<Value>,
    runs: usize,
    shard: Value,
    sweep_id: String,
    variants: VariantsJson<'a>,
}

/// Every variant of sweep.json, each built when it is written.
struct VariantsJson<'a> {
    grid: &'a Grid,
    outcome: &'a Outcome,
}

/// One variant of sweep.json, its keys in sorted order.
#[derive(Serialize)]
struct VariantJson<'a> {
    meets_targets: bool,
    runs: usize,
    skipped: &'a Option<String>,
    values: Map<String, Value>,
    variant: usize,
}

impl Serialize for VariantsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let grid = self.grid;
        let mut seq = s.serialize_seq(Some(grid.variants.len()))?;
        for (i, (v, o)) in grid.variants.iter().zip(&self.outcome.variants).enumerate() {
            seq.serialize_element(&VariantJson {
                meets_targets: o.meets,
                runs: o.runs,
                skipped: &v.skipped,
                values: values_of(grid, v),
                variant: i,
            })?;
        }
        seq.end()
    }
}

/// sweep.json of one shard: the grid and which share of the runs its sweep.csv holds.
pub fn shard_json(grid: &Grid, shard: Shard, runs: usize) -> String {
    pretty(&json!({
        "enisim": env!("CARGO_PKG_VERSION"),
        "sweep_id": sweep_id(grid),
        "grid": grid_json(grid),
        "shard": { "k": shard.k, "n": shard.n },
        "runs": runs,
    }))
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// A shard's result being read back: its sweep, its share, its columns, and its rows one at
/// a time.
pub struct ShardFile {
    /// The sweep it belongs to.
    pub sweep_id: String,
    /// Its share.
    pub shard: Shard,
    /// The grid.
    pub grid: Grid,
    /// The metric columns of its sweep.csv.
    pub columns: Vec<String>,
    /// Its sweep.csv, past the header.
    reader: csv::Reader<File>,
    path: PathBuf,
    /// The last row's run index.
    last: Option<u64>,
}

/// Opens the shard written into `dir` (sweep.json and sweep.csv's header); the error says
/// what is wrong with which file.
pub fn read_shard(dir: &Path) -> Result<ShardFile, String> {
    open(dir, false)
}

/// Opens the whole sweep written into `dir`, as its shard 1/1; a shard's folder is refused.
pub fn read_whole(dir: &Path) -> Result<ShardFile, String> {
    open(dir, true)
}

fn open(dir: &Path, whole: bool) -> Result<ShardFile, String> {
    let json_path = dir.join("sweep.json");
    let text =
        std::fs::read_to_string(&json_path).map_err(|e| format!("{}: {e}", json_path.display()))?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}:{}: {e}", json_path.display(), e.line(), e.column()))?;
    let bad = |what: &str| format!("{}: {what}", json_path.display());
    let shard = match (&doc["shard"], whole) {
        (Value::Object(s), false) => Shard {
            k: s.get("k").and_then(Value::as_u64).unwrap_or(0) as u32,
            n: s.get("n").and_then(Value::as_u64).unwrap_or(0) as u32,
        },
        (Value::Null, true) => Shard::ALL,
        (_, false) => return Err(bad(
            "not a shard's result (no \"shard\"): merge takes the folders of `sweep --shard K/N`",
        )),
        (_, true) => return Err(bad(
            "one shard of a sweep, not the whole: join the shards with `enisim sweep merge` first",
        )),
    };
    let g: GridJson = serde_json::from_value(doc["grid"].clone())
        .map_err(|e| bad(&format!("unreadable grid: {e}")))?;
    let grid = rebuild(g).map_err(|e| bad(&e))?;
    let sweep_id = doc["sweep_id"].as_str().unwrap_or_default().to_string();
    if sweep_id != self::sweep_id(&grid) {
        return Err(bad(
            "its grid does not match its sweep_id (edited, or from another enisim version)",
        ));
    }
    let path = dir.join("sweep.csv");
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let head: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{}:1: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut expected: Vec<&str> = vec![RUN_HEAD];
    expected.extend(axis_columns(&grid));
    expected.extend(["seed", "fingerprint"]);
    if head.len() < expected.len() || head.iter().zip(&expected).any(|(h, e)| h != e) {
        return Err(format!(
            "{}:1: not the sweep.csv header of its grid; expected it to start with {}",
            path.display(),
            expected.join(",")
        ));
    }
    let columns = head[expected.len()..].to_vec();
    Ok(ShardFile {
        sweep_id,
        shard,
        grid,
        columns,
        reader,
        path,
        last: None,
    })
}

impl Iterator for ShardFile {
    type Item = Result<RunRow, String>;

    /// The next row of sweep.csv, checked against the grid: one of the shard's runs, after
    /// the row before it.
    fn next(&mut self) -> Option<Self::Item> {
        let mut rec = csv::StringRecord::new();
        let line = self.reader.position().line();
        match self.reader.read_record(&mut rec) {
            Ok(false) => None,
            Ok(true) => Some(self.parse(&rec, line)),
            Err(e) => Some(Err(format!("{}:{line}: {e}", self.path.display()))),
        }
    }
}

impl ShardFile {
    fn parse(&mut self, rec: &csv::StringRecord, line: u64) -> Result<RunRow, String> {
        let at = |what: String| format!("{}:{line}: {what}", self.path.display());
        let grid = &self.grid;
        let field = |j: usize| rec.get(j).unwrap_or("");
        let variant: usize = field(0)
            .parse()
            .ok()
            .filter(|&v| v < grid.variants.len())
            .ok_or_else(|| at(format!("variant \"{}\" is not in the grid", field(0))))?;
        let first_metric = grid.settings.axes.len() + 3;
        let seed: u64 = field(first_metric - 2)
            .parse()
            .ok()
            .filter(|s: &u64| s.wrapping_sub(grid.seed) < grid.seeds())
            .ok_or_else(|| {
                at(format!(
                    "seed \"{}\" is not one of the sweep's",
                    field(first_metric - 2)
                ))
            })?;
        let index = grid.run_index(variant, seed);
        let runs = grid.variants[variant].skipped.is_none() && self.shard.owns(index);
        if !runs || self.last.is_some_and(|last| index <= last) {
            return Err(at(format!(
                "variant {variant} seed {seed} is not the shard's next run (rows are in run order, each run once)"
            )));
        }
        self.last = Some(index);
        let values = self
            .columns
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let cell = field(first_metric + j);
                if cell.is_empty() {
                    return Ok(None);
                }
                cell.parse()
                    .map(Some)
                    .map_err(|_| at(format!("{name} \"{cell}\" is not a number")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RunRow {
            variant,
            seed,
            fingerprint: field(first_metric - 1).to_string(),
            values,
        })
    }
}

/// The grid from its JSON form.
fn rebuild(g: GridJson) -> Result<Grid, String> {
    let axes: Vec<Axis> = g
        .axes
        .into_iter()
        .map(|a| Axis {
            key: a.key,
            values: a.values.iter().map(|t| AxisValue::word(t)).collect(),
        })
        .collect();
    let targets = g
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let sizes: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
    let total: usize = sizes.iter().product();
    let mut variants: Vec<Variant> = (0..total)
        .map(|i| Variant {
            choice: super::choice_of(i, &sizes),
            skipped: None,
        })
        .collect();
    for s in g.skipped {
        let v = variants
            .get_mut(s.variant)
            .ok_or_else(|| format!("skipped variant {} is outside the grid", s.variant))?;
        v.skipped = Some(s.reason);
    }
    Ok(Grid {
        name: g.scenario,
        seed: g.seed,
        overrides: g.overrides,
        settings: Settings {
            axes,
            seeds: Some(g.seeds),
            targets,
            minimize: Some(g.minimize),
        },
        variants,
    })
}
