//! One module per subcommand, each with its arguments and its `exec`.

pub mod instance_types;
pub mod run;
pub mod swarm;
pub mod sweep;
pub mod validate;

use enisim::error::InputError;
use std::process::ExitCode;

/// Exit code for bad input (scenario, flags, files).
pub const BAD_INPUT: u8 = 2;
/// Exit code for a run that broke an invariant, or a result that could not be written.
pub const FAILED: u8 = 1;

/// Reports bad input and gives its exit code.
pub fn bad_input(e: &InputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(BAD_INPUT)
}
