//! `enisim swarm`: many checked runs, each seed drawing its own faults for one scenario, or
//! (`--generate`) a whole scenario of its own.

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
    /// The scenario file (TOML); not with --generate.
    #[arg(required_unless_present = "generate", conflicts_with = "generate")]
    scenario: Option<PathBuf>,
    /// Generate a whole scenario for each seed (node groups, subnets, workloads, events,
    /// policy, VPC) instead of perturbing one; each failing seed's scenario is written to
    /// --out, and shrunk.
    #[arg(long)]
    pub generate: bool,
    /// Run seeds 1 to N.
    #[arg(long, default_value_t = 100)]
    pub seeds: u64,
    /// Run this one seed only, and print its summary.
    #[arg(long, conflicts_with = "seeds")]
    pub seed: Option<u64>,
    /// Threads [default: the machine's cores].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Override a scalar key, as for `run` (with --generate: of every generated scenario).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// With --generate: where the failing seeds' scenarios go [default:
    /// outputs/swarm-generate].
    #[arg(long, conflicts_with = "scenario")]
    pub out: Option<PathBuf>,
    /// With --generate: write into an existing folder that is not an enisim result,
    /// replacing only the files enisim writes there.
    #[arg(long, conflicts_with = "scenario")]
    pub force: bool,
    /// With --generate: how many failing seeds to shrink (one of each kind of failure
    /// first); 0 shrinks none.
    #[arg(long, conflicts_with = "scenario", default_value_t = 5)]
    pub shrink: usize,
}

impl Args {
    /// The seeds to run: the one of --seed, or 1 to --seeds.
    pub fn seed_list(&self) -> Vec<u64> {
        match self.seed {
            Some(s) => vec![s],
            None => (1..=self.seeds).collect(),
        }
    }
}

/// Runs the seeds and reports the failing ones; exit 1 if any failed.
pub fn exec(args: Args) -> ExitCode {
    let Some(path) = args.scenario.clone().filter(|_| !args.generate) else {
        return super::swarm_generate::exec(args);
    };
    let base = match scenario::load(&path, &args.overrides) {
        Ok(sc) => sc,
        Err(e) => return bad_input(&e),
    };
    let seeds = args.seed_list();
    let started = Instant::now();
    let bar = SeedBar::new(seeds.len(), args.seed.is_some());
    let on_seed = |run: &SeedRun| bar.seed_done(run);
    let runs = match enisim::swarm::run_seeds(&base, &seeds, jobs(args.jobs), &on_seed) {
        Ok(runs) => runs,
        Err(e) => return bad_input(&e),
    };
    bar.bar.finish_and_clear();
    let path = path.display();
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
    let _ = writeln!(
        o,
        "swarm {path}: {} seeds, {failed} failed; {} ({:.1} s wall)",
        runs.len(),
        faults_fired(&runs),
        started.elapsed().as_secs_f64()
    );
    stdout::print(&o);
    if failed > 0 {
        ExitCode::from(FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// What the seeds' faults did: "faults fired: N API errors, M lost creates found and deleted".
pub fn faults_fired(runs: &[SeedRun]) -> String {
    let errors: u64 = runs
        .iter()
        .flat_map(|r| r.summary.api.errors.values())
        .sum();
    let orphans: u64 = runs.iter().map(|r| r.summary.invariants.orphans).sum();
    format!("faults fired: {errors} API errors, {orphans} lost creates found and deleted")
}

/// The bar of a swarm's seeds, with how many failed so far.
pub struct SeedBar {
    /// The bar itself (hidden off a terminal or for one seed).
    pub bar: indicatif::ProgressBar,
    failures: AtomicU64,
}

impl SeedBar {
    /// A bar of `seeds` seeds; `quiet` hides it.
    pub fn new(seeds: usize, quiet: bool) -> Self {
        SeedBar {
            bar: progress(seeds as u64, "seeds", quiet),
            failures: AtomicU64::new(0),
        }
    }

    /// Counts one seed done, and its failure if it failed.
    pub fn seed_done(&self, run: &SeedRun) {
        if !run.passed() {
            let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("{n} failed"));
        }
        self.bar.inc(1);
    }
}
