//! Swarm testing, as TigerBeetle's VOPR does it: many checked runs, each seed drawing its
//! own world, and each run checking every invariant after every event and that nothing
//! leaked once in-flight work settled.
//!
//! Two ways to draw a seed's world:
//! - [`perturb`]: a given scenario with the fault rates, latencies and outages the seed
//!   draws. A failing seed is reproduced exactly by running that seed alone.
//! - [`generate`]: a whole scenario made up from the seed (node groups, subnets, workloads,
//!   events, policy, VPC), as a [`Case`] that is written to a file reproducing it, and
//!   [`shrink`]s to a smaller case that still fails.

mod case;
mod families;
mod generate;
mod perturb;
mod reproducer;
mod shrink;

pub use case::{Case, CaseSize, TracePod};
pub use generate::generate;
pub use perturb::{
    perturb, MAX_OUTAGES, MAX_POLL_ERROR, MAX_TASK_ERROR, MAX_TIMEOUT, POLL_MEDIAN_MS, TAIL_FACTOR,
    TASK_MEDIAN_MS,
};
pub use reproducer::Reproducer;
pub use shrink::{shrink, Shrunk, MAX_SHRINK_RUNS};

use crate::error::InputError;
use crate::report::rows::NullSink;
use crate::report::summary::Summary;
use crate::scenario::model::Scenario;
use crate::sim::{self, PlantedBug, RunOptions};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One seed's checked run.
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// Its summary; `invariants.details` lists what broke, the first naming its event.
    pub summary: Summary,
}

impl SeedRun {
    /// True if every invariant held and nothing leaked.
    pub fn passed(&self) -> bool {
        self.summary.invariants.violations == 0
    }
}

/// Every check on: invariants after every event, and the drain after the end.
const CHECKED: RunOptions = RunOptions {
    check: true,
    progress: None,
};

/// Runs `base` perturbed by one seed, with every check on.
pub fn run_seed(base: &Scenario, seed: u64) -> Result<SeedRun, InputError> {
    let summary = checked_run(perturb(base, seed), None)?;
    Ok(SeedRun { seed, summary })
}

/// Runs `scenario` with every check on (and the `planted` bug, if any). A run that panics is
/// a failure like a broken invariant, its message the first detail, so that the swarm reports
/// the seed (and shrinks its case) instead of stopping.
fn checked_run(scenario: Scenario, planted: Option<PlantedBug>) -> Result<Summary, InputError> {
    let run = || sim::run_with_bug(scenario, &mut NullSink, CHECKED, planted);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let mut summary = Summary::default();
            summary.invariants.violations = 1;
            summary.invariants.details = vec![format!("the run panicked: {message}")];
            Ok(summary)
        }
    }
}

/// Runs every seed of `base` perturbed on `jobs` threads, calling `on_seed` as each
/// finishes; results come back in seed order whatever `jobs` is.
pub fn run_seeds(
    base: &Scenario,
    seeds: &[u64],
    jobs: usize,
    on_seed: &(dyn Fn(&SeedRun) + Sync),
) -> Result<Vec<SeedRun>, InputError> {
    in_parallel(seeds, jobs, |seed| {
        let run = run_seed(base, seed)?;
        on_seed(&run);
        Ok(run)
    })
}

/// How generated cases are checked, beyond every invariant after every event.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    /// `--set KEY=VALUE` overrides applied to every generated scenario.
    pub overrides: Vec<String>,
    /// A bookkeeping bug the simulator makes on purpose (tests of the swarm only).
    #[doc(hidden)]
    pub planted_bug: Option<PlantedBug>,
}

/// Runs one case with every check on. Its traces are written into `scratch` under `stem`
/// for the run and removed after it.
pub fn check_case(
    case: &Case,
    scratch: &Path,
    stem: &str,
    checks: &Checks,
) -> Result<Summary, InputError> {
    let scenario = case.load(scratch, stem, &checks.overrides);
    let result = scenario.and_then(|sc| checked_run(sc, checks.planted_bug));
    case.remove_traces(scratch, stem);
    result
}

/// The stem of a generated seed's files: `gen-<seed>`.
pub fn stem(seed: u64) -> String {
    format!("gen-{seed}")
}

/// Generates and runs every seed's case on `jobs` threads, with every check on, calling
/// `on_seed` as each finishes; results come back in seed order whatever `jobs` is. Traces
/// are written into `scratch` while their case runs.
pub fn run_generated(
    seeds: &[u64],
    jobs: usize,
    scratch: &Path,
    checks: &Checks,
    on_seed: &(dyn Fn(&SeedRun) + Sync),
) -> Result<Vec<SeedRun>, InputError> {
    in_parallel(seeds, jobs, |seed| {
        let summary = check_case(&generate(seed), scratch, &stem(seed), checks)?;
        let run = SeedRun { seed, summary };
        on_seed(&run);
        Ok(run)
    })
}

/// Shrinks up to `most` of the `failing` seeds' generated cases on `jobs` threads: the first
/// seed of each kind of failure ([`failure_kind`]), then the others in seed order. Candidates'
/// traces are written into `scratch` while they run. `on_shrunk` is called as each is done.
pub fn shrink_failures(
    failing: &[&SeedRun],
    most: usize,
    jobs: usize,
    scratch: &Path,
    checks: &Checks,
    on_shrunk: &(dyn Fn() + Sync),
) -> Result<BTreeMap<u64, Shrunk>, InputError> {
    let mut kinds = BTreeSet::new();
    let (firsts, others): (Vec<&SeedRun>, Vec<&SeedRun>) = failing
        .iter()
        .partition(|r| kinds.insert(failure_kind(&r.summary)));
    let chosen: Vec<u64> = firsts
        .into_iter()
        .chain(others)
        .take(most)
        .map(|r| r.seed)
        .collect();
    let shrunk = in_parallel(&chosen, jobs, |seed| {
        let run = failing
            .iter()
            .find(|r| r.seed == seed)
            .expect("a chosen seed failed");
        let try_stem = format!("{}-try", stem(seed));
        let check = |c: &Case| check_case(c, scratch, &try_stem, checks).ok();
        let shrunk = shrink(&generate(seed), run.summary.clone(), check);
        on_shrunk();
        Ok((seed, shrunk))
    })?;
    Ok(shrunk.into_iter().collect())
}

/// `f` over every seed on `jobs` threads, results in seed order.
fn in_parallel<T: Send>(
    seeds: &[u64],
    jobs: usize,
    f: impl Fn(u64) -> Result<T, InputError> + Sync,
) -> Result<Vec<T>, InputError> {
    crate::parallel::thread_pool(jobs)?.install(|| seeds.par_iter().map(|&seed| f(seed)).collect())
}

/// What a failure is, without its numbers: the first broken invariant's message with the
/// event it followed and every digit left out. A shrunk case must still fail this way, so
/// that shrinking does not wander off to another bug.
pub fn failure_kind(summary: &Summary) -> Option<String> {
    let first = summary.invariants.details.first()?;
    let what = match first.split_once(" s: ") {
        Some((_, what)) if first.starts_with("after ") => what,
        _ => first.as_str(),
    };
    Some(what.chars().filter(|c| !c.is_ascii_digit()).collect())
}
