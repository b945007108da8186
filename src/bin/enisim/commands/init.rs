//! `enisim init`: a ready scenario folder from a node list and audit logs.

use super::import::{describe, failed, read_nodes, FilterArgs};
use super::{bad_input, jobs};
use crate::stdout;
use enisim::cluster::names::to_label;
use enisim::import::audit;
use enisim::import::scenario::{scenario_toml, SCENARIO_FILE, TRACE_FILE};
use enisim::output::{Manifest, OutputDir, OutputError};
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

/// `init`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    /// `kubectl get nodes -o json` output.
    #[arg(long)]
    nodes: PathBuf,
    /// The audit log files.
    #[arg(long, required = true, num_args = 1..)]
    audit: Vec<PathBuf>,
    /// The folder to write (scenario.toml and trace.csv).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    filter: FilterArgs,
    /// Skip lines that are not audit events.
    #[arg(long)]
    lenient: bool,
    /// Write into an existing folder that is not an enisim result, replacing only its files.
    #[arg(long)]
    force: bool,
    /// Threads parsing the logs [default: the machine's cores]; the trace is the same for any.
    #[arg(long)]
    jobs: Option<usize>,
}

/// Writes the folder and says what is in it.
pub fn exec(args: Args) -> ExitCode {
    let filter = match args.filter.filter() {
        Ok(f) => f,
        Err(e) => return bad_input(&e),
    };
    let nodes = match read_nodes(&args.nodes) {
        Ok(n) => n,
        Err(e) => return bad_input(&e),
    };
    let name = scenario_name(&args.out);
    let written = (|| -> Result<_, OutputError> {
        let out = OutputDir::begin(&args.out, args.force)?;
        let trace_path = out.dir().join(TRACE_FILE);
        let io = |e| OutputError::Io {
            path: trace_path.clone(),
            source: e,
        };
        let mut writer = BufWriter::new(File::create(&trace_path).map_err(io)?);
        let report = audit::import(
            &args.audit,
            &filter,
            args.lenient,
            jobs(args.jobs),
            &mut writer,
        )
        .map_err(OutputError::Input)?
        .map_err(io)?;
        writer.into_inner().map_err(|e| io(e.into_error()))?;
        let sources = format!(
            "{} and {} audit log file(s)",
            args.nodes.display(),
            args.audit.len()
        );
        let text = scenario_toml(&name, &nodes, &report, &sources);
        let scenario_path = out.dir().join(SCENARIO_FILE);
        fs::write(&scenario_path, text).map_err(|e| OutputError::Io {
            path: scenario_path,
            source: e,
        })?;
        out.commit(Manifest::new("init", &name, Vec::new()))?;
        Ok(report)
    })();
    match written {
        Ok(report) => {
            let scenario = args.out.join(SCENARIO_FILE);
            let mut o = describe(&args.out.join(TRACE_FILE), &report);
            o.push_str(&format!(
                "{}: {} node group(s); run it with `enisim run {}`\n",
                scenario.display(),
                nodes.groups.iter().filter(|g| g.unknown.is_none()).count(),
                scenario.display()
            ));
            stdout::print(&o);
            ExitCode::SUCCESS
        }
        Err(e) => failed(e),
    }
}

/// The folder's name as a scenario name (a DNS-1123 label), or `my-cluster`.
fn scenario_name(out: &std::path::Path) -> String {
    let name = to_label(&out.file_name().unwrap_or_default().to_string_lossy());
    if name.is_empty() {
        "my-cluster".to_string()
    } else {
        name
    }
}
