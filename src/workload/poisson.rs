//! Random arrivals: a Poisson process, steady or modulated by a daily cycle.

use super::keys::Keys;
use super::lifetime::{LifetimeModel, LifetimeSampler};
use super::{PodEvent, PodSource};
use crate::engine::SimTime;
use crate::error::InputError;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};
use std::f64::consts::TAU;

/// A daily (or any periodic) swing of the arrival rate, so a run sees peaks and troughs:
/// `rate(t) = base * (1 + amplitude * cos(2π (t − peak) / period))`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diurnal {
    /// Depth of the swing, 0 (none) to 1 (no arrivals at the trough).
    pub amplitude: f64,
    /// Length of one cycle, e.g. 24h.
    pub period: SimTime,
    /// An instant at which the rate is highest.
    pub peak: SimTime,
}

/// `kind = "poisson"`: independent arrivals, e.g. CI jobs or short-lived batch pods.
#[derive(Clone, Debug, PartialEq)]
pub struct PoissonConfig {
    /// Mean arrivals per minute (the cycle's average when `diurnal` is set).
    pub arrivals_per_minute: f64,
    /// How long each pod lives.
    pub lifetime: LifetimeModel,
    /// Optional periodic modulation of the rate.
    pub diurnal: Option<Diurnal>,
    /// No arrivals before this instant.
    pub start: SimTime,
    /// No arrivals at or after this instant (default: the end of the run).
    pub end: Option<SimTime>,
    /// Whether the pods keep their IP.
    pub static_ip: bool,
}

/// Generates [`PoissonConfig`] arrivals in [start, min(end, run end)).
///
/// With `diurnal`, arrivals come from thinning: candidates at the peak rate, each kept with
/// probability rate(t) / peak rate. Arrival instants are truncated to the millisecond.
/// A rate that is not a positive number gives no arrivals.
pub struct PoissonSource {
    config: PoissonConfig,
    lifetime: LifetimeSampler,
    /// Candidate gaps at the peak rate; `None` when there are no arrivals at all.
    gaps: Option<Exp<f64>>,
    /// The last candidate instant, in fractional milliseconds so gaps do not accumulate
    /// rounding.
    clock: f64,
    stop: SimTime,
    rng: ChaCha8Rng,
    keys: Keys,
}

impl PoissonSource {
    /// A source drawing from `rng` (the workload's own stream) that stops at `run_end`.
    pub fn new(config: PoissonConfig, rng: ChaCha8Rng, run_end: SimTime) -> Self {
        let base = config.arrivals_per_minute / 60_000.0;
        let swing = config.diurnal.map_or(0.0, |d| d.amplitude.clamp(0.0, 1.0));
        let peak_rate_per_ms = base * (1.0 + swing);
        let gaps = if peak_rate_per_ms > 0.0 && peak_rate_per_ms.is_finite() {
            Exp::new(peak_rate_per_ms).ok()
        } else {
            None
        };
        PoissonSource {
            lifetime: config.lifetime.sampler(),
            gaps,
            clock: config.start.as_millis() as f64,
            stop: config.end.map_or(run_end, |end| end.min(run_end)),
            rng,
            keys: Keys::default(),
            config,
        }
    }

    /// The rate at `t` (fractional ms) relative to the peak rate, in [0, 1].
    fn acceptance(&self, t: f64) -> f64 {
        match self.config.diurnal {
            Some(d) if d.period.as_millis() > 0 => {
                let amplitude = d.amplitude.clamp(0.0, 1.0);
                let phase = TAU * (t - d.peak.as_millis() as f64) / d.period.as_millis() as f64;
                (1.0 + amplitude * phase.cos()) / (1.0 + amplitude)
            }
            _ => 1.0,
        }
    }
}

impl PodSource for PoissonSource {
    fn next_event(&mut self) -> Result<Option<PodEvent>, InputError> {
        let Some(gaps) = self.gaps else {
            return Ok(None);
        };
        loop {
            self.clock += gaps.sample(&mut self.rng);
            if self.clock >= self.stop.as_millis() as f64 {
                self.gaps = None;
                return Ok(None);
            }
            let acceptance = self.acceptance(self.clock);
            if acceptance >= 1.0 || self.rng.random::<f64>() < acceptance {
                break;
            }
        }
        let key = self.keys.next("poisson workload")?;
        Ok(Some(PodEvent::Create {
            at: SimTime(self.clock as u64),
            key,
            name: None,
            lifetime: Some(self.lifetime.sample(&mut self.rng)),
            static_ip: self.config.static_ip,
        }))
    }
}
