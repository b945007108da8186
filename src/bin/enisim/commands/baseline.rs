//! `enisim baseline check` and `enisim baseline update`: the summaries a repository keeps of
//! its scenarios, and the gate that compares each run with its summary.

use super::compare::Format;
use super::{bad_input, jobs, progress, FAILED};
use crate::stdout;
use enisim::compare::baselines::{self, Change, Run, ScenarioFile};
use enisim::compare::{json, markdown, text, Report};
use enisim::error::InputError;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `baseline`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

/// Where the scenarios and their baselines are.
#[derive(clap::Args)]
struct Folders {
    /// The scenarios folder: every *.toml in it is run under its own seed.
    #[arg(long, default_value = "scenarios")]
    scenarios: PathBuf,
    /// The baselines folder: <scenario>.json per scenario, and budget.toml.
    #[arg(long, default_value = "baselines")]
    baselines: PathBuf,
    /// Threads [default: the machine's cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Run every scenario and compare it with its baseline under the baselines' budget.toml
    /// (or the built-in budget); exit 1 on a regression.
    Check {
        #[command(flatten)]
        folders: Folders,
        /// A budget file instead of the baselines' budget.toml.
        #[arg(long)]
        budget: Option<PathBuf>,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also fail (exit 1) when a scenario behaves differently within budget: the
        /// baselines must be up to date.
        #[arg(long)]
        exact: bool,
        /// List, rather than refuse, scenarios without a baseline and baselines without a
        /// scenario (a branch checked against its target branch's baselines).
        #[arg(long)]
        allow_missing: bool,
    },
    /// Run every scenario and rewrite the baselines; say which fingerprints changed.
    Update {
        #[command(flatten)]
        folders: Folders,
        /// Write into an existing folder that is not an enisim result (a baselines folder
        /// begun by hand), replacing only the files enisim writes there.
        #[arg(long)]
        force: bool,
    },
}

/// Runs the action.
pub fn exec(args: Args) -> ExitCode {
    match args.action {
        Action::Check {
            folders,
            budget,
            format,
            exact,
            allow_missing,
        } => check(&folders, budget.as_deref(), format, exact, allow_missing),
        Action::Update { folders, force } => update(&folders, force),
    }
}

/// Every scenario of the folder and its run.
fn run(f: &Folders) -> Result<(Vec<ScenarioFile>, Vec<Run>), InputError> {
    let scenarios = baselines::scenarios(&f.scenarios)?;
    let bar = progress(scenarios.len() as u64, "scenarios", f.quiet);
    let tick = || bar.inc(1);
    let runs = baselines::run_all(&scenarios, jobs(f.jobs), &tick);
    bar.finish_and_clear();
    Ok((scenarios, runs?))
}

fn check(
    f: &Folders,
    budget: Option<&Path>,
    format: Format,
    exact: bool,
    allow_missing: bool,
) -> ExitCode {
    let budget = match baselines::budget(&f.baselines, budget) {
        Ok(b) => b,
        Err(e) => return bad_input(&e),
    };
    let checked = run(f).and_then(|(scenarios, runs)| {
        baselines::check(&f.baselines, &scenarios, &runs, &budget, allow_missing)
    });
    let checked = match checked {
        Ok(c) => c,
        Err(e) => return bad_input(&e),
    };
    let current = format!("this build's runs of {}", f.scenarios.display());
    let mut report = Report::new(
        &f.baselines.display().to_string(),
        &current,
        &budget.source,
        checked.cases,
    );
    report.notes = checked.left_out;
    let mut out = match format {
        Format::Text => text::render(&report),
        Format::Markdown => markdown::render(&report, None),
        Format::Json => json::render(&report),
    };
    let changed: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| !c.identical)
        .map(|c| c.name.as_str())
        .collect();
    if !changed.is_empty() && format == Format::Text {
        let _ = writeln!(
            out,
            "\nbehaviour changed in {}: if the change is meant, run `enisim baseline update` and commit {} so the review shows it",
            changed.join(", "),
            f.baselines.display()
        );
    }
    stdout::print(&out);
    if report.exit_code() != 0 || (exact && !changed.is_empty()) {
        return ExitCode::from(FAILED);
    }
    ExitCode::SUCCESS
}

fn update(f: &Folders, force: bool) -> ExitCode {
    let (scenarios, runs) = match run(f) {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let changes = match baselines::update(&f.baselines, &scenarios, &runs, force) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let mut o = String::new();
    let mut changed = 0;
    for (name, change) in &changes {
        let _ = match change {
            Change::Unchanged(fp) => writeln!(o, "{name}: unchanged ({fp})"),
            Change::New(fp) => writeln!(o, "{name}: new baseline ({fp})"),
            Change::Changed(old, new) => {
                changed += 1;
                writeln!(o, "{name}: fingerprint changed {old} -> {new}")
            }
            Change::Removed => writeln!(o, "{name}: removed (its scenario is gone)"),
            Change::Left => writeln!(
                o,
                "{name}: has no scenario and was not written by enisim: remove it by hand"
            ),
        };
    }
    let _ = writeln!(
        o,
        "{} baselines written to {}: {changed} with a new fingerprint",
        scenarios.len(),
        f.baselines.display()
    );
    stdout::print(&o);
    ExitCode::SUCCESS
}
