//! Which IP addresses a multi-tenant service must never connect to on a user's behalf.
//! IPv4 is a deny-list of the special-purpose registry (RFC 6890 and successors); IPv6 only
//! allows global unicast (2000::/3) minus its special blocks, and judges the IPv4 address
//! embedded in mapped, compatible, NAT64 and 6to4 forms as IPv4.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` may not be reached, or `None` for a public address.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => ipv4_refusal(v4),
        IpAddr::V6(v6) => ipv6_refusal(v6),
    }
}

/// (network, prefix length, why) — checked in order, so the metadata addresses come first.
const IPV4_BLOCKS: &[([u8; 4], u8, &str)] = &[
    ([169, 254, 169, 254], 32, "the cloud metadata service"),
    ([169, 254, 170, 2], 32, "the container metadata service"),
    ([0, 0, 0, 0], 8, "an unspecified (this-network) address"),
    ([10, 0, 0, 0], 8, "a private address"),
    ([100, 64, 0, 0], 10, "a carrier-grade NAT (shared) address"),
    ([127, 0, 0, 0], 8, "a loopback address"),
    ([169, 254, 0, 0], 16, "a link-local address"),
    ([172, 16, 0, 0], 12, "a private address"),
    ([192, 0, 0, 0], 24, "an IETF protocol assignment"),
    ([192, 0, 2, 0], 24, "a documentation address"),
    ([192, 88, 99, 0], 24, "a 6to4 relay anycast address"),
    ([192, 168, 0, 0], 16, "a private address"),
    ([198, 18, 0, 0], 15, "a benchmarking address"),
    ([198, 51, 100, 0], 24, "a documentation address"),
    ([203, 0, 113, 0], 24, "a documentation address"),
    ([224, 0, 0, 0], 4, "a multicast address"),
    ([240, 0, 0, 0], 4, "a reserved or broadcast address"),
];

fn ipv4_refusal(ip: Ipv4Addr) -> Option<&'static str> {
    let address = u32::from(ip);
    IPV4_BLOCKS
        .iter()
        .find(|(network, bits, _)| {
            let mask = u32::MAX.checked_shl(32 - u32::from(*bits)).unwrap_or(0);
            address & mask == u32::from(Ipv4Addr::from(*network)) & mask
        })
        .map(|(_, _, why)| *why)
}

/// Special blocks inside 2000::/3 (the only range that holds public unicast addresses).
const IPV6_GLOBAL_EXCEPTIONS: &[(u128, u8, &str)] = &[
    // 2001::/23 holds Teredo (2001::/32, which hides an IPv4 address), benchmarking and ORCHID.
    (0x2001_0000 << 96, 23, "an IETF protocol assignment"),
    (0x2001_0db8 << 96, 32, "a documentation address"),
    (0x3fff_0000 << 96, 20, "a documentation address"),
];

fn ipv6_refusal(ip: Ipv6Addr) -> Option<&'static str> {
    let address = u128::from(ip);
    let within = |network: u128, bits: u8| {
        let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
        address & mask == network & mask
    };
    if let Some(v4) = embedded_ipv4(ip) {
        return ipv4_refusal(v4);
    }
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return Some("the cloud metadata service");
    }
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    if within(0xfc00 << 112, 7) {
        return Some("a unique-local address");
    }
    if within(0xfe80 << 112, 10) || within(0xfec0 << 112, 10) {
        return Some("a link-local address");
    }
    if within(0xff00 << 112, 8) {
        return Some("a multicast address");
    }
    if !within(0x2000 << 112, 3) {
        return Some("a reserved address");
    }
    IPV6_GLOBAL_EXCEPTIONS
        .iter()
        .find(|(network, bits, _)| within(*network, *bits))
        .map(|(_, _, why)| *why)
}

/// The IPv4 address an IPv6 address stands for: mapped (::ffff:a.b.c.d), compatible
/// (::a.b.c.d, deprecated), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new(
        (s[6] >> 8) as u8,
        (s[6] & 0xff) as u8,
        (s[7] >> 8) as u8,
        (s[7] & 0xff) as u8,
    );
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        // :: and ::1 are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 || lo > 1 => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, a, b, ..] => Some(Ipv4Addr::new(
            (a >> 8) as u8,
            (a & 0xff) as u8,
            (b >> 8) as u8,
            (b & 0xff) as u8,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str) -> Option<&'static str> {
        refusal(text.parse().unwrap())
    }

    #[test]
    fn private_loopback_link_local_and_special_ipv4_blocks_are_refused() {
        for (address, reason) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.0.0.5", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "metadata"),
            ("169.254.170.2", "metadata"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("0.0.0.0", "unspecified"),
            ("192.0.2.10", "documentation"),
            ("198.51.100.1", "documentation"),
            ("203.0.113.7", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("224.0.0.251", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("192.0.0.170", "IETF"),
        ] {
            let found = why(address).unwrap_or_else(|| panic!("{address} was allowed"));
            assert!(found.contains(reason), "{address}: {found}");
        }
    }

    #[test]
    fn public_ipv4_addresses_pass_including_the_neighbours_of_blocked_ranges() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "192.169.0.1",
            "9.255.255.255",
            "11.0.0.0",
        ] {
            assert_eq!(why(address), None, "{address}");
        }
    }

    #[test]
    fn ipv6_allows_only_global_unicast_outside_its_special_blocks() {
        for (address, reason) in [
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fe80::1", "link-local"),
            ("fec0::1", "link-local"),
            ("fd00:ec2::254", "metadata"),
            ("fd12:3456::1", "unique-local"),
            ("fc00::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("2001::1", "IETF"),
            ("3fff::1", "documentation"),
            ("100::1", "reserved"),
            ("4000::1", "reserved"),
        ] {
            let found = why(address).unwrap_or_else(|| panic!("{address} was allowed"));
            assert!(found.contains(reason), "{address}: {found}");
        }
        for public in ["2606:4700:4700::1111", "2a00:1450:4001:80b::200e"] {
            assert_eq!(why(public), None, "{public}");
        }
    }

    #[test]
    fn ipv4_hidden_in_ipv6_is_judged_as_ipv4() {
        for (address, reason) in [
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:169.254.169.254", "metadata"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::192.168.0.1", "private"),
            ("2002:a9fe:a9fe::1", "metadata"),
            ("2002:7f00:1::", "loopback"),
        ] {
            let found = why(address).unwrap_or_else(|| panic!("{address} was allowed"));
            assert!(found.contains(reason), "{address}: {found}");
        }
        assert_eq!(why("::ffff:8.8.8.8"), None);
        assert_eq!(why("64:ff9b::1.1.1.1"), None);
    }
}
