//! `[vpc]`: defaults of the fake VPC's latencies, rate limits, faults and polling, and the
//! rules on outage windows.

use crate::cloud::api::{ApiErrorCode, Endpoint};
use crate::engine::SimTime;
use crate::scenario::model::{
    ApiLatencies, FaultConfig, FaultSpec, LatencyModel, Outage, PerApi, VpcConfig,
};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::{RawOutage, RawVpc};
use crate::scenario::validate::{or, positive, Check, Invalid};

/// `[vpc.latency]` when not given: create 300ms, attach 2s, detach 1s, delete 300ms,
/// describe_task 100ms.
pub const DEFAULT_LATENCIES: ApiLatencies = PerApi {
    create: LatencyModel::Fixed(SimTime::from_millis(300)),
    attach: LatencyModel::Fixed(SimTime::from_secs(2)),
    detach: LatencyModel::Fixed(SimTime::from_secs(1)),
    delete: LatencyModel::Fixed(SimTime::from_millis(300)),
    describe_task: LatencyModel::Fixed(SimTime::from_millis(100)),
};
/// `[vpc.rate_limit]` when not given, per SPEC: 100/s, detach 50/s, describe_task 20/s.
pub const DEFAULT_RATE_LIMITS: PerApi<u32> = PerApi {
    create: 100,
    attach: 100,
    detach: 50,
    delete: 100,
    describe_task: 20,
};
/// `vpc.task_poll_interval` when not given.
pub const DEFAULT_TASK_POLL_INTERVAL: SimTime = SimTime::from_secs(1);

/// Each endpoint's value as given, else its default.
fn given_or<T: Copy + Into<U>, U: Copy>(
    given: &PerApi<Option<T>>,
    defaults: &PerApi<U>,
) -> PerApi<U> {
    defaults.map(|e, default| given.get(e).map_or(*default, Into::into))
}

/// Applies the `[vpc]` defaults and checks the outages.
pub fn vpc(raw: &RawVpc) -> Check<VpcConfig> {
    let at = |key: &str| KeyPath::keys(&["vpc", key]);
    let errors = given_or(&raw.faults.errors(), &PerApi::same(FaultSpec::NONE));
    let timeout = raw.faults.timeout.map_or(0.0, |p| p.0);
    let outages = raw
        .outages
        .iter()
        .enumerate()
        .map(|(i, o)| outage(o, at("outages").index(i)))
        .collect::<Check<_>>()?;
    Ok(VpcConfig {
        latency: given_or(&raw.latency, &DEFAULT_LATENCIES),
        rate_limit: given_or(&raw.rate_limit, &DEFAULT_RATE_LIMITS),
        faults: FaultConfig { errors, timeout },
        outages,
        eni_quota: raw.eni_quota,
        task_poll_interval: positive(
            or(raw.task_poll_interval, DEFAULT_TASK_POLL_INTERVAL),
            at("task_poll_interval"),
        )?,
    })
}

/// An outage window: `start < end`, at least one API (default: all of them).
fn outage(raw: &RawOutage, at: KeyPath) -> Check<Outage> {
    let (start, end) = (raw.start.0, raw.end.0);
    if end <= start {
        return Err(Invalid::at(
            at.key("end"),
            format!("outage end ({end}s) must be after its start ({start}s)"),
        )
        .also(at.key("start")));
    }
    let apis = match &raw.apis {
        None => Endpoint::ALL.to_vec(),
        Some(names) if names.is_empty() => {
            return Err(Invalid::at(
                at.key("apis"),
                "an outage needs at least one api (leave \"apis\" out to take them all down)",
            ))
        }
        Some(names) => names.iter().map(|n| n.0).collect(),
    };
    Ok(Outage {
        start,
        end,
        apis,
        code: raw.code.map_or(ApiErrorCode::InternalError, |c| c.0),
    })
}
