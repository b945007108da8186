//! A sink on a thread of its own: the simulation hands each row over, its text copied into a
//! batch, and goes on while another core formats and writes it. A big run's CSV files cost
//! about as much as the simulation itself; on two cores they now cost it little.
//!
//! Rows reach the inner sink in the order the simulation produced them, so its output is the
//! same as if it ran inline.

use super::rows::{
    ApiCallRow, ApiCallRowOf, Distributions, EniRow, EniRowOf, GroupRow, GroupRowOf, PodRow,
    PodRowOf, SampleRow, Sink, SubnetRow, SubnetRowOf,
};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Rows per batch: enough that the hand-over costs little per row, few enough that a batch
/// stays in cache.
const BATCH_ROWS: usize = 2048;
/// Batches in flight between the threads: the simulation waits when the writer is this far
/// behind, so memory stays bounded.
const IN_FLIGHT: usize = 4;

/// Where a row's string lies in its batch's text.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

/// A row with its text moved into the batch.
enum Row {
    Pod(PodRowOf<Span>),
    Eni(EniRowOf<Span>),
    ApiCall(ApiCallRowOf<Span>),
    Sample(Box<SampleRow>),
    Group(GroupRowOf<Span>),
    Subnet(SubnetRowOf<Span>),
}

#[derive(Default)]
struct Batch {
    text: String,
    rows: Vec<Row>,
}

impl Batch {
    fn put(&mut self, s: &&str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span {
            start,
            end: self.text.len() as u32,
        }
    }

    fn get(&self, span: &Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }

    /// Hands every row to `sink`, in order.
    fn replay(&self, sink: &mut impl Sink) {
        let get = |span: &Span| self.get(span);
        for row in &self.rows {
            match row {
                Row::Pod(r) => sink.pod(&r.map_text(get)),
                Row::Eni(r) => sink.eni(&r.map_text(get)),
                Row::ApiCall(r) => sink.api_call(&r.map_text(get)),
                Row::Sample(r) => sink.sample(r),
                Row::Group(r) => sink.node_group(&r.map_text(get)),
                Row::Subnet(r) => sink.subnet(&r.map_text(get)),
            }
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }
}

/// The writer thread and the channels to it.
struct Worker<S> {
    to: SyncSender<Batch>,
    back: Receiver<Batch>,
    thread: JoinHandle<S>,
}

/// A [`Sink`] that passes every row to `S` running on another thread.
pub struct Relay<S: Sink + Send + 'static> {
    batch: Batch,
    worker: Option<Worker<S>>,
    /// The inner sink once its thread is done (after [`Sink::distributions`]).
    done: Option<S>,
}

impl<S: Sink + Send + 'static> Relay<S> {
    /// Starts `sink`'s thread (an error if the system cannot start one).
    pub fn spawn(mut sink: S) -> std::io::Result<Relay<S>> {
        let (to, rows) = sync_channel::<Batch>(IN_FLIGHT);
        let (recycle, back) = sync_channel::<Batch>(IN_FLIGHT + 1);
        let thread = std::thread::Builder::new()
            .name("enisim-rows".into())
            .spawn(move || {
                for mut batch in rows {
                    batch.replay(&mut sink);
                    batch.clear();
                    // The relay may have stopped taking batches back; that is fine.
                    let _ = recycle.try_send(batch);
                }
                sink
            })?;
        Ok(Relay {
            batch: Batch::default(),
            worker: Some(Worker { to, back, thread }),
            done: None,
        })
    }

    /// Waits for every row to be handed over and returns the inner sink.
    pub fn finish(mut self) -> S {
        self.join();
        self.done.take().expect("joined")
    }

    fn push(&mut self, row: Row) {
        self.batch.rows.push(row);
        if self.batch.rows.len() >= BATCH_ROWS {
            self.send();
        }
    }

    fn send(&mut self) {
        let Some(worker) = &self.worker else { return };
        let next = worker.back.try_recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        if worker.to.send(full).is_err() {
            // The thread died (a panic in the inner sink): `join` reports it.
            self.join();
        }
    }

    fn join(&mut self) {
        if self.done.is_some() {
            return;
        }
        if !self.batch.rows.is_empty() {
            if let Some(worker) = &self.worker {
                let _ = worker.to.send(std::mem::take(&mut self.batch));
            }
        }
        let worker = self.worker.take().expect("a relay runs until joined");
        drop(worker.to);
        match worker.thread.join() {
            Ok(sink) => self.done = Some(sink),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl<S: Sink + Send + 'static> Sink for Relay<S> {
    fn pod(&mut self, row: &PodRow) {
        let row = row.map_text(|s| self.batch.put(s));
        self.push(Row::Pod(row));
    }

    fn eni(&mut self, row: &EniRow) {
        let row = row.map_text(|s| self.batch.put(s));
        self.push(Row::Eni(row));
    }

    fn api_call(&mut self, row: &ApiCallRow) {
        let row = row.map_text(|s| self.batch.put(s));
        self.push(Row::ApiCall(row));
    }

    fn sample(&mut self, row: &SampleRow) {
        self.push(Row::Sample(Box::new(*row)));
    }

    fn node_group(&mut self, row: &GroupRow) {
        let row = row.map_text(|s| self.batch.put(s));
        self.push(Row::Group(row));
    }

    fn subnet(&mut self, row: &SubnetRow) {
        let row = row.map_text(|s| self.batch.put(s));
        self.push(Row::Subnet(row));
    }

    /// The last thing a run hands over: the thread is joined and the inner sink takes them
    /// here.
    fn distributions(&mut self, d: &Distributions) {
        self.join();
        self.done.as_mut().expect("joined").distributions(d);
    }
}

impl<S> PodRowOf<S> {
    fn map_text<T>(&self, mut f: impl FnMut(&S) -> T) -> PodRowOf<T> {
        PodRowOf {
            name: self.name.as_ref().map(&mut f),
            workload: f(&self.workload),
            serial: self.serial,
            node: self.node.as_ref().map(|(group, n)| (f(group), *n)),
            zone: self.zone.as_ref().map(&mut f),
            ip: self.ip,
            created: self.created,
            scheduled: self.scheduled,
            ready: self.ready,
            deleted: self.deleted,
            from_pool: self.from_pool,
            failure: self.failure,
            end: self.end,
        }
    }
}

impl<S> EniRowOf<S> {
    fn map_text<T>(&self, mut f: impl FnMut(&S) -> T) -> EniRowOf<T> {
        EniRowOf {
            eni: self.eni,
            subnet: f(&self.subnet),
            ip: self.ip,
            node: (f(&self.node.0), self.node.1),
            created: self.created,
            attached: self.attached,
            released: self.released,
            deleted: self.deleted,
            pods_served: self.pods_served,
            state: self.state,
        }
    }
}

impl<S> ApiCallRowOf<S> {
    fn map_text<T>(&self, mut f: impl FnMut(&S) -> T) -> ApiCallRowOf<T> {
        ApiCallRowOf {
            issued: self.issued,
            api: self.api,
            node: (f(&self.node.0), self.node.1),
            eni: self.eni,
            latency: self.latency,
            result: self.result,
        }
    }
}

impl<S> GroupRowOf<S> {
    fn map_text<T>(&self, mut f: impl FnMut(&S) -> T) -> GroupRowOf<T> {
        GroupRowOf {
            time: self.time,
            group: f(&self.group),
            zone: f(&self.zone),
            nodes: self.nodes,
            pods: self.pods,
            enis_bound: self.enis_bound,
            enis_idle: self.enis_idle,
        }
    }
}

impl<S> SubnetRowOf<S> {
    fn map_text<T>(&self, mut f: impl FnMut(&S) -> T) -> SubnetRowOf<T> {
        SubnetRowOf {
            time: self.time,
            subnet: f(&self.subnet),
            zone: f(&self.zone),
            used_ips: self.used_ips,
            usable_ips: self.usable_ips,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::report::stats::Samples;
    use std::net::Ipv4Addr;

    /// Writes down every call, text included.
    #[derive(Default)]
    struct Record(Vec<String>);

    impl Sink for Record {
        fn pod(&mut self, r: &PodRow) {
            let (name, node, zone) = (r.name, r.node, r.zone);
            self.0.push(format!(
                "pod {name:?} {} {} {node:?} {zone:?} {:?} {}",
                r.workload, r.serial, r.ip, r.created
            ));
        }
        fn eni(&mut self, r: &EniRow) {
            self.0.push(format!(
                "eni {} {} {:?} {}",
                r.eni, r.subnet, r.node, r.state
            ));
        }
        fn api_call(&mut self, r: &ApiCallRow) {
            self.0.push(format!(
                "api {} {} {:?} {}",
                r.issued, r.api, r.node, r.result
            ));
        }
        fn sample(&mut self, r: &SampleRow) {
            self.0.push(format!("sample {:?}", r));
        }
        fn node_group(&mut self, r: &GroupRow) {
            self.0
                .push(format!("group {} {} {}", r.group, r.zone, r.pods));
        }
        fn subnet(&mut self, r: &SubnetRow) {
            self.0
                .push(format!("subnet {} {} {}", r.subnet, r.zone, r.used_ips));
        }
        fn distributions(&mut self, d: &Distributions) {
            self.0
                .push(format!("distributions {}", d.startup_hit_ms.len()));
        }
    }

    /// A run's worth of calls of every kind, over several batches, with text of varied length.
    fn feed(sink: &mut impl Sink) {
        let names: Vec<String> = (0..50)
            .map(|i| "w".repeat(i % 7) + &i.to_string())
            .collect();
        for i in 0..3 * BATCH_ROWS as u32 + 17 {
            let text = &names[i as usize % names.len()];
            let at = SimTime(u64::from(i) * 7);
            match i % 6 {
                0 => sink.pod(&PodRow {
                    name: (i % 4 == 0).then_some(text.as_str()),
                    workload: text,
                    serial: i,
                    node: (i % 3 != 0).then_some((text.as_str(), i)),
                    zone: Some("ap-guangzhou-3"),
                    ip: Some(Ipv4Addr::from(i)),
                    created: at,
                    scheduled: None,
                    ready: Some(at),
                    deleted: None,
                    from_pool: i % 2 == 0,
                    failure: None,
                    end: Some("deleted"),
                }),
                1 => sink.eni(&EniRow {
                    eni: i,
                    subnet: text,
                    ip: None,
                    node: ("g", i),
                    created: at,
                    attached: None,
                    released: None,
                    deleted: Some(at),
                    pods_served: 2,
                    state: "deleted",
                }),
                2 => sink.api_call(&ApiCallRow {
                    issued: at,
                    api: "CreateNetworkInterface",
                    node: (text, i),
                    eni: i,
                    latency: SimTime(1200),
                    result: "ok",
                }),
                3 => sink.sample(&SampleRow {
                    time: at,
                    pods_running: i,
                    ..SampleRow::default()
                }),
                4 => sink.node_group(&GroupRow {
                    time: at,
                    group: text,
                    zone: "z",
                    nodes: 1,
                    pods: i,
                    enis_bound: 0,
                    enis_idle: 0,
                }),
                _ => sink.subnet(&SubnetRow {
                    time: at,
                    subnet: text,
                    zone: "z",
                    used_ips: i,
                    usable_ips: 100,
                }),
            }
        }
        let mut hits = Samples::default();
        hits.push(5);
        sink.distributions(&Distributions {
            startup_hit_ms: &hits,
            startup_miss_ms: &Samples::default(),
            release_delay_ms: &Samples::default(),
        });
    }

    #[test]
    fn the_inner_sink_gets_every_row_as_handed_over_in_order() {
        let mut direct = Record::default();
        feed(&mut direct);
        let mut relay = Relay::spawn(Record::default()).unwrap();
        feed(&mut relay);
        let relayed = relay.finish();
        assert_eq!(relayed.0.len(), 3 * BATCH_ROWS + 18);
        assert_eq!(relayed.0, direct.0);
    }

    #[test]
    fn a_run_that_stops_early_still_hands_over_its_rows() {
        let mut relay = Relay::spawn(Record::default()).unwrap();
        relay.sample(&SampleRow::default());
        assert_eq!(relay.finish().0.len(), 1);
    }
}
