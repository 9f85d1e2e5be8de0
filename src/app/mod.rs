//! Builds the service from a [`Config`]: storage, keys, the domain services, each surface's settings and the HTTP
//! server. Tests call [`Application::build_with_clock`] with port 0 and talk to the real server.

mod background;
mod domain;
mod server;
mod services;
mod surfaces;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web;

pub use services::Services;
pub use surfaces::letters;

use crate::config::{Config, IssuerUrl};
use crate::domain::signing::KeyRing;
use crate::http::jwks::JwksMaxAge;
use crate::infra::clock::{self, SharedClock};
use crate::infra::metrics::Metrics;
use crate::infra::metrics::server::{MetricsServer, Sources};
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener, when `metrics_bind` is set.
    metrics_server: Option<MetricsServer>,
    state: web::Data<AppState>,
    background: background::Background,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        Self::build_with_listener(config, listener).await
    }

    pub async fn build_with_listener(
        config: Config,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        Self::build_with_clock(config, listener, clock::system()).await
    }

    /// Builds the service with `clock` as its time source (tests pass a
    /// [`ManualClock`](crate::infra::clock::ManualClock)).
    pub async fn build_with_clock(
        mut config: Config,
        listener: TcpListener,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        resolve_issuer(&mut config, port)?;
        for warning in config.warnings() {
            tracing::warn!("{warning}");
        }
        // Bound before anything else starts, so a taken port fails the start at once.
        let metrics_listener = config
            .metrics_bind
            .map(|addr| {
                TcpListener::bind(addr)
                    .map_err(|e| anyhow::anyhow!("cannot listen on metrics_bind {addr}: {e}"))
            })
            .transpose()?;
        let metrics = if metrics_listener.is_some() {
            Metrics::enabled()?
        } else {
            Metrics::disabled()
        };
        let mut services = Services::open(&config, config.migrate_on_start).await?;
        services.hasher = services.hasher.with_metrics(metrics.clone());
        services
            .store
            .start_background_checkpoints(&config.database_url);
        let keys = Arc::new(
            KeyRing::bootstrap(
                &services.store,
                &services.master,
                config.key_bits,
                clock.now(),
            )
            .await?,
        );
        let mail_wake = Arc::new(tokio::sync::Notify::new());
        let mut background =
            background::start(&config, &services, &keys, &clock, &mail_wake).await?;
        let issuer = config.issuer();
        let surfaces = server::Surfaces {
            pages: surfaces::page_settings(&config, &services.master, &issuer)?,
            admin: surfaces::admin_settings(&config, &services, &issuer, port, &clock)?,
            jwks_max_age: JwksMaxAge(services.policy.jwks_max_age.as_secs()),
        };
        let metrics_server = match metrics_listener {
            Some(listener) => MetricsServer::build(
                listener,
                metrics.clone(),
                Sources {
                    store: services.store.clone(),
                    password_queue_depth: Box::new({
                        let hasher = services.hasher.clone();
                        move || hasher.queue_depth()
                    }),
                    redis: services.redis.clone(),
                    policy: services.policy,
                    clock: clock.clone(),
                },
            )?,
            None => None,
        };
        let secure_cookies = surfaces.pages.cookie.secure;
        let letters = surfaces.pages.letters.clone();
        let parts = domain::Parts {
            services,
            keys,
            clock,
            metrics,
            mail_wake,
            secure_cookies,
            letters,
        };
        let state = web::Data::new(domain::app_state(&config, parts).await);
        background.handle_reset_requests(state.clone());
        let server = server::serve(&config, state.clone(), surfaces, listener)?;
        tracing::info!(
            address = %std::net::SocketAddr::new(config.bind.ip(), port),
            issuer = %state.tokens.issuer,
            backend = state.store.backend(),
            active_kid = %state.keys.snapshot().active.kid(),
            "latchkey listening"
        );
        Ok(Self {
            port,
            server,
            metrics_server,
            state,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on; `None` when metrics are off.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(MetricsServer::port)
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server stops (signal or handle), then stops key maintenance and the mail sender too
    /// (undelivered mail stays in the outbox for the next start).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(MetricsServer::run);
        let result = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop().await;
        }
        self.background.stop();
        result
    }
}

/// Without a configured issuer, the bound address is the issuer (port 0 resolved by binding: the real port).
fn resolve_issuer(config: &mut Config, port: u16) -> anyhow::Result<()> {
    if config.issuer.is_some() {
        return Ok(());
    }
    if config.bind.ip().is_unspecified() {
        tracing::warn!(
            bind = %config.bind,
            "no issuer configured and the bind address is unspecified: tokens will carry iss=http://{}; \
             set LATCHKEY_ISSUER to the public URL verifiers use",
            config.bind
        );
    }
    config.issuer = Some(
        IssuerUrl::parse(&format!(
            "http://{}",
            std::net::SocketAddr::new(config.bind.ip(), port)
        ))
        .map_err(anyhow::Error::msg)?,
    );
    Ok(())
}
