//! Model-agnostic simulation machinery: integer virtual time, the event queue, the seeded
//! random streams, and where the big tables lie in memory. Nothing here knows about ENIs,
//! nodes or pods.

pub mod dist;
pub mod huge_pages;
pub mod prefetch;
pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use rng::{RngStreams, Stream};
pub use time::{SimTime, Stamp};
