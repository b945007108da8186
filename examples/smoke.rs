use enisim::cloud::instance::resolve;
use enisim::engine::SimTime;
use enisim::report::rows::NullSink;
use enisim::scenario::model::*;

fn main() {
    let fixed = |ms| LatencyModel::Fixed(SimTime(ms));
    let sc = Scenario {
        name: "smoke".into(),
        seed: 1,
        duration: SimTime::from_secs(3600),
        sample_interval: SimTime::from_secs(10),
        policy: PolicyConfig { mode: PolicyMode::Pool, min_warm: 1, max_warm: 1, release: ReleaseMode::Slow, release_interval: SimTime::from_secs(120), eni_timeout: SimTime::from_secs(120) },
        vpc: VpcConfig { latency: ApiLatencies { create: fixed(300), attach: fixed(2000), detach: fixed(1000), delete: fixed(300) } },
        subnets: vec![SubnetConfig { id: "a".into(), zone: "z1".into(), cidr: "10.0.0.0/24".parse().unwrap(), reserved_ips: 3 }],
        node_groups: vec![NodeGroupConfig { name: "w".into(), instance_type: resolve("S5.2XLARGE16").unwrap(), zone: "z1".into(), count: 3, max_attach: None, min_warm: None, max_warm: None }],
        workloads: vec![WorkloadConfig { name: "web".into(), kind: WorkloadKind::Deployment { replicas: 20, start: SimTime(0), scale: vec![ScaleStep { at: SimTime::from_secs(600), replicas: 100 }, ScaleStep { at: SimTime::from_secs(1800), replicas: 10 }] } }],
        events: vec![EventConfig { at: SimTime::from_secs(900), action: EventAction::DeleteNodes { group: 0, count: 1 } }],
    };
    let mut sink = NullSink;
    let s = enisim::sim::run(sc, &mut sink);
    print!("{}", s.to_json());
}
