//! Importing a real cluster's data: pod history from kube-apiserver audit logs (as an
//! `enisim` trace), nodes from `kubectl get nodes -o json` (as node groups), and both as a
//! ready scenario.

pub mod audit;
pub mod event;
pub mod nodes;
pub mod owner;
mod scan;
pub mod scenario;
pub mod source;
pub mod time;
