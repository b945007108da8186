//! `enisim instance-types`: the built-in instance table.

use crate::stdout;
use enisim::cloud::instance;
use std::fmt::Write;
use std::process::ExitCode;

/// Prints the table.
pub fn exec() -> ExitCode {
    let mut o = format!(
        "{:<8} {:<10} {:>6} {:>9}\n",
        "family", "size", "cores", "eni_pods"
    );
    for (family, size, cores, pods) in instance::builtin_table() {
        let _ = writeln!(o, "{family:<8} {size:<10} {cores:>6} {pods:>9}");
    }
    o.push_str("\nName a type FAMILY.SIZE[MEMORY_GB], e.g. S5.2XLARGE16; eni_pods is the number of pods with an exclusive ENI (bindable ENIs - 1).\n");
    stdout::print(&o);
    ExitCode::SUCCESS
}
