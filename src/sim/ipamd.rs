//! The ENI controller in the queue model (`[controller] model = "queue"`): changes the
//! controller must act on add items to its work queue; workers take them first come first
//! served, reconcile them (the policy decides), and send the VPC calls that are due one by
//! one, each after a token of the client-side limit, holding the worker for the call's
//! request round trip. A failed call requeues its item through the rate limiter; a success
//! forgets the item's backoff. See [`crate::controller`] for the model and its sources.

use super::{Event, Simulation};
use crate::cloud::eni::EniId;
use crate::cloud::latency::Sampler;
use crate::cloud::vpc::{Api, Delivery};
use crate::cluster::pod::PodState;
use crate::controller::limiter::{ItemBackoff, RequeueLimiter, ReservingBucket};
use crate::controller::phases::Phase;
use crate::controller::workqueue::{Added, WorkQueue};
use crate::controller::{ControllerConfig, ControllerModel};
use crate::engine::{RngStreams, SimTime, Stream};
use crate::report::rows::QueueSample;
use crate::scenario::model::{PolicyMode, Scenario};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// What a reconcile works on: a node's pool (pool mode; in static IP mode its releases), or a
/// pod that needs an ENI (static IP mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Item {
    Node(u32),
    Pod(u32),
}

impl Item {
    /// The queue's dense key: nodes even, pods odd.
    fn key(self) -> u32 {
        match self {
            Item::Node(n) => n * 2,
            Item::Pod(p) => p * 2 + 1,
        }
    }

    fn of_key(key: u32) -> Item {
        if key.is_multiple_of(2) {
            Item::Node(key / 2)
        } else {
            Item::Pod(key / 2)
        }
    }
}

/// How many ENIs a reconcile may bind itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Binds {
    /// All the policy asks for (pool mode, and the per-node model).
    All,
    /// At most one: a static IP mode pod's own ENI.
    One,
    /// None: a static IP mode node leaves binds to its waiting pods' items.
    ToPods,
}

/// A VPC call waiting for a worker.
#[derive(Clone, Copy, Debug)]
enum Outgoing {
    /// A first call on an ENI.
    New(Api, EniId),
    /// A failed call (in its call slot) sent again.
    Again(u32),
}

impl Outgoing {
    fn eni(self, sim: &Simulation) -> EniId {
        match self {
            Outgoing::New(_, eni) => eni,
            Outgoing::Again(slot) => {
                sim.calls[slot as usize]
                    .expect("a call waits in its slot")
                    .eni
            }
        }
    }
}

/// One reconciler.
#[derive(Debug, Default)]
struct Worker {
    /// The item it is processing.
    item: Option<u32>,
    /// The calls of that item it has still to send, in order.
    batch: VecDeque<Outgoing>,
    /// When the token for the next call is due, once reserved.
    token_at: Option<SimTime>,
    /// True once it sent a call for the item (the reconcile's outcome then comes with the
    /// calls' results).
    sent: bool,
    /// True while a `Work` event for it is scheduled.
    woken: bool,
}

/// The controller's state.
pub(super) struct Ipamd {
    queue: WorkQueue,
    requeue: RequeueLimiter,
    client: ReservingBucket,
    /// Per item key: the calls waiting for its next reconcile.
    outbox: Vec<Vec<Outgoing>>,
    /// Per ENI id: the item its calls belong to (`u32::MAX`: its node's).
    owner: Vec<u32>,
    workers: Vec<Worker>,
    /// The item being reconciled, and when it was added to the queue.
    reconciling: Option<(u32, SimTime)>,
    /// True in static IP mode: pods needing an ENI are items of their own.
    pod_items: bool,
    /// A request's round trip, which holds the worker (the `describe_task` latency).
    round_trip: Sampler,
    rng: ChaCha8Rng,
}

impl Ipamd {
    /// The controller a scenario asks for, or `None` for the per-node model.
    pub(super) fn for_scenario(sc: &Scenario, streams: &RngStreams) -> Option<Box<Ipamd>> {
        let c: ControllerConfig = sc.controller;
        if c.model == ControllerModel::PerNode {
            return None;
        }
        Some(Box::new(Ipamd {
            queue: WorkQueue::new(),
            requeue: RequeueLimiter::new(
                ItemBackoff::new(c.item_backoff_base, c.item_backoff_max),
                ReservingBucket::new(c.requeue_milli_qps, c.requeue_burst),
            ),
            client: ReservingBucket::new(c.vpc_milli_qps, c.vpc_burst),
            outbox: Vec::new(),
            owner: Vec::new(),
            workers: (0..c.workers).map(|_| Worker::default()).collect(),
            reconciling: None,
            pod_items: sc.policy.mode == PolicyMode::Static,
            round_trip: Sampler::new(sc.vpc.latency.describe_task),
            rng: streams.stream(Stream::Controller),
        }))
    }

    fn outbox(&mut self, key: u32) -> &mut Vec<Outgoing> {
        let i = key as usize;
        if i >= self.outbox.len() {
            self.outbox.resize_with(i + 1, Vec::new);
        }
        &mut self.outbox[i]
    }

    /// True while the controller has work queued, in hand or waiting out a delay.
    pub(super) fn is_busy(&self) -> bool {
        self.queue.is_busy()
    }

    /// The queue's figures for a timeseries sample at `now`.
    pub(super) fn sample(&self, now: SimTime) -> QueueSample {
        QueueSample {
            depth: self.queue.depth() as u32,
            oldest_wait: self
                .queue
                .oldest_added()
                .map_or(SimTime::ZERO, |t| now.since(t)),
            backoff: self.queue.delayed() as u32,
            workers_busy: self.workers.iter().filter(|w| w.item.is_some()).count() as u32,
        }
    }
}

impl Simulation<'_> {
    /// True when the queue model runs.
    pub(super) fn queued(&self) -> bool {
        self.ipamd.is_some()
    }

    /// What a reconcile of `node` may bind: in static IP mode a node's own reconcile leaves
    /// binds to its pods' items.
    pub(super) fn node_binds(&self) -> Binds {
        match &self.ipamd {
            Some(c) if c.pod_items => Binds::ToPods,
            _ => Binds::All,
        }
    }

    /// The item an ENI's calls belong to.
    fn owner_of(&self, eni: EniId) -> Item {
        let c = self.ipamd.as_ref().expect("queue model");
        match c.owner.get(eni.0 as usize) {
            Some(&key) if key != u32::MAX => Item::of_key(key),
            _ => Item::Node(self.enis[eni.0 as usize].node),
        }
    }

    /// The ENI's calls belong to `item` from now on.
    fn set_owner(&mut self, eni: EniId, item: Item) {
        let c = self.ipamd.as_mut().expect("queue model");
        let i = eni.0 as usize;
        if i >= c.owner.len() {
            c.owner.resize(i + 1, u32::MAX);
        }
        c.owner[i] = item.key();
    }

    /// An ENI bound by the reconcile in progress belongs to its item; its wait so far is the
    /// item's time in the queue.
    pub(super) fn bound_by_reconcile(&mut self, eni: EniId) {
        let Some((key, added)) = self.ipamd.as_ref().and_then(|c| c.reconciling) else {
            return;
        };
        self.set_owner(eni, Item::of_key(key));
        self.enter_phase_at(eni, added, Phase::Queued);
    }

    /// A static-IP pod's kept ENI is its pod's work from now on.
    pub(super) fn owned_by_pod(&mut self, eni: EniId, pod: u32) {
        if self.queued() {
            self.set_owner(eni, Item::Pod(pod));
        }
    }

    /// Something the reconcile of `item` must see changed: it joins the work queue (an
    /// informer's event, or a task the controller watches finishing).
    pub(super) fn enqueue(&mut self, item: Item) {
        let now = self.now();
        let Some(c) = self.ipamd.as_mut() else {
            return;
        };
        let key = item.key();
        let added = c.queue.add(key, now);
        self.after_add(key, added);
    }

    /// A pod placed on a node waits for a new ENI: in static IP mode that is its own item.
    pub(super) fn pod_needs_eni(&mut self, pod: u32) {
        if self.ipamd.as_ref().is_some_and(|c| c.pod_items) {
            self.enqueue(Item::Pod(pod));
        }
    }

    /// A static IP mode node's reconcile found `binds` ENIs missing: the newest pods waiting
    /// on it get their items queued (the older ones' ENIs are likelier to be on their way).
    pub(super) fn enqueue_waiting_pods(&mut self, node: u32, binds: u32) {
        let waiting: Vec<u32> = (self.nodes[node as usize].waiting.iter().rev())
            .take(binds as usize)
            .copied()
            .collect();
        for pod in waiting {
            self.enqueue(Item::Pod(pod));
        }
    }

    /// Bookkeeping after an add: calls waiting in the item's outbox, and a node's failed
    /// creates, are queued work from now on; a queued item wakes an idle worker.
    fn after_add(&mut self, key: u32, added: Added) {
        if added == Added::AlreadyDirty {
            return;
        }
        let c = self.ipamd.as_mut().expect("queue model");
        let enis: Vec<Outgoing> = c.outbox(key).clone();
        for out in enis {
            let eni = out.eni(self);
            self.enter_phase(eni, Phase::Queued);
        }
        if let Item::Node(node) = Item::of_key(key) {
            self.enter_failed_phase(node, Phase::Queued);
        }
        if added == Added::Queued {
            self.wake_worker();
        }
        let c = self.ipamd.as_mut().expect("queue model");
        let depth = c.queue.depth() as u64;
        let q = &mut self.metrics.queue;
        q.peak_depth = q.peak_depth.max(depth);
    }

    /// Schedules the first idle worker that is not already woken, if any.
    fn wake_worker(&mut self) {
        let now = self.now();
        let c = self.ipamd.as_mut().expect("queue model");
        if let Some(w) = c.workers.iter().position(|w| w.item.is_none() && !w.woken) {
            c.workers[w].woken = true;
            self.queue.schedule(now, Event::Work(w as u32));
        }
    }

    /// A call is to be made on `eni`: under the queue model it waits in its item's outbox
    /// for a worker (the item is added, unless it is being reconciled right now). False when
    /// the per-node model sends it at once instead.
    pub(super) fn park(&mut self, api: Api, eni: EniId) -> bool {
        if !self.queued() {
            return false;
        }
        let item = self.owner_of(eni);
        let key = item.key();
        let c = self.ipamd.as_mut().expect("queue model");
        c.outbox(key).push(Outgoing::New(api, eni));
        self.enter_phase(eni, Phase::Queued);
        let c = self.ipamd.as_mut().expect("queue model");
        if c.reconciling.map(|(k, _)| k) != Some(key) {
            self.enqueue(item);
        }
        true
    }

    /// A failed call (in `slot`) is to be sent again: it waits in its item's outbox, and the
    /// item is requeued through the rate limiter.
    pub(super) fn park_again(&mut self, slot: u32, eni: EniId) {
        let key = self.owner_of(eni).key();
        let c = self.ipamd.as_mut().expect("queue model");
        c.outbox(key).push(Outgoing::Again(slot));
        self.requeue_failed(eni);
    }

    /// A call on `eni` failed: its item is queued again after the rate limiter's delay.
    pub(super) fn requeue_failed(&mut self, eni: EniId) {
        let now = self.now();
        let key = self.owner_of(eni).key();
        let c = self.ipamd.as_mut().expect("queue model");
        let at = c.requeue.when(key, now);
        self.metrics.queue.requeues += 1;
        if at <= now {
            let added = c.queue.add(key, now);
            self.after_add(key, added);
        } else if c.queue.add_after(key, at) {
            self.queue.schedule(at, Event::ItemReady(key));
        }
    }

    /// A call on `eni` succeeded: its item's backoff starts over.
    pub(super) fn forget_item(&mut self, eni: EniId) {
        if !self.queued() {
            return;
        }
        let key = self.owner_of(eni).key();
        if let Some(c) = self.ipamd.as_mut() {
            c.requeue.forget(key);
        }
    }

    /// An item's requeue delay ran out.
    pub(super) fn item_ready(&mut self, key: u32) {
        let now = self.now();
        let c = self.ipamd.as_mut().expect("queue model");
        if let Some(added) = c.queue.ready(key, now) {
            self.after_add(key, added);
        }
    }

    /// A worker goes on: sends its item's next call once its token is due, finishes the item
    /// when every call is out, then takes the next item, until it must wait or has nothing.
    pub(super) fn work(&mut self, w: u32) {
        let now = self.now();
        let w = w as usize;
        self.ipamd.as_mut().expect("queue model").workers[w].woken = false;
        loop {
            let c = self.ipamd.as_mut().expect("queue model");
            let worker = &mut c.workers[w];
            let Some(key) = worker.item else {
                let Some((key, added)) = c.queue.get() else {
                    return;
                };
                worker.item = Some(key);
                self.metrics.queue.reconciles += 1;
                self.metrics
                    .queue
                    .wait_ms
                    .push(now.since(added).as_millis());
                self.reconcile_item(key, added);
                let c = self.ipamd.as_mut().expect("queue model");
                let batch = std::mem::take(c.outbox(key));
                c.workers[w].batch = batch.into();
                continue;
            };
            let Some(&out) = worker.batch.front() else {
                worker.item = None;
                if !std::mem::take(&mut worker.sent) {
                    c.requeue.forget(key);
                }
                c.queue.done(key);
                continue;
            };
            let at = match worker.token_at {
                Some(at) => at,
                None => {
                    let at = c.client.reserve(now);
                    c.workers[w].token_at = Some(at);
                    if at > now {
                        self.metrics.queue.client_waits += 1;
                        self.metrics.queue.client_wait_ms += at.since(now).as_millis();
                        let eni = out.eni(self);
                        self.enter_phase(eni, Phase::Throttled);
                    }
                    at
                }
            };
            if at > now {
                self.sleep_worker(w, at);
                return;
            }
            let c = self.ipamd.as_mut().expect("queue model");
            let worker = &mut c.workers[w];
            worker.batch.pop_front();
            worker.token_at = None;
            worker.sent = true;
            let free_at = self.send_outgoing(out);
            if free_at > now {
                self.sleep_worker(w, free_at);
                return;
            }
        }
    }

    fn sleep_worker(&mut self, w: usize, until: SimTime) {
        self.ipamd.as_mut().expect("queue model").workers[w].woken = true;
        self.queue.schedule(until, Event::Work(w as u32));
    }

    /// Reconciles the item a worker took: the policy decides for a node; a static IP mode pod
    /// that still waits gets one ENI for it bound on its node.
    fn reconcile_item(&mut self, key: u32, added: SimTime) {
        self.ipamd.as_mut().expect("queue model").reconciling = Some((key, added));
        match Item::of_key(key) {
            Item::Node(node) => {
                let binds = self.node_binds();
                self.reconcile_node_now(node, binds);
            }
            Item::Pod(pod) => {
                let p = &self.pods[pod as usize];
                if p.state == PodState::WaitingEni && p.eni.is_none() {
                    if let Some(node) = p.node {
                        self.reconcile_node_now(node, Binds::One);
                    }
                }
            }
        }
        self.ipamd.as_mut().expect("queue model").reconciling = None;
    }

    /// Sends one call and returns when the worker is free again: after the answer of a call
    /// answered directly (a refusal, a lost answer), else after one request round trip. An
    /// attach for a node that went away meanwhile is not sent: the ENI comes off it.
    fn send_outgoing(&mut self, out: Outgoing) -> SimTime {
        let now = self.now();
        let (slot, api, eni, attempt) = match out {
            Outgoing::New(api, eni) => (None, api, eni, 0),
            Outgoing::Again(slot) => {
                let call = self.calls[slot as usize].expect("a call waits in its slot");
                (Some(slot), call.api, call.eni, call.attempt)
            }
        };
        let node = self.enis[eni.0 as usize].node;
        if api == Api::Attach && !self.nodes[node as usize].alive {
            if let Some(slot) = slot {
                self.release_slot(slot);
            }
            self.off_node(eni);
            return now;
        }
        let unaddressed = self.enis[eni.0 as usize].ip_offset.is_none();
        let slot = self.send(slot, api, eni, attempt);
        if api == Api::Create && unaddressed && self.enis[eni.0 as usize].ip_offset.is_some() {
            // Bound without an address while it waited; the VPC gave it one now.
            self.nodes.touch(node as usize).unaddressed -= 1;
        }
        let outcome = self.calls[slot as usize].expect("just sent").outcome;
        match outcome.delivery {
            Delivery::Direct => outcome.completes_at,
            Delivery::Polled => {
                let c = self.ipamd.as_mut().expect("queue model");
                now.plus(c.round_trip.sample(&mut c.rng))
            }
        }
    }

    /// Since when the item that would bind an ENI for `pod` on `node` has waited in the
    /// queue, if it waits: the pod's own in static IP mode, else the node's.
    pub(super) fn queued_since(&self, pod: u32, node: u32) -> Option<SimTime> {
        let c = self.ipamd.as_ref()?;
        let item = if c.pod_items {
            Item::Pod(pod)
        } else {
            Item::Node(node)
        };
        c.queue.waiting_since(item.key())
    }

    /// The work queue at a sample taken at `time`, under the queue model.
    pub(super) fn queue_sample(&self, time: SimTime) -> Option<QueueSample> {
        self.ipamd.as_ref().map(|c| c.sample(time))
    }
}
