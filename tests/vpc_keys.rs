//! The `[vpc]` and `[policy.retry]` keys: values, SPEC defaults, errors at their exact line
//! and column, and that what the file says reaches the fake VPC API.

mod loader;
use enisim::cloud::api::{Api, ApiErrorCode, Endpoint};
use enisim::cloud::retry::backoff;
use enisim::cloud::vpc::{Delivery, VpcApi};
use enisim::engine::{RngStreams, SimTime};
use enisim::scenario::model::{FaultSpec, LatencyModel, Outage, PerApi, RetryConfig};
use loader::{assert_at, err, err_with, ok};

const VPC: &str = r#"
duration = "6h"

[policy.retry]
base = "500ms"
cap = "30s"
multiplier = 3

[vpc]
eni_quota = 1000
task_poll_interval = "2s"

[vpc.latency]
attach = { min = "1s", max = "3s" }
describe_task = "50ms"

[vpc.rate_limit]
attach = 10
describe_task = 5

[vpc.faults]
create = 0.1
attach = { probability = 0.02, code = "ResourceInsufficient" }
delete = { probability = 1 }
timeout = 0.05

[[vpc.outages]]
start = "2h"
end = "2h15m"
apis = ["create", "attach"]

[[vpc.outages]]
start = "5h"
end = "5h1m"
code = "RequestLimitExceeded"
"#;

const MINIMAL: &str = "duration = \"1h\"\n";

fn secs(s: u64) -> SimTime {
    SimTime::from_secs(s)
}

fn fault(probability: f64, code: ApiErrorCode) -> FaultSpec {
    FaultSpec { probability, code }
}

#[test]
fn every_vpc_key_loads_with_its_value() {
    let s = ok(VPC, &[]);
    let v = &s.vpc;
    assert_eq!((v.eni_quota, v.task_poll_interval), (Some(1000), secs(2)));
    let uniform = LatencyModel::Uniform {
        min: secs(1),
        max: secs(3),
    };
    assert_eq!(v.latency.attach, uniform);
    assert_eq!(v.latency.describe_task, LatencyModel::Fixed(SimTime(50)));
    assert_eq!(v.latency.create, LatencyModel::Fixed(SimTime(300)));
    let rates = PerApi {
        attach: 10,
        describe_task: 5,
        ..default_rates()
    };
    assert_eq!(v.rate_limit, rates);
    let e = &v.faults.errors;
    assert_eq!(e.create, fault(0.1, ApiErrorCode::InternalError));
    assert_eq!(e.attach, fault(0.02, ApiErrorCode::ResourceInsufficient));
    assert_eq!(e.detach, FaultSpec::NONE);
    assert_eq!(e.delete, fault(1.0, ApiErrorCode::InternalError));
    assert_eq!(v.faults.timeout, 0.05);
    let outages = [
        Outage {
            start: secs(7200),
            end: secs(8100),
            apis: vec![Endpoint::Task(Api::Create), Endpoint::Task(Api::Attach)],
            code: ApiErrorCode::InternalError,
        },
        Outage {
            start: secs(18_000),
            end: secs(18_060),
            apis: Endpoint::ALL.to_vec(),
            code: ApiErrorCode::RequestLimitExceeded,
        },
    ];
    assert_eq!(v.outages, outages);
    let retry = RetryConfig {
        base: SimTime(500),
        cap: secs(30),
        multiplier: 3,
        jitter: 0.0,
    };
    assert_eq!(s.policy.retry, retry);
}

/// SPEC: "defaults: 100/s, detach 50/s, describe_task 20/s".
fn default_rates() -> PerApi<u32> {
    PerApi {
        create: 100,
        attach: 100,
        detach: 50,
        delete: 100,
        describe_task: 20,
    }
}

#[test]
fn defaults_follow_spec() {
    let s = ok(MINIMAL, &[]);
    let v = &s.vpc;
    assert_eq!(v.rate_limit, default_rates());
    assert_eq!(v.latency.describe_task, LatencyModel::Fixed(SimTime(100)));
    assert_eq!((v.eni_quota, v.task_poll_interval), (None, secs(1)));
    assert_eq!(v.faults.errors, PerApi::same(FaultSpec::NONE));
    assert_eq!((v.faults.timeout, v.outages.len()), (0.0, 0));
    let retry = RetryConfig {
        base: secs(1),
        cap: secs(60),
        multiplier: 2,
        jitter: 0.0,
    };
    assert_eq!(s.policy.retry, retry);
}

/// Calls `endpoint` `n` times at `now`; counts the calls refused with RequestLimitExceeded.
fn throttled(vpc: &mut VpcApi, endpoint: Endpoint, now: SimTime, n: usize) -> usize {
    (0..n)
        .map(|_| match endpoint {
            Endpoint::Task(api) => vpc.call(api, now, Ok(())),
            Endpoint::DescribeTask => vpc.describe_task(now),
        })
        .filter(|o| o.result == Err(ApiErrorCode::RequestLimitExceeded))
        .count()
}

#[test]
fn default_rate_limits_reach_the_api() {
    let s = ok(MINIMAL, &[]);
    let mut vpc = VpcApi::with_config(&s.vpc, &RngStreams::new(s.seed));
    for e in Endpoint::ALL {
        let rate = *default_rates().get(e) as usize;
        assert_eq!(
            throttled(&mut vpc, e, SimTime(0), rate + 7),
            7,
            "{}",
            e.name()
        );
    }
}

#[test]
fn configured_faults_reach_the_api() {
    let s = ok(
        MINIMAL,
        &["vpc.faults.attach=0.2", "vpc.faults.timeout=0.1"],
    );
    let mut vpc = VpcApi::with_config(&s.vpc, &RngStreams::new(s.seed));
    let (mut errors, mut lost) = (0, 0);
    // 10,000 calls at 100/s, one every 10 ms, so the rate limit never binds.
    for i in 0..10_000 {
        let o = vpc.call(Api::Attach, SimTime(i * 10), Ok(()));
        match (o.result, o.answer_lost) {
            (Err(ApiErrorCode::InternalError), false) => errors += 1,
            (Err(ApiErrorCode::Timeout), true) => lost += 1,
            (Ok(()), false) => assert_eq!(o.delivery, Delivery::Polled),
            other => panic!("unexpected {other:?}"),
        }
    }
    // Binomial(10,000, 0.2): 2,000 ± 200 (5σ); lost answers among the 8,000 that succeed:
    // Binomial(~8,000, 0.1): 800 ± 135 (5σ).
    assert!((1800..=2200).contains(&errors), "{errors} errors");
    assert!((665..=935).contains(&lost), "{lost} lost answers");
}

#[test]
fn retry_settings_give_the_backoff() {
    let s = ok(VPC, &[]);
    let delays: Vec<u64> = (1..6).map(|a| backoff(&s.policy.retry, a).0).collect();
    assert_eq!(delays, [500, 1500, 4500, 13_500, 30_000]);
}

#[test]
fn bad_latency_tables() {
    let at3 = |value: &str| err(&format!("{MINIMAL}[vpc.latency]\nattach = {value}\n"));
    let e = at3("{ min = \"3s\", max = \"1s\" }");
    assert_at(
        &e,
        3,
        10,
        "latency max (1.000s) must not be below min (3.000s)",
    );
    assert_at(&at3("{ min = \"3s\" }"), 3, 10, "missing field `max`");
    let e = at3("{ min = \"1s\", p99 = \"3s\" }");
    assert_at(
        &e,
        3,
        10,
        "either { median, p99 } (lognormal) or { min, max }",
    );
    assert_at(&at3("{ mean = \"1s\" }"), 3, 12, "unknown field `mean`");
    let e = err(&format!("{MINIMAL}[vpc.latency]\nlist = \"1s\"\n"));
    assert_at(
        &e,
        3,
        1,
        "expected one of `create`, `attach`, `detach`, `delete`, `describe_task`",
    );
}

#[test]
fn bad_rate_limits() {
    let e = err(&format!("{MINIMAL}[vpc.rate_limit]\ndetach = 0\n"));
    assert_at(&e, 3, 10, "at least 1 request per second");
    let e = err(&format!("{MINIMAL}[vpc.rate_limit]\ndetach = -5\n"));
    assert_at(&e, 3, 10, "invalid value: integer `-5`");
    let e = err(&format!("{MINIMAL}[vpc.rate_limit]\nmodify = 5\n"));
    assert_at(&e, 3, 1, "unknown field `modify`, expected one of `create`");
}

#[test]
fn bad_faults() {
    let faults = |body: &str| err(&format!("{MINIMAL}[vpc.faults]\n{body}\n"));
    let e = faults("attach = 1.5");
    assert_at(&e, 3, 10, "probability 1.5 is not between 0 and 1");
    let e = faults("attach = { probability = -0.1 }");
    assert_at(&e, 3, 26, "probability -0.1 is not between 0 and 1");
    let e = faults("attach = { probability = 0.1, code = \"Boom\" }");
    assert_at(
        &e,
        3,
        38,
        "unknown error code \"Boom\"; codes: \"RequestLimitExceeded\"",
    );
    let e = faults("attach = { code = \"InternalError\" }");
    assert_at(&e, 3, 10, "missing field `probability`");
    let e = faults("attach = \"often\"");
    assert_at(&e, 3, 10, "expected a probability such as 0.02 or a table");
    assert_at(
        &faults("timeout = 2"),
        3,
        11,
        "probability 2 is not between 0 and 1",
    );
    let e = faults("modify = 0.1");
    assert_at(&e, 3, 1, "`describe_task`, `timeout`");
}

const OUTAGE: &str = "duration = \"1h\"\n[[vpc.outages]]\nstart = \"2h\"\n";

#[test]
fn bad_outages() {
    let e = err(&format!("{OUTAGE}end = \"1h\"\n"));
    assert_at(
        &e,
        4,
        7,
        "outage end (3600.000s) must be after its start (7200.000s)",
    );
    let e = err(&format!("{OUTAGE}end = \"2h\"\n"));
    assert_at(&e, 4, 7, "must be after its start");
    let e = err(&format!(
        "{OUTAGE}end = \"3h\"\napis = [\"create\", \"atach\"]\n"
    ));
    let valid = "apis: \"create\", \"attach\", \"detach\", \"delete\", \"describe_task\"";
    assert_at(&e, 5, 8, &format!("unknown api \"atach\"; {valid}"));
    let e = err(&format!("{OUTAGE}end = \"3h\"\napis = []\n"));
    assert_at(&e, 5, 8, "an outage needs at least one api");
    let e = err(&format!("{OUTAGE}end = \"3h\"\ncode = \"Nope\"\n"));
    assert_at(&e, 5, 8, "unknown error code \"Nope\"");
    assert_at(&err(OUTAGE), 2, 1, "missing field `end`");
}

#[test]
fn bad_vpc_scalars_and_retry() {
    let e = err(&format!("{MINIMAL}[vpc]\neni_quota = -1\n"));
    assert_at(&e, 3, 13, "invalid value: integer `-1`");
    let e = err(&format!("{MINIMAL}[vpc]\ntask_poll_interval = \"0s\"\n"));
    assert_at(
        &e,
        3,
        22,
        "vpc.task_poll_interval must be greater than zero",
    );
    let retry = |body: &str| err(&format!("{MINIMAL}[policy.retry]\n{body}\n"));
    let e = retry("base = \"0s\"");
    assert_at(&e, 3, 8, "policy.retry.base must be greater than zero");
    let e = retry("base = \"2m\"");
    assert_at(
        &e,
        3,
        8,
        "cap (60.000s) is below policy.retry.base (120.000s)",
    );
    let e = retry("base = \"2m\"\ncap = \"1m30s\"");
    assert_at(&e, 4, 7, "cap (90.000s) is below");
    assert_at(
        &retry("multiplier = 0"),
        3,
        14,
        "multiplier must be at least 1",
    );
    assert_at(&retry("multiplier = 1.5"), 3, 14, "expected u32");
}

#[test]
fn overrides_of_vpc_keys_blame_their_flag() {
    let text = format!("{OUTAGE}end = \"3h\"\n");
    for (flag, needle) in [
        (
            "vpc.faults.attach=2",
            "probability 2 is not between 0 and 1",
        ),
        ("vpc.rate_limit.attach=0", "at least 1 request per second"),
        ("vpc.outages.0.end=1h", "must be after its start"),
        ("policy.retry.multiplier=0", "at least 1"),
    ] {
        let e = err_with(&text, &[flag]);
        assert_eq!(e.file, format!("--set {flag}"), "{e}");
        assert!(e.message.contains(needle), "{e}");
    }
    let s = ok(
        &text,
        &["vpc.faults.attach=1", "vpc.latency.describe_task=1s"],
    );
    assert_eq!(s.vpc.faults.errors.attach.probability, 1.0);
    assert_eq!(s.vpc.latency.describe_task, LatencyModel::Fixed(secs(1)));
}

#[test]
fn damaged_vpc_sections_never_panic() {
    for i in 0..=VPC.len() {
        if VPC.is_char_boundary(i) {
            let _ = enisim::scenario::load_str(&VPC[..i], "t.toml", "stem", &[]);
        }
    }
}

#[test]
fn retry_jitter_is_a_share_between_0_and_1() {
    let s = ok(&format!("{MINIMAL}[policy.retry]\njitter = 0.5\n"), &[]);
    assert_eq!(s.policy.retry.jitter, 0.5);
    let e = enisim::scenario::load_str(
        &format!("{MINIMAL}[policy.retry]\njitter = 1.5\n"),
        "t.toml",
        "t",
        &[],
    )
    .unwrap_err();
    assert!(e.message.contains("between 0 (exact delays) and 1"), "{e}");
}
