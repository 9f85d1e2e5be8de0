//! The HTTP server: every surface's routes and app data on one actix `App`, behind the request-wide middleware
//! (metrics, tracing, the body deadline) and the connection bounds.

use std::net::TcpListener;
use std::rc::Rc;
use std::time::Duration;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_service::{IntoServiceFactory as _, ServiceFactoryExt as _, fn_service, map_config};
use actix_web::dev::{AppConfig, Server};
use actix_web::middleware::from_fn;
use actix_web::{App, web};
use tokio::net::TcpStream;
use tracing_actix_web::TracingLogger;

use crate::admin::AdminSettings;
use crate::config::Config;
use crate::http::body_deadline::BodyDeadline;
use crate::http::connection::head_deadline::{DeadlineStream, HeadClock, TrackRequests};
use crate::http::connection::source_cap::{self, SourceConnections};
use crate::http::jwks::JwksMaxAge;
use crate::http::request_span::RequestSpan;
use crate::infra::metrics;
use crate::pages::PageSettings;
use crate::state::AppState;

/// How long an idle kept-alive connection stays open (actix's default, set so that it can't move unnoticed: the
/// head deadline after a response builds on it).
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// How long a connection closed after an unread request body goes on reading and discarding before it is shut:
/// long enough for the client to see the response (closing at once could reset it away), short enough to bound.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// Each surface's own settings, registered as its app data.
pub(super) struct Surfaces {
    pub pages: PageSettings,
    pub admin: AdminSettings,
    pub jwks_max_age: JwksMaxAge,
}

/// Starts serving on `listener`.
///
/// `HttpServer` can't wrap a connection's stream, so this is its `listen` spelled out (actix-server workers, an
/// actix-http HTTP/1.1 service, the app configured as `HttpServer` would), with the connection bounds in between:
/// the per-source cap on accepting, the head deadline on the stream's reads.
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
    let head_timeout = config.request_head_timeout.0;
    let sources = SourceConnections::new(
        config.max_connections_per_source,
        config.ipv6_source_prefix,
        config.trusted_proxies.clone(),
    );
    let local_addr = listener.local_addr()?;
    let connection_metrics = state.metrics.clone();
    let app = move || {
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
    };
    let builder = Server::build()
        .workers(config.workers())
        // actix counts per worker; connections beyond the cap wait in the kernel's listen backlog, holding no file
        // descriptor of ours.
        .max_concurrent_connections(config.max_connections_per_worker());
    // Kept-alive connections close once a graceful stop (signal or handle) begins, as under `HttpServer`.
    let stopping = builder.graceful_shutdown_signal();
    Ok(builder
        .listen("latchkey", listener, move || {
            let stopping = stopping.clone();
            let sources = sources.clone();
            let metrics = connection_metrics.clone();
            // The app's host is only the fallback for a request without `Host` (none of ours builds URLs from it).
            let app = map_config(
                app()
                    .into_factory()
                    .map_err(|err: actix_web::Error| err.error_response()),
                |()| AppConfig::default(),
            );
            let http = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                // Slow clients (OWASP "slow HTTP" attacks): a connection's first head must arrive within
                // `request_head_timeout` of its start (actix answers 408), every head within it of its first byte
                // (DeadlineStream), the body within `request_body_timeout` (BodyDeadline); a connection closed
                // after an unread body lingers at most CLOSE_LINGER. Set explicitly so that a change of actix's
                // defaults can't lift a bound.
                .keep_alive(KEEP_ALIVE)
                .client_request_timeout(head_timeout)
                .client_disconnect_timeout(CLOSE_LINGER)
                .local_addr(local_addr)
                .on_connect_ext(|io: &DeadlineStream<TcpStream>, data| {
                    data.insert(Rc::clone(io.clock()));
                })
                .h1(TrackRequests::new(app));
            fn_service(move |stream: TcpStream| {
                let peer = stream.peer_addr().ok();
                let admitted = sources.admit(peer.map(|peer| peer.ip()));
                let metrics = metrics.clone();
                async move {
                    match admitted {
                        Ok(slot) => {
                            let clock = Rc::new(HeadClock::new(head_timeout, KEEP_ALIVE));
                            let stream = DeadlineStream::new(stream, slot, clock, metrics);
                            Ok((stream, peer))
                        }
                        Err(over) => {
                            tracing::debug!(source = %over.0, "over the per-source connection cap");
                            metrics.connection_cut("over_source_cap");
                            source_cap::refuse(stream).await;
                            Err(DispatchError::Io(std::io::Error::other(
                                "over the per-source connection cap",
                            )))
                        }
                    }
                }
            })
            .and_then(http)
        })?
        .run())
}
