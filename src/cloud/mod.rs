//! The fake cloud: instance types, subnets, ENIs and the VPC API.

pub mod instance;
