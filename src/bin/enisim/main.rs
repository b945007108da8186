//! The command line: parse, hand the command to its module, exit with its code.

mod commands;
mod stdout;

use clap::{Parser, Subcommand};
use commands::{baseline, compare, import, init, instance_types, run, swarm, sweep, validate};
use std::process::ExitCode;

/// Big tables on huge pages: a 50,000-node run waits far less on address translation.
#[global_allocator]
static ALLOCATOR: enisim::engine::huge_pages::HugePageAlloc =
    enisim::engine::huge_pages::HugePageAlloc;

/// Deterministic discrete-event simulator of TKE VPC-CNI "Pod with exclusive ENI" allocation.
#[derive(Parser)]
#[command(name = "enisim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its outputs.
    Run(run::Args),
    /// Run a scenario under many seeds, each drawing its own faults, latencies and outages,
    /// with every invariant checked; print the seeds that fail and how to reproduce them.
    Swarm(swarm::Args),
    /// Run a scenario over a grid of settings and seeds, in parallel, and recommend the
    /// cheapest setting that meets the targets.
    Sweep(sweep::Args),
    /// Compare two results (run folders, summary.json files, sweep folders), or two settings
    /// run here over N seeds, metric by metric under a budget; exit 1 on a regression.
    Compare(compare::Args),
    /// Check every scenario against the summaries kept in baselines/, or rewrite them.
    Baseline(baseline::Args),
    /// Check a scenario file without running it.
    Validate(validate::Args),
    /// List the built-in instance types and their exclusive-ENI pod limits.
    InstanceTypes,
    /// Read a real cluster's data: pod history from audit logs, nodes from kubectl.
    #[command(subcommand)]
    Import(import::Args),
    /// Write a ready scenario folder from a node list and audit logs.
    Init(init::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run(args) => run::exec(args),
        Command::Swarm(args) => swarm::exec(args),
        Command::Sweep(args) => sweep::exec(args),
        Command::Compare(args) => compare::exec(args),
        Command::Baseline(args) => baseline::exec(args),
        Command::Validate(args) => validate::exec(args),
        Command::InstanceTypes => instance_types::exec(),
        Command::Import(args) => import::exec(args),
        Command::Init(args) => init::exec(args),
    }
}
