//! `enisim import audit` and `enisim import nodes`: a real cluster's data as enisim input.

use super::{bad_input, jobs};
use crate::stdout;
use enisim::error::InputError;
use enisim::import::audit::{self, Filter, ImportReport, Selector, TRACE_HEADER};
use enisim::import::nodes::{self, Imported, NODES_MARK};
use enisim::import::source::REORDER_WINDOW_US;
use enisim::output::{OutputError, OutputFile};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `import`'s subcommands.
#[derive(clap::Subcommand)]
pub enum Args {
    /// Turn kube-apiserver audit logs (JSON lines, plain or gzip, in any order) into an
    /// enisim trace of pod creates and deletes.
    Audit(AuditArgs),
    /// Turn `kubectl get nodes -o json` into node groups, one per instance type and zone.
    Nodes(NodesArgs),
}

/// `import audit`'s arguments.
#[derive(clap::Args)]
pub struct AuditArgs {
    /// The audit log files (rotated parts and several API servers' logs together).
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// The trace file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Skip lines that are not audit events (counted), instead of stopping at the first.
    #[arg(long)]
    pub lenient: bool,
    /// Replace an existing file that is not an enisim trace.
    #[arg(long)]
    pub force: bool,
    /// Threads parsing the logs [default: the machine's cores]; the trace is the same for any.
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// Which pods an import takes.
#[derive(clap::Args)]
pub struct FilterArgs {
    /// Take every pod, not only those asking for an exclusive ENI (the
    /// `tke.cloud.tencent.com/direct-eni` resource or the `tke-direct-eni` network).
    #[arg(long)]
    pub all_pods: bool,
    /// Only pods of this namespace (repeatable).
    #[arg(long = "namespace", value_name = "NAMESPACE")]
    pub namespaces: Vec<String>,
    /// Only pods whose labels match, as kubectl takes it: `app=web,tier!=db`.
    #[arg(long)]
    pub selector: Option<String>,
}

impl FilterArgs {
    /// The filter, or the flag's error.
    pub fn filter(&self) -> Result<Filter, InputError> {
        let selector = match &self.selector {
            Some(s) => Selector::parse(s).map_err(|e| {
                InputError::new(format!("--selector {s}"), e)
                    .with_hint("KEY=VALUE, KEY!=VALUE or KEY, comma-separated: app=web,tier!=db")
            })?,
            None => Selector::default(),
        };
        Ok(Filter {
            all_pods: self.all_pods,
            namespaces: self.namespaces.clone(),
            selector,
        })
    }
}

/// `import nodes`' arguments.
#[derive(clap::Args)]
pub struct NodesArgs {
    /// `kubectl get nodes -o json` output.
    pub nodes: PathBuf,
    /// The TOML file to write (node groups to paste into a scenario).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing file that enisim did not write.
    #[arg(long)]
    pub force: bool,
}

/// Runs the subcommand.
pub fn exec(args: Args) -> ExitCode {
    match args {
        Args::Audit(a) => audit_exec(a),
        Args::Nodes(a) => nodes_exec(a),
    }
}

fn audit_exec(args: AuditArgs) -> ExitCode {
    let filter = match args.filter.filter() {
        Ok(f) => f,
        Err(e) => return bad_input(&e),
    };
    let jobs = jobs(args.jobs);
    match write_trace(
        &args.logs,
        &filter,
        args.lenient,
        jobs,
        &args.out,
        args.force,
    ) {
        Ok(report) => {
            stdout::print(&describe(&args.out, &report));
            ExitCode::SUCCESS
        }
        Err(e) => failed(e),
    }
}

/// Imports `logs` on `jobs` threads into the trace file `out`, written whole or not at all.
pub fn write_trace(
    logs: &[PathBuf],
    filter: &Filter,
    lenient: bool,
    jobs: usize,
    out: &Path,
    force: bool,
) -> Result<ImportReport, OutputError> {
    let mut file = OutputFile::begin(out, force, TRACE_HEADER)?;
    let report = audit::import(logs, filter, lenient, jobs, file.writer())
        .map_err(OutputError::Input)?
        .map_err(|e| file.write_error(e))?;
    file.commit()?;
    Ok(report)
}

fn nodes_exec(args: NodesArgs) -> ExitCode {
    let imported = match read_nodes(&args.nodes) {
        Ok(i) => i,
        Err(e) => return bad_input(&e),
    };
    let text = nodes::to_toml(&imported, &args.nodes.display().to_string());
    let written = OutputFile::begin(&args.out, args.force, NODES_MARK).and_then(|mut f| {
        use std::io::Write;
        f.writer()
            .write_all(text.as_bytes())
            .map_err(|e| f.write_error(e))?;
        f.commit()
    });
    if let Err(e) = written {
        return failed(e);
    }
    let mut o = format!(
        "{}: {} node group(s), {} node(s)\n",
        args.out.display(),
        imported.groups.len(),
        imported.groups.iter().map(|g| g.count).sum::<u32>()
    );
    for g in imported.groups.iter().filter(|g| g.unknown.is_some()) {
        o.push_str(&format!(
            "  {} node(s) of {} in {}: not run as is ({}); add [[instance_types]] with its eni_pods, see the file\n",
            g.count,
            g.instance_type,
            g.zone,
            g.unknown.as_deref().unwrap_or_default()
        ));
    }
    if !imported.unlabelled.is_empty() {
        o.push_str(&format!(
            "  left out, without an instance type or zone label: {}\n",
            imported.unlabelled.join(", ")
        ));
    }
    stdout::print(&o);
    ExitCode::SUCCESS
}

/// Reads a node list file.
pub fn read_nodes(path: &Path) -> Result<Imported, InputError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| InputError::new(&label, e.to_string()))?;
    nodes::import(&text, &label)
}

/// Reports a failed write or bad input and gives its exit code.
pub fn failed(e: OutputError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}

/// What an import wrote and left out, for a person.
pub fn describe(out: &Path, r: &ImportReport) -> String {
    let mut o = format!(
        "{}: {} pod(s) created, {} deleted ({} by eviction) over {:.1} s; {} alive when the logs end\n",
        out.display(),
        r.creates,
        r.deletes,
        r.evictions,
        r.span_s,
        r.alive_at_end
    );
    o.push_str(&format!("  read {} line(s)", r.lines));
    if r.static_ip > 0 {
        o.push_str(&format!(
            "; {} pod(s) keep their IP (static IP)",
            r.static_ip
        ));
    }
    o.push('\n');
    let left_out = [
        (r.not_exclusive_eni, "pod(s) not asking for an exclusive ENI (--all-pods takes them)"),
        (r.without_object, "create(s) logged without the pod object (audit level Metadata): ENI request, labels and owner unknown; taken only with --all-pods and no --selector (docs/traces.md has an audit policy that logs them)"),
        (r.filtered_out, "pod(s) outside --namespace / --selector"),
        (r.failed, "failed request(s) (code >= 400)"),
        (r.duplicates, "event(s) logged twice"),
        (r.created_while_alive, "create(s) of a pod already alive"),
        (r.unknown_deletes, "delete(s) of pods never seen created (alive before the logs begin)"),
        (r.repeat_deletes, "repeated delete(s) of an ended pod (graceful deletion)"),
        (r.bad_names, "pod(s) whose name and namespace make no valid pod name"),
        (r.bad_lines, "line(s) that are not audit events (--lenient)"),
    ];
    for (n, what) in left_out.iter().filter(|(n, _)| *n > 0) {
        o.push_str(&format!("  left out: {n} {what}\n"));
    }
    if r.late > 0 {
        o.push_str(&format!(
            "  {} event(s) more than {} s out of order in their file, written at the time reached\n",
            r.late,
            REORDER_WINDOW_US / 1_000_000
        ));
    }
    o
}
