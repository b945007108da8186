//! Names of the fake VPC's API endpoints and of the error codes they answer with, in the
//! spelling of scenario keys and of Tencent Cloud's API.

/// The VPC APIs that act on an ENI. Each returns a task whose outcome the caller reads through
/// DescribeVpcTaskResult ([`Endpoint::DescribeTask`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    /// CreateNetworkInterface.
    Create,
    /// AttachNetworkInterface.
    Attach,
    /// DetachNetworkInterface.
    Detach,
    /// DeleteNetworkInterface.
    Delete,
}

impl Api {
    /// Every API, in report order.
    pub const ALL: [Api; 4] = [Api::Create, Api::Attach, Api::Detach, Api::Delete];

    /// The short name used in scenario keys, CSV and summary.json.
    pub fn name(self) -> &'static str {
        match self {
            Api::Create => "create",
            Api::Attach => "attach",
            Api::Detach => "detach",
            Api::Delete => "delete",
        }
    }
}

/// Anything the caller can send to the VPC: an [`Api`] call or a task poll. Each endpoint has
/// its own latency, rate limit, fault probability and outage windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// One of the task APIs.
    Task(Api),
    /// DescribeVpcTaskResult: reads a task's outcome.
    DescribeTask,
}

impl Endpoint {
    /// Every endpoint, in the order of scenario keys.
    pub const ALL: [Endpoint; 5] = [
        Endpoint::Task(Api::Create),
        Endpoint::Task(Api::Attach),
        Endpoint::Task(Api::Detach),
        Endpoint::Task(Api::Delete),
        Endpoint::DescribeTask,
    ];

    /// The endpoint's place in [`Endpoint::ALL`], for per-endpoint counts.
    pub fn index(self) -> usize {
        match self {
            Endpoint::Task(api) => api as usize,
            Endpoint::DescribeTask => Api::ALL.len(),
        }
    }

    /// The scenario key naming this endpoint (`attach`, `describe_task`).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Task(api) => api.name(),
            Endpoint::DescribeTask => "describe_task",
        }
    }

    /// The endpoint a scenario key names, if any.
    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }
}

impl From<Api> for Endpoint {
    fn from(api: Api) -> Endpoint {
        Endpoint::Task(api)
    }
}

/// Why the VPC refused or failed a call; counted per code in summary.json.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiErrorCode {
    /// Over the endpoint's rate limit.
    RequestLimitExceeded,
    /// A quota is used up: the VPC's ENI quota, or the instance's ENI limit on attach.
    LimitExceeded,
    /// The subnet has no free address for a new ENI.
    ResourceInsufficient,
    /// The cloud failed (injected faults, outages).
    InternalError,
    /// The caller got no answer in time; the operation may still have taken effect.
    Timeout,
}

impl ApiErrorCode {
    /// Every code, in report order.
    pub const ALL: [ApiErrorCode; 5] = [
        ApiErrorCode::RequestLimitExceeded,
        ApiErrorCode::LimitExceeded,
        ApiErrorCode::ResourceInsufficient,
        ApiErrorCode::InternalError,
        ApiErrorCode::Timeout,
    ];

    /// The code's place in [`ApiErrorCode::ALL`], for per-code counts.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Tencent Cloud's spelling, used in scenario files, CSV and summary.json.
    pub fn name(self) -> &'static str {
        match self {
            ApiErrorCode::RequestLimitExceeded => "RequestLimitExceeded",
            ApiErrorCode::LimitExceeded => "LimitExceeded",
            ApiErrorCode::ResourceInsufficient => "ResourceInsufficient",
            ApiErrorCode::InternalError => "InternalError",
            ApiErrorCode::Timeout => "Timeout",
        }
    }

    /// The code spelled `name`, if any.
    pub fn from_name(name: &str) -> Option<ApiErrorCode> {
        ApiErrorCode::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::from_name(e.name()), Some(e));
        }
        for c in ApiErrorCode::ALL {
            assert_eq!(ApiErrorCode::from_name(c.name()), Some(c));
        }
        for (i, e) in Endpoint::ALL.into_iter().enumerate() {
            assert_eq!(e.index(), i, "{e:?}");
        }
        for (i, c) in ApiErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i, "{c:?}");
        }
        assert_eq!(Endpoint::from_name("describe"), None);
        assert_eq!(ApiErrorCode::from_name("internalerror"), None);
    }
}
