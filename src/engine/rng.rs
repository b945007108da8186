//! Seeded random streams. Every subsystem draws from its own ChaCha stream derived from the
//! master seed, so adding a draw in one part never shifts the numbers another part sees.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The subsystems that draw random numbers. The discriminant is the ChaCha stream number, so
/// it must never change for an existing variant (that would change every run's output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Latencies of fake VPC API calls.
    VpcLatency = 1,
    /// Fault injection in the fake VPC.
    VpcFaults = 2,
    /// Choices made by the allocation policy (which idle ENI a pod gets).
    Policy = 3,
    /// Fault rates, latencies and outages a swarm run draws for its seed.
    Swarm = 4,
    /// Retry jitter.
    Retry = 5,
    /// The ENI controller's request round trips (queue model).
    Controller = 6,
    /// The policy families a generated swarm case runs (drawn apart from the rest of it).
    SwarmFamilies = 7,
    /// Workload generators; workload `i` uses stream `Workloads + i`.
    Workloads = 1000,
    /// Policies of node groups with a policy table of their own; group `i` uses stream
    /// `GroupPolicies + i` (the cluster's policy uses `Policy`).
    GroupPolicies = 1_000_000,
}

/// Derives per-subsystem random number generators from one master seed.
#[derive(Clone, Copy, Debug)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    /// Streams for a run with this master seed.
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The generator for one subsystem.
    pub fn stream(&self, stream: Stream) -> ChaCha8Rng {
        self.numbered(stream as u64)
    }

    /// The generator for the `index`-th member of a family of streams (e.g. one per workload).
    pub fn indexed(&self, family: Stream, index: usize) -> ChaCha8Rng {
        self.numbered(family as u64 + index as u64)
    }

    fn numbered(&self, number: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(number);
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let s = RngStreams::new(7);
        let a1: u64 = s.stream(Stream::VpcLatency).random();
        let a2: u64 = s.stream(Stream::VpcLatency).random();
        let b: u64 = s.stream(Stream::Policy).random();
        let other_seed: u64 = RngStreams::new(8).stream(Stream::VpcLatency).random();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, other_seed);
    }
}
