//! enisim: a deterministic discrete-event simulator of Tencent Kubernetes Engine's VPC-CNI
//! "Pod with exclusive ENI" allocation.
//!
//! Data flows one way: scenario -> world -> event loop -> row sink and metrics -> reports.
//!
//! - [`engine`]: model-agnostic machinery (integer virtual time, event queue, seeded streams).
//! - [`scenario`]: the TOML schema, defaults, validation and `--set` overrides.
//! - [`cloud`]: the fake VPC: instance types, subnets, ENIs and the asynchronous API.
//! - [`cluster`]: nodes, pods, the scheduler and the workload controllers.
//! - [`policy`]: THE allocation policy: pure decisions behind a trait, one file per family
//!   (TKE's pool and static modes, Terway-style reclaim, on-demand, adaptive), listed in
//!   [`policy::FAMILIES`].
//! - [`controller`]: the cluster's ENI controller (TKE's tke-eni-ipamd): its work queue, rate
//!   limiters and settings; the simulator runs it.
//! - [`sim`]: the world and the event loop that drives it.
//! - [`report`]: metrics, summary.json, the CSV files, charts, report.html and the human
//!   summary.
//! - [`workload`]: pod arrival sources (Poisson, bursts, trace replay) the simulator pulls from.
//! - [`output`]: result folders for every command that writes one: owned, staged, swapped in
//!   whole, with a manifest, so no user file is lost and no partial result looks complete.
//! - [`parallel`]: the thread pools that many-run commands share.
//! - [`swarm`]: many checked runs, each seed drawing its own faults, latencies and outages.
//! - [`compare`]: two results compared metric by metric under a budget, over seeds when
//!   both sides ran several; the baselines a repository keeps.
//! - [`error`]: bad input, located in its file (exit code 2).

pub mod cloud;
pub mod cluster;
pub mod compare;
pub mod controller;
pub mod engine;
pub mod error;
pub mod import;
pub mod output;
pub mod parallel;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod swarm;
pub mod sweep;
pub mod workload;
