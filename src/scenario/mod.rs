//! Scenario files: the TOML schema, defaults, validation and `--set` overrides.
//!
//! [`load`] is the entry point; [`model`] is what it produces and the simulator consumes.
//!
//! Defaults for keys a file leaves out: `name` = file stem, `seed` = 1, `sample_interval` =
//! "10s" (`duration` is required); `[policy]` mode "pool", min_warm 1, max_warm 1, release
//! "slow", release_interval "2m", release_check "periodic", eni_timeout "2m"; `[policy.retry]`
//! base "1s", cap "1m", multiplier 2; `[vpc.latency]` create "300ms", attach "2s", detach
//! "1s", delete "300ms", describe_task "100ms"; `[vpc.rate_limit]` create, attach, delete
//! 100, detach 50, describe_task 20 (requests per second); `[vpc.faults]` every probability
//! 0, code "InternalError"; no outages; no `vpc.eni_quota`; `vpc.task_poll_interval` "1s"; an
//! outage's `apis` all of them and its `code` "InternalError"; subnet `reserved_ips` 3;
//! deployment `start` "0s", no `scale` steps (`replicas` and node group `count` are required).
//!

mod api_values;
mod load;
pub mod model;
mod overrides;
mod path;
mod raw;
mod validate;
mod validate_vpc;
mod values;

pub use load::{load, load_str, load_variant, LoadError};
