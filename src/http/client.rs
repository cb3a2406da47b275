//! Who is on the other end: the client's address, the one function every reader of it uses (the
//! login limit, the audit context, logs). Behind a reverse proxy listed in
//! `server.trusted_proxies` the address comes from `X-Forwarded-For`: the right-most address of
//! the chain that is not itself a trusted proxy. From any other peer the header is ignored, so a
//! client cannot choose the address it is counted and recorded under.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::web;
use ipnet::IpNet;

/// `server.trusted_proxies`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    /// Whether `ip` is one of the configured proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The client's address of a request (see the module doc); `None` when the connection has no
/// peer address (tests calling services directly).
pub fn address(req: &HttpRequest) -> Option<IpAddr> {
    let proxies = req.app_data::<web::Data<TrustedProxies>>();
    let peer = req.peer_addr().map(|a| a.ip());
    let Some(proxies) = proxies else {
        return peer.map(canonical);
    };
    let chain: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_address(peer, &chain, proxies)
}

/// The client's address from the direct peer and the `X-Forwarded-For` header lines (in order):
/// the peer itself unless it is a trusted proxy; else the right-most address of the chain that is
/// not a trusted proxy (the left-most when all are; the nearest readable one when the chain
/// holds something that is not an address).
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    proxies: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = canonical(peer?);
    if !proxies.trusts(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for entry in forwarded_for
        .iter()
        .flat_map(|line| line.split(','))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let Some(hop) = parse_hop(entry) else {
            return Some(client);
        };
        client = hop;
        if !proxies.trusts(hop) {
            return Some(hop);
        }
    }
    Some(client)
}

/// One entry of `X-Forwarded-For`: an address, possibly in brackets (`[2001:db8::1]`).
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let entry = entry
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .unwrap_or(entry);
    entry.parse::<IpAddr>().ok().map(canonical)
}

/// IPv4 addresses written as IPv6 (`::ffff:10.0.0.1`) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(
            list.iter()
                .filter_map(|t| crate::config::parse_proxy(t))
                .collect(),
        )
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = proxies(&[]);
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), &["198.51.100.1"], &none),
            Some(ip("203.0.113.9"))
        );
        let some = proxies(&["10.0.8.0/24"]);
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), &["198.51.100.1"], &some),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(client_address(None, &["198.51.100.1"], &some), None);
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let p = proxies(&["10.0.8.0/24", "127.0.0.1"]);
        // The client forged the first entry; the proxy appended what it saw.
        assert_eq!(
            client_address(Some(ip("10.0.8.2")), &["1.2.3.4, 198.51.100.7"], &p),
            Some(ip("198.51.100.7"))
        );
        // Two proxies, two header lines.
        assert_eq!(
            client_address(
                Some(ip("127.0.0.1")),
                &["6.6.6.6", "198.51.100.7, 10.0.8.3"],
                &p
            ),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.8.2")), &[" [2001:db8::5] "], &p),
            Some(ip("2001:db8::5"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.8.2")), &[], &p),
            Some(ip("10.0.8.2")),
            "no header: the proxy itself"
        );
        assert_eq!(
            client_address(Some(ip("10.0.8.2")), &["10.0.8.9"], &p),
            Some(ip("10.0.8.9")),
            "all trusted: the left-most"
        );
        assert_eq!(
            client_address(Some(ip("10.0.8.2")), &["garbage, 10.0.8.9"], &p),
            Some(ip("10.0.8.9")),
            "unreadable: the nearest readable hop"
        );
        assert_eq!(
            client_address(Some(ip("::ffff:10.0.8.2")), &["198.51.100.7"], &p),
            Some(ip("198.51.100.7")),
            "an IPv4-mapped peer is the IPv4 proxy"
        );
    }
}
