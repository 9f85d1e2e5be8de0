//! The HTTP server: every surface's routes and app data on one actix `App`, behind the request-wide middleware
//! (metrics, tracing, the body deadline) and the connection bounds.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::admin::AdminSettings;
use crate::config::Config;
use crate::http::body_deadline::BodyDeadline;
use crate::http::jwks::JwksMaxAge;
use crate::http::request_span::RequestSpan;
use crate::infra::metrics;
use crate::pages::PageSettings;
use crate::state::AppState;

/// Time allowed for the head (request line and headers) of a connection's first request, from its start. (actix
/// 4 applies it to the first request only: later heads on a kept-alive connection are bounded by nothing but
/// `max_connections`.)
const REQUEST_HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a connection closed after an unread request body goes on reading and discarding before it is shut:
/// long enough for the client to see the response (closing at once could reset it away), short enough to bound.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_secs(1);

/// Each surface's own settings, registered as its app data.
pub(super) struct Surfaces {
    pub pages: PageSettings,
    pub admin: AdminSettings,
    pub jwks_max_age: JwksMaxAge,
}

/// Starts serving on `listener`.
pub(super) fn serve(
    config: &Config,
    state: web::Data<AppState>,
    surfaces: Surfaces,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let pages = web::Data::new(surfaces.pages);
    let admin = web::Data::new(surfaces.admin);
    let jwks_max_age = surfaces.jwks_max_age;
    let trusted_proxies = web::Data::new(config.trusted_proxies.clone());
    let body_deadline = BodyDeadline::new(config.request_body_timeout.0);
    Ok(HttpServer::new(move || {
        let issuer = state.tokens.issuer.clone();
        let metrics = state.metrics.clone();
        App::new()
            // Inside the logger, so that a 408 is logged as the answer it is.
            .wrap(body_deadline)
            .wrap(TracingLogger::<RequestSpan>::new())
            // Outermost, so that every answer is counted and timed, the body deadline's 408s included.
            .wrap(from_fn(move |req, next| {
                metrics::http::record(metrics.clone(), req, next)
            }))
            .app_data(state.clone())
            .app_data(trusted_proxies.clone())
            .configure(|cfg| crate::oauth::configure(cfg, &issuer))
            .configure(|cfg| crate::http::configure(cfg, jwks_max_age))
            .configure(|cfg| crate::pages::configure(cfg, pages.clone()))
            .configure(|cfg| crate::admin::configure(cfg, admin.clone()))
    })
    .workers(config.workers())
    // Slow clients (OWASP "slow HTTP" attacks): the head must arrive within REQUEST_HEAD_TIMEOUT (actix answers
    // 408), the body within `request_body_timeout` (BodyDeadline); a connection closed after an unread body
    // lingers at most CLOSE_LINGER. Set explicitly so that a change of actix's defaults can't lift a bound.
    .client_request_timeout(REQUEST_HEAD_TIMEOUT)
    .client_disconnect_timeout(CLOSE_LINGER)
    // actix counts per worker; connections beyond the cap wait in the kernel's listen backlog, holding no file
    // descriptor of ours.
    .max_connections(config.max_connections_per_worker())
    .listen(listener)?
    .run())
}
