//! The command line only: parse, call the library, print, exit code.

use clap::{Parser, Subcommand};
use enisim::cloud::instance;
use enisim::error::InputError;
use enisim::output;
use enisim::report::human;
use enisim::scenario;
use enisim::sim::RunOptions;
use std::path::{Path, PathBuf};
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
        /// Check every invariant after every event, and that nothing leaked once in-flight
        /// work settled after the end.
        #[arg(long)]
        check: bool,
    },
    /// Run a scenario under many seeds, each drawing its own faults, latencies and outages,
    /// with every invariant checked; print the seeds that fail and how to reproduce them.
    Swarm {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Run seeds 1 to N.
        #[arg(long, default_value_t = 100)]
        seeds: u64,
        /// Run this one seed only, and print its summary.
        #[arg(long, conflicts_with = "seeds")]
        seed: Option<u64>,
        /// Threads [default: the machine's cores].
        #[arg(long)]
        jobs: Option<usize>,
        /// Override a scalar key, as for `run`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
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
            check,
        } => {
            if let Some(seed) = seed {
                overrides.push(format!("seed={seed}"));
            }
            let print = Print { json, quiet };
            run(&scenario, out, &overrides, print, RunOptions { check })
        }
        Command::Swarm {
            scenario,
            seeds,
            seed,
            jobs,
            overrides,
        } => swarm(&scenario, seeds, seed, jobs, &overrides),
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
                for w in &sc.warnings {
                    println!("warning: {w}");
                }
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

/// What `run` prints.
struct Print {
    json: bool,
    quiet: bool,
}

fn run(
    path: &Path,
    out: Option<PathBuf>,
    overrides: &[String],
    print: Print,
    options: RunOptions,
) -> ExitCode {
    let sc = match scenario::load(path, overrides) {
        Ok(sc) => sc,
        Err(e) => return bad_input(&e),
    };
    let out = out.unwrap_or_else(|| PathBuf::from("outputs").join(&sc.name));
    let started = Instant::now();
    let summary = match output::run_to_dir(sc, &out, options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let wall = started.elapsed();
    if print.json {
        print!("{}", summary.to_json());
    } else if !print.quiet {
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

fn swarm(
    path: &Path,
    count: u64,
    one: Option<u64>,
    jobs: Option<usize>,
    overrides: &[String],
) -> ExitCode {
    let base = match scenario::load(path, overrides) {
        Ok(sc) => sc,
        Err(e) => return bad_input(&e),
    };
    let seeds: Vec<u64> = match one {
        Some(s) => vec![s],
        None => (1..=count).collect(),
    };
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = Instant::now();
    let runs = match enisim::swarm::run_seeds(&base, &seeds, jobs) {
        Ok(runs) => runs,
        Err(e) => return bad_input(&e),
    };
    let mut failed = 0;
    for r in &runs {
        if one.is_some() {
            print!(
                "{}",
                human::render(&r.summary, started.elapsed(), "(not written)")
            );
        }
        if !r.passed() {
            failed += 1;
            let first = r
                .summary
                .invariants
                .details
                .first()
                .map_or("", String::as_str);
            println!("seed {} FAILED: {first}", r.seed);
            println!(
                "  reproduce: enisim swarm {} --seed {}",
                path.display(),
                r.seed
            );
        }
    }
    let errors: u64 = runs
        .iter()
        .flat_map(|r| r.summary.api.errors.values())
        .sum();
    let orphans: u64 = runs.iter().map(|r| r.summary.invariants.orphans).sum();
    println!(
        "swarm {}: {} seeds, {} failed; faults fired: {} API errors, {} lost creates found and deleted ({:.1} s wall)",
        path.display(),
        runs.len(),
        failed,
        errors,
        orphans,
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        ExitCode::from(BROKEN_INVARIANT)
    } else {
        ExitCode::SUCCESS
    }
}

fn bad_input(e: &InputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(BAD_INPUT)
}
