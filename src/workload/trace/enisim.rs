//! The `enisim` trace format: explicit create and delete rows.
//!
//! `time,action,pod,workload,static_ip`: time in seconds from the start (decimals allowed),
//! action `create` or `delete`, the pod's name, its workload (informational, may be empty) and
//! `true`/`false` for static IP (empty: the workload's default).

use super::rows::{Layout, Row};
use super::window::Window;
use crate::error::InputError;
use crate::workload::keys::Keys;
use crate::workload::PodEvent;
use std::collections::HashMap;

/// The header an `enisim` trace must start with.
pub(super) const LAYOUT: Layout = Layout {
    header: &["time", "action", "pod", "workload", "static_ip"],
    time_column: 0,
};
const ACTION: usize = 1;
const POD: usize = 2;
const STATIC_IP: usize = 4;

/// Replay state: the pods of the file that are alive now.
pub(super) struct Enisim {
    /// Alive pods by name: the key they were emitted with (`None` if outside the window or
    /// the limit) and the line that created them.
    alive: HashMap<String, (Option<u32>, u64)>,
    default_static_ip: bool,
    /// False outside static IP mode, where a row may not ask for a static IP.
    static_ip_mode: bool,
}

impl Enisim {
    /// A replay whose pods have static IP `default_static_ip` unless a row says otherwise;
    /// rows may say `true` only in static IP mode (`static_ip_mode`).
    pub(super) fn new(default_static_ip: bool, static_ip_mode: bool) -> Self {
        Enisim {
            alive: HashMap::new(),
            default_static_ip,
            static_ip_mode,
        }
    }

    /// The event of one row, if it is in the replay.
    pub(super) fn event(
        &mut self,
        row: &Row,
        window: &mut Window,
        keys: &mut Keys,
        label: &str,
    ) -> Result<Option<PodEvent>, InputError> {
        let static_ip = match row.field(STATIC_IP) {
            "" => self.default_static_ip,
            "true" if self.static_ip_mode => true,
            "true" => {
                return Err(row
                    .error(STATIC_IP, "a static IP needs static IP mode")
                    .with_hint(
                        "in pool mode no pod keeps its IP: leave the column empty or `false`, \
                         or set policy.mode = \"static\"",
                    ))
            }
            "false" => false,
            other => {
                return Err(row
                    .error(STATIC_IP, format!("invalid value \"{other}\""))
                    .with_hint("`true`, `false`, or empty for the workload's default"))
            }
        };
        if row.field(POD).is_empty() {
            return Err(row
                .error(POD, "the pod name is empty")
                .with_hint("every row names the pod it creates or deletes"));
        }
        let pod = row.pod_name(POD)?;
        match row.field(ACTION) {
            "create" => {
                if let Some((_, created)) = self.alive.get(pod) {
                    return Err(row
                        .error(POD, format!("pod \"{pod}\" is created while alive"))
                        .with_hint(format!(
                            "it was created on line {created}; delete it before creating it again"
                        )));
                }
                let key = if window.contains(row.time) && window.admit() {
                    Some(keys.next(label)?)
                } else {
                    None
                };
                self.alive.insert(pod.to_string(), (key, row.line));
                Ok(key.map(|key| PodEvent::Create {
                    at: window.sim_time(row.time),
                    key,
                    name: Some(pod.to_string()),
                    lifetime: None,
                    static_ip,
                }))
            }
            "delete" => match self.alive.remove(pod) {
                Some((key, _)) => Ok(key.map(|key| PodEvent::Delete {
                    at: window.sim_time(row.time),
                    key,
                })),
                None => Err(row
                    .error(POD, format!("delete of pod \"{pod}\", which is not alive"))
                    .with_hint("a pod is deleted only after a `create` row for it, once")),
            },
            other => Err(row
                .error(ACTION, format!("unknown action \"{other}\""))
                .with_hint("`create` or `delete`")),
        }
    }
}
