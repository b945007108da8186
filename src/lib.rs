//! enisim: a deterministic discrete-event simulator of Tencent Kubernetes Engine's VPC-CNI
//! "Pod with exclusive ENI" allocation.
//!
//! Data flows one way: scenario -> world -> event loop -> recorder -> reports.
//!
//! - [`engine`]: model-agnostic machinery (integer virtual time, event queue, seeded streams).
//! - [`scenario`]: the TOML schema, defaults, validation and `--set` overrides.
//! - [`cloud`]: the fake VPC: instance types, subnets, ENIs and the asynchronous API.

pub mod cloud;
pub mod engine;
pub mod error;
pub mod scenario;
