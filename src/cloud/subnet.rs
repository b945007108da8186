//! Container subnets: usable addresses, allocation and exhaustion accounting.

use crate::engine::SimTime;
use ipnet::Ipv4Net;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// Dense index of a subnet (its position in the scenario file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubnetId(pub u32);

/// A subnet of the VPC. Of its 2^k addresses the VPC reserves `reserved` (the first
/// `reserved - 1` and the last one, i.e. network, gateway and broadcast with the default 3);
/// every ENI holds one of the rest from creation to deletion.
///
/// Addresses are handed out round-robin (never-used ones first, then freed ones from just
/// after the last handed out), so a freed address is not given straight back: a pod that
/// loses its ENI visibly gets a new IP, as it would from a real VPC.
#[derive(Clone, Debug)]
pub struct Subnet {
    /// Subnet id from the scenario.
    pub id: String,
    /// Dense index of the subnet's zone.
    pub zone: usize,
    net: Ipv4Net,
    first_usable: u32,
    usable: u32,
    used: u32,
    next_fresh: u32,
    freed: BTreeSet<u32>,
    last: u32,
    peak_used: u32,
    exhausted_since: Option<SimTime>,
    exhausted_ms: u64,
}

impl Subnet {
    /// A subnet with nothing allocated. `reserved` must leave at least one usable address.
    pub fn new(id: String, zone: usize, net: Ipv4Net, reserved: u32) -> Self {
        let size = 1u64 << (32 - net.prefix_len());
        let usable = size
            .saturating_sub(u64::from(reserved))
            .min(u64::from(u32::MAX)) as u32;
        let first_usable = reserved.saturating_sub(1);
        Subnet {
            id,
            zone,
            net,
            first_usable,
            usable,
            used: 0,
            next_fresh: first_usable,
            freed: BTreeSet::new(),
            last: first_usable,
            peak_used: 0,
            exhausted_since: None,
            exhausted_ms: 0,
        }
    }

    /// Addresses an ENI can still take.
    pub fn free_ips(&self) -> u32 {
        self.usable - self.used
    }

    /// Addresses held by ENIs.
    pub fn used_ips(&self) -> u32 {
        self.used
    }

    /// The most addresses held at once.
    pub fn peak_used_ips(&self) -> u32 {
        self.peak_used
    }

    /// Total time with no free address, up to `now`.
    pub fn exhausted_ms(&self, now: SimTime) -> u64 {
        self.exhausted_ms + self.exhausted_since.map_or(0, |t| now.since(t).as_millis())
    }

    /// Takes the next free address (as an offset into the range), or `None` when exhausted.
    pub fn allocate(&mut self, now: SimTime) -> Option<u32> {
        if self.used == self.usable {
            return None;
        }
        let offset = if self.next_fresh < self.first_usable + self.usable {
            self.next_fresh += 1;
            self.next_fresh - 1
        } else {
            let next = self.freed.range(self.last + 1..).next().copied();
            let o = next.or_else(|| self.freed.first().copied())?;
            self.freed.remove(&o);
            o
        };
        self.last = offset;
        self.used += 1;
        self.peak_used = self.peak_used.max(self.used);
        if self.used == self.usable {
            self.exhausted_since = Some(now);
        }
        Some(offset)
    }

    /// Returns an address taken by [`Subnet::allocate`].
    pub fn release(&mut self, offset: u32, now: SimTime) {
        debug_assert!(offset >= self.first_usable && offset < self.next_fresh);
        if let Some(since) = self.exhausted_since.take() {
            self.exhausted_ms += now.since(since).as_millis();
        }
        self.used -= 1;
        self.freed.insert(offset);
    }

    /// The address at `offset` in this subnet.
    pub fn address(&self, offset: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.net.network()) + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slash_27_offers_29_addresses_skipping_network_and_gateway() {
        let mut s = Subnet::new("s".into(), 0, "10.0.0.0/27".parse().unwrap(), 3);
        assert_eq!(s.free_ips(), 29);
        let first = s.allocate(SimTime(0)).unwrap();
        assert_eq!(s.address(first).to_string(), "10.0.0.2");
        let mut last = first;
        for _ in 1..29 {
            last = s.allocate(SimTime(0)).unwrap();
        }
        assert_eq!(s.address(last).to_string(), "10.0.0.30");
        assert_eq!(s.allocate(SimTime(5)), None);
        s.release(first, SimTime(1005));
        assert_eq!(s.exhausted_ms(SimTime(2000)), 1005);
        assert_eq!(
            s.allocate(SimTime(2000)),
            Some(first),
            "the only free address"
        );
        assert_eq!(s.peak_used_ips(), 29);
    }

    #[test]
    fn freed_addresses_are_not_handed_straight_back() {
        let mut s = Subnet::new("s".into(), 0, "10.0.0.0/29".parse().unwrap(), 3);
        let t = SimTime(0);
        let a: Vec<u32> = (0..5).map(|_| s.allocate(t).unwrap()).collect();
        assert_eq!(a, [2, 3, 4, 5, 6]);
        s.release(3, t);
        s.release(5, t);
        assert_eq!(s.allocate(t), Some(3), "after 6, wrap to the first freed");
        s.release(4, t);
        assert_eq!(s.allocate(t), Some(4), "the next freed after 3");
        assert_eq!(s.allocate(t), Some(5));
        assert_eq!(s.allocate(t), None);
    }
}
