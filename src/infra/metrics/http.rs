//! Requests by route and status, their latency, and the OAuth error codes answered.
//!
//! The route is the actix pattern the request matched (`/token`, `/oauth2/…/{id}`), never the raw path, so a
//! scanner probing random URLs adds one series (`unmatched`), not one per URL. The OAuth error code comes from the
//! response itself: [`json_error`](crate::oauth::http_response::json_error), the one place errors become JSON, leaves
//! an [`OAuthErrorCode`] in the response's extensions.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics::Label;

use super::{HTTP_DURATION, HTTP_REQUESTS, Metrics, TOKEN_ERRORS};

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The OAuth error code (`invalid_grant`, …) an error response carries, left in its extensions for the metrics.
#[derive(Clone, Copy, Debug)]
pub struct OAuthErrorCode(pub &'static str);

/// Middleware (for `actix_web::middleware::from_fn`): times the request and counts its answer.
pub async fn record<B: MessageBody>(
    metrics: Metrics,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    if !metrics.is_enabled() {
        return next.call(req).await;
    }
    let started = Instant::now();
    let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned());
    let result = next.call(req).await;
    let (status, code) = match &result {
        Ok(response) => (
            response.status(),
            response
                .response()
                .extensions()
                .get::<OAuthErrorCode>()
                .copied(),
        ),
        Err(error) => (error.as_response_error().status_code(), None),
    };
    metrics.request(&route, status.as_u16(), started.elapsed(), code);
    result
}

impl Metrics {
    fn request(
        &self,
        route: &str,
        status: u16,
        elapsed: std::time::Duration,
        code: Option<OAuthErrorCode>,
    ) {
        let route = Label::new("route", route.to_owned());
        self.increment(
            HTTP_REQUESTS,
            &[route.clone(), Label::new("status", status.to_string())],
        );
        self.observe(HTTP_DURATION, std::slice::from_ref(&route), elapsed);
        if let Some(OAuthErrorCode(code)) = code {
            self.increment(
                TOKEN_ERRORS,
                &[route, Label::from_static_parts("code", code)],
            );
        }
    }
}
