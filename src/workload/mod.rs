//! Workload sources: time-ordered streams of pod creations and deletions that the simulator
//! pulls lazily, one event at a time, so a month-long trace or a high-rate generator never has
//! to sit in memory.
//!
//! - [`PoissonSource`]: random arrivals at a steady or diurnal rate, with random lifetimes.
//! - [`BurstSource`]: many pods at given instants (batch jobs, scale-up storms).
//! - [`TraceSource`]: a replay of a CSV trace (`enisim` format or the Alibaba GPU trace).
//!
//! Sources know nothing about nodes, ENIs or the event queue; they only say when pods come and
//! go. Each owns its random stream, so adding a workload never shifts another one's numbers.

mod burst;
mod keys;
mod lifetime;
mod poisson;
mod trace;

pub use burst::{Burst, BurstConfig, BurstSource};
pub use lifetime::{LifetimeModel, LifetimeSampler};
pub use poisson::{Diurnal, PoissonConfig, PoissonSource};
pub use trace::{TraceConfig, TraceFormat, TraceSource, TraceStats};

use crate::engine::SimTime;
use crate::error::InputError;

/// One thing a workload source asks of the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodEvent {
    /// Create a pod.
    Create {
        /// When the pod is created.
        at: SimTime,
        /// Dense per source (0, 1, 2, ... in creation order), so the simulator can map it to
        /// its own pod ids with a `Vec`.
        key: u32,
        /// `None` for generated pods (the simulator names them `<workload>-<serial>`); the
        /// trace's pod name for trace pods.
        name: Option<String>,
        /// How long the pod lives; `None` = until a later [`PodEvent::Delete`] for its key, or
        /// to the end of the run.
        lifetime: Option<SimTime>,
        /// Whether the pod keeps its ENI (and so its IP) across restarts.
        static_ip: bool,
    },
    /// Delete the pod created with `key` (trace `delete` rows).
    Delete {
        /// When the pod is deleted.
        at: SimTime,
        /// The key of its [`PodEvent::Create`].
        key: u32,
    },
}

impl PodEvent {
    /// When the event happens, whatever its kind: what the simulator orders by.
    pub fn at(&self) -> SimTime {
        match self {
            PodEvent::Create { at, .. } | PodEvent::Delete { at, .. } => *at,
        }
    }
}

/// A lazily pulled, time-ordered (non-decreasing [`PodEvent::at`]) stream of pod events.
///
/// `Ok(None)` means the source is exhausted for good. An error is bad input (a trace row that
/// makes no sense) and ends the run with exit code 2.
pub trait PodSource {
    /// The next event, or `None` once there are no more.
    fn next_event(&mut self) -> Result<Option<PodEvent>, InputError>;
}
