//! Where a request comes from, for rate limits and logs.

use std::net::IpAddr;

use actix_web::HttpRequest;

use super::client_addr::client_address;
use crate::state::AppState;

/// The client's address: the peer's, or behind trusted proxies the right-most untrusted `X-Forwarded-For` entry.
pub fn source_address(req: &HttpRequest, state: &AppState) -> IpAddr {
    client_address(req, &state.trusted_proxies)
}
