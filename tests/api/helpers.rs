//! The harness: a real server on port 0 over a fresh database, driven over HTTP through typed helpers. Users and
//! clients are created with the same library functions the CLI calls.

mod admin;
mod authenticator;
mod browser;
pub(crate) mod chrome;
mod cli;
mod database;
mod eventually;
mod forwarder;
mod responses;
mod smtp_sink;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use latchkey::app::Application;
use latchkey::config::Config;
use latchkey::domain::clients::NewClient;
use latchkey::domain::passwords::Password;
use latchkey::domain::users::NewUser;
use latchkey::infra::clock::ManualClock;
use latchkey::state::AppState;
use latchkey::values::secret::SecretString;
use rand::RngExt;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

pub(crate) use admin::{ADMIN, ADMIN_READ, AdminApi, expect_problem};
pub(crate) use authenticator::SoftAuthenticator;
pub(crate) use browser::{AuthRequest, Browser, Pkce, Redirect, hidden_fields};
pub(crate) use cli::{Cli, Run, latchkey_command, run_command};
pub(crate) use database::{TEST_MASTER_KEY, TempDir, TestDatabase};
pub(crate) use eventually::eventually;
pub(crate) use forwarder::{Forwarder, resolve};
pub(crate) use responses::{AccessClaims, Tokens, expect_error, expect_tokens, header};
pub(crate) use smtp_sink::SmtpSink;

/// 32 random bytes in standard base64: a master key of the shape the config expects.
pub(crate) fn random_master_key() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    STANDARD.encode(bytes)
}

/// What every test starts from: one worker, the master key of the template's signing key, and argon2 parameters far below production's so
/// that a login costs milliseconds. On `PostgreSQL` with `TEST_REDIS_URL` set, Redis too (as production replicas
/// would run), under a key prefix of its own so that tests sharing the Redis server never see each other's keys.
pub(crate) fn test_config(database_url: &str) -> Config {
    let redis_url = std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.trim().is_empty() && database_url.starts_with("postgres"));
    Config {
        redis_url: redis_url.map(|url| SecretString::from(url.trim())),
        redis_prefix: format!("latchkey-test-{}", tag()),
        database_url: latchkey::store::DatabaseUrl::parse(database_url)
            .expect("a test database URL"),
        workers: 1,
        password_hash_memory_kib: 1024,
        password_hash_iterations: 1,
        password_hash_parallelism: 1,
        master_key: Some(SecretString::from(TEST_MASTER_KEY)),
        // Reuse detection is checked at once by most tests; the grace window's own tests (refresh_grant.rs) turn
        // it back on, one of them at the default.
        refresh_reuse_grace: latchkey::config::HumanDuration::from_secs(0),
        ..Config::default()
    }
}

/// How long the tests' HTTP clients keep an idle connection for reuse: well below the server's 5 s keep-alive, so a
/// request never goes out on a connection the server is closing at that moment (hyper's `IncompleteMessage`).
pub(crate) const IDLE_CONNECTION_REUSE: std::time::Duration = std::time::Duration::from_secs(2);

/// Who the tests' direct calls of the domain functions are, in the audit trail.
pub(crate) fn operator() -> latchkey::domain::audit::Actor {
    latchkey::domain::audit::Actor {
        name: "test:operator".into(),
        source: None,
    }
}

/// A short random tag that keeps names unique within a database.
pub(crate) fn tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

pub(crate) struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub port: u16,
    /// The `iss` the server puts in its tokens and metadata.
    pub issuer: String,
    pub state: web::Data<AppState>,
    pub config: Config,
    pub database: Arc<TestDatabase>,
    /// Follows no redirects: a token endpoint must answer, not bounce.
    pub http: reqwest::Client,
    /// The server's clock: tests of lifetimes move it instead of sleeping.
    pub clock: ManualClock,
    /// `http://127.0.0.1:<metrics port>/metrics` when the config sets `metrics_bind`.
    pub metrics_url: Option<String>,
}

impl TestApp {
    /// A server on a fresh database with [`test_config`].
    pub(crate) async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A server on a fresh database, with `configure` applied to [`test_config`].
    pub(crate) async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::fresh().await;
        let mut config = test_config(database.url());
        configure(&mut config);
        Self::spawn_on(database, config).await
    }

    /// A server with exactly `config`, which must point at `database` (or at a proxy in front of it).
    pub(crate) async fn spawn_on(database: Arc<TestDatabase>, config: Config) -> Self {
        Self::spawn_with_clock(database, config, ManualClock::new()).await
    }

    /// A server with exactly `config` whose time is `clock`.
    pub(crate) async fn spawn_with_clock(
        database: Arc<TestDatabase>,
        config: Config,
        clock: ManualClock,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a port");
        Self::spawn_on_listener(database, config, clock, listener).await
    }

    /// A server on a fresh database whose public URL is `http://localhost:<its port>`: a domain name, as WebAuthn
    /// needs for its relying-party id (a real browser refuses passkeys on an IP address), with `configure` applied.
    pub(crate) async fn spawn_on_localhost(configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::fresh().await;
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a port");
        let port = listener.local_addr().expect("an address").port();
        let mut config = test_config(database.url());
        config.public_url = Some(
            latchkey::config::IssuerUrl::parse(&format!("http://localhost:{port}")).expect("a URL"),
        );
        configure(&mut config);
        Self::spawn_on_listener(database, config, ManualClock::new(), listener).await
    }

    async fn spawn_on_listener(
        database: Arc<TestDatabase>,
        config: Config,
        clock: ManualClock,
        listener: TcpListener,
    ) -> Self {
        let application =
            Application::build_with_clock(config.clone(), listener, Arc::new(clock.clone()))
                .await
                .unwrap_or_else(|e| panic!("the server failed to start: {e:#}"));
        let port = application.port();
        let metrics_url = application
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}/metrics"));
        let state = application.state();
        tokio::spawn(application.run_until_stopped());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(IDLE_CONNECTION_REUSE)
            .build()
            .expect("cannot build the HTTP client");
        Self {
            address: format!("http://127.0.0.1:{port}"),
            port,
            issuer: state.tokens.issuer.clone(),
            state,
            config,
            database,
            http,
            clock,
            metrics_url,
        }
    }

    /// A second server on the same database with the same configuration and clock (another replica, or a
    /// restart).
    pub(crate) async fn spawn_another(&self) -> Self {
        Self::spawn_with_clock(
            self.database.clone(),
            self.config.clone(),
            self.clock.clone(),
        )
        .await
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub(crate) fn token_url(&self) -> String {
        self.url("/token")
    }

    pub(crate) async fn create_user(&self, spec: UserSpec) -> TestUser {
        let password = Password::new(spec.password.clone()).expect("test passwords are valid");
        let user = latchkey::domain::users::create_user(
            &self.state.store,
            &self.state.hasher,
            NewUser {
                email: spec.email,
                username: spec.username.clone(),
                display_name: None,
                roles: spec.roles.clone(),
                tenant: spec.tenant.clone(),
                password,
                email_verified: false,
            },
            &operator(),
            self.state.clock.now(),
        )
        .await
        .expect("cannot create the test user");
        TestUser {
            id: user.id.into_string(),
            email: user.email,
            username: spec.username,
            password: spec.password,
            roles: spec.roles,
            tenant: spec.tenant,
        }
    }

    pub(crate) async fn create_client(&self, spec: ClientSpec) -> TestClient {
        let (client, secret) = latchkey::domain::clients::create_client(
            &self.state.store,
            NewClient {
                id: spec.id,
                public: spec.public,
                grants: latchkey::domain::clients::grant_types(&spec.grants)
                    .expect("the spec names known grants"),
                scopes: spec.scopes,
                audiences: spec.audiences,
                redirect_uris: spec.redirect_uris,
                post_logout_redirect_uris: spec.post_logout_redirect_uris,
                web_origins: spec.web_origins,
                allow_no_pkce: spec.allow_no_pkce,
                can_introspect: spec.can_introspect,
                display: spec.display,
                third_party: spec.third_party,
                ..NewClient::default()
            },
            &operator(),
            self.state.clock.now(),
        )
        .await
        .expect("cannot create the test client");
        // As the admin API does after a change: the CORS answers know the new client at once.
        self.state.web_origins.invalidate();
        TestClient {
            id: client.id.into_string(),
            secret: secret.map(|s| s.expose().to_owned()),
        }
    }

    /// The everyday pair: a user with roles and a tenant, and a confidential client allowed both grants.
    pub(crate) async fn user_and_client(&self) -> (TestUser, TestClient) {
        (
            self.create_user(UserSpec::default()).await,
            self.create_client(ClientSpec::default()).await,
        )
    }

    pub(crate) async fn disable_user(&self, user: &TestUser) {
        latchkey::domain::users::set_disabled(
            &self.state.store,
            &self.state.revocations,
            &operator(),
            &user.id,
            true,
            self.state.clock.now(),
        )
        .await
        .expect("cannot disable the user");
    }

    /// `POST /token` with `params`, the client authenticated the usual way: HTTP Basic for a confidential client,
    /// `client_id` in the body for a public one (RFC 6749 §2.3).
    pub(crate) async fn post_token(
        &self,
        client: &TestClient,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_as(client, "/token", params).await
    }

    /// `POST path` with a form, the client authenticated as for [`Self::post_token`] (`/revoke`, `/introspect`).
    pub(crate) async fn post_as(
        &self,
        client: &TestClient,
        path: &str,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = params.to_vec();
        let mut request = self.http.post(self.url(path));
        match &client.secret {
            Some(secret) => request = request.basic_auth(&client.id, Some(secret)),
            None => form.push(("client_id", &client.id)),
        }
        request.form(&form).send().await.expect("POST failed")
    }

    /// `POST /token` with a raw body and content type, no client authentication added.
    pub(crate) async fn post_token_raw(
        &self,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.http
            .post(self.token_url())
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("POST /token failed")
    }

    /// Password grant (RFC 6749 §4.3) logging in by email.
    pub(crate) async fn password_grant(
        &self,
        client: &TestClient,
        user: &TestUser,
    ) -> reqwest::Response {
        self.password_grant_as(client, &user.email, &user.password, None)
            .await
    }

    pub(crate) async fn password_grant_as(
        &self,
        client: &TestClient,
        login: &str,
        password: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut params = vec![
            ("grant_type", "password"),
            ("username", login),
            ("password", password),
        ];
        params.extend(scope.map(|s| ("scope", s)));
        self.post_token(client, &params).await
    }

    /// Refresh grant (RFC 6749 §6).
    pub(crate) async fn refresh_grant(
        &self,
        client: &TestClient,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut params = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        params.extend(scope.map(|s| ("scope", s)));
        self.post_token(client, &params).await
    }

    /// Authorization code grant (RFC 6749 §4.1.3) with an optional PKCE verifier.
    pub(crate) async fn code_grant(
        &self,
        client: &TestClient,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> reqwest::Response {
        let mut params = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        params.extend(verifier.map(|v| ("code_verifier", v)));
        self.post_token(client, &params).await
    }

    /// A user and a confidential client of the authorization code flow ([`ClientSpec::web_app`]).
    pub(crate) async fn user_and_web_app(&self) -> (TestUser, TestClient) {
        (
            self.create_user(UserSpec::default()).await,
            self.create_client(ClientSpec::web_app()).await,
        )
    }

    /// The whole code flow in a new browser: `user` signs in for `request` on the hosted page and the code is
    /// redeemed. Returns the browser (it holds the session) and the tokens.
    pub(crate) async fn code_flow(
        &self,
        user: &TestUser,
        client: &TestClient,
        request: &AuthRequest,
    ) -> (Browser, Tokens) {
        let browser = Browser::new(self);
        let redirect = browser.sign_in(self, request, user).await;
        let code = redirect.param("code").expect("a code");
        let tokens = expect_tokens(
            self.code_grant(client, code, REDIRECT_URI, Some(&request.pkce.verifier))
                .await,
        )
        .await;
        (browser, tokens)
    }

    /// A password grant that must succeed.
    pub(crate) async fn login(&self, client: &TestClient, user: &TestUser) -> Tokens {
        expect_tokens(self.password_grant(client, user).await).await
    }

    /// A refresh that must succeed.
    pub(crate) async fn refresh(&self, client: &TestClient, refresh_token: &str) -> Tokens {
        expect_tokens(self.refresh_grant(client, refresh_token, None).await).await
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} failed: {e}"))
    }

    /// The served JWKS, parsed by jsonwebtoken (RFC 7517).
    pub(crate) async fn jwks(&self) -> JwkSet {
        let response = self.get("/.well-known/jwks.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("the JWKS is not a JWK set")
    }

    /// Verifies an access token as a resource server would (RFC 9068 §4): header `typ: at+jwt` and RS256, the
    /// served JWKS key named by its `kid`, signature, `iss`, `aud`, `exp` and `nbf`.
    pub(crate) async fn verify_access_token(&self, token: &str, audience: &str) -> AccessClaims {
        let header = jsonwebtoken::decode_header(token).expect("the access token is not a JWT");
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("at+jwt"), "RFC 9068 §2.1 typ");
        let kid = header.kid.expect("the access token names no kid");
        let jwks = self.jwks().await;
        let jwk = jwks
            .find(&kid)
            .unwrap_or_else(|| panic!("kid {kid} is not in the served JWKS"));
        let key = DecodingKey::from_jwk(jwk).expect("the JWK is not a usable RSA key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
            .unwrap_or_else(|e| panic!("the access token does not verify: {e}"))
            .claims
    }
}

/// What a test asks for when creating a user; the default is unique within a database.
#[derive(Clone, Debug)]
pub(crate) struct UserSpec {
    pub email: String,
    pub username: Option<String>,
    pub roles: Vec<String>,
    pub tenant: Option<String>,
    pub password: String,
}

impl Default for UserSpec {
    fn default() -> Self {
        let tag = tag();
        Self {
            email: format!("user-{tag}@example.org"),
            username: Some(format!("user_{tag}")),
            roles: vec!["reader".into(), "billing:admin".into()],
            tenant: Some("acme".into()),
            password: format!("correct horse {tag}"),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct TestUser {
    pub id: String,
    pub email: String,
    pub username: Option<String>,
    pub password: String,
    pub roles: Vec<String>,
    pub tenant: Option<String>,
}

/// What a test asks for when registering a client; the default is confidential with both grants and
/// `read write`.
#[derive(Clone, Debug)]
pub(crate) struct ClientSpec {
    pub id: String,
    pub public: bool,
    pub grants: Vec<String>,
    pub scopes: Vec<String>,
    pub audiences: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub web_origins: Vec<String>,
    pub allow_no_pkce: bool,
    pub can_introspect: bool,
    /// Name, logo and links for the pages (RFC 7591 §2).
    pub display: latchkey::domain::clients::ClientDisplay,
    /// Asks consent; no password grant.
    pub third_party: bool,
}

impl Default for ClientSpec {
    fn default() -> Self {
        Self {
            id: format!("client-{}", tag()),
            public: false,
            grants: vec!["password".into(), "refresh_token".into()],
            scopes: vec!["read".into(), "write".into()],
            audiences: Vec::new(),
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            web_origins: Vec::new(),
            allow_no_pkce: false,
            can_introspect: false,
            display: latchkey::domain::clients::ClientDisplay::default(),
            third_party: false,
        }
    }
}

impl ClientSpec {
    /// A public client of the authorization code flow (with refresh): an SPA or a native app. Public clients
    /// can't have the password grant (RFC 9700 §2.4).
    pub(crate) fn public() -> Self {
        Self {
            public: true,
            ..Self::web_app()
        }
    }

    /// A client of the authorization code flow (with refresh) redirecting to [`REDIRECT_URI`].
    pub(crate) fn web_app() -> Self {
        Self {
            grants: vec!["authorization_code".into(), "refresh_token".into()],
            redirect_uris: vec![REDIRECT_URI.into()],
            post_logout_redirect_uris: vec![SIGNED_OUT_URI.into()],
            ..Self::default()
        }
    }

    pub(crate) fn with_grants(grants: &[&str]) -> Self {
        Self {
            grants: grants.iter().map(|g| (*g).to_owned()).collect(),
            ..Self::default()
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct TestClient {
    pub id: String,
    /// `None` for a public client.
    pub secret: Option<String>,
}

impl TestClient {
    pub(crate) fn secret(&self) -> &str {
        self.secret.as_deref().expect("a confidential client")
    }
}

/// The redirection URI of [`ClientSpec::web_app`] clients. Nothing listens there: tests read the `Location`.
pub(crate) const REDIRECT_URI: &str = "https://app.example.com/callback";

/// The post-logout redirection URI of [`ClientSpec::web_app`] clients.
pub(crate) const SIGNED_OUT_URI: &str = "https://app.example.com/signed-out";

/// SHA-256, computed independently of the server's own helper.
pub(crate) fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// Seconds since the UNIX epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64
}

/// Decides what a test that needs `service` does when it is missing: under `CI=true` it fails (a test that could
/// not check what it exists for must never pass silently), except in the pass that `.ci/run` runs deliberately on
/// the embedded backend alone (`TEST_PASS=embedded`; its `PostgreSQL` + Redis pass runs the test for real). Outside
/// CI it says it was skipped. Returns whether the test may go on.
pub(crate) fn service_available(service: &str, available: bool, test: &str) -> bool {
    if available {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let embedded_pass = std::env::var("TEST_PASS").is_ok_and(|v| v == "embedded");
    assert!(
        !ci || embedded_pass,
        "{test} needs {service}, which this CI run does not provide"
    );
    report_skip(test, &format!("it needs {service}"));
    false
}

/// An app on the test database with Redis, or `None` when this run has no Redis (a skip, or a failure under CI:
/// see [`service_available`]).
pub(crate) async fn app_with_redis(test: &str) -> Option<TestApp> {
    let app = TestApp::spawn().await;
    service_available(
        "Redis (TEST_REDIS_URL with a PostgreSQL TEST_DATABASE_URL)",
        app.config.redis_url.is_some(),
        test,
    )
    .then_some(app)
}

/// Says in the test output that `test` was skipped, and why. Written straight to standard error: libtest hides
/// what a passing test prints (`eprintln!` included), and a skip must never look like a pass.
pub(crate) fn report_skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}
