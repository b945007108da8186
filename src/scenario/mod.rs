//! Scenario files: the TOML schema, defaults, validation and `--set` overrides.
//!
//! [`load`] is the entry point; [`model`] is what it produces and the simulator consumes.
//!
//! Defaults for keys a file leaves out: `name` = file stem, `seed` = 1, `sample_interval` =
//! "10s" (`duration` is required); `[policy]` mode "pool", min_warm 1, max_warm 1, release
//! "slow", release_interval "2m", eni_timeout "2m"; `[vpc.latency]` create "300ms", attach
//! "2s", detach "1s", delete "300ms"; subnet `reserved_ips` 3; deployment `start` "0s", no
//! `scale` steps (`replicas` and node group `count` are required).
//!
//! Keys that SPEC describes but this version does not implement yet (`vpc.rate_limit`,
//! `vpc.faults`, `vpc.outages`, `vpc.eni_quota`, poisson and trace keys) are rejected as unknown rather than ignored.

mod load;
pub mod model;
mod overrides;
mod path;
mod raw;
mod validate;
mod values;

pub use load::{load, load_str};
