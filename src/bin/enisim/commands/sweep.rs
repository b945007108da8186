//! `enisim sweep`: one scenario over a grid of settings and seeds, in parallel; and
//! `enisim sweep merge`: shards run apart joined into the whole.

use super::{bad_input, jobs, progress, FAILED};
use crate::stdout;
use enisim::error::InputError;
use enisim::output::{self, Manifest, OutputDir, OutputError};
use enisim::sweep::files;
use enisim::sweep::outcome::Outcome;
use enisim::sweep::result::{ShardFiles, Shards, Whole};
use enisim::sweep::spec::Axis;
use enisim::sweep::target::Target;
use enisim::sweep::{self, Execution, Grid, Plan, Settings, Shard, SweepError};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// `sweep`'s arguments.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    merge: Option<Merge>,
    /// The scenario file (TOML); its `[sweep]` table gives what the flags do not.
    #[arg(required = true)]
    scenario: Option<PathBuf>,
    /// A key and its values: `policy.min_warm=0..4`, `policy.max_warm=1,2,4,8`,
    /// `policy.release_interval=0..60s/15s`, `policy.release=slow,quick`.
    #[arg(long = "vary", value_name = "KEY=SPEC")]
    vary: Vec<String>,
    /// Seeds per variant (seed, seed+1, ...).
    #[arg(long)]
    seeds: Option<u32>,
    /// Threads [default: the machine's cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// Output directory [default: outputs/<scenario name>-sweep].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write into an existing folder that is not an enisim result, replacing only the files
    /// enisim writes there.
    #[arg(long)]
    force: bool,
    /// A bound every seed of the recommended variant meets: `startup_latency_s.p99<=5`.
    #[arg(long = "target", value_name = "EXPR")]
    targets: Vec<String>,
    /// The metric the recommendation minimizes [default: pool.idle_eni_hours].
    #[arg(long)]
    minimize: Option<String>,
    /// Run only share K of N of the runs and write a partial result for `sweep merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Also write each run's own result folder under runs/.
    #[arg(long)]
    keep_runs: bool,
    /// Override a scalar key for every variant, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// Print nothing but errors, and no progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::Subcommand)]
enum Merge {
    /// Join the folders of `sweep --shard K/N` into the whole sweep's result.
    Merge {
        /// The shards' output folders.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Write into an existing folder that is not an enisim result.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
    },
}

/// Runs the sweep (or merges shards), writes its result, prints the recommendation; exit 1
/// when targets were set and no variant meets them.
pub fn exec(args: Args) -> ExitCode {
    if let Some(Merge::Merge {
        shards,
        out,
        force,
        quiet,
    }) = args.merge
    {
        return merge(&shards, &out, force, quiet);
    }
    let Some(path) = args.scenario.clone() else {
        return bad_input(&InputError::new("sweep", "no scenario file given"));
    };
    let plan = match plan(&path, &args) {
        Ok(p) => p,
        Err(e) => return bad_input(&e),
    };
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => return bad_input(&InputError::new("--shard", e)),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("outputs").join(format!("{}-sweep", plan.grid.name)));
    let started = Instant::now();
    match run(&plan, &args, shard, &out) {
        Ok(Some(outcome)) => {
            if !args.quiet {
                stdout::print(&describe(&plan.grid, &outcome, started, &out));
            }
            verdict(&plan.grid, &outcome)
        }
        Ok(None) => {
            if !args.quiet {
                stdout::print(&format!(
                    "shard written to {}; join every shard with `enisim sweep merge DIR... --out DIR`\n",
                    out.display()
                ));
            }
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

/// The plan from the scenario and the flags.
fn plan(path: &Path, args: &Args) -> Result<Plan, InputError> {
    let flag = |name: &str, arg: &str, e: String| InputError::new(format!("{name} {arg}"), e);
    let axes = args
        .vary
        .iter()
        .map(|v| Axis::parse(v).map_err(|e| flag("--vary", v, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t).map_err(|e| flag("--target", t, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let cli = Settings {
        axes,
        seeds: args.seeds,
        targets,
        minimize: args.minimize.clone(),
    };
    Plan::new(path, &args.overrides, cli)
}

/// Runs this process's share and writes it; the outcome when the share is the whole sweep.
fn run(
    plan: &Plan,
    args: &Args,
    shard: Option<Shard>,
    out: &Path,
) -> Result<Option<Outcome>, OutputError> {
    let dir = OutputDir::begin(out, args.force)?;
    let grid = &plan.grid;
    let share = shard.unwrap_or(Shard::ALL);
    let bar = progress(grid.runs_of(share).len() as u64, "runs", args.quiet);
    let tick = || bar.inc(1);
    let exec = Execution {
        shard: share,
        jobs: jobs(args.jobs),
        keep_runs: args.keep_runs.then(|| dir.dir().join("runs")),
        on_run: &tick,
    };
    let io = |e| OutputError::io(out, e);
    let swept = |e| match e {
        SweepError::Input(e) => OutputError::Input(e),
        SweepError::Output(e) => e,
        SweepError::Write(e) => OutputError::io(out, e),
    };
    let columns = &plan.columns;
    let outcome = match shard {
        Some(s) => {
            let mut files = ShardFiles::create(dir.dir(), grid, s, columns).map_err(io)?;
            sweep::run(plan, &exec, |row| files.push(row)).map_err(swept)?;
            files.finish().map_err(io)?;
            None
        }
        None => {
            let mut whole = Whole::create(dir.dir(), grid, columns).map_err(io)?;
            sweep::run(plan, &exec, |row| whole.push(row)).map_err(swept)?;
            Some(whole.finish().map_err(io)?)
        }
    };
    bar.finish_and_clear();
    dir.commit(Manifest::new("sweep", &grid.name, Vec::new()))?;
    Ok(outcome)
}

fn merge(dirs: &[PathBuf], out: &Path, force: bool, quiet: bool) -> ExitCode {
    let started = Instant::now();
    let mut shards = Vec::new();
    for d in dirs {
        if let Err(e) = output::verify(d) {
            return bad_input(&InputError::new(d.display().to_string(), e));
        }
        match files::read_shard(d) {
            Ok(s) => shards.push((d.display().to_string(), s)),
            Err(e) => return bad_input(&InputError::new("sweep merge", e)),
        }
    }
    let mut merge = match Shards::new(shards) {
        Ok(m) => m,
        Err(e) => return bad_input(&InputError::new("sweep merge", e)),
    };
    let grid = merge.grid.clone();
    let written = OutputDir::begin(out, force).and_then(|dir| {
        let io = |e| OutputError::io(out, e);
        let mut whole = Whole::create(dir.dir(), &grid, &merge.columns).map_err(io)?;
        for row in &mut merge {
            let row = row.map_err(|e| OutputError::Input(InputError::new("sweep merge", e)))?;
            whole.push(row).map_err(io)?;
        }
        let outcome = whole.finish().map_err(io)?;
        dir.commit(Manifest::new("sweep", &grid.name, Vec::new()))?;
        Ok(outcome)
    });
    match written {
        Ok(outcome) => {
            if !quiet {
                stdout::print(&describe(&grid, &outcome, started, out));
            }
            verdict(&grid, &outcome)
        }
        Err(e) => failed(&e),
    }
}

fn failed(e: &OutputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}

/// Exit 1 when targets were set and no variant meets them.
fn verdict(grid: &Grid, outcome: &Outcome) -> ExitCode {
    if !grid.settings.targets.is_empty() && outcome.ranking.is_empty() {
        return ExitCode::from(FAILED);
    }
    ExitCode::SUCCESS
}

/// What the sweep found, for a person.
fn describe(grid: &Grid, outcome: &Outcome, started: Instant, out: &Path) -> String {
    let mut o = String::new();
    let skipped = grid.variants.iter().filter(|v| v.skipped.is_some()).count();
    let runs: usize = outcome.variants.iter().map(|v| v.runs).sum();
    let _ = writeln!(
        o,
        "sweep {}: {} variants ({skipped} skipped) x {} seeds = {runs} runs in {:.1} s; written to {}",
        grid.name,
        grid.variants.len(),
        grid.seeds(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    for (i, v) in grid.variants.iter().enumerate() {
        if let Some(reason) = &v.skipped {
            let _ = writeln!(o, "  skipped {}: {reason}", grid.variant_label(i));
        }
    }
    let minimize = grid.minimize();
    let targets: Vec<String> = grid
        .settings
        .targets
        .iter()
        .map(Target::to_string)
        .collect();
    let goal = if targets.is_empty() {
        format!("least {minimize}")
    } else {
        format!(
            "least {minimize} meeting {} in every seed",
            targets.join(", ")
        )
    };
    match (outcome.ranking.first(), &outcome.closest_miss) {
        (Some(&best), _) => {
            let _ = writeln!(o, "recommended ({goal}): {}", grid.variant_label(best));
            o.push_str(&figures(grid, outcome, best));
            if let Some(&next) = outcome.ranking.get(1) {
                let _ = writeln!(o, "runner-up: {}", grid.variant_label(next));
                o.push_str(&figures(grid, outcome, next));
            }
        }
        (None, Some(miss)) => {
            let _ = writeln!(
                o,
                "no variant meets every target ({}); closest: {}",
                targets.join(", "),
                grid.variant_label(miss.variant)
            );
            for &(t, worst, off) in &miss.targets {
                let _ = writeln!(
                    o,
                    "  misses {}: worst seed {worst}, {:.1}% off",
                    grid.settings.targets[t],
                    off * 100.0
                );
            }
        }
        (None, None) => {
            let _ = writeln!(o, "no variant ran to the end without breaking an invariant");
        }
    }
    o
}

/// A variant's figures, means over seeds.
fn figures(grid: &Grid, outcome: &Outcome, variant: usize) -> String {
    let parts: Vec<String> = grid
        .shown_metrics()
        .into_iter()
        .filter_map(|name| {
            outcome
                .mean(variant, name)
                .map(|mean| format!("{name} {mean:.3}"))
        })
        .collect();
    format!("  {}\n", parts.join("  "))
}
