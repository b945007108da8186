//! `enisim compare`: two results, or two settings run here over N seeds, compared metric by
//! metric under a budget; exit 1 on a regression.

use super::{bad_input, jobs, progress};
use crate::stdout;
use enisim::compare::budget::Budget;
use enisim::compare::seeded::{self, Setting};
use enisim::compare::{html, input, json, judge, markdown, text, Report, Side};
use enisim::error::InputError;
use enisim::output::{Manifest, OutputDir, OutputError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The report's formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for a terminal or a CI log.
    Text,
    /// A pull-request comment.
    Markdown,
    /// For scripts.
    Json,
}

/// `compare`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// BASELINE and CURRENT: run folders, summary.json files (such as baselines/<name>.json)
    /// or sweep folders (compared variant by variant). Or scenario files, run here: one file
    /// for both sides (told apart by --baseline-set and --current-set), or two.
    #[arg(required = true, num_args = 1..=2, value_names = ["BASELINE", "CURRENT"])]
    inputs: Vec<PathBuf>,
    /// The budget file (TOML) [default: the built-in budget, see docs/ci.md].
    #[arg(long)]
    budget: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Run each side over N seeds (from each side's own seed) and judge the distribution of
    /// the per-seed changes rather than one draw [default: 1].
    #[arg(long)]
    seeds: Option<u32>,
    /// Override a key for the baseline side only: --baseline-set policy.min_warm=0.
    #[arg(long = "baseline-set", value_name = "KEY=VALUE")]
    baseline_set: Vec<String>,
    /// Override a key for the current side only.
    #[arg(long = "current-set", value_name = "KEY=VALUE")]
    current_set: Vec<String>,
    /// Override a key for both sides, before their own overrides.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// Threads for running scenarios [default: the machine's cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// Also write compare.html (both runs' charts overlaid), compare.md and compare.json here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write into an existing folder that is not an enisim result, replacing only the files
    /// enisim writes there.
    #[arg(long)]
    force: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Compares, prints the report, writes it if asked; exit 1 on a regression or a broken
/// invariant, 2 on bad input.
pub fn exec(args: Args) -> ExitCode {
    let budget = match &args.budget {
        Some(path) => Budget::load(path),
        None => Ok(Budget::builtin()),
    };
    let budget = match budget {
        Ok(b) => b,
        Err(e) => return bad_input(&e),
    };
    let sides = if runs_scenarios(&args) {
        run_sides(&args)
    } else {
        read_sides(&args)
    };
    let (base, cur) = match sides {
        Ok(s) => s,
        Err(e) => return bad_input(&e),
    };
    let cases = judge::compare(&base, &cur, &budget);
    let report = Report::new(&base.label, &cur.label, &budget.source, cases);
    let html_link = args
        .out
        .as_ref()
        .map(|o| o.join("compare.html").display().to_string());
    if let Some(out) = &args.out {
        if let Err(e) = write(out, args.force, &report) {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    }
    stdout::print(&match args.format {
        Format::Text => text::render(&report),
        Format::Markdown => markdown::render(&report, html_link.as_deref()),
        Format::Json => json::render(&report),
    });
    ExitCode::from(report.exit_code())
}

/// True when the inputs are scenarios to run rather than results to read.
fn runs_scenarios(args: &Args) -> bool {
    args.seeds.is_some()
        || args
            .inputs
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "toml"))
}

/// Both sides from results on disk; refuses the flags that only running scenarios takes.
fn read_sides(args: &Args) -> Result<(Side, Side), InputError> {
    let flags = [
        ("--baseline-set", !args.baseline_set.is_empty()),
        ("--current-set", !args.current_set.is_empty()),
        ("--set", !args.overrides.is_empty()),
        ("--jobs", args.jobs.is_some()),
    ];
    if let Some((flag, _)) = flags.iter().find(|(_, given)| *given) {
        return Err(InputError::new(
            *flag,
            "only applies when compare runs scenario files (SCENARIO.toml, with --seeds N)",
        ));
    }
    let [b, c] = args.inputs.as_slice() else {
        return Err(InputError::new(
            "compare",
            "give BASELINE and CURRENT: two run folders, summary.json files or sweep folders",
        ));
    };
    let base = input::read(b)?;
    let cur = input::read(c)?;
    input::check_match(&base, &cur)?;
    Ok((base, cur))
}

/// Both sides run here from scenario files.
fn run_sides(args: &Args) -> Result<(Side, Side), InputError> {
    let (b, c) = match args.inputs.as_slice() {
        [one] => (one, one),
        [b, c] => (b, c),
        _ => return Err(InputError::new("compare", "give one or two scenario files")),
    };
    for p in [b, c] {
        if p.extension().is_none_or(|x| x != "toml") {
            return Err(InputError::new(
                p.display().to_string(),
                "not a scenario file: compare either runs scenario files (.toml, with --seeds N) or reads results (run folders, summary.json files, sweep folders), not one of each",
            ));
        }
    }
    if b == c && args.baseline_set == args.current_set {
        return Err(InputError::new(
            b.display().to_string(),
            "both sides would be the same setting",
        )
        .with_hint("tell them apart: --baseline-set policy.min_warm=1 --current-set policy.min_warm=2, or give two scenario files"));
    }
    let setting = |path: &Path, own: &[String]| Setting {
        path: path.to_path_buf(),
        overrides: args.overrides.iter().chain(own).cloned().collect(),
    };
    let seeds = args.seeds.unwrap_or(1);
    let bar = progress(2 * u64::from(seeds), "runs", args.quiet);
    let tick = || bar.inc(1);
    let sides = seeded::run(
        &setting(b, &args.baseline_set),
        &setting(c, &args.current_set),
        seeds,
        jobs(args.jobs),
        &tick,
    );
    bar.finish_and_clear();
    sides
}

/// compare.html, compare.md and compare.json, as one result folder.
fn write(out: &Path, force: bool, report: &Report) -> Result<(), OutputError> {
    let dir = OutputDir::begin(out, force)?;
    let files = [
        ("compare.html", html::render(report)),
        ("compare.md", markdown::render(report, Some("compare.html"))),
        ("compare.json", json::render(report)),
    ];
    for (name, content) in files {
        let path = dir.dir().join(name);
        std::fs::write(&path, content).map_err(|e| OutputError::io(&path, e))?;
    }
    let scenario = report.cases.first().map_or("", |c| c.name.as_str());
    dir.commit(Manifest::new("compare", scenario, Vec::new()))?;
    Ok(())
}
