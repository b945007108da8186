//! The command line only: parse, call the library, print, exit code.

use clap::{Parser, Subcommand};
use enisim::cloud::instance;
use enisim::error::InputError;
use enisim::output;
use enisim::report::human;
use enisim::scenario;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

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
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output directory [default: outputs/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, overriding the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scalar key, TOML dotted-key syntax: --set policy.max_warm=3.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Print summary.json on stdout instead of the readable summary.
        #[arg(long)]
        json: bool,
        /// Print nothing on success.
        #[arg(long)]
        quiet: bool,
    },
    /// Check a scenario file without running it.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Override a scalar key, as for `run`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
    },
    /// List the built-in instance types and their exclusive-ENI pod limits.
    InstanceTypes,
}

/// Exit code for bad input (scenario, flags, files).
const BAD_INPUT: u8 = 2;
/// Exit code for a run that broke an invariant.
const BROKEN_INVARIANT: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            mut overrides,
            json,
            quiet,
        } => {
            if let Some(seed) = seed {
                overrides.push(format!("seed={seed}"));
            }
            run(&scenario, out, &overrides, json, quiet)
        }
        Command::Validate {
            scenario,
            overrides,
        } => match scenario::load(&scenario, &overrides) {
            Ok(sc) => {
                println!(
                    "{}: ok ({} node groups, {} subnets, {} workloads, {} events, {} s of virtual time)",
                    scenario.display(),
                    sc.node_groups.len(),
                    sc.subnets.len(),
                    sc.workloads.len(),
                    sc.events.len(),
                    sc.duration
                );
                ExitCode::SUCCESS
            }
            Err(e) => bad_input(&e),
        },
        Command::InstanceTypes => {
            println!(
                "{:<8} {:<10} {:>6} {:>9}",
                "family", "size", "cores", "eni_pods"
            );
            for (family, size, cores, pods) in instance::builtin_table() {
                println!("{family:<8} {size:<10} {cores:>6} {pods:>9}");
            }
            println!("\nName a type FAMILY.SIZE[MEMORY_GB], e.g. S5.2XLARGE16; eni_pods is the number of pods with an exclusive ENI (bindable ENIs - 1).");
            ExitCode::SUCCESS
        }
    }
}

fn run(
    path: &std::path::Path,
    out: Option<PathBuf>,
    overrides: &[String],
    json: bool,
    quiet: bool,
) -> ExitCode {
    let sc = match scenario::load(path, overrides) {
        Ok(sc) => sc,
        Err(e) => return bad_input(&e),
    };
    let out = out.unwrap_or_else(|| PathBuf::from("outputs").join(&sc.name));
    let started = Instant::now();
    let summary = match output::run_to_dir(sc, &out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let wall = started.elapsed();
    if json {
        print!("{}", summary.to_json());
    } else if !quiet {
        print!(
            "{}",
            human::render(&summary, wall, &out.display().to_string())
        );
    }
    if summary.invariants.violations > 0 {
        eprintln!(
            "error: the run broke {} invariant(s); see summary.json invariants.details",
            summary.invariants.violations
        );
        return ExitCode::from(BROKEN_INVARIANT);
    }
    ExitCode::SUCCESS
}

fn bad_input(e: &InputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(BAD_INPUT)
}
