//! Scenario files: the TOML schema, defaults, validation and `--set` overrides.
//!
//! [`load`] is the entry point; [`model`] is what it produces and the simulator consumes.

mod load;
pub mod model;
mod overrides;
mod path;
mod raw;
mod validate;
mod values;

pub use load::{load, load_str};
