//! `enisim swarm --generate`: a whole scenario generated for each seed and run with every
//! check on. Each failing seed's scenario is written to the output folder, with the command
//! that reproduces it, and the first failures (one of each kind first) are shrunk to smaller
//! scenarios that still fail the same way, written beside them.

use super::swarm::{faults_fired, Args};
use super::{jobs, progress, FAILED};
use crate::stdout;
use enisim::output::{Manifest, OutputDir, OutputError};
use enisim::report::human;
use enisim::swarm::{self, Case, CaseSize, Checks, SeedRun, Shrunk};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Runs the generated seeds, writes and shrinks the failing ones; exit 1 if any failed.
pub fn exec(args: Args) -> ExitCode {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("outputs").join("swarm-generate"));
    match run(&args, &out) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(args: &Args, out: &Path) -> Result<ExitCode, OutputError> {
    let dir = OutputDir::begin(out, args.force)?;
    // Traces of the cases being run; removed before the result is committed.
    let scratch = dir.dir().join(".scratch");
    fs::create_dir(&scratch).map_err(|e| OutputError::io(&scratch, e))?;
    let checks = Checks {
        overrides: args.overrides.clone(),
        planted_bug: None,
    };
    let seeds = args.seed_list();
    let jobs = jobs(args.jobs);
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
    let runs = swarm::run_generated(&seeds, jobs, &scratch, &checks, &on_seed)
        .map_err(OutputError::Input)?;
    bar.finish_and_clear();
    let failing: Vec<&SeedRun> = runs.iter().filter(|r| !r.passed()).collect();
    let shrunk = shrink_some(&failing, args.shrink, jobs, &scratch, &checks)?;
    let io = |e| OutputError::io(out, e);
    let mut o = String::new();
    for r in &runs {
        if args.seed.is_some() {
            o.push_str(&human::render(
                &r.summary,
                started.elapsed(),
                "(not written)",
            ));
        } else if r.passed() {
            continue;
        }
        let report = Report {
            run: r,
            out,
            overrides: &args.overrides,
        };
        report
            .write(dir.dir(), shrunk.get(&r.seed), &mut o)
            .map_err(io)?;
    }
    fs::remove_dir_all(&scratch).map_err(io)?;
    dir.commit(Manifest::new("swarm", "generated", Vec::new()))?;
    let _ = writeln!(
        o,
        "swarm --generate: {} seeds, {} failed; {} ({:.1} s wall)",
        runs.len(),
        failing.len(),
        faults_fired(&runs),
        started.elapsed().as_secs_f64()
    );
    if !failing.is_empty() || args.seed.is_some() {
        let _ = writeln!(o, "scenarios written to {}", out.display());
    }
    stdout::print(&o);
    Ok(if failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    })
}

/// Shrinks up to `most` failing seeds on `jobs` threads: the first seed of each kind of
/// failure, then the others in seed order.
fn shrink_some(
    failing: &[&SeedRun],
    most: usize,
    jobs: usize,
    scratch: &Path,
    checks: &Checks,
) -> Result<BTreeMap<u64, Shrunk>, OutputError> {
    let mut kinds = BTreeSet::new();
    let (firsts, others): (Vec<&SeedRun>, Vec<&SeedRun>) = failing
        .iter()
        .partition(|r| kinds.insert(swarm::failure_kind(&r.summary)));
    let chosen: Vec<&SeedRun> = firsts.into_iter().chain(others).take(most).collect();
    let bar = progress(chosen.len() as u64, "shrunk", false);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| OutputError::io(scratch, std::io::Error::other(e)))?;
    let shrunk = pool.install(|| {
        chosen
            .par_iter()
            .map(|r| {
                let stem = format!("{}-try", swarm::stem(r.seed));
                let check = |c: &Case| swarm::check_case(c, scratch, &stem, checks).ok();
                let s = swarm::shrink(&swarm::generate(r.seed), r.summary.clone(), check);
                bar.inc(1);
                (r.seed, s)
            })
            .collect()
    });
    bar.finish_and_clear();
    Ok(shrunk)
}

/// What is written and printed for one seed.
struct Report<'a> {
    run: &'a SeedRun,
    /// The output folder as the user named it (files are staged elsewhere until the commit).
    out: &'a Path,
    overrides: &'a [String],
}

impl Report<'_> {
    /// Writes the seed's scenario (and its shrunk one) into `staging` and says where they
    /// will be and how to reproduce each.
    fn write(
        &self,
        staging: &Path,
        shrunk: Option<&Shrunk>,
        o: &mut String,
    ) -> std::io::Result<()> {
        let seed = self.run.seed;
        let case = swarm::generate(seed);
        let stem = swarm::stem(seed);
        let first = self.run.summary.invariants.details.first();
        match first {
            Some(first) => {
                let _ = writeln!(o, "seed {seed} FAILED: {first}");
            }
            None => {
                let _ = writeln!(o, "seed {seed} passed");
            }
        }
        let verdict = match first {
            Some(first) => format!("With every check on it fails: {first}"),
            None => "With every check on it passes.".to_string(),
        };
        let header = format!(
            "# Generated by `enisim swarm --generate`, seed {seed}.\n# {verdict}\n# Reproduce: {}\n\n",
            self.command(&stem)
        );
        case.write(staging, &stem, &header)?;
        let size = case.size();
        let _ = writeln!(
            o,
            "  scenario: {} ({})",
            self.file(&stem).display(),
            describe(size)
        );
        let _ = writeln!(o, "  reproduce: {}", self.command(&stem));
        let Some(shrunk) = shrunk else {
            return Ok(());
        };
        let small = format!("{stem}-shrunk");
        let first = shrunk
            .summary
            .invariants
            .details
            .first()
            .map_or("", String::as_str);
        let header = format!(
            "# Shrunk from {stem}.toml ({}) in {} checked runs.\n# With every check on it fails: {first}\n# Reproduce: {}\n\n",
            describe(size),
            shrunk.runs,
            self.command(&small)
        );
        shrunk.case.write(staging, &small, &header)?;
        let smaller = shrunk.case.size();
        let cut = 100 * (size.total() - smaller.total().min(size.total())) / size.total().max(1);
        let _ = writeln!(
            o,
            "  shrunk: {} ({}: {cut}% smaller, {} checked runs)",
            self.file(&small).display(),
            describe(smaller),
            shrunk.runs
        );
        let _ = writeln!(o, "  reproduce: {}", self.command(&small));
        Ok(())
    }

    /// Where `<stem>.toml` will be once the result is committed.
    fn file(&self, stem: &str) -> PathBuf {
        self.out.join(format!("{stem}.toml"))
    }

    /// The command that runs `<stem>.toml` as the swarm ran it.
    fn command(&self, stem: &str) -> String {
        let mut command = format!(
            "enisim run {} --check",
            quote(&self.file(stem).display().to_string())
        );
        for o in self.overrides {
            let _ = write!(command, " --set {}", quote(o));
        }
        command
    }
}

/// "96 values, 40 trace rows".
fn describe(size: CaseSize) -> String {
    format!("{} values, {} trace rows", size.values, size.trace_rows)
}

/// `text` as a shell word: as is when it holds only safe characters, else single-quoted.
fn quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=,@+".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
