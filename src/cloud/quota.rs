//! The cloud's own limits on creating and attaching ENIs. The counts they depend on (ENIs in
//! the VPC, free addresses, ENIs on a node) live in the simulator, so these are pure checks
//! whose verdict the caller passes to [`crate::cloud::vpc::VpcApi::call`] as its precondition.

use super::api::ApiErrorCode;

/// The VPC-wide limits of a scenario (`vpc.eni_quota`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    eni_quota: Option<u32>,
}

impl Quota {
    /// Limits with at most `eni_quota` ENIs in the VPC (`None`: unlimited).
    pub fn new(eni_quota: Option<u32>) -> Self {
        Quota { eni_quota }
    }

    /// CreateNetworkInterface's verdict: `LimitExceeded` when `existing_enis` (every ENI that
    /// exists or is being created) already fill the quota, else `ResourceInsufficient` when
    /// the chosen subnet has no free address.
    pub fn create(&self, existing_enis: u32, subnet_free_ips: u32) -> Result<(), ApiErrorCode> {
        if self.eni_quota.is_some_and(|q| existing_enis >= q) {
            return Err(ApiErrorCode::LimitExceeded);
        }
        if subnet_free_ips == 0 {
            return Err(ApiErrorCode::ResourceInsufficient);
        }
        Ok(())
    }

    /// AttachNetworkInterface's verdict: `LimitExceeded` when the instance already holds (or
    /// is attaching) `node_limit` ENIs for pods. `node_limit` is the instance type's limit;
    /// `max_attach` is the controller's own cap and is never sent to the cloud.
    pub fn attach(node_enis: u32, node_limit: u32) -> Result<(), ApiErrorCode> {
        if node_enis >= node_limit {
            return Err(ApiErrorCode::LimitExceeded);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_checks_the_quota_then_the_subnet() {
        let q = Quota::new(Some(2));
        assert_eq!(q.create(1, 5), Ok(()));
        assert_eq!(q.create(2, 5), Err(ApiErrorCode::LimitExceeded));
        assert_eq!(q.create(2, 0), Err(ApiErrorCode::LimitExceeded));
        assert_eq!(q.create(1, 0), Err(ApiErrorCode::ResourceInsufficient));
        let unlimited = Quota::new(None);
        assert_eq!(unlimited.create(u32::MAX, 1), Ok(()));
        assert_eq!(
            Quota::new(Some(0)).create(0, 1),
            Err(ApiErrorCode::LimitExceeded)
        );
    }

    #[test]
    fn attach_checks_the_node_limit() {
        assert_eq!(Quota::attach(38, 39), Ok(()));
        assert_eq!(Quota::attach(39, 39), Err(ApiErrorCode::LimitExceeded));
    }
}
