//! What the report says about how a run was set up, taken from the scenario before the run
//! consumes it: the settings its captions and notes name.

use crate::engine::SimTime;
use crate::policy::family::{Family, PolicySpec};
use crate::policy::pool::ReleaseMode;
use crate::scenario::model::{PolicyMode, Scenario};

/// The settings a run's report refers to.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// Pool or static IP mode.
    pub mode: PolicyMode,
    /// Slow or quick release.
    pub release: ReleaseMode,
    /// Release pacing.
    pub release_interval: SimTime,
    /// A pod waiting longer than this for its ENI counts as an ENI timeout.
    pub eni_timeout: SimTime,
    /// The timeseries' resolution.
    pub sample_interval: SimTime,
    /// The run's length.
    pub duration: SimTime,
    /// True if every node's policy family builds its band from min_warm and max_warm, so the
    /// report may name them.
    pub warm_band: bool,
    /// min_warm and max_warm when every node group starts with the same and builds its band
    /// from them, else `None`.
    pub warm: Option<(u32, u32)>,
}

impl RunContext {
    /// The settings of `sc` that the report names.
    pub fn of(sc: &Scenario) -> Self {
        let p = &sc.policy;
        // Each group's span, if its family builds its band from min_warm and max_warm.
        let span = |spec: &PolicySpec, warm: (u32, u32)| {
            Family::named(spec.mode)
                .is_some_and(Family::reads_warm)
                .then_some(warm)
        };
        let mut spans: Vec<Option<(u32, u32)>> = sc
            .node_groups
            .iter()
            .map(|g| {
                span(
                    g.policy.as_ref().map_or(&p.spec, |own| &own.spec),
                    g.warm(p),
                )
            })
            .collect();
        if spans.is_empty() {
            spans.push(span(&p.spec, (p.min_warm, p.max_warm)));
        }
        RunContext {
            mode: p.mode,
            release: p.release,
            release_interval: p.release_interval,
            eni_timeout: p.eni_timeout,
            sample_interval: sc.sample_interval,
            duration: sc.duration,
            warm_band: spans.iter().all(Option::is_some),
            warm: spans[0].filter(|_| spans.iter().all(|w| *w == spans[0])),
        }
    }
}
