//! Printing on stdout as Unix tools do: a reader that closes the pipe early (`| head -1`)
//! ends the output, it is not an error.

use std::io::{self, Write};

/// Writes `text` to stdout; a closed pipe ends the process quietly with success, as the
/// reader asked for no more.
pub fn print(text: &str) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}
