//! What a run's charts draw, collected from the row streams as they pass: every timeseries
//! sample, each node group's and subnet's samples, and the distributions handed over at the
//! end. Per-sample data only, never per pod, so it stays small on a run of a million pods.

use super::rows::{
    ApiCallRow, Distributions, EniRow, GroupRow, PodRow, SampleRow, Sink, SubnetRow,
};
use super::stats::Samples;

/// The samples of one node group or subnet, aligned with [`RunSeries::samples`].
#[derive(Clone, Debug, Default)]
pub struct Track<P> {
    /// The group's name or the subnet's id.
    pub name: String,
    /// Its zone.
    pub zone: String,
    /// One point per timeseries sample.
    pub points: Vec<P>,
}

/// A node group at a sample (a node_groups.csv row).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupPoint {
    /// Live nodes.
    pub nodes: u32,
    /// Pods holding or awaiting an ENI on them (P).
    pub pods: u32,
    /// ENIs bound to them for pods (B).
    pub enis_bound: u32,
    /// Attached ENIs no pod uses.
    pub enis_idle: u32,
}

/// A subnet at a sample (a subnets.csv row).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubnetPoint {
    /// Addresses held by ENIs.
    pub used_ips: u32,
    /// Addresses ENIs can hold.
    pub usable_ips: u32,
}

/// Everything the run's charts are drawn from.
#[derive(Clone, Debug, Default)]
pub struct RunSeries {
    /// Every timeseries sample, in time order.
    pub samples: Vec<SampleRow>,
    /// Per node group, in scenario order.
    pub groups: Vec<Track<GroupPoint>>,
    /// Per subnet, in scenario order.
    pub subnets: Vec<Track<SubnetPoint>>,
    /// Start-up latencies (ms) of pool hits.
    pub startup_hit_ms: Samples,
    /// Start-up latencies (ms) of pool misses.
    pub startup_miss_ms: Samples,
    /// Surplus -> release delays (ms).
    pub release_delay_ms: Samples,
}

/// The track named `name`, created if new.
fn track<'a, P>(tracks: &'a mut Vec<Track<P>>, name: &str, zone: &str) -> &'a mut Track<P> {
    let i = match tracks.iter().position(|t| t.name == name) {
        Some(i) => i,
        None => {
            tracks.push(Track {
                name: name.to_string(),
                zone: zone.to_string(),
                points: Vec::new(),
            });
            tracks.len() - 1
        }
    };
    &mut tracks[i]
}

impl Sink for RunSeries {
    fn pod(&mut self, _: &PodRow) {}
    fn eni(&mut self, _: &EniRow) {}
    fn api_call(&mut self, _: &ApiCallRow) {}

    fn sample(&mut self, row: &SampleRow) {
        self.samples.push(*row);
    }

    fn node_group(&mut self, r: &GroupRow) {
        track(&mut self.groups, r.group, r.zone)
            .points
            .push(GroupPoint {
                nodes: r.nodes,
                pods: r.pods,
                enis_bound: r.enis_bound,
                enis_idle: r.enis_idle,
            });
    }

    fn subnet(&mut self, r: &SubnetRow) {
        track(&mut self.subnets, r.subnet, r.zone)
            .points
            .push(SubnetPoint {
                used_ips: r.used_ips,
                usable_ips: r.usable_ips,
            });
    }

    fn distributions(&mut self, d: &Distributions) {
        self.startup_hit_ms = d.startup_hit_ms.clone();
        self.startup_miss_ms = d.startup_miss_ms.clone();
        self.release_delay_ms = d.release_delay_ms.clone();
    }
}
