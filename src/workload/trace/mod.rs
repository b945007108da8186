//! Trace replay: pods created and deleted when a CSV file says, streamed row by row so a trace
//! of any length replays in constant memory (plus the pods alive at once).

mod enisim;
mod openb;
mod rows;
mod stats;
mod window;

pub use stats::TraceStats;

use super::keys::Keys;
use super::{PodEvent, PodSource};
use crate::engine::SimTime;
use crate::error::InputError;
use rows::Rows;
use std::path::PathBuf;
use window::Window;

/// The layouts a trace can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    /// `time,action,pod,workload,static_ip`: enisim's own, for one's own cluster history
    /// (see docs/traces.md).
    Enisim,
    /// The pod list of Alibaba's cluster-trace-gpu-v2023 (`openb_pod_list_*.csv`), shipped in
    /// traces/alibaba-gpu-2023/.
    AlibabaOpenb,
}

/// `kind = "trace"`: which file to replay, and which part of it, how fast.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceConfig {
    /// The file, already resolved against the scenario's directory.
    pub path: PathBuf,
    /// The path as the user wrote it, to name the file in messages.
    pub label: String,
    /// The file's layout.
    pub format: TraceFormat,
    /// Simulation time = (trace time − `from`) × `time_scale`; 0.01 replays 100x faster.
    pub time_scale: f64,
    /// Only pods created at or after this trace time (default: the start).
    pub from: Option<SimTime>,
    /// Only pods created before this trace time (default: the end).
    pub to: Option<SimTime>,
    /// At most this many pods are created.
    pub limit: Option<u64>,
    /// Static IP of pods whose row does not say (every pod, for `alibaba-openb`).
    pub static_ip: bool,
    /// True in static IP mode, the only mode with static IPs: elsewhere a row that asks for
    /// one is an input error.
    pub static_ip_mode: bool,
}

/// A [`PodSource`] replaying a trace file.
///
/// `enisim` traces give [`PodEvent::Delete`] events for their `delete` rows (deletes of pods
/// outside the window or the limit are dropped with their pods). `alibaba-openb` traces give
/// only creations, each with its lifetime; a pod deleted at the trace's final time (its largest
/// deletion time) or never lives to the end of the run, and a pod not deleted after it was
/// created is skipped and counted in [`TraceSource::skipped`].
pub struct TraceSource {
    rows: Rows,
    format: Format,
    window: Window,
    keys: Keys,
    label: String,
}

enum Format {
    Enisim(enisim::Enisim),
    Openb(openb::Openb),
}

impl TraceSource {
    /// Opens the trace and checks its header and settings. An `alibaba-openb` trace is read
    /// once here to find its final time.
    pub fn open(config: &TraceConfig) -> Result<Self, InputError> {
        let window = Window::new(config)?;
        let (layout, format) = match config.format {
            TraceFormat::Enisim => (
                enisim::LAYOUT,
                Format::Enisim(enisim::Enisim::new(config.static_ip, config.static_ip_mode)),
            ),
            TraceFormat::AlibabaOpenb => (
                openb::LAYOUT,
                Format::Openb(openb::Openb::new(
                    &config.path,
                    &config.label,
                    config.static_ip,
                )?),
            ),
        };
        Ok(TraceSource {
            rows: Rows::open(&config.path, &config.label, layout)?,
            format,
            window,
            keys: Keys::default(),
            label: config.label.clone(),
        })
    }

    /// Pods of the window dropped so far because the trace does not delete them after it
    /// creates them (`alibaba-openb` only; always 0 for `enisim`).
    pub fn skipped(&self) -> u64 {
        match &self.format {
            Format::Enisim(_) => 0,
            Format::Openb(openb) => openb.skipped(),
        }
    }

    /// Reads the whole trace as a run would and sums it up, so `enisim validate` and the
    /// scenario loader can reject a bad trace before any run starts.
    pub fn validate(config: &TraceConfig) -> Result<TraceStats, InputError> {
        let mut source = TraceSource::open(config)?;
        let mut stats = stats::Sweep::default();
        while let Some(event) = source.next_event()? {
            stats.push(&event);
        }
        Ok(stats.finish(source.skipped()))
    }
}

impl PodSource for TraceSource {
    fn next_event(&mut self) -> Result<Option<PodEvent>, InputError> {
        while let Some(row) = self.rows.next_row()? {
            let (window, keys, label) = (&mut self.window, &mut self.keys, &self.label);
            let event = match &mut self.format {
                Format::Enisim(state) => state.event(&row, window, keys, label)?,
                Format::Openb(state) => state.event(&row, window, keys, label)?,
            };
            if event.is_some() {
                return Ok(event);
            }
        }
        Ok(None)
    }
}
