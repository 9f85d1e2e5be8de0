//! The harness: a real server on port 0 over a fresh database, driven over HTTP through typed helpers. Users and
//! clients are created with the same library functions the CLI calls.

mod database;

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use latchkey::clients::NewClient;
use latchkey::config::Config;
use latchkey::passwords::Password;
use latchkey::secret::SecretString;
use latchkey::startup::Application;
use latchkey::state::AppState;
use latchkey::users::NewUser;
use rand::RngExt;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap};
use serde::Deserialize;

pub use database::{TempDir, TestDatabase};

/// 32 random bytes in standard base64: a master key of the shape the config expects.
pub fn random_master_key() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    STANDARD.encode(bytes)
}

/// What every test starts from: one worker, a fresh master key, and argon2 parameters far below production's so
/// that a login costs milliseconds.
pub fn test_config(database_url: &str) -> Config {
    Config {
        database_url: SecretString::from(database_url),
        workers: 1,
        password_hash_memory_kib: 1024,
        password_hash_iterations: 1,
        password_hash_parallelism: 1,
        master_key: Some(SecretString::from(random_master_key())),
        ..Config::default()
    }
}

/// A short random tag that keeps names unique within a database.
pub fn tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

pub struct TestApp {
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
}

impl TestApp {
    /// A server on a fresh database with [`test_config`].
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A server on a fresh database, with `configure` applied to [`test_config`].
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::fresh().await;
        let mut config = test_config(database.url());
        configure(&mut config);
        Self::spawn_on(database, config).await
    }

    /// A server with exactly `config`, which must point at `database` (or at a proxy in front of it).
    pub async fn spawn_on(database: Arc<TestDatabase>, config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a port");
        let application = Application::build_with_listener(config.clone(), listener)
            .await
            .unwrap_or_else(|e| panic!("the server failed to start: {e:#}"));
        let port = application.port();
        let state = application.state();
        tokio::spawn(application.run_until_stopped());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
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
        }
    }

    /// A second server on the same database with the same configuration (another replica, or a restart).
    pub async fn spawn_another(&self) -> Self {
        Self::spawn_on(self.database.clone(), self.config.clone()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn token_url(&self) -> String {
        self.url("/token")
    }

    pub async fn create_user(&self, spec: UserSpec) -> TestUser {
        let password = Password::new(spec.password.clone()).expect("test passwords are valid");
        let user = latchkey::users::create_user(
            &self.state.store,
            &self.state.hasher,
            NewUser {
                email: spec.email,
                username: spec.username.clone(),
                roles: spec.roles.clone(),
                tenant: spec.tenant.clone(),
                password,
            },
        )
        .await
        .expect("cannot create the test user");
        TestUser {
            id: user.id,
            email: user.email,
            username: spec.username,
            password: spec.password,
            roles: spec.roles,
            tenant: spec.tenant,
        }
    }

    pub async fn create_client(&self, spec: ClientSpec) -> TestClient {
        let (client, secret) = latchkey::clients::create_client(
            &self.state.store,
            NewClient {
                id: spec.id,
                public: spec.public,
                grants: spec.grants,
                scopes: spec.scopes,
                audiences: spec.audiences,
            },
        )
        .await
        .expect("cannot create the test client");
        TestClient {
            id: client.id,
            secret: secret.map(|s| s.expose().to_owned()),
        }
    }

    /// The everyday pair: a user with roles and a tenant, and a confidential client allowed both grants.
    pub async fn user_and_client(&self) -> (TestUser, TestClient) {
        (
            self.create_user(UserSpec::default()).await,
            self.create_client(ClientSpec::default()).await,
        )
    }

    pub async fn disable_user(&self, user: &TestUser) {
        latchkey::users::set_disabled(&self.state.store, &user.id, true)
            .await
            .expect("cannot disable the user");
    }

    /// `POST /token` with `params`, the client authenticated the usual way: HTTP Basic for a confidential client,
    /// `client_id` in the body for a public one (RFC 6749 §2.3).
    pub async fn post_token(
        &self,
        client: &TestClient,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = params.to_vec();
        let mut request = self.http.post(self.token_url());
        match &client.secret {
            Some(secret) => request = request.basic_auth(&client.id, Some(secret)),
            None => form.push(("client_id", &client.id)),
        }
        request
            .form(&form)
            .send()
            .await
            .expect("POST /token failed")
    }

    /// `POST /token` with a raw body and content type, no client authentication added.
    pub async fn post_token_raw(
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
    pub async fn password_grant(&self, client: &TestClient, user: &TestUser) -> reqwest::Response {
        self.password_grant_as(client, &user.email, &user.password, None)
            .await
    }

    pub async fn password_grant_as(
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
    pub async fn refresh_grant(
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

    /// A password grant that must succeed.
    pub async fn login(&self, client: &TestClient, user: &TestUser) -> Tokens {
        expect_tokens(self.password_grant(client, user).await).await
    }

    /// A refresh that must succeed.
    pub async fn refresh(&self, client: &TestClient, refresh_token: &str) -> Tokens {
        expect_tokens(self.refresh_grant(client, refresh_token, None).await).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} failed: {e}"))
    }

    /// The served JWKS, parsed by jsonwebtoken (RFC 7517).
    pub async fn jwks(&self) -> JwkSet {
        let response = self.get("/.well-known/jwks.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("the JWKS is not a JWK set")
    }

    /// Verifies an access token as a resource server would (RFC 9068 §4): header `typ: at+jwt` and RS256, the
    /// served JWKS key named by its `kid`, signature, `iss`, `aud`, `exp` and `nbf`.
    pub async fn verify_access_token(&self, token: &str, audience: &str) -> AccessClaims {
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
pub struct UserSpec {
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
pub struct TestUser {
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
pub struct ClientSpec {
    pub id: String,
    pub public: bool,
    pub grants: Vec<String>,
    pub scopes: Vec<String>,
    pub audiences: Vec<String>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        Self {
            id: format!("client-{}", tag()),
            public: false,
            grants: vec!["password".into(), "refresh_token".into()],
            scopes: vec!["read".into(), "write".into()],
            audiences: Vec::new(),
        }
    }
}

impl ClientSpec {
    pub fn public() -> Self {
        Self {
            public: true,
            ..Self::default()
        }
    }

    pub fn with_grants(grants: &[&str]) -> Self {
        Self {
            grants: grants.iter().map(|g| (*g).to_owned()).collect(),
            ..Self::default()
        }
    }
}

#[derive(Clone, Debug)]
pub struct TestClient {
    pub id: String,
    /// `None` for a public client.
    pub secret: Option<String>,
}

impl TestClient {
    pub fn secret(&self) -> &str {
        self.secret.as_deref().expect("a confidential client")
    }
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    pub scope: String,
}

impl Tokens {
    pub fn refresh_token(&self) -> &str {
        self.refresh_token
            .as_deref()
            .expect("the response carries no refresh_token")
    }
}

/// Claims of an access token (RFC 9068 §2.2).
#[derive(Debug, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: serde_json::Value,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    pub roles: Option<Vec<String>>,
    pub tenant: Option<String>,
}

/// Asserts a 200 token response that no cache may keep (§5.1), and parses it.
pub async fn expect_tokens(response: reqwest::Response) -> Tokens {
    let status = response.status();
    let cache_control = header(response.headers(), CACHE_CONTROL.as_str());
    let body = response.text().await.expect("reading the token response");
    assert_eq!(
        status,
        StatusCode::OK,
        "expected tokens, got {status}: {body}"
    );
    assert_eq!(
        cache_control.as_deref(),
        Some("no-store"),
        "RFC 6749 §5.1 Cache-Control"
    );
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not a token response ({e}): {body}"))
}

/// An error response as received, kept whole so tests can compare bodies byte for byte.
#[derive(Debug)]
pub struct ErrorResponse {
    pub headers: HeaderMap,
    pub body: String,
    pub description: Option<String>,
}

impl ErrorResponse {
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }

    /// Asserts that nothing the client sent comes back (no reflected input, RFC 6749 §5.2 descriptions are ours).
    pub fn assert_does_not_echo(&self, sent: &str) {
        assert!(
            !self.body.contains(sent),
            "the error echoes {sent:?}: {}",
            self.body
        );
    }
}

/// Asserts an RFC 6749 §5.2 error: the status, a JSON body whose `error` is `code` and whose only members are the
/// ones §5.2 defines, and `Cache-Control: no-store`.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> ErrorResponse {
    let actual = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.expect("reading the error response");
    assert_eq!(
        actual.as_u16(),
        status,
        "expected {status} {code}, got {actual}: {body}"
    );
    assert!(
        header(&headers, CONTENT_TYPE.as_str()).is_some_and(|t| t.starts_with("application/json")),
        "an error body is JSON: {headers:?}"
    );
    let json: serde_json::Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("the error body is not JSON ({e}): {body}"));
    let members: HashSet<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        members.is_subset(&HashSet::from(["error", "error_description", "error_uri"])),
        "RFC 6749 §5.2 members only: {body}"
    );
    assert_eq!(json["error"], code, "{body}");
    assert_eq!(
        header(&headers, CACHE_CONTROL.as_str()).as_deref(),
        Some("no-store"),
        "{body}"
    );
    ErrorResponse {
        description: json["error_description"].as_str().map(str::to_owned),
        headers,
        body,
    }
}

pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| v.to_str().expect("an ASCII header").to_owned())
}

/// SHA-256, computed independently of the server's own helper.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// Seconds since the UNIX epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64
}
