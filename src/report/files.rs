//! Writes a run's CSV streams, row by row, into the folder [`crate::output`] stages.

use super::rows::{
    ApiCallRow, Distributions, EniRow, GroupRow, PodRow, SampleRow, Sink, SubnetRow,
};
use super::series::RunSeries;
use crate::engine::SimTime;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::Path;

/// CSV headers, a contract with users' scripts: columns may be added, never renamed.
const PODS_HEADER: &str = "pod,workload,node,zone,ip,created_s,scheduled_s,ready_s,deleted_s,startup_latency_s,from_pool,failure,end";
const ENIS_HEADER: &str =
    "eni,subnet,ip,node,created_s,attached_s,released_s,deleted_s,pods_served,state";
const API_HEADER: &str = "time_s,api,node,eni,latency_s,result";
/// The `pending_<reason>` columns follow `SchedulingFailure::ALL`, the `calls_<endpoint>`
/// columns `Endpoint::ALL`, the `errors_<code>` columns `ApiErrorCode::ALL`; the ENI
/// controller's queue columns come last (empty under `controller.model = "per_node"`, which
/// has no queue).
const TIMESERIES_HEADER: &str = "time_s,pods_running,pods_pending,pods_waiting_eni,enis_bound,enis_idle,enis_in_flight,enis_total,subnet_free_ips,api_calls,enis_retained,pending_no_nodes,pending_no_subnet_in_zone,pending_no_free_eni_slot,pending_no_node_in_ip_zone,pending_ip_zone_full,pending_no_free_ip_in_zone,nodes,band_low,band_high,pods_started,pool_hits,calls_create,calls_attach,calls_detach,calls_delete,calls_describe_task,errors_RequestLimitExceeded,errors_LimitExceeded,errors_ResourceInsufficient,errors_InternalError,errors_Timeout,queue_depth,queue_oldest_wait_s,queue_backoff,workers_busy";
const GROUPS_HEADER: &str = "time_s,node_group,zone,nodes,pods,enis_bound,enis_idle";
const SUBNETS_HEADER: &str = "time_s,subnet,zone,used_ips,usable_ips";

/// "00" to "99": two decimal digits per table entry.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// A CSV line under construction. Rows are formatted by hand into one reused buffer, then
/// written whole: `write!` through `core::fmt` cost about a sixth of a large run's time.
/// Every method writes exactly what the `Display` form it replaces would.
#[derive(Default)]
struct Line(Vec<u8>);

impl Line {
    fn comma(&mut self) -> &mut Self {
        self.0.push(b',');
        self
    }

    /// A text field, quoted if it needs it.
    fn field(&mut self, s: &str) -> &mut Self {
        if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            self.0.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.0.push(b'"');
                }
                self.0.push(b);
            }
            self.0.push(b'"');
        } else {
            self.0.extend_from_slice(s.as_bytes());
        }
        self
    }

    /// A fixed word (an API name, a state, a result), written as is.
    fn raw(&mut self, s: &str) -> &mut Self {
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    /// An unsigned integer, in decimal.
    fn int(&mut self, n: u64) -> &mut Self {
        self.padded(n, 1)
    }

    /// An unsigned integer zero-padded to at least `width` digits (`{:0width$}`, `width` at
    /// most 20). Two digits per division; the digits are built left-aligned in a fixed
    /// array that is appended whole and then cut to length, so no variable-length copy.
    fn padded(&mut self, mut n: u64, width: usize) -> &mut Self {
        let len = (n.checked_ilog10().unwrap_or(0) as usize + 1)
            .max(width)
            .min(20);
        let mut digits = [b'0'; 20];
        let mut i = len;
        while n >= 100 {
            let pair = 2 * (n % 100) as usize;
            n /= 100;
            i -= 2;
            digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        if n >= 10 {
            let pair = 2 * n as usize;
            digits[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else {
            digits[i - 1] = b'0' + n as u8;
        }
        let at = self.0.len();
        self.0.extend_from_slice(&digits);
        self.0.truncate(at + len);
        self
    }

    /// Seconds with three decimals, as `SimTime`'s `Display`.
    fn time(&mut self, t: SimTime) -> &mut Self {
        let ms = t.as_millis();
        self.int(ms / 1000);
        self.0.push(b'.');
        self.padded(ms % 1000, 3)
    }

    fn opt_time(&mut self, t: Option<SimTime>) -> &mut Self {
        if let Some(t) = t {
            self.time(t);
        }
        self
    }

    fn ip(&mut self, ip: Ipv4Addr) -> &mut Self {
        let [a, b, c, d] = ip.octets();
        self.int(a.into()).raw(".").int(b.into()).raw(".");
        self.int(c.into()).raw(".").int(d.into())
    }

    /// `eni-` and the id on at least 8 digits.
    fn eni(&mut self, id: u32) -> &mut Self {
        self.raw("eni-").padded(id.into(), 8)
    }

    /// A node name `<group>-<ordinal>`.
    fn node(&mut self, (group, ordinal): (&str, u32)) -> &mut Self {
        self.field(group).raw("-").int(ordinal.into())
    }

    fn flag(&mut self, b: bool) -> &mut Self {
        self.raw(if b { "true" } else { "false" })
    }

    /// Writes the line and its newline to `w`, and empties the buffer.
    fn end(&mut self, w: &mut impl Write) -> io::Result<()> {
        self.0.push(b'\n');
        let r = w.write_all(&self.0);
        self.0.clear();
        r
    }
}

/// The CSV streams of a run, written into a staging directory.
pub struct CsvFiles {
    /// What the charts draw, kept as the rows pass.
    series: RunSeries,
    pods: BufWriter<File>,
    enis: BufWriter<File>,
    api: BufWriter<File>,
    timeseries: BufWriter<File>,
    groups: BufWriter<File>,
    subnets: BufWriter<File>,
    line: Line,
    error: Option<io::Error>,
}

fn create(dir: &Path, name: &str, header: &str) -> io::Result<BufWriter<File>> {
    let mut w = BufWriter::with_capacity(1 << 16, File::create(dir.join(name))?);
    writeln!(w, "{header}")?;
    Ok(w)
}

impl CsvFiles {
    /// Opens the CSV files in `dir`, headers written.
    pub fn create(dir: &Path) -> io::Result<Self> {
        Ok(CsvFiles {
            series: RunSeries::default(),
            pods: create(dir, "pods.csv", PODS_HEADER)?,
            enis: create(dir, "enis.csv", ENIS_HEADER)?,
            api: create(dir, "api_calls.csv", API_HEADER)?,
            timeseries: create(dir, "timeseries.csv", TIMESERIES_HEADER)?,
            groups: create(dir, "node_groups.csv", GROUPS_HEADER)?,
            subnets: create(dir, "subnets.csv", SUBNETS_HEADER)?,
            line: Line::default(),
            error: None,
        })
    }

    /// Flushes every file, reporting the first write error of the run, and hands back what
    /// the charts draw.
    pub fn finish(mut self) -> io::Result<RunSeries> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        for w in [
            &mut self.pods,
            &mut self.enis,
            &mut self.api,
            &mut self.timeseries,
            &mut self.groups,
            &mut self.subnets,
        ] {
            w.flush()?;
        }
        Ok(self.series)
    }

    fn keep(&mut self, r: io::Result<()>) {
        if let (Err(e), None) = (r, &self.error) {
            self.error = Some(e);
        }
    }
}

/// The pods.csv line of a row.
fn pod_line(l: &mut Line, r: &PodRow) {
    let latency = match (r.scheduled, r.ready) {
        (Some(s), Some(t)) => Some(t.since(s)),
        _ => None,
    };
    match r.name {
        Some(name) => l.field(name),
        None => l.field(r.workload).raw("-").int(r.serial.into()),
    };
    l.comma().field(r.workload).comma();
    if let Some(node) = r.node {
        l.node(node);
    }
    l.comma().field(r.zone.unwrap_or("")).comma();
    if let Some(ip) = r.ip {
        l.ip(ip);
    }
    l.comma().time(r.created).comma().opt_time(r.scheduled);
    l.comma().opt_time(r.ready).comma().opt_time(r.deleted);
    l.comma()
        .opt_time(latency)
        .comma()
        .flag(r.from_pool)
        .comma();
    l.raw(r.failure.unwrap_or(""))
        .comma()
        .raw(r.end.unwrap_or(""));
}

/// The enis.csv line of a row.
fn eni_line(l: &mut Line, r: &EniRow) {
    l.eni(r.eni).comma().field(r.subnet).comma();
    if let Some(ip) = r.ip {
        l.ip(ip);
    }
    l.comma().node(r.node).comma().time(r.created);
    l.comma().opt_time(r.attached).comma().opt_time(r.released);
    l.comma()
        .opt_time(r.deleted)
        .comma()
        .int(r.pods_served.into());
    l.comma().raw(r.state);
}

/// The api_calls.csv line of a row.
fn api_line(l: &mut Line, r: &ApiCallRow) {
    l.time(r.issued).comma().raw(r.api).comma().node(r.node);
    l.comma()
        .eni(r.eni)
        .comma()
        .time(r.latency)
        .comma()
        .raw(r.result);
}

/// The timeseries.csv line of a row.
fn sample_line(l: &mut Line, r: &SampleRow) {
    l.time(r.time);
    for n in [
        r.pods_running,
        r.pods_pending,
        r.pods_waiting_eni,
        r.enis_bound,
        r.enis_idle,
        r.enis_in_flight,
        r.enis_total,
    ] {
        l.comma().int(n.into());
    }
    l.comma().int(r.subnet_free_ips).comma().int(r.api_calls);
    l.comma().int(r.enis_retained.into());
    for n in r.pending_by_reason {
        l.comma().int(n.into());
    }
    for n in [
        r.nodes,
        r.band_low,
        r.band_high,
        r.pods_started,
        r.pool_hits,
    ] {
        l.comma().int(n.into());
    }
    for n in r.calls_by_endpoint.into_iter().chain(r.errors_by_code) {
        l.comma().int(n);
    }
    match r.queue {
        Some(q) => {
            l.comma().int(q.depth.into()).comma().time(q.oldest_wait);
            l.comma()
                .int(q.backoff.into())
                .comma()
                .int(q.workers_busy.into());
        }
        None => {
            l.comma().comma().comma().comma();
        }
    }
}

/// The node_groups.csv line of a row.
fn group_line(l: &mut Line, r: &GroupRow) {
    l.time(r.time).comma().field(r.group).comma().field(r.zone);
    for n in [r.nodes, r.pods, r.enis_bound, r.enis_idle] {
        l.comma().int(n.into());
    }
}

/// The subnets.csv line of a row.
fn subnet_line(l: &mut Line, r: &SubnetRow) {
    l.time(r.time).comma().field(r.subnet).comma().field(r.zone);
    l.comma()
        .int(r.used_ips.into())
        .comma()
        .int(r.usable_ips.into());
}

impl Sink for CsvFiles {
    fn pod(&mut self, r: &PodRow) {
        pod_line(&mut self.line, r);
        let res = self.line.end(&mut self.pods);
        self.keep(res);
    }

    fn eni(&mut self, r: &EniRow) {
        eni_line(&mut self.line, r);
        let res = self.line.end(&mut self.enis);
        self.keep(res);
    }

    fn api_call(&mut self, r: &ApiCallRow) {
        api_line(&mut self.line, r);
        let res = self.line.end(&mut self.api);
        self.keep(res);
    }

    fn sample(&mut self, r: &SampleRow) {
        self.series.sample(r);
        sample_line(&mut self.line, r);
        let res = self.line.end(&mut self.timeseries);
        self.keep(res);
    }

    fn node_group(&mut self, r: &GroupRow) {
        self.series.node_group(r);
        group_line(&mut self.line, r);
        let res = self.line.end(&mut self.groups);
        self.keep(res);
    }

    fn subnet(&mut self, r: &SubnetRow) {
        self.series.subnet(r);
        subnet_line(&mut self.line, r);
        let res = self.line.end(&mut self.subnets);
        self.keep(res);
    }

    fn distributions(&mut self, d: &Distributions) {
        self.series.distributions(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::api::{ApiErrorCode, Endpoint};
    use crate::cluster::pod::SchedulingFailure;
    use crate::report::rows::QueueSample;

    #[test]
    fn timeseries_has_a_column_per_reason_endpoint_and_error_code_then_the_queue() {
        let pending: Vec<String> = SchedulingFailure::ALL
            .iter()
            .map(|r| format!("pending_{}", r.name()))
            .collect();
        let calls: Vec<String> = Endpoint::ALL
            .iter()
            .map(|e| format!("calls_{}", e.name()))
            .collect();
        let errors: Vec<String> = ApiErrorCode::ALL
            .iter()
            .map(|c| format!("errors_{}", c.name()))
            .collect();
        let expected = format!(
            ",enis_retained,{},nodes,band_low,band_high,pods_started,pool_hits,{},{},queue_depth,queue_oldest_wait_s,queue_backoff,workers_busy",
            pending.join(","),
            calls.join(","),
            errors.join(",")
        );
        assert!(
            TIMESERIES_HEADER.ends_with(&expected),
            "{TIMESERIES_HEADER}"
        );
        let mut l = Line::default();
        let row = SampleRow {
            pending_by_reason: [1, 0, 2, 0, 0, 7],
            nodes: 3,
            band_low: 8,
            band_high: 12,
            pods_started: 5,
            pool_hits: 4,
            calls_by_endpoint: [1, 2, 3, 4, 50],
            errors_by_code: [40, 0, 0, 1, 2],
            ..SampleRow::default()
        };
        sample_line(&mut l, &row);
        let text = String::from_utf8(std::mem::take(&mut l.0)).unwrap();
        assert_eq!(
            text,
            "0.000,0,0,0,0,0,0,0,0,0,0,1,0,2,0,0,7,3,8,12,5,4,1,2,3,4,50,40,0,0,1,2,,,,"
        );
        let columns = TIMESERIES_HEADER.split(',').count();
        assert_eq!(text.split(',').count(), columns);
        let queued = SampleRow {
            queue: Some(QueueSample {
                depth: 12,
                oldest_wait: SimTime(4_250),
                backoff: 3,
                workers_busy: 2,
            }),
            ..row
        };
        sample_line(&mut l, &queued);
        let text = String::from_utf8(l.0).unwrap();
        assert!(text.ends_with(",40,0,0,1,2,12,4.250,3,2"), "{text}");
        assert_eq!(text.split(',').count(), columns);
    }

    #[test]
    fn group_and_subnet_lines_follow_their_headers() {
        let mut l = Line::default();
        group_line(
            &mut l,
            &GroupRow {
                time: SimTime(10_000),
                group: "web,a",
                zone: "z1",
                nodes: 2,
                pods: 7,
                enis_bound: 9,
                enis_idle: 2,
            },
        );
        let text = String::from_utf8(std::mem::take(&mut l.0)).unwrap();
        assert_eq!(text, "10.000,\"web,a\",z1,2,7,9,2");
        assert_eq!(GROUPS_HEADER.split(',').count(), 7);
        subnet_line(
            &mut l,
            &SubnetRow {
                time: SimTime(0),
                subnet: "subnet-a",
                zone: "z1",
                used_ips: 12,
                usable_ips: 253,
            },
        );
        let text = String::from_utf8(l.0).unwrap();
        assert_eq!(text, "0.000,subnet-a,z1,12,253");
        assert_eq!(SUBNETS_HEADER.split(',').count(), 5);
    }

    /// The hand-written lines are byte for byte what `format!` with the types' `Display`
    /// forms gave before them.
    #[test]
    fn lines_match_the_display_forms() {
        let mut l = Line::default();
        let mut text = |f: &dyn Fn(&mut Line)| {
            f(&mut l);
            let s = String::from_utf8(l.0.clone()).unwrap();
            l.0.clear();
            s
        };
        for n in [
            0,
            7,
            10,
            999,
            1000,
            123_456_789,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            assert_eq!(
                text(&|l| {
                    l.int(n);
                }),
                n.to_string()
            );
            assert_eq!(
                text(&|l| {
                    l.padded(n, 8);
                }),
                format!("{n:08}")
            );
            assert_eq!(
                text(&|l| {
                    l.time(SimTime(n));
                }),
                SimTime(n).to_string()
            );
        }
        for id in [0, 42, 99_999_999, 123_456_789, u32::MAX] {
            assert_eq!(
                text(&|l| {
                    l.eni(id);
                }),
                format!("eni-{id:08}")
            );
        }
        for ip in [[0, 0, 0, 0], [10, 1, 255, 7], [255, 255, 255, 255]] {
            let ip = Ipv4Addr::from(ip);
            assert_eq!(
                text(&|l| {
                    l.ip(ip);
                }),
                ip.to_string()
            );
        }
        // Quoted only when needed, inner quotes doubled (RFC 4180).
        for (s, quoted) in [
            ("web", "web"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\r", "\"cr\r\""),
            ("", ""),
        ] {
            assert_eq!(
                text(&|l| {
                    l.field(s);
                }),
                quoted
            );
        }
        let row = PodRow {
            name: Some("trace,pod"),
            workload: "w\"q",
            serial: 3,
            node: Some(("g,1", 12)),
            zone: Some("z"),
            ip: Some(Ipv4Addr::new(10, 0, 3, 4)),
            created: SimTime(1),
            scheduled: Some(SimTime(1500)),
            ready: Some(SimTime(62_001)),
            deleted: None,
            from_pool: true,
            failure: None,
            end: Some("deleted"),
        };
        assert_eq!(
            text(&|l| pod_line(l, &row)),
            "\"trace,pod\",\"w\"\"q\",\"g,1\"-12,z,10.0.3.4,0.001,1.500,62.001,,60.501,true,,deleted"
        );
        let row = PodRow {
            name: None,
            node: None,
            zone: None,
            ip: None,
            scheduled: None,
            ready: None,
            from_pool: false,
            failure: Some("no_nodes"),
            end: None,
            ..row
        };
        assert_eq!(
            text(&|l| pod_line(l, &row)),
            "\"w\"\"q\"-3,\"w\"\"q\",,,,0.001,,,,,false,no_nodes,"
        );
    }
}
