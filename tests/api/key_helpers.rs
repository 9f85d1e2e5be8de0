//! Helpers for the signing-key suites (issue 3): servers with rotation windows of seconds, the `latchkey keys`
//! commands run as the real binary against a running server's database, JWKS observation, the verifier crate, and a
//! JWKS proxy that logs every fetch a verifier makes.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey::config::{Config, HumanDuration};
use latchkey::domain::signing::KeyPolicy;
use latchkey::store::schema::signing_keys;
use latchkey::store::signing_keys::SigningKeyRow;
use latchkey_verifier::Verifier;
use serde_json::Value;

use crate::helpers::{
    Run, TempDir, TestApp, TestDatabase, eventually, header, latchkey_command, run_command,
};

/// Slack on top of the poll interval for a key change to be seen over HTTP (a tick reloads, then our next request).
pub(crate) const SLACK: Duration = Duration::from_millis(1500);

/// Names the Redis server the replica tests use for key-change notices (not `LATCHKEY_*`, see `POSTGRES_ENV`).
pub(crate) const REDIS_ENV: &str = "TEST_REDIS_URL";

/// Rotation settings of a test server, in seconds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Windows {
    pub publish_ahead: u64,
    pub rotation_interval: u64,
    pub access_token_ttl: u64,
}

impl Windows {
    pub(crate) fn apply(self, config: &mut Config) {
        config.key_publish_ahead = HumanDuration::from_secs(self.publish_ahead);
        config.key_rotation_interval = HumanDuration::from_secs(self.rotation_interval);
        config.access_token_ttl = HumanDuration::from_secs(self.access_token_ttl);
        config
            .validate()
            .unwrap_or_else(|e| panic!("the test's windows are refused: {e}"));
    }
}

/// A server on a fresh database with these windows, `configure` applied after them.
pub(crate) async fn spawn_with_windows(
    windows: Windows,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    TestApp::spawn_with(|config| {
        windows.apply(config);
        configure(config);
    })
    .await
}

pub(crate) fn policy(app: &TestApp) -> KeyPolicy {
    app.config.key_policy()
}

/// Seconds since the UNIX epoch, with fractions.
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs_f64()
}

/// The `kid` of a JWT's header.
pub(crate) fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("a JWT")
        .kid
        .expect("the token names a kid")
}

/// One `GET /.well-known/jwks.json`, kept whole.
#[derive(Clone, Debug)]
pub(crate) struct JwksResponse {
    pub status: u16,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub cache_control: Option<String>,
    /// In the order served; empty for a 304.
    pub kids: Vec<String>,
}

impl JwksResponse {
    pub(crate) fn has(&self, kid: &str) -> bool {
        self.kids.iter().any(|k| k == kid)
    }
}

pub(crate) async fn fetch_jwks(app: &TestApp, if_none_match: Option<&str>) -> JwksResponse {
    let mut request = app.http.get(app.url("/.well-known/jwks.json"));
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    let response = request.send().await.expect("GET the JWKS");
    let status = response.status().as_u16();
    let etag = header(response.headers(), "etag");
    let cache_control = header(response.headers(), "cache-control");
    let body = response.bytes().await.expect("reading the JWKS").to_vec();
    let kids = if status == 200 {
        kids_in(&body)
    } else {
        Vec::new()
    };
    JwksResponse {
        status,
        body,
        etag,
        cache_control,
        kids,
    }
}

fn kids_in(body: &[u8]) -> Vec<String> {
    let jwks: Value = serde_json::from_slice(body).expect("the JWKS is JSON");
    jwks["keys"]
        .as_array()
        .expect("a keys array")
        .iter()
        .map(|k| k["kid"].as_str().expect("a kid").to_owned())
        .collect()
}

/// Waits until the server's JWKS satisfies `check`, within `within`; returns that JWKS.
pub(crate) async fn jwks_until(
    app: &TestApp,
    what: &str,
    within: Duration,
    check: impl Fn(&JwksResponse) -> bool,
) -> JwksResponse {
    eventually(what, within, async || {
        let jwks = fetch_jwks(app, None).await;
        check(&jwks).then_some(jwks)
    })
    .await
}

/// The key table, read through the server's store.
pub(crate) async fn key_rows(app: &TestApp) -> Vec<SigningKeyRow> {
    app.state
        .store
        .list_signing_keys()
        .await
        .expect("listing signing keys")
}

pub(crate) fn kids_in_state(rows: &[SigningKeyRow], state: &str) -> Vec<String> {
    rows.iter()
        .filter(|r| r.state.as_str() == state)
        .map(|r| r.kid.to_string())
        .collect()
}

/// A verifier of `app`'s tokens for `audience` that follows the JWKS cache headers and fetches at most once per
/// `min_refetch_interval`, reading the JWKS from `jwks_uri` (the server's own unless a proxy is put in between).
pub(crate) fn verifier(
    app: &TestApp,
    audience: &str,
    min_refetch_interval: Duration,
    jwks_uri: Option<&str>,
) -> Verifier {
    Verifier::builder()
        .issuer(app.issuer.clone())
        .audience(audience)
        .leeway(Duration::from_secs(1))
        .min_refetch_interval(min_refetch_interval)
        .jwks_uri(jwks_uri.map_or_else(|| app.url("/.well-known/jwks.json"), str::to_owned))
        .expect("building the verifier")
}

/// Rewrites when a retired key may leave the JWKS, behind the server's back: the only way to reach the end of a
/// window that includes the fixed 60 s verifier leeway without waiting for it.
pub(crate) async fn set_remove_after(database: &TestDatabase, kid: &str, at: i64) {
    let update =
        diesel::update(signing_keys::table.find(kid)).set(signing_keys::remove_after.eq(Some(at)));
    let changed = if let Some(path) = database.sqlite_file() {
        let mut conn =
            SyncConnectionWrapper::<SqliteConnection>::establish(&path.to_string_lossy())
                .await
                .expect("opening the SQLite test database");
        diesel::sql_query("PRAGMA busy_timeout = 10000")
            .execute(&mut conn)
            .await
            .expect("setting busy_timeout");
        update.execute(&mut conn).await
    } else {
        let mut conn = AsyncPgConnection::establish(database.url())
            .await
            .expect("connecting to the PostgreSQL test database");
        update.execute(&mut conn).await
    }
    .expect("updating remove_after");
    assert_eq!(changed, 1, "no key {kid}");
}

/// `latchkey keys …` configured like a running server (same database, master key and key windows), run from an
/// empty folder so that no `config/latchkey.toml` is read.
pub(crate) struct KeyCli {
    env: Vec<(String, String)>,
    cwd: TempDir,
}

impl KeyCli {
    pub(crate) fn for_app(app: &TestApp) -> Self {
        Self::for_config(&app.config)
    }

    pub(crate) fn for_config(config: &Config) -> Self {
        let secs = |d: HumanDuration| format!("{}s", d.0.as_secs());
        let mut env = vec![
            (
                "LATCHKEY_DATABASE_URL",
                config.database_url.expose().clone(),
            ),
            ("LATCHKEY_KEY_PUBLISH_AHEAD", secs(config.key_publish_ahead)),
            (
                "LATCHKEY_KEY_ROTATION_INTERVAL",
                secs(config.key_rotation_interval),
            ),
            ("LATCHKEY_ACCESS_TOKEN_TTL", secs(config.access_token_ttl)),
            ("LATCHKEY_KEY_BITS", config.key_bits.to_string()),
            (
                "LATCHKEY_PASSWORD_HASH_MEMORY_KIB",
                config.password_hash_memory_kib.to_string(),
            ),
            (
                "LATCHKEY_PASSWORD_HASH_ITERATIONS",
                config.password_hash_iterations.to_string(),
            ),
        ];
        if let Some(key) = &config.master_key {
            env.push(("LATCHKEY_MASTER_KEY", key.expose().to_owned()));
        }
        if let Some(key) = &config.master_key_previous {
            env.push(("LATCHKEY_MASTER_KEY_PREVIOUS", key.expose().to_owned()));
        }
        if let Some(url) = &config.redis_url {
            env.push(("LATCHKEY_REDIS_URL", url.expose().to_owned()));
            env.push(("LATCHKEY_REDIS_PREFIX", config.redis_prefix.clone()));
        }
        Self {
            env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            cwd: TempDir::new(),
        }
    }

    /// Sets (or replaces) one variable.
    pub(crate) fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) async fn run(&self, args: &[&str]) -> Run {
        let env = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        run_command(latchkey_command(self.cwd.path(), env, args), None).await
    }

    /// `keys list --json`.
    pub(crate) async fn list(&self) -> Vec<Value> {
        self.run(&["keys", "list", "--json"])
            .await
            .json()
            .as_array()
            .expect("keys list --json prints an array")
            .clone()
    }
}

/// The entry of `kid` in `keys list --json` output.
pub(crate) fn listed<'a>(keys: &'a [Value], kid: &str) -> &'a Value {
    keys.iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("key {kid} is not listed: {keys:?}"))
}

/// One request the proxy forwarded.
#[derive(Clone, Debug)]
pub(crate) struct Fetch {
    pub path: String,
    pub at: Instant,
    pub status: u16,
    pub kids: Vec<String>,
}

struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Fetch>>>,
}

/// An HTTP proxy in front of a server's JWKS (any path) that logs each request, so a test can see exactly when a
/// verifier fetched the key set and what it got. Conditional requests and the caching headers pass through.
pub(crate) struct JwksProxy {
    pub address: String,
    log: Arc<Mutex<Vec<Fetch>>>,
}

impl JwksProxy {
    pub(crate) fn start(app: &TestApp) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = web::Data::new(ProxyState {
            upstream: app.url("/.well-known/jwks.json"),
            http: reqwest::Client::new(),
            log: log.clone(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the proxy");
        let port = listener.local_addr().expect("the proxy's address").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .default_service(web::to(forward))
        })
        .workers(1)
        .listen(listener)
        .expect("the proxy listens")
        .run();
        tokio::spawn(server);
        Self {
            address: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub(crate) fn fetches(&self, path: &str) -> Vec<Fetch> {
        self.log
            .lock()
            .expect("the proxy log")
            .iter()
            .filter(|f| f.path == path)
            .cloned()
            .collect()
    }
}

async fn forward(req: HttpRequest, state: web::Data<ProxyState>) -> HttpResponse {
    let at = Instant::now();
    let mut request = state.http.get(&state.upstream);
    for name in ["if-none-match", "accept"] {
        if let Some(value) = req.headers().get(name).and_then(|v| v.to_str().ok()) {
            request = request.header(name, value);
        }
    }
    let upstream = match request.send().await {
        Ok(response) => response,
        Err(e) => return HttpResponse::BadGateway().body(e.to_string()),
    };
    let status = upstream.status().as_u16();
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("a status code"));
    for name in ["etag", "cache-control", "content-type"] {
        if let Some(value) = header(upstream.headers(), name) {
            response.insert_header((name, value));
        }
    }
    let body = upstream.bytes().await.unwrap_or_default();
    state.log.lock().expect("the proxy log").push(Fetch {
        path: req.path().to_owned(),
        at,
        status,
        kids: if status == 200 {
            kids_in(&body)
        } else {
            Vec::new()
        },
    });
    if status == 304 {
        response.finish()
    } else {
        response.body(body)
    }
}

/// The audit records of key revocations, newest first.
pub(crate) async fn key_revocations_audited(
    app: &TestApp,
) -> Vec<latchkey::domain::audit::AuditRecord> {
    latchkey::domain::audit::list(&app.state.store, None, 100)
        .await
        .expect("the audit trail")
        .into_iter()
        .filter(|r| r.action == "key.revoke")
        .collect()
}

/// Starts a rotation as an operator would (`keys rotate`); returns the published `next` key's kid.
pub(crate) async fn publish_next(app: &TestApp) -> String {
    let outcome = latchkey::domain::signing::admin::rotate(
        &app.state.store,
        &app.state.master,
        &app.config.key_policy(),
        app.config.key_bits,
        &crate::helpers::operator(),
        crate::helpers::now(),
    )
    .await
    .expect("a rotation");
    match outcome {
        latchkey::domain::signing::admin::RotateOutcome::Scheduled { kid, .. } => kid,
        other => panic!("a rotation was already under way: {other:?}"),
    }
}
