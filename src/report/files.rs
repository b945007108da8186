//! Writes a run's files. Everything goes to a staging directory beside the target, which
//! replaces the target only once every file is complete, so a failed run never leaves output
//! that looks whole.

use super::rows::{ApiCallRow, EniRow, PodRow, SampleRow, Sink};
use std::borrow::Cow;
use std::fmt::Display;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// CSV headers, a contract with users' scripts: columns may be added, never renamed.
const PODS_HEADER: &str = "pod,workload,node,zone,ip,created_s,scheduled_s,ready_s,deleted_s,startup_latency_s,from_pool,failure,end";
const ENIS_HEADER: &str =
    "eni,subnet,ip,node,created_s,attached_s,released_s,deleted_s,pods_served,state";
const API_HEADER: &str = "time_s,api,node,eni,latency_s,result";
const TIMESERIES_HEADER: &str = "time_s,pods_running,pods_pending,pods_waiting_eni,enis_bound,enis_idle,enis_in_flight,enis_total,subnet_free_ips,api_calls,enis_retained";

/// Quotes a CSV field if it needs it.
fn field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// An optional value, empty when absent.
struct Opt<T>(Option<T>);

impl<T: Display> Display for Opt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => Ok(()),
        }
    }
}

/// A node name `<group>-<ordinal>`.
struct NodeName<'a>((&'a str, u32));

impl Display for NodeName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", field(self.0 .0), self.0 .1)
    }
}

/// A pod's name: its trace name, or `<workload>-<serial>`.
struct PodName<'a>(&'a PodRow<'a>);

impl Display for PodName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.name {
            Some(name) => write!(f, "{}", field(name)),
            None => write!(f, "{}-{}", field(self.0.workload), self.0.serial),
        }
    }
}

/// The four CSV streams of a run, written into a staging directory.
pub struct CsvFiles {
    pods: BufWriter<File>,
    enis: BufWriter<File>,
    api: BufWriter<File>,
    timeseries: BufWriter<File>,
    error: Option<io::Error>,
}

fn create(dir: &Path, name: &str, header: &str) -> io::Result<BufWriter<File>> {
    let mut w = BufWriter::with_capacity(1 << 16, File::create(dir.join(name))?);
    writeln!(w, "{header}")?;
    Ok(w)
}

impl CsvFiles {
    /// Opens the CSV files in `dir`, headers written.
    pub fn create(dir: &Path) -> io::Result<Self> {
        Ok(CsvFiles {
            pods: create(dir, "pods.csv", PODS_HEADER)?,
            enis: create(dir, "enis.csv", ENIS_HEADER)?,
            api: create(dir, "api_calls.csv", API_HEADER)?,
            timeseries: create(dir, "timeseries.csv", TIMESERIES_HEADER)?,
            error: None,
        })
    }

    /// Flushes every file, reporting the first write error of the run.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        for w in [
            &mut self.pods,
            &mut self.enis,
            &mut self.api,
            &mut self.timeseries,
        ] {
            w.flush()?;
        }
        Ok(())
    }

    fn keep(&mut self, r: io::Result<()>) {
        if let (Err(e), None) = (r, &self.error) {
            self.error = Some(e);
        }
    }
}

impl Sink for CsvFiles {
    fn pod(&mut self, r: &PodRow) {
        let latency = match (r.scheduled, r.ready) {
            (Some(s), Some(t)) => Some(t.since(s)),
            _ => None,
        };
        let res = writeln!(
            self.pods,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            PodName(r),
            field(r.workload),
            Opt(r.node.map(NodeName)),
            field(r.zone.unwrap_or("")),
            Opt(r.ip),
            r.created,
            Opt(r.scheduled),
            Opt(r.ready),
            Opt(r.deleted),
            Opt(latency),
            r.from_pool,
            r.failure.unwrap_or(""),
            r.end.unwrap_or(""),
        );
        self.keep(res);
    }

    fn eni(&mut self, r: &EniRow) {
        let res = writeln!(
            self.enis,
            "eni-{:08},{},{},{},{},{},{},{},{},{}",
            r.eni,
            field(r.subnet),
            Opt(r.ip),
            NodeName(r.node),
            r.created,
            Opt(r.attached),
            Opt(r.released),
            Opt(r.deleted),
            r.pods_served,
            r.state,
        );
        self.keep(res);
    }

    fn api_call(&mut self, r: &ApiCallRow) {
        let res = writeln!(
            self.api,
            "{},{},{},eni-{:08},{},{}",
            r.issued,
            r.api,
            NodeName(r.node),
            r.eni,
            r.latency,
            r.result,
        );
        self.keep(res);
    }

    fn sample(&mut self, r: &SampleRow) {
        let res = writeln!(
            self.timeseries,
            "{},{},{},{},{},{},{},{},{},{},{}",
            r.time,
            r.pods_running,
            r.pods_pending,
            r.pods_waiting_eni,
            r.enis_bound,
            r.enis_idle,
            r.enis_in_flight,
            r.enis_total,
            r.subnet_free_ips,
            r.api_calls,
            r.enis_retained,
        );
        self.keep(res);
    }
}

/// The staging directory for a run's output, renamed into place on success and removed on
/// failure.
pub struct Staging {
    target: PathBuf,
    staging: PathBuf,
}

impl Staging {
    /// Creates `<target>.incomplete/` (clearing any left by an earlier failed run).
    pub fn create(target: &Path) -> io::Result<Self> {
        let mut name = target
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "out".into());
        name.push(".incomplete");
        let staging = target.with_file_name(name);
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir_all(&staging)?;
        Ok(Staging {
            target: target.to_path_buf(),
            staging,
        })
    }

    /// Where files are written until [`Staging::commit`].
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Replaces the target directory with the staged one.
    pub fn commit(self) -> io::Result<PathBuf> {
        if self.target.exists() {
            fs::remove_dir_all(&self.target)?;
        }
        fs::rename(&self.staging, &self.target)?;
        Ok(self.target.clone())
    }

    /// Removes the staged files after a failure.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("web"), "web");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
