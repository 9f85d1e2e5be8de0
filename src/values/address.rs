//! Source addresses as limits see them. An IPv4 address is one source; an IPv6 address belongs to the network of
//! its first `prefix` bits (by default /64: one customer's subnet holds 2^64 addresses, so counting per /128 would
//! let a single host rotate through fresh addresses and split every per-address limit into nothing). IPv4-mapped
//! IPv6 addresses (`::ffff:a.b.c.d`, seen on dual-stack sockets) count as the IPv4 address they carry.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

/// The default IPv6 prefix length of one source.
pub const DEFAULT_IPV6_PREFIX: u8 = 64;

/// The block of addresses that counts as one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceBlock {
    network: IpAddr,
    prefix: u8,
}

impl SourceBlock {
    /// The block holding `address`, IPv6 addresses grouped by their first `ipv6_prefix` bits (clamped to 1..=128).
    pub fn of(address: IpAddr, ipv6_prefix: u8) -> Self {
        match address {
            IpAddr::V4(v4) => Self {
                network: IpAddr::V4(v4),
                prefix: 32,
            },
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return Self::of(IpAddr::V4(v4), ipv6_prefix);
                }
                let prefix = ipv6_prefix.clamp(1, 128);
                let mask = u128::MAX << (128 - u32::from(prefix));
                Self {
                    network: IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)),
                    prefix,
                }
            }
        }
    }
}

/// `192.0.2.7` for an IPv4 source, `2001:db8:1:2::/64` for an IPv6 block: stable, so usable as a counter key.
impl fmt::Display for SourceBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.network {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/{}", self.prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(address: &str, prefix: u8) -> String {
        SourceBlock::of(address.parse().unwrap(), prefix).to_string()
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_are_one_source() {
        assert_eq!(block("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
        assert_eq!(
            block("2001:db8:1:2:ffff:ffff:ffff:ffff", 64),
            "2001:db8:1:2::/64"
        );
        assert_ne!(block("2001:db8:1:3::1", 64), block("2001:db8:1:2::1", 64));
    }

    #[test]
    fn the_ipv6_prefix_is_configurable_and_clamped() {
        assert_eq!(block("2001:db8:1:2::1", 48), "2001:db8:1::/48");
        assert_eq!(block("2001:db8::1", 128), "2001:db8::1/128");
        assert_eq!(block("2001:db8::1", 200), "2001:db8::1/128");
        assert_eq!(block("2001:db8::1", 0), "::/1");
    }

    #[test]
    fn ipv4_and_ipv4_mapped_addresses_are_single_sources() {
        assert_eq!(block("192.0.2.7", 64), "192.0.2.7");
        assert_eq!(block("::ffff:192.0.2.7", 64), "192.0.2.7");
        assert_ne!(block("192.0.2.7", 64), block("192.0.2.8", 64));
    }
}
