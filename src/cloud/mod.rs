//! The fake cloud: instance types, subnets, ENIs and the asynchronous VPC API.

pub mod eni;
pub mod instance;
pub mod subnet;
pub mod vpc;
