//! `enisim swarm --generate`: a whole scenario generated for each seed and run with every
//! check on. Each failing seed's scenario is written to the output folder with the command
//! that reproduces it, and the first failures (one of each kind first) are shrunk to smaller
//! scenarios that still fail the same way, written beside them. `--seed S` writes that
//! seed's scenario whether it fails or not.

use super::swarm::{faults_fired, Args, SeedBar};
use super::{jobs, progress, FAILED};
use crate::stdout;
use enisim::output::{Manifest, OutputDir, OutputError};
use enisim::report::human;
use enisim::swarm::{self, Checks, Reproducer, SeedRun};
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
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
    let bar = SeedBar::new(seeds.len(), args.seed.is_some());
    let on_seed = |run: &SeedRun| bar.seed_done(run);
    let runs = swarm::run_generated(&seeds, jobs, &scratch, &checks, &on_seed)
        .map_err(OutputError::Input)?;
    bar.bar.finish_and_clear();
    let failing: Vec<&SeedRun> = runs.iter().filter(|r| !r.passed()).collect();
    let most = args.shrink.min(failing.len());
    let bar = progress(most as u64, "failing seeds shrunk", args.seed.is_some());
    let on_shrunk = || bar.inc(1);
    let shrunk = swarm::shrink_failures(&failing, most, jobs, &scratch, &checks, &on_shrunk)
        .map_err(OutputError::Input)?;
    bar.finish_and_clear();
    let io = |e| OutputError::io(out, e);
    let reproducer = Reproducer {
        out,
        overrides: &args.overrides,
    };
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
        let lines = reproducer.write(dir.dir(), r, shrunk.get(&r.seed));
        o.push_str(&lines.map_err(io)?);
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
