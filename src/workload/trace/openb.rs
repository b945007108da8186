//! The `alibaba-openb` trace format: the pod list of Alibaba's cluster-trace-gpu-v2023,
//! one row per pod with its creation and deletion times.

use super::rows::{Layout, Row, Rows};
use super::window::Window;
use crate::error::InputError;
use crate::workload::keys::Keys;
use crate::workload::PodEvent;
use std::path::Path;

/// The header of the pod list (`openb_pod_list_*.csv`).
pub(super) const LAYOUT: Layout = Layout {
    header: &[
        "name",
        "cpu_milli",
        "memory_mib",
        "num_gpu",
        "gpu_milli",
        "gpu_spec",
        "qos",
        "pod_phase",
        "creation_time",
        "deletion_time",
        "scheduled_time",
    ],
    time_column: CREATION,
};
const NAME: usize = 0;
const CREATION: usize = 8;
const DELETION: usize = 9;

/// Replay state: when the trace ends, and the pods dropped so far.
pub(super) struct Openb {
    /// The largest deletion time of the file: pods "deleted" then were still running when
    /// the trace was cut, so they live to the end of the run.
    final_time: Option<u64>,
    default_static_ip: bool,
    skipped: u64,
}

impl Openb {
    /// Reads the file once to find its final time.
    pub(super) fn new(
        path: &Path,
        label: &str,
        default_static_ip: bool,
    ) -> Result<Self, InputError> {
        let mut rows = Rows::open(path, label, LAYOUT)?;
        let mut final_time = None;
        while let Some(row) = rows.next_row()? {
            if let Some(deletion) = deletion(&row)? {
                final_time = final_time.max(Some(deletion));
            }
        }
        Ok(Openb {
            final_time,
            default_static_ip,
            skipped: 0,
        })
    }

    /// Pods in the window dropped because they are not deleted after they are created.
    pub(super) fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The event of one row, if it is in the replay.
    pub(super) fn event(
        &mut self,
        row: &Row,
        window: &mut Window,
        keys: &mut Keys,
        label: &str,
    ) -> Result<Option<PodEvent>, InputError> {
        let created = row.time;
        let deleted = deletion(row)?;
        if !window.contains(created) {
            return Ok(None);
        }
        if deleted.is_some_and(|d| d <= created) {
            self.skipped += 1;
            return Ok(None);
        }
        if !window.admit() {
            return Ok(None);
        }
        let name = row.pod_name(NAME)?;
        let at = window.sim_time(created);
        let lifetime = deleted
            .filter(|&d| Some(d) != self.final_time)
            .map(|d| window.sim_time(d).since(at));
        Ok(Some(PodEvent::Create {
            at,
            key: keys.next(label)?,
            name: Some(name.to_string()),
            lifetime,
            static_ip: self.default_static_ip,
        }))
    }
}

/// The row's deletion time in trace ms; `None` when empty (the pod was never deleted).
fn deletion(row: &Row) -> Result<Option<u64>, InputError> {
    if row.field(DELETION).is_empty() {
        Ok(None)
    } else {
        row.seconds(DELETION).map(Some)
    }
}
