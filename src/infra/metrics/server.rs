//! The metrics listener: `GET /metrics` on `metrics_bind`, an HTTP server of its own, so the series are never
//! served on the public port. A scrape first samples what is read rather than tracked (pool use, the password queue,
//! Redis, the key table), then renders this application's recorder in the Prometheus text format.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics::Label;
use metrics_exporter_prometheus::PrometheusHandle;

use super::keys::{KeyGauges, KeyStates};
use super::{
    DB_POOL_CONNECTIONS, DB_POOL_ERRORS, DB_POOL_MAX, DB_POOL_WAITING, Metrics,
    PASSWORD_QUEUE_DEPTH, REDIS_UP,
};
use crate::domain::signing::KeyPolicy;
use crate::infra::clock::SharedClock;
use crate::infra::redis::SharedRedis;
use crate::store::Store;

/// How often histogram samples are folded into their buckets between scrapes, so memory stays bounded when nobody
/// scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// What a scrape samples.
pub struct Sources {
    pub store: Store,
    /// Password checks waiting for an argon2 thread now.
    pub password_queue_depth: Box<dyn Fn() -> usize + Send + Sync>,
    pub redis: Option<Arc<SharedRedis>>,
    pub policy: KeyPolicy,
    pub clock: SharedClock,
}

struct Scrape {
    metrics: Metrics,
    handle: PrometheusHandle,
    sources: Sources,
    key_states: KeyStates,
}

/// The metrics listener, bound and ready; it serves once [`run`](Self::run) is called.
pub struct MetricsServer {
    port: u16,
    server: Server,
    handle: PrometheusHandle,
}

impl MetricsServer {
    /// Binds `/metrics` on `listener`; `None` when `metrics` is disabled.
    pub fn build(
        listener: TcpListener,
        metrics: Metrics,
        sources: Sources,
    ) -> anyhow::Result<Option<Self>> {
        let Some(handle) = metrics.handle() else {
            return Ok(None);
        };
        let port = listener.local_addr()?.port();
        let scrape = web::Data::new(Scrape {
            metrics,
            handle: handle.clone(),
            sources,
            key_states: KeyStates::default(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(scrape.clone())
                .route("/metrics", web::get().to(serve))
        })
        .workers(1)
        // Stopped with the main server (see `run`), not by signals of its own.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Some(Self {
            port,
            server,
            handle,
        }))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts serving in the background; stop it with the returned [`Running::stop`].
    pub fn run(self) -> Running {
        let server = self.server.handle();
        tokio::spawn(self.server);
        let handle = self.handle;
        let upkeep = tokio::spawn(async move {
            let mut interval = tokio::time::interval(UPKEEP_INTERVAL);
            loop {
                interval.tick().await;
                handle.run_upkeep();
            }
        });
        Running { server, upkeep }
    }
}

/// A metrics listener serving.
pub struct Running {
    server: ServerHandle,
    upkeep: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(self) {
        self.upkeep.abort();
        self.server.stop(true).await;
    }
}

async fn serve(scrape: web::Data<Scrape>) -> HttpResponse {
    scrape.sample().await;
    HttpResponse::Ok()
        // The Prometheus text exposition format, version 0.0.4.
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(scrape.handle.render())
}

impl Scrape {
    async fn sample(&self) {
        let Self {
            metrics, sources, ..
        } = self;
        let pool = sources.store.pool_use();
        let in_use = pool.size.saturating_sub(pool.idle);
        metrics.set(DB_POOL_CONNECTIONS, &[state("in_use")], in_use as f64);
        metrics.set(DB_POOL_CONNECTIONS, &[state("idle")], pool.idle as f64);
        metrics.set(DB_POOL_MAX, &[], pool.max_size as f64);
        metrics.set(DB_POOL_WAITING, &[], pool.waiting as f64);
        for (kind, total) in [
            ("timeout", pool.timeouts),
            ("connect", pool.connect_failures),
            ("writer_timeout", pool.writer_timeouts),
        ] {
            metrics.absolute(
                DB_POOL_ERRORS,
                &[Label::from_static_parts("kind", kind)],
                total,
            );
        }
        metrics.set(
            PASSWORD_QUEUE_DEPTH,
            &[],
            (sources.password_queue_depth)() as f64,
        );
        if let Some(redis) = &sources.redis {
            let up = redis.ping().await;
            metrics.set(REDIS_UP, &[], if up { 1.0 } else { 0.0 });
        }
        match sources.store.list_signing_keys().await {
            Ok(rows) => {
                let gauges = KeyGauges::read(&rows, &sources.policy, sources.clock.now());
                self.key_states.record(metrics, &gauges);
            }
            // The key gauges keep their last values; the pool error counters tell why.
            Err(e) => tracing::warn!(error = %e, "cannot read the key table for the metrics"),
        }
    }
}

fn state(value: &'static str) -> Label {
    Label::from_static_parts("state", value)
}
