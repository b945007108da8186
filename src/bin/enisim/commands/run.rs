//! `enisim run`: one scenario, one seed, its result written to a folder.

use super::{bad_input, progress_bar, FAILED};
use crate::stdout;
use enisim::engine::time::format_duration;
use enisim::engine::SimTime;
use enisim::output;
use enisim::report::human;
use enisim::scenario;
use enisim::sim::{Progress, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// `run`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Output directory [default: outputs/<scenario name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write into an existing folder that is not an enisim result, replacing only the files
    /// enisim writes there.
    #[arg(long)]
    force: bool,
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
    /// Check the invariants after every event (on what it touched; all of them every so
    /// often), and that nothing leaked once in-flight work settled after the end.
    #[arg(long)]
    check: bool,
}

/// Runs the scenario, writes its result, prints its summary; exit 1 if an invariant broke.
pub fn exec(args: Args) -> ExitCode {
    let mut overrides = args.overrides;
    if let Some(seed) = args.seed {
        overrides.push(format!("seed={seed}"));
    }
    let sc = match scenario::load(&args.scenario, &overrides) {
        Ok(sc) => sc,
        Err(e) => return bad_input(&e),
    };
    let out = args
        .out
        .unwrap_or_else(|| default_out(&sc.name, &overrides));
    let started = Instant::now();
    static REACHED: Progress = Progress::new();
    let options = RunOptions {
        check: args.check,
        progress: Some(&REACHED),
    };
    let duration = sc.duration;
    let bar = progress_bar(
        duration.as_millis(),
        "{bar:40} {msg} of virtual time  ETA {eta}",
        args.quiet || args.json,
    );
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        if !bar.is_hidden() {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    let reached = REACHED.reached();
                    bar.set_position(reached.as_millis());
                    bar.set_message(format!(
                        "{} / {}",
                        format_duration(SimTime(reached.as_millis() / 1000 * 1000)),
                        format_duration(duration)
                    ));
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
        let result = output::run_to_dir(sc, &out, args.force, options);
        done.store(true, Ordering::Relaxed);
        result
    });
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    if args.json {
        stdout::print(&summary.to_json());
    } else if !args.quiet {
        let wall = started.elapsed();
        stdout::print(&human::render(&summary, wall, &out.display().to_string()));
    }
    if summary.invariants.violations > 0 {
        eprintln!(
            "error: the run broke {} invariant(s); see summary.json invariants.details",
            summary.invariants.violations
        );
        return ExitCode::from(FAILED);
    }
    ExitCode::SUCCESS
}

/// `outputs/<name>`, or for a run with overrides `outputs/<name>@<key=value,...>`, so that a
/// what-if never replaces the plain run it will be compared with.
fn default_out(name: &str, overrides: &[String]) -> PathBuf {
    if overrides.is_empty() {
        return PathBuf::from("outputs").join(name);
    }
    let tag: String = overrides
        .join(",")
        .chars()
        .filter(|c| !matches!(c, '"' | '\''))
        .map(|c| {
            if c == '/' || c.is_whitespace() {
                '_'
            } else {
                c
            }
        })
        .collect();
    PathBuf::from("outputs").join(format!("{name}@{tag}"))
}
