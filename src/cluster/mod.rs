//! The Kubernetes side: nodes, pods, the scheduler and the workload controllers.

pub mod controller;
pub mod names;
pub mod node;
pub mod pod;
pub mod scheduler;
