//! `enisim swarm`: many checked runs of one scenario, each seed drawing its own faults.

use super::{bad_input, jobs, progress, FAILED};
use crate::stdout;
use enisim::report::human;
use enisim::scenario;
use enisim::swarm::SeedRun;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// `swarm`'s arguments.
#[derive(clap::Args)]
pub struct Args {
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
}

/// Runs the seeds and reports the failing ones; exit 1 if any failed.
pub fn exec(args: Args) -> ExitCode {
    let base = match scenario::load(&args.scenario, &args.overrides) {
        Ok(sc) => sc,
        Err(e) => return bad_input(&e),
    };
    let seeds: Vec<u64> = match args.seed {
        Some(s) => vec![s],
        None => (1..=args.seeds).collect(),
    };
    let started = Instant::now();
    let bar = progress(seeds.len() as u64, "seeds", args.seed.is_some());
    let failures = AtomicU64::new(0);
    let on_seed = |run: &SeedRun| {
        if !run.passed() {
            let n = failures.fetch_add(1, Ordering::Relaxed) + 1;
            bar.set_message(format!("{n} failed"));
        }
        bar.inc(1);
    };
    let runs = match enisim::swarm::run_seeds(&base, &seeds, jobs(args.jobs), &on_seed) {
        Ok(runs) => runs,
        Err(e) => return bad_input(&e),
    };
    bar.finish_and_clear();
    let path = args.scenario.display();
    let mut o = String::new();
    let mut failed = 0;
    for r in &runs {
        if args.seed.is_some() {
            o.push_str(&human::render(
                &r.summary,
                started.elapsed(),
                "(not written)",
            ));
        }
        if !r.passed() {
            failed += 1;
            let first = r
                .summary
                .invariants
                .details
                .first()
                .map_or("", String::as_str);
            let _ = writeln!(o, "seed {} FAILED: {first}", r.seed);
            let _ = writeln!(o, "  reproduce: enisim swarm {path} --seed {}", r.seed);
        }
    }
    let errors: u64 = runs
        .iter()
        .flat_map(|r| r.summary.api.errors.values())
        .sum();
    let orphans: u64 = runs.iter().map(|r| r.summary.invariants.orphans).sum();
    let _ = writeln!(
        o,
        "swarm {path}: {} seeds, {failed} failed; faults fired: {errors} API errors, {orphans} lost creates found and deleted ({:.1} s wall)",
        runs.len(),
        started.elapsed().as_secs_f64()
    );
    stdout::print(&o);
    if failed > 0 {
        ExitCode::from(FAILED)
    } else {
        ExitCode::SUCCESS
    }
}
