//! Where a request comes from, for rate limits and logs.

use std::net::IpAddr;

use actix_web::{HttpRequest, web};

use super::client_addr::{TrustedProxies, client_address};

/// The client's address: the peer's, or behind the trusted proxies (the application's [`TrustedProxies`] data) the
/// right-most untrusted `X-Forwarded-For` entry. Without that data no proxy is trusted.
pub fn source_address(req: &HttpRequest) -> IpAddr {
    match req.app_data::<web::Data<TrustedProxies>>() {
        Some(proxies) => client_address(req, proxies),
        None => client_address(req, &TrustedProxies::default()),
    }
}
