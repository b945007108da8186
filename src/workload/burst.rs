//! Many pods at once: batch jobs and scale-up storms.

use super::keys::Keys;
use super::lifetime::{LifetimeModel, LifetimeSampler};
use super::{PodEvent, PodSource};
use crate::engine::SimTime;
use crate::error::InputError;
use rand_chacha::ChaCha8Rng;

/// `count` pods created at the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Burst {
    /// When the pods are created.
    pub at: SimTime,
    /// How many.
    pub count: u32,
}

/// `kind = "burst"`: pods that arrive together, to see how fast the pools absorb a storm.
#[derive(Clone, Debug, PartialEq)]
pub struct BurstConfig {
    /// The bursts, in any order.
    pub bursts: Vec<Burst>,
    /// How long each pod lives.
    pub lifetime: LifetimeModel,
    /// Whether the pods keep their IP.
    pub static_ip: bool,
}

/// Emits each burst's pods at its instant, bursts in time order, each pod with its own
/// lifetime draw.
pub struct BurstSource {
    /// Bursts sorted by time, reversed so the next one is popped from the end.
    remaining: Vec<Burst>,
    lifetime: LifetimeSampler,
    static_ip: bool,
    rng: ChaCha8Rng,
    keys: Keys,
}

impl BurstSource {
    /// A source drawing lifetimes from `rng` (the workload's own stream).
    pub fn new(config: BurstConfig, rng: ChaCha8Rng) -> Self {
        let mut remaining = config.bursts;
        remaining.sort_by_key(|b| b.at);
        remaining.reverse();
        BurstSource {
            remaining,
            lifetime: config.lifetime.sampler(),
            static_ip: config.static_ip,
            rng,
            keys: Keys::default(),
        }
    }
}

impl PodSource for BurstSource {
    fn next_event(&mut self) -> Result<Option<PodEvent>, InputError> {
        while self.remaining.last().is_some_and(|b| b.count == 0) {
            self.remaining.pop();
        }
        let Some(burst) = self.remaining.last_mut() else {
            return Ok(None);
        };
        burst.count -= 1;
        let at = burst.at;
        let key = self.keys.next("burst workload")?;
        Ok(Some(PodEvent::Create {
            at,
            key,
            name: None,
            lifetime: Some(self.lifetime.sample(&mut self.rng)),
            static_ip: self.static_ip,
        }))
    }
}
