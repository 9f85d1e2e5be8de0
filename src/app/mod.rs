//! Builds the service from a [`Config`]: storage, keys, and the HTTP server. Tests call [`Application::build`] with
//! port 0 and talk to the real server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::config::{Config, IssuerUrl};
use crate::domain::password_reset::ResetSettings;
use crate::domain::passwords::PasswordHasher;
use crate::domain::revocation::{RedisDenylist, Revocations};
use crate::domain::sessions::SessionSettings;
use crate::domain::signing::manager::KeyManager;
use crate::domain::signing::usage::SigningUsage;
use crate::domain::signing::{KeyPolicy, KeyRing, MasterKey};
use crate::domain::throttle::{DeviceCookies, Limits, Throttle};
use crate::domain::tokens::TokenSettings;
use crate::domain::tokens::issuer::TokenIssuer;
use crate::http::body_deadline::BodyDeadline;
use crate::http::request_span::RequestSpan;
use crate::infra::clock::{self, SharedClock};
use crate::infra::key_notices::KeyNotices;
use crate::infra::metrics::server::MetricsServer;
use crate::infra::metrics::{self, Metrics};
use crate::infra::redis::SharedRedis;
use crate::pages::security::{CookiePolicy, Csrf};
use crate::pages::{Chrome, PageSettings, messages};
use crate::state::AppState;
use crate::store::Store;

/// Storage and crypto shared by `serve` and the operator commands.
pub struct Services {
    pub store: Store,
    pub master: Arc<MasterKey>,
    pub hasher: PasswordHasher,
    pub policy: KeyPolicy,
    /// Key-change notices to the other replicas, when Redis is configured.
    pub notices: Option<KeyNotices>,
    /// Shared by the denylist and rate limits, when Redis is configured.
    pub redis: Option<Arc<SharedRedis>>,
}

impl Services {
    /// Revocation over this database, with the denylist in Redis when it is configured.
    pub fn revocations(&self, clock: SharedClock, access_token_ttl: i64) -> Revocations {
        let redis = self
            .redis
            .as_ref()
            .map(|redis| Arc::new(RedisDenylist::new(redis.clone(), clock)));
        Revocations::new(self.store.clone(), redis, access_token_ttl)
    }

    /// For an operator command: the embedded SQLite default is migrated implicitly (a first command on a new
    /// machine just works); any other database with pending migrations is refused, because other replicas may be
    /// running the old schema: `latchkey migrate` is the one command that changes it.
    pub async fn for_command(config: &Config) -> anyhow::Result<Self> {
        let embedded = config.database_url.is_embedded();
        if !embedded {
            let pending = crate::store::pending_migrations(&config.database_url).await?;
            if !pending.is_empty() {
                anyhow::bail!(
                    "the database has {} pending migration(s) ({}): run `latchkey migrate` first \
                     (operator commands never change the schema of a shared database)",
                    pending.len(),
                    pending.join(", ")
                );
            }
        }
        Self::open(config, embedded).await
    }

    /// Connects (migrating first when `migrate`), loads the master key and the password hasher.
    pub async fn open(config: &Config, migrate: bool) -> anyhow::Result<Self> {
        let store = Store::connect(
            &config.database_url,
            config.database_pool_size,
            config.database_timeout.0,
            migrate,
        )
        .await?;
        let hasher = PasswordHasher::new(
            config.password_hash_memory_kib,
            config.password_hash_iterations,
            config.password_hash_parallelism,
            config.password_hash_concurrency(),
            config.password_queue_limit,
        )?;
        // The key file may be created only for a fresh embedded database: never replace a lost key silently.
        let fresh = store.list_signing_keys().await?.is_empty();
        let embedded = config.database_url.is_embedded();
        let master = Arc::new(MasterKey::load(
            &config.master_key_source(),
            fresh && embedded,
        )?);
        let redis = config
            .redis_url
            .as_ref()
            .map(|url| SharedRedis::new(url.expose(), &config.redis_prefix).map(Arc::new))
            .transpose()?;
        let notices = redis.clone().map(KeyNotices::new);
        Ok(Self {
            store,
            master,
            hasher,
            policy: config.key_policy(),
            notices,
            redis,
        })
    }
}

/// Time allowed for the head (request line and headers) of a connection's first request, from its start. (actix
/// 4 applies it to the first request only: later heads on a kept-alive connection are bounded by nothing but
/// `max_connections`.)
const REQUEST_HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a connection closed after an unread request body goes on reading and discarding before it is shut:
/// long enough for the client to see the response (closing at once could reset it away), short enough to bound.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_secs(1);

pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener, when `metrics_bind` is set.
    metrics_server: Option<MetricsServer>,
    state: web::Data<AppState>,
    maintenance: tokio::task::JoinHandle<()>,
    mail_sender: Option<tokio::task::JoinHandle<()>>,
    pruning: tokio::task::JoinHandle<()>,
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

    /// Builds the service with `clock` as its time source (tests pass a [`ManualClock`](crate::infra::clock::ManualClock)).
    pub async fn build_with_clock(
        mut config: Config,
        listener: TcpListener,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        if config.issuer.is_none() {
            if config.bind.ip().is_unspecified() {
                tracing::warn!(
                    bind = %config.bind,
                    "no issuer configured and the bind address is unspecified: tokens will carry iss=http://{}; \
                     set LATCHKEY_ISSUER to the public URL verifiers use",
                    config.bind
                );
            }
            // Port 0 was resolved by binding: the derived issuer must name the real port.
            config.issuer = Some(
                IssuerUrl::parse(&format!(
                    "http://{}",
                    std::net::SocketAddr::new(config.bind.ip(), port)
                ))
                .map_err(anyhow::Error::msg)?,
            );
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
        let manager = KeyManager {
            store: services.store.clone(),
            ring: keys.clone(),
            master: services.master.clone(),
            policy: services.policy,
            bits: config.key_bits,
            notices: services.notices.clone(),
            holder: uuid::Uuid::new_v4().to_string(),
            clock: clock.clone(),
        };
        // Due steps run once before serving (e.g. a rotation that fell due while the service was down).
        if let Err(e) = manager.tick().await {
            tracing::warn!(error = %e, "initial key maintenance failed; the schedule will retry");
        }
        let maintenance = manager.spawn();
        let tokens = TokenSettings {
            issuer: config.issuer(),
            access_token_ttl: config.access_token_ttl.as_secs(),
            refresh_token_idle_ttl: config.refresh_token_ttl.as_secs(),
            refresh_token_max_lifetime: config.refresh_token_max_lifetime.as_secs(),
        };
        let issuer = TokenIssuer {
            store: services.store.clone(),
            keys: keys.clone(),
            master: services.master.clone(),
            settings: tokens.clone(),
            clock: clock.clone(),
            metrics: metrics.clone(),
            usage: SigningUsage::new(services.store.clone()),
        };
        let theme_css = match &config.theme_stylesheet {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("theme_stylesheet {}: {e}", path.display()))?,
            ),
            None => None,
        };
        let pages = PageSettings {
            chrome: Chrome {
                product_name: config.product_name.clone(),
                logo_url: config.logo_url.clone(),
                theme_stylesheet: theme_css.is_some(),
                messages: &messages::ENGLISH,
            },
            cookie: CookiePolicy::for_issuer(&tokens.issuer),
            csrf: Csrf::new(services.master.derive_hmac_key("csrf")),
            theme_css,
            code_ttl: config.authorization_code_ttl.as_secs(),
        };
        let sessions = SessionSettings {
            idle_ttl: config.session_idle_ttl.as_secs(),
            max_lifetime: config.session_max_lifetime.as_secs(),
        };
        let mail_wake = Arc::new(tokio::sync::Notify::new());
        let transport = crate::infra::mail::Transport::configure(
            config.smtp_url.as_ref().map(|u| u.expose()),
            config.mail_dir.as_deref(),
        )?;
        let mail_sender = match transport {
            Some(transport) => Some(
                crate::infra::mail::Sender {
                    store: services.store.clone(),
                    master: services.master.clone(),
                    transport,
                    from: config
                        .mail_from
                        .parse()
                        .map_err(|e| anyhow::anyhow!("mail_from: {e}"))?,
                    clock: clock.clone(),
                    wake: mail_wake.clone(),
                }
                .spawn(),
            ),
            None => {
                tracing::warn!(
                    "no smtp_url or mail_dir configured: password-reset mail waits in the outbox until one is"
                );
                None
            }
        };
        let pruning = spawn_pruning(services.store.clone(), clock.clone());
        let reset = ResetSettings {
            ttl: config.password_reset_ttl.as_secs(),
            public_url: config.public_url(),
        };
        let revocations = services.revocations(clock.clone(), tokens.access_token_ttl);
        // Redis is filled from the revocation log before the first request is served, when it is reachable.
        revocations.refill().await;
        revocations.spawn_refill();
        let throttle = Throttle::new(
            services.redis.clone(),
            clock.clone(),
            DeviceCookies::new(
                services.master.derive_hmac_key("device-cookie"),
                pages.cookie.secure,
            ),
            Limits {
                login_failures: config.login_failure_limit,
                login_failure_window: config.login_failure_window.0,
                address_failures: config.address_failure_limit,
                address_requests_per_minute: config.address_request_limit,
                forgot_password_requests: config.forgot_password_limit,
            },
        );
        let admin = admin_settings(&config, &services, &tokens.issuer, port)?;
        let metrics_server = match metrics_listener {
            Some(listener) => MetricsServer::build(
                listener,
                metrics.clone(),
                metrics::server::Sources {
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
        let state = web::Data::new(AppState {
            admin,
            revocations,
            throttle,
            store: services.store,
            keys,
            master: services.master,
            hasher: services.hasher,
            tokens,
            issuer,
            clock,
            jwks_max_age: services.policy.jwks_max_age.as_secs(),
            pages,
            sessions,
            reset,
            mail_wake,
            trusted_proxies: config.trusted_proxies.clone(),
            metrics,
        });
        let server_state = state.clone();
        let body_deadline = BodyDeadline::new(config.request_body_timeout.0);
        let server = HttpServer::new(move || {
            let issuer = server_state.tokens.issuer.clone();
            let metrics = server_state.metrics.clone();
            App::new()
                // Inside the logger, so that a 408 is logged as the answer it is.
                .wrap(body_deadline)
                .wrap(TracingLogger::<RequestSpan>::new())
                // Outermost, so that every answer is counted and timed, the body deadline's 408s included.
                .wrap(from_fn(move |req, next| {
                    metrics::http::record(metrics.clone(), req, next)
                }))
                .app_data(server_state.clone())
                .configure(|cfg| crate::oauth::configure(cfg, &issuer))
                .configure(crate::http::configure)
                .configure(crate::pages::configure)
                .configure(crate::admin::configure)
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
        .run();
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
            maintenance,
            mail_sender,
            pruning,
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
        self.maintenance.abort();
        self.pruning.abort();
        if let Some(sender) = self.mail_sender {
            sender.abort();
        }
        result
    }
}

/// The admin API's settings. Its verifier reads this process's own JWKS over loopback, as a resource server reads
/// it over the network: the same checks, and the same library, as every other verifier of Latchkey's tokens.
fn admin_settings(
    config: &Config,
    services: &Services,
    issuer: &str,
    port: u16,
) -> anyhow::Result<crate::admin::AdminSettings> {
    let ip = match config.bind.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    let jwks_uri = format!(
        "http://{}/.well-known/jwks.json",
        std::net::SocketAddr::new(ip, port)
    );
    let verifier = latchkey_verifier::Verifier::builder()
        .issuer(issuer)
        .audience(crate::admin::access::admin_audience(issuer))
        // A fetch is a loopback request for bytes already in memory: a new key may be picked up within a second.
        .min_refetch_interval(std::time::Duration::from_secs(1))
        .jwks_uri(&jwks_uri)
        .map_err(|e| anyhow::anyhow!("admin API verifier: {e}"))?;
    Ok(crate::admin::AdminSettings {
        verifier,
        key_policy: services.policy,
        key_bits: config.key_bits,
        key_notices: services.notices.clone(),
        openapi: crate::admin::openapi::document(issuer),
    })
}

/// Every 10 minutes, deletes codes, sessions, reset tokens and sent mail that stopped mattering a day ago (several
/// replicas doing it at once is harmless).
fn spawn_pruning(store: Store, clock: SharedClock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            interval.tick().await;
            match store.prune_expired(clock.now()).await {
                Ok(pruned) if pruned != Default::default() => {
                    tracing::info!(?pruned, "pruned expired rows");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning failed; will retry"),
            }
        }
    })
}
