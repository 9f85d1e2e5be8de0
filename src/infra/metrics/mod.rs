//! Prometheus metrics, served on a listener of their own (`metrics_bind`, off by default) so they are never public.
//!
//! **One recorder per application, none global.** Each [`Application`](crate::app::Application) built with
//! `metrics_bind` owns a `PrometheusRecorder` that is never installed as the process's global recorder. Code
//! records through the [`Metrics`] handle in the application state, which calls that recorder directly; the scrape
//! renders that recorder alone. So two servers in one process (the test suite runs hundreds) never mix their
//! series, a scrape shows exactly what its own server did, and nothing global needs resetting. That is also why the
//! `metrics` facade's macros are not used here (they record into the global or a thread-local recorder, which does
//! not follow a request across tasks); its types (`Key`, `Counter`, …) are.
//!
//! With metrics off the handle is empty and every call returns at once: nothing is registered or kept.
//!
//! Counters and histograms are recorded where things happen. Values that are cheaper to read than to track (pool
//! use, the password queue, key ages and states, Redis reachability) are sampled when Prometheus scrapes
//! ([`server`]), so they are never stale. Label values are bounded: routes are actix patterns, never raw paths;
//! kids are the issuer's own keys, never a value read from a request.

pub mod http;
pub mod keys;
pub mod server;

use std::sync::Arc;
use std::time::Duration;

use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

pub const HTTP_REQUESTS: &str = "latchkey_http_requests_total";
pub const HTTP_DURATION: &str = "latchkey_http_request_duration_seconds";
pub const GRANTS: &str = "latchkey_grants_total";
pub const TOKEN_ERRORS: &str = "latchkey_token_errors_total";
pub const PASSWORD_QUEUE_DEPTH: &str = "latchkey_password_queue_depth";
pub const PASSWORD_QUEUE_WAIT: &str = "latchkey_password_queue_wait_seconds";
pub const PASSWORD_SHED: &str = "latchkey_password_checks_shed_total";
pub const DB_POOL_CONNECTIONS: &str = "latchkey_db_pool_connections";
pub const DB_POOL_MAX: &str = "latchkey_db_pool_max_connections";
pub const DB_POOL_WAITING: &str = "latchkey_db_pool_waiting";
pub const DB_POOL_ERRORS: &str = "latchkey_db_pool_errors_total";
pub const REDIS_UP: &str = "latchkey_redis_up";
pub const KEY_ACTIVE_AGE: &str = "latchkey_signing_key_active_age_seconds";
pub const KEY_NEXT_SIGNS_IN: &str = "latchkey_signing_key_next_signs_in_seconds";
pub const KEYS_PUBLISHED: &str = "latchkey_signing_keys_published";
pub const KEY_STATE: &str = "latchkey_signing_key_state";
pub const TOKENS_SIGNED: &str = "latchkey_tokens_signed_total";
pub const REFRESH_PRESENTED: &str = "latchkey_refresh_presented_total";
pub const REFRESH_REPEATED: &str = "latchkey_refresh_repeated_total";
pub const ACCOUNT_EVENTS: &str = "latchkey_account_events_total";
pub const CONNECTIONS_CUT: &str = "latchkey_connections_cut_total";
pub const USERS_IMPORTED: &str = "latchkey_users_imported_total";
pub const LEGACY_PASSWORD_LOGINS: &str = "latchkey_legacy_password_logins_total";
pub const PASSWORD_REHASHES: &str = "latchkey_password_rehashes_total";
pub const CONSENTS: &str = "latchkey_consents_total";
pub const PASSKEYS: &str = "latchkey_passkey_events_total";

/// Request latency buckets, seconds: a token grant is milliseconds (argon2 ~15 ms, RS256 < 1 ms); the top buckets
/// catch database and Redis timeouts (3 s, 0.5 s).
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Wait for an argon2 thread, seconds: zero when a thread is free, multiples of one verification (~15 ms) when not.
const PASSWORD_WAIT_BUCKETS: &[f64] = &[
    0.0, 0.001, 0.005, 0.015, 0.03, 0.06, 0.125, 0.25, 0.5, 1.0, 2.0, 5.0,
];

/// Kind and help text of every series, written once (the exporter's `# HELP` lines; README lists the same).
#[rustfmt::skip] // A table: one series per line.
const DESCRIPTIONS: &[(Kind, &str, &str)] = &[
    (Kind::Counter, HTTP_REQUESTS, "HTTP requests answered, by route pattern and status"),
    (Kind::Histogram, HTTP_DURATION, "Time to answer an HTTP request, by route pattern"),
    (Kind::Counter, GRANTS, "Token requests by grant type and outcome (success or the OAuth error code)"),
    (Kind::Counter, TOKEN_ERRORS, "OAuth error responses (RFC 6749 §5.2) by route and error code"),
    (Kind::Gauge, PASSWORD_QUEUE_DEPTH, "Password checks waiting for an argon2 thread"),
    (Kind::Histogram, PASSWORD_QUEUE_WAIT, "Time a password check waited for an argon2 thread"),
    (Kind::Counter, PASSWORD_SHED, "Password checks refused because the argon2 queue was full"),
    (Kind::Gauge, DB_POOL_CONNECTIONS, "Database connections open, by state (in_use, idle)"),
    (Kind::Gauge, DB_POOL_MAX, "Most database connections the pool opens"),
    (Kind::Gauge, DB_POOL_WAITING, "Requests waiting for a database connection"),
    (Kind::Counter, DB_POOL_ERRORS, "Failures to get a database connection, by kind"),
    (Kind::Gauge, REDIS_UP, "1 when Redis answered a PING at scrape time, else 0"),
    (Kind::Gauge, KEY_ACTIVE_AGE, "Seconds since the active signing key started signing"),
    (Kind::Gauge, KEY_NEXT_SIGNS_IN, "Seconds until the next signing key signs"),
    (Kind::Gauge, KEYS_PUBLISHED, "Signing keys in the JWKS, by state"),
    (Kind::Gauge, KEY_STATE, "1 for the state each signing key is in, 0 for the other states"),
    (Kind::Counter, TOKENS_SIGNED, "JWTs (access and ID tokens) signed, by kid"),
    (Kind::Counter, REFRESH_PRESENTED, "Refresh grants presenting a token issued under kid"),
    (Kind::Counter, ACCOUNT_EVENTS, "Self-service account events (registered, registration_for_existing_address, email_verified, password_changed, deleted, profile_updated, email_change_requested, email_changed, email_change_address_taken)"),
    (Kind::Counter, REFRESH_REPEATED, "Refreshes repeated within refresh_reuse_grace, answered with the same successor"),
    (Kind::Counter, CONNECTIONS_CUT, "Connections closed by a bound: over_source_cap, head_timeout"),
    (Kind::Counter, USERS_IMPORTED, "Rows of user imports through the admin API, by result (created, exists, invalid)"),
    (Kind::Counter, LEGACY_PASSWORD_LOGINS, "Successful sign-ins with an imported hash, by format (bcrypt, scrypt, …)"),
    (Kind::Counter, PASSWORD_REHASHES, "Stored hashes replaced by the configured argon2id at sign-in, by the format they had"),
    (Kind::Counter, CONSENTS, "Consent to third-party clients, by decision (granted, denied, revoked)"),
    (Kind::Counter, PASSKEYS, "Passkey events (registered, registration_refused, removed, signed_in, sign_in_refused)"),
];

#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Recorders ignore metadata here; one static value serves every call.
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// What the application records into: cheap to clone, a no-op when metrics are off.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<PrometheusRecorder>>);

impl Metrics {
    /// Records nothing (metrics off, operator commands).
    pub fn disabled() -> Self {
        Self(None)
    }

    /// A recorder of this application's own, with explicit histogram buckets and every series described.
    pub fn enabled() -> anyhow::Result<Self> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), HTTP_BUCKETS)?
            .set_buckets_for_metric(
                Matcher::Full(PASSWORD_QUEUE_WAIT.into()),
                PASSWORD_WAIT_BUCKETS,
            )?
            .build_recorder();
        for (kind, name, help) in DESCRIPTIONS {
            let (name, help) = ((*name).into(), (*help).into());
            // Units are in the names (`_seconds`), as Prometheus' conventions ask.
            match kind {
                Kind::Counter => recorder.describe_counter(name, None, help),
                Kind::Gauge => recorder.describe_gauge(name, None, help),
                Kind::Histogram => recorder.describe_histogram(name, None, help),
            }
        }
        Ok(Self(Some(Arc::new(recorder))))
    }

    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Renders and maintains this recorder's series; `None` when metrics are off.
    pub(crate) fn handle(&self) -> Option<PrometheusHandle> {
        self.0.as_ref().map(|recorder| recorder.handle())
    }

    /// A token request ended: `outcome` is `success` or the OAuth error code.
    pub fn grant(&self, grant_type: &'static str, outcome: &'static str) {
        self.increment(
            GRANTS,
            &[
                Label::from_static_parts("grant_type", grant_type),
                Label::from_static_parts("outcome", outcome),
            ],
        );
    }

    /// A JWT was signed with `kid`.
    pub fn token_signed(&self, kid: &str) {
        self.increment(TOKENS_SIGNED, &[Label::new("kid", kid.to_owned())]);
    }

    /// A refresh grant presented a refresh token issued alongside an access token signed with `kid`.
    pub fn refresh_presented(&self, kid: &str) {
        self.increment(REFRESH_PRESENTED, &[Label::new("kid", kid.to_owned())]);
    }

    /// A self-service account event: `registered`, `registration_for_existing_address`, `email_verified`,
    /// `password_changed`, `deleted`, `profile_updated`, `email_change_requested`, `email_changed`,
    /// `email_change_address_taken`.
    pub fn account_event(&self, event: &'static str) {
        self.increment(ACCOUNT_EVENTS, &[Label::from_static_parts("event", event)]);
    }

    /// A user decided on a third-party client's consent page (`granted`, `denied`), or withdrew consent on the
    /// account page (`revoked`).
    pub fn consent(&self, decision: &'static str) {
        self.increment(CONSENTS, &[Label::from_static_parts("decision", decision)]);
    }

    /// A passkey event: `registered`, `registration_refused`, `removed`, `signed_in`, `sign_in_refused`.
    pub fn passkey_event(&self, event: &'static str) {
        self.increment(PASSKEYS, &[Label::from_static_parts("event", event)]);
    }

    /// A refresh repeated within the grace window got the successor already issued.
    pub fn refresh_repeated(&self) {
        self.increment(REFRESH_REPEATED, &[]);
    }

    /// A password check waited `waited` for an argon2 thread (zero when one was free).
    pub fn password_waited(&self, waited: Duration) {
        self.observe(PASSWORD_QUEUE_WAIT, &[], waited);
    }

    /// A password check was refused because the queue was full.
    pub fn password_shed(&self) {
        self.increment(PASSWORD_SHED, &[]);
    }

    /// A connection was closed by a bound: `over_source_cap` (refused at once) or `head_timeout` (a request head
    /// overdue).
    pub fn connection_cut(&self, reason: &'static str) {
        self.increment(
            CONNECTIONS_CUT,
            &[Label::from_static_parts("reason", reason)],
        );
    }

    /// Rows of a user import ended with `result` (`created`, `exists`, `invalid`).
    pub fn users_imported(&self, result: &'static str, rows: u64) {
        self.add(
            USERS_IMPORTED,
            &[Label::from_static_parts("result", result)],
            rows,
        );
    }

    /// A sign-in succeeded with an imported hash of `format`.
    pub fn legacy_password_login(&self, format: &'static str) {
        self.increment(
            LEGACY_PASSWORD_LOGINS,
            &[Label::from_static_parts("format", format)],
        );
    }

    /// A stored hash of `format` was replaced by the configured argon2id.
    pub fn password_rehashed(&self, format: &'static str) {
        self.increment(
            PASSWORD_REHASHES,
            &[Label::from_static_parts("from", format)],
        );
    }

    fn increment(&self, name: &'static str, labels: &[Label]) {
        self.add(name, labels, 1);
    }

    fn add(&self, name: &'static str, labels: &[Label], by: u64) {
        if let Some(recorder) = &self.0 {
            recorder
                .register_counter(&Key::from_parts(name, labels.iter()), &METADATA)
                .increment(by);
        }
    }

    /// Sets a counter kept elsewhere (e.g. by the store) to its current total.
    fn absolute(&self, name: &'static str, labels: &[Label], total: u64) {
        if let Some(recorder) = &self.0 {
            recorder
                .register_counter(&Key::from_parts(name, labels.iter()), &METADATA)
                .absolute(total);
        }
    }

    fn set(&self, name: &'static str, labels: &[Label], value: f64) {
        if let Some(recorder) = &self.0 {
            recorder
                .register_gauge(&Key::from_parts(name, labels.iter()), &METADATA)
                .set(value);
        }
    }

    fn observe(&self, name: &'static str, labels: &[Label], value: Duration) {
        if let Some(recorder) = &self.0 {
            recorder
                .register_histogram(&Key::from_parts(name, labels.iter()), &METADATA)
                .record(value.as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_handles_never_share_series() {
        let (a, b) = (Metrics::enabled().unwrap(), Metrics::enabled().unwrap());
        a.grant("password", "success");
        let rendered = |m: &Metrics| m.handle().map(|h| h.render()).unwrap_or_default();
        assert!(
            rendered(&a)
                .contains(r#"latchkey_grants_total{grant_type="password",outcome="success"} 1"#)
        );
        assert!(!rendered(&b).contains("latchkey_grants_total{"));
    }

    #[test]
    fn a_disabled_handle_records_nothing() {
        let off = Metrics::disabled();
        off.grant("password", "success");
        assert!(off.handle().is_none());
    }

    #[test]
    fn histograms_have_explicit_buckets() {
        let m = Metrics::enabled().unwrap();
        m.password_waited(Duration::from_millis(3));
        let text = m.handle().map(|h| h.render()).unwrap_or_default();
        assert!(
            text.contains(r#"latchkey_password_queue_wait_seconds_bucket{le="0.005"} 1"#),
            "{text}"
        );
    }
}
