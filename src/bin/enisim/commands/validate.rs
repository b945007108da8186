//! `enisim validate`: load and check a scenario without running it.

use super::bad_input;
use crate::stdout;
use enisim::scenario;
use std::path::PathBuf;
use std::process::ExitCode;

/// `validate`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Override a scalar key, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
}

/// Loads the scenario and says what it holds, or what is wrong.
pub fn exec(args: Args) -> ExitCode {
    match scenario::load(&args.scenario, &args.overrides) {
        Ok(sc) => {
            stdout::print(&format!(
                "{}: ok ({}, {}, {}, {}, {} s of virtual time)\n",
                args.scenario.display(),
                count(sc.node_groups.len(), "node group"),
                count(sc.subnets.len(), "subnet"),
                count(sc.workloads.len(), "workload"),
                count(sc.events.len(), "event"),
                sc.duration
            ));
            for w in &sc.warnings {
                stdout::print(&format!("warning: {w}\n"));
            }
            ExitCode::SUCCESS
        }
        Err(e) => bad_input(&e),
    }
}

/// `n` and `noun`, plural unless `n` is 1.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
