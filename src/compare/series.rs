//! The time series and start-up latencies a comparison draws: read back from a run folder's
//! timeseries.csv and pods.csv, or kept in memory from a run that wrote no files.

use crate::report::rows::{ApiCallRow, EniRow, PodRow, SampleRow, Sink};
use std::path::{Path, PathBuf};

/// The series compared, as timeseries.csv names them, with their titles.
pub const SERIES: [(&str, &str); 5] = [
    ("pods_pending", "Pods pending (not placed)"),
    ("enis_idle", "Idle ENIs in pools"),
    ("enis_bound", "ENIs bound to nodes"),
    ("api_calls", "VPC API calls per sample interval"),
    ("subnet_free_ips", "Free subnet addresses"),
];

/// One run's series and start-up latencies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Sample times, seconds.
    pub time_s: Vec<f64>,
    /// Per entry of [`SERIES`], the value at each sample.
    pub values: [Vec<f64>; SERIES.len()],
    /// Every started pod's start-up latency, seconds, sorted.
    pub startup_s: Vec<f64>,
}

/// Points per series of a sketch: what a sparkline shows.
pub const SKETCH_POINTS: usize = 32;

/// Where a run's series are: its folder, kept from the run, or the sketch a baseline keeps.
#[derive(Clone, Debug)]
pub enum SeriesSource {
    /// A run folder holding timeseries.csv and pods.csv.
    Dir(PathBuf),
    /// Kept in memory while the run ran.
    Kept(Series),
    /// A baseline's sketch ([`Series::sketch`]): enough for sparklines, not for charts.
    Sketch(Series),
}

impl SeriesSource {
    /// The series, read from disk if need be.
    pub fn load(&self) -> Result<Series, String> {
        match self {
            SeriesSource::Dir(dir) => Series::read(dir),
            SeriesSource::Kept(s) | SeriesSource::Sketch(s) => Ok(s.clone()),
        }
    }

    /// True for every sample of the run, false for a sketch.
    pub fn is_full(&self) -> bool {
        !matches!(self, SeriesSource::Sketch(_))
    }
}

/// `values` in at most `width` slices of consecutive samples, each slice's mean.
pub fn slice_means(values: &[f64], width: usize) -> Vec<f64> {
    let n = values.len();
    let width = width.min(n);
    (0..width)
        .map(|k| {
            let slice = &values[k * n / width..(k + 1) * n / width];
            slice.iter().sum::<f64>() / slice.len() as f64
        })
        .collect()
}

fn sample_value(column: &str, r: &SampleRow) -> f64 {
    match column {
        "pods_pending" => r.pods_pending.into(),
        "enis_idle" => r.enis_idle.into(),
        "enis_bound" => r.enis_bound.into(),
        "api_calls" => r.api_calls as f64,
        _ => r.subnet_free_ips as f64,
    }
}

impl Series {
    /// Reads timeseries.csv and pods.csv of the run folder `dir`.
    pub fn read(dir: &Path) -> Result<Series, String> {
        let mut s = Series::default();
        let mut columns = vec!["time_s"];
        columns.extend(SERIES.iter().map(|(c, _)| *c));
        for row in read_columns(&dir.join("timeseries.csv"), &columns)? {
            let mut row = row.into_iter();
            s.time_s.push(row.next().flatten().unwrap_or(0.0));
            for (values, x) in s.values.iter_mut().zip(row) {
                values.push(x.unwrap_or(0.0));
            }
        }
        s.startup_s = read_columns(&dir.join("pods.csv"), &["startup_latency_s"])?
            .into_iter()
            .filter_map(|r| r[0])
            .collect();
        s.startup_s.sort_by(f64::total_cmp);
        Ok(s)
    }

    /// The run in [`SKETCH_POINTS`] slices of its time: each series' slice means to the
    /// thousandth (so that a sketch read back from JSON equals the one made), no latencies.
    /// Sketching a sketch changes nothing.
    pub fn sketch(&self) -> Series {
        let sketch = |v: &[f64]| -> Vec<f64> {
            slice_means(v, SKETCH_POINTS)
                .into_iter()
                .map(|x| (x * 1000.0).round() / 1000.0)
                .collect()
        };
        Series {
            time_s: sketch(&self.time_s),
            values: self.values.each_ref().map(|v| sketch(v)),
            startup_s: Vec::new(),
        }
    }

    /// The sketch as a baseline file keeps it: `time_s` and each series by its column name.
    pub fn sketch_json(&self) -> serde_json::Value {
        let s = self.sketch();
        let mut map = serde_json::Map::new();
        map.insert("time_s".into(), s.time_s.into());
        for ((column, _), v) in SERIES.iter().zip(s.values) {
            map.insert((*column).into(), v.into());
        }
        serde_json::Value::Object(map)
    }

    /// A sketch read back from a baseline file; none unless every series is there.
    pub fn from_sketch_json(v: &serde_json::Value) -> Option<Series> {
        let numbers = |key: &str| -> Option<Vec<f64>> {
            v.get(key)?
                .as_array()?
                .iter()
                .map(serde_json::Value::as_f64)
                .collect()
        };
        let mut s = Series {
            time_s: numbers("time_s")?,
            ..Series::default()
        };
        for (values, (column, _)) in s.values.iter_mut().zip(SERIES) {
            *values = numbers(column)?;
        }
        Some(s)
    }

    /// Which series differ between `self` and `other`, as indices into [`SERIES`].
    pub fn moved(&self, other: &Series) -> Vec<usize> {
        (0..SERIES.len())
            .filter(|&i| self.values[i] != other.values[i] || self.time_s != other.time_s)
            .collect()
    }
}

/// The named columns of a CSV file, each cell a number or none (empty).
fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<Vec<Option<f64>>>, String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let mut r = csv::Reader::from_path(path).map_err(|e| at(&e))?;
    let head = r.headers().map_err(|e| at(&e))?.clone();
    let index: Vec<usize> = names
        .iter()
        .map(|n| {
            head.iter()
                .position(|h| h == *n)
                .ok_or_else(|| at(&format!("no column {n}")))
        })
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for (line, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| at(&e))?;
        let row = index
            .iter()
            .map(|&i| {
                let cell = rec.get(i).unwrap_or("");
                if cell.is_empty() {
                    return Ok(None);
                }
                cell.parse().map(Some).map_err(|_| {
                    format!(
                        "{}:{}: {} \"{cell}\" is not a number",
                        path.display(),
                        line + 2,
                        head.get(i).unwrap_or("")
                    )
                })
            })
            .collect::<Result<_, String>>()?;
        rows.push(row);
    }
    Ok(rows)
}

/// A sink that keeps only what a comparison draws.
#[derive(Default)]
pub struct Keep(pub Series);

impl Sink for Keep {
    fn pod(&mut self, r: &PodRow) {
        if let (Some(s), Some(t)) = (r.scheduled, r.ready) {
            self.0.startup_s.push(t.since(s).as_secs_f64());
        }
    }

    fn eni(&mut self, _: &EniRow) {}

    fn api_call(&mut self, _: &ApiCallRow) {}

    fn sample(&mut self, r: &SampleRow) {
        self.0.time_s.push(r.time.as_secs_f64());
        for (values, (column, _)) in self.0.values.iter_mut().zip(SERIES) {
            values.push(sample_value(column, r));
        }
    }
}

impl Keep {
    /// The series kept, latencies sorted.
    pub fn finish(mut self) -> Series {
        self.0.startup_s.sort_by(f64::total_cmp);
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::run_to_dir;
    use crate::scenario::load_str;
    use crate::sim::{self, RunOptions};

    #[test]
    fn a_run_folder_reads_back_the_series_kept_in_memory() {
        let text = "duration = \"30m\"\n[[subnets]]\nid = \"a\"\nzone = \"z\"\ncidr = \"10.0.0.0/24\"\n\
                    [[node_groups]]\nname = \"w\"\ninstance_type = \"S5.2XLARGE16\"\nzone = \"z\"\ncount = 2\n\
                    [[workloads]]\nname = \"jobs\"\nkind = \"poisson\"\narrivals_per_minute = 3\nlifetime = { mean = \"2m\" }\n";
        let sc = load_str(text, "s.toml", "s", &[]).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        run_to_dir(sc.clone(), &dir, false, RunOptions::default()).unwrap();
        let mut keep = Keep::default();
        sim::run_with(sc, &mut keep, RunOptions::default()).unwrap();
        let kept = keep.finish();
        assert!(kept.startup_s.len() > 50 && kept.time_s.len() == 181);
        assert_eq!(Series::read(&dir).unwrap(), kept);
    }
}
