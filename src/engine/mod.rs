//! Model-agnostic simulation machinery: integer virtual time, the event queue and the seeded
//! random streams. Nothing here knows about ENIs, nodes or pods.

pub mod dist;
pub mod prefetch;
pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use rng::{RngStreams, Stream};
pub use time::{SimTime, Stamp};
