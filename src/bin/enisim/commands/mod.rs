//! One module per subcommand, each with its arguments and its `exec`.

pub mod baseline;
pub mod compare;
pub mod import;
pub mod init;
pub mod instance_types;
pub mod run;
pub mod swarm;
pub mod swarm_generate;
pub mod sweep;
pub mod validate;

use enisim::error::InputError;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Exit code for bad input (scenario, flags, files).
pub const BAD_INPUT: u8 = 2;
/// Exit code for a run that broke an invariant, or a result that could not be written.
pub const FAILED: u8 = 1;

/// Threads to run on: `--jobs`, or the machine's cores.
pub fn jobs(flag: Option<usize>) -> usize {
    flag.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A bar of `total` runs (named `unit`) on stderr, drawn only when stderr is a terminal and
/// not `quiet`.
pub fn progress(total: u64, unit: &str, quiet: bool) -> ProgressBar {
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}  {{msg}}  {{per_sec}}  ETA {{eta}}");
    progress_bar(total, &template, quiet)
}

/// A bar of `total` steps drawn with an indicatif `template`, on stderr, only when stderr is
/// a terminal and not `quiet`.
pub fn progress_bar(total: u64, template: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// Reports bad input and gives its exit code.
pub fn bad_input(e: &InputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(BAD_INPUT)
}
