//! The client's address: the TCP peer, or behind a proxy the operator trusts
//! (`--trusted-proxy`), the address that proxy appended to `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request};
use axum::serve::IncomingStream;
use tokio::net::TcpListener;

use crate::tls::TlsListener;

/// The TCP peer of a connection, whatever the listener (plain or TLS): what
/// `into_make_service_with_connect_info::<Peer>` gives each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

/// The address a request came from, put in its extensions by the rate limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The client of `req`. Without a trusted proxy the header is ignored: anyone can send it.
/// With one, its last entry is the one the proxy added (earlier ones came from the client
/// and prove nothing). `None` when the server was not given the peer (in-process tests).
pub fn resolve(req: &Request, trusted_proxy: bool) -> Option<IpAddr> {
    if trusted_proxy {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|last| last.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.extensions()
        .get::<ConnectInfo<Peer>>()
        .map(|ConnectInfo(Peer(peer))| peer.ip())
}

/// The rate limiter's key for an address: IPv4 addresses one by one, IPv6 by /64 (one
/// host's share, which holds more addresses than anyone could exhaust).
pub fn limit_key(ip: IpAddr) -> [u8; 32] {
    let mut key = [0; 32];
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            key[0] = 4;
            key[1..5].copy_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            key[0] = 6;
            key[1..9].copy_from_slice(&v6.octets()[..8]);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(peer: &str, forwarded: Option<&str>) -> Request {
        let mut builder = Request::builder();
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let mut req = builder.body(Body::empty()).expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(Peer(peer.parse().expect("addr"))));
        req
    }

    #[test]
    fn the_header_counts_only_behind_a_trusted_proxy() {
        let req = request("10.0.0.1:4000", Some("203.0.113.9, 198.51.100.7"));
        assert_eq!(resolve(&req, false), Some("10.0.0.1".parse().expect("ip")));
        assert_eq!(
            resolve(&req, true),
            Some("198.51.100.7".parse().expect("ip"))
        );
        let junk = request("10.0.0.1:4000", Some("not an address"));
        assert_eq!(resolve(&junk, true), Some("10.0.0.1".parse().expect("ip")));
    }

    #[test]
    fn ipv6_shares_a_key_per_64() {
        let a = limit_key("2001:db8:1:2::1".parse().expect("ip"));
        let b = limit_key("2001:db8:1:2:ffff::9".parse().expect("ip"));
        let c = limit_key("2001:db8:1:3::1".parse().expect("ip"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            limit_key("::ffff:192.0.2.1".parse().expect("ip")),
            limit_key("192.0.2.1".parse().expect("ip"))
        );
    }
}
