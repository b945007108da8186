//! The fake cloud: instance types, subnets, ENIs and the asynchronous VPC API with its
//! latencies, rate limits, faults and quotas.

pub mod api;
pub mod eni;
pub mod faults;
pub mod instance;
pub mod latency;
pub mod quota;
pub mod ratelimit;
pub mod retry;
pub mod subnet;
pub mod vpc;
