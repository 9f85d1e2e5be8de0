//! Test helpers: RSA keys, hand-made tokens (any header, any claims), and a mock issuer serving a JWKS whose
//! caching headers and failures the tests control, and a revocation feed, counting the requests it gets.

use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use latchkey_verifier::{Clock, Verifier, VerifierBuilder};
use serde_json::{Value, json};

pub(crate) const ISSUER: &str = "https://idp.test";
pub(crate) const AUDIENCE: &str = "https://api.test";

/// An RSA-2048 signing key and its public JWK.
pub(crate) struct TestKey {
    pub(crate) kid: String,
    pair: KeyPair,
}

impl TestKey {
    fn generate(kid: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            pair: KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation"),
        }
    }

    pub(crate) fn jwk(&self) -> Value {
        let public = PublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(strip_zeros(&public.n)),
            "e": URL_SAFE_NO_PAD.encode(strip_zeros(&public.e)),
        })
    }

    /// The public key as PEM (`SubjectPublicKeyInfo`) and as PKCS#1 DER: what an alg-confusion attacker uses as the
    /// HMAC secret.
    pub(crate) fn public_key_encodings(&self) -> [Vec<u8>; 2] {
        let spki = self.pair.public_key().as_der().expect("SPKI encoding");
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(spki.as_ref())
        );
        [pem.into_bytes(), self.pair.public_key().as_ref().to_vec()]
    }

    /// A compact JWS over `header` and `claims`, signed RS256 with this key whatever the header says.
    pub(crate) fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = signing_input(header, claims);
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .expect("RS256 signature");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// A valid access token signed by this key.
    pub(crate) fn token(&self) -> String {
        self.sign(&header(&self.kid), &claims())
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

pub(crate) fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// Key generation takes ~100 ms: each key is made once per test run.
pub(crate) fn key_a() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate("key-a"))
}

pub(crate) fn key_b() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate("key-b"))
}

/// A key the issuer never published, claiming key A's kid.
pub(crate) fn impostor() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate("key-a"))
}

/// The header Latchkey signs with (RFC 9068 §2.1).
pub(crate) fn header(kid: &str) -> Value {
    json!({ "alg": "RS256", "kid": kid, "typ": "at+jwt" })
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .try_into()
        .expect("seconds fit in i64")
}

/// The key the mock issuer's feed hashes `sub`s under (bytes 0..32, base64url).
pub(crate) const SUB_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// What Latchkey's feed lists for `sub`: `HMAC-SHA256(SUB_KEY, sub)`, base64url.
pub(crate) fn sub_hmac(sub: &str) -> String {
    let key = URL_SAFE_NO_PAD
        .decode(SUB_KEY)
        .expect("the key is base64url");
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key);
    URL_SAFE_NO_PAD.encode(aws_lc_rs::hmac::sign(&key, sub.as_bytes()))
}

/// A `jti` as Latchkey makes it: a `UUIDv7` carrying `ms`.
pub(crate) fn jti_at(ms: i64) -> String {
    let hex = format!("{ms:012x}");
    format!("{}-{}-7123-8456-0123456789ab", &hex[..8], &hex[8..])
}

/// The claims Latchkey puts in an access token, valid for five minutes.
pub(crate) fn claims() -> Value {
    let now = now();
    json!({
        "iss": ISSUER, "sub": "user-1", "aud": AUDIENCE, "exp": now + 300, "iat": now, "nbf": now,
        "jti": "0190-jti", "client_id": "web-app", "scope": "openid orders:read",
        "roles": ["admin"], "tenant": "acme",
    })
}

/// What the mock issuer answers on its JWKS endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Jwks {
    Serve,
    Garbage,
    ServerError,
}

struct IdpState {
    keys: Vec<Value>,
    version: u32,
    cache_control: Option<String>,
    etags: bool,
    jwks: Jwks,
    metadata_issuer: Option<String>,
    jwks_requests: usize,
    not_modified: usize,
    /// Feed entries in `seq` order, as Latchkey serves them.
    revocations: Vec<Value>,
    feed_page_size: usize,
    /// The feed's `sub_key` (`None`: left out).
    sub_key: Option<&'static str>,
    feed_fails: bool,
    /// The `after` of each feed request, in order.
    feed_cursors: Vec<i64>,
}

/// A JWKS server on 127.0.0.1:0, stopped when dropped.
pub(crate) struct MockIdp {
    pub url: String,
    state: Arc<Mutex<IdpState>>,
    handle: ServerHandle,
}

impl MockIdp {
    /// Serves `keys` with `Cache-Control: public, max-age=300` and an `ETag`, like Latchkey.
    #[expect(
        clippy::unused_async,
        reason = "spawns the server on the caller's Tokio runtime, so callers must be in one"
    )]
    pub(crate) async fn start(keys: &[&TestKey]) -> Self {
        let state = Arc::new(Mutex::new(IdpState {
            keys: keys.iter().map(|k| k.jwk()).collect(),
            version: 1,
            cache_control: Some("public, max-age=300".to_owned()),
            etags: true,
            jwks: Jwks::Serve,
            metadata_issuer: None,
            jwks_requests: 0,
            not_modified: 0,
            revocations: Vec::new(),
            feed_page_size: 1000,
            sub_key: Some(SUB_KEY),
            feed_fails: false,
            feed_cursors: Vec::new(),
        }));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let data = web::Data::from(state.clone());
        let base = url.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::Data::new(base.clone()))
                .route("/.well-known/jwks.json", web::get().to(jwks))
                .route(
                    "/.well-known/oauth-authorization-server",
                    web::get().to(metadata),
                )
                .route("/revocations", web::get().to(revocations))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self { url, state, handle }
    }

    pub(crate) fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.url)
    }

    fn state(&self) -> MutexGuard<'_, IdpState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes a new set (with a new `ETag`).
    pub(crate) fn publish(&self, keys: &[&TestKey]) {
        let mut state = self.state();
        state.keys = keys.iter().map(|k| k.jwk()).collect();
        state.version += 1;
    }

    pub(crate) fn set_cache_control(&self, value: Option<&str>) {
        self.state().cache_control = value.map(str::to_owned);
    }

    pub(crate) fn set_etags(&self, on: bool) {
        self.state().etags = on;
    }

    pub(crate) fn answer_jwks_with(&self, jwks: Jwks) {
        self.state().jwks = jwks;
    }

    pub(crate) fn set_metadata_issuer(&self, issuer: &str) {
        self.state().metadata_issuer = Some(issuer.to_owned());
    }

    /// Requests to the JWKS endpoint so far, 304s included.
    pub(crate) fn jwks_requests(&self) -> usize {
        self.state().jwks_requests
    }

    pub(crate) fn not_modified(&self) -> usize {
        self.state().not_modified
    }

    pub(crate) fn feed_uri(&self) -> String {
        format!("{}/revocations", self.url)
    }

    /// Adds an entry to the feed (`kind` is `jti`, `sid` or `sub`), revoked now, forgotten in five minutes.
    pub(crate) fn revoke(&self, kind: &str, value: &str) {
        self.revoke_at(kind, value, now(), now() + 300);
    }

    /// Adds an entry revoked at the start of second `revoked_at`, as Latchkey lists it: a `sub` as `sub_hmac`,
    /// hashed under [`SUB_KEY`].
    pub(crate) fn revoke_at(&self, kind: &str, value: &str, revoked_at: i64, expires_at: i64) {
        self.revoke_at_ms(kind, value, revoked_at * 1000, expires_at);
    }

    pub(crate) fn revoke_at_ms(
        &self,
        kind: &str,
        value: &str,
        revoked_at_ms: i64,
        expires_at: i64,
    ) {
        let (kind, value) = match kind {
            "sub" => ("sub_hmac", sub_hmac(value)),
            other => (other, value.to_owned()),
        };
        self.add_entry(json!({
            "kind": kind, "value": value, "revoked_at_ms": revoked_at_ms, "expires_at": expires_at,
        }));
    }

    /// Adds `entry` as it is (its `seq` is set).
    pub(crate) fn add_entry(&self, mut entry: Value) {
        let mut state = self.state();
        entry["seq"] = (state.revocations.len() + 1).into();
        state.revocations.push(entry);
    }

    /// At most `size` entries per feed page (Latchkey's default is 1000).
    pub(crate) fn set_feed_page_size(&self, size: usize) {
        self.state().feed_page_size = size;
    }

    /// The `sub_key` the feed publishes (`None`: none).
    pub(crate) fn set_sub_key(&self, key: Option<&'static str>) {
        self.state().sub_key = key;
    }

    /// Makes the feed answer 500 (true) or serve again (false).
    pub(crate) fn fail_feed(&self, fail: bool) {
        self.state().feed_fails = fail;
    }

    /// The `after` of every feed request so far.
    pub(crate) fn feed_cursors(&self) -> Vec<i64> {
        self.state().feed_cursors.clone()
    }

    /// Stops listening: from now on the issuer is unreachable (connection refused).
    pub(crate) async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

impl Drop for MockIdp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn jwks(req: HttpRequest, state: web::Data<Mutex<IdpState>>) -> HttpResponse {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    state.jwks_requests += 1;
    match state.jwks {
        Jwks::Serve => {}
        Jwks::Garbage => return HttpResponse::Ok().body("<html>502 Bad Gateway</html>"),
        Jwks::ServerError => return HttpResponse::InternalServerError().finish(),
    }
    let etag = format!("\"v{}\"", state.version);
    let mut response = HttpResponse::Ok();
    if let Some(cache_control) = &state.cache_control {
        response.insert_header((header::CACHE_CONTROL, cache_control.as_str()));
    }
    if state.etags {
        let matches = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == etag);
        if matches {
            state.not_modified += 1;
            let mut not_modified = HttpResponse::NotModified();
            not_modified.insert_header((header::ETAG, etag));
            if let Some(cache_control) = &state.cache_control {
                not_modified.insert_header((header::CACHE_CONTROL, cache_control.as_str()));
            }
            return not_modified.finish();
        }
        response.insert_header((header::ETAG, etag));
    }
    response
        .content_type("application/jwk-set+json")
        .body(json!({ "keys": state.keys }).to_string())
}

/// `GET /revocations?after=N`, paged like Latchkey's: `more` when the page is full.
async fn revocations(req: HttpRequest, state: web::Data<Mutex<IdpState>>) -> HttpResponse {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let after =
        web::Query::<std::collections::HashMap<String, i64>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("after").copied())
            .unwrap_or(0);
    state.feed_cursors.push(after);
    if state.feed_fails {
        return HttpResponse::InternalServerError().finish();
    }
    let page: Vec<Value> = state
        .revocations
        .iter()
        .filter(|entry| entry["seq"].as_i64().is_some_and(|seq| seq > after))
        .take(state.feed_page_size)
        .cloned()
        .collect();
    let cursor = page.last().and_then(|e| e["seq"].as_i64()).unwrap_or(after);
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "cursor": cursor,
            "more": page.len() == state.feed_page_size,
            "sub_key": state.sub_key,
            "revocations": page,
        }))
}

async fn metadata(state: web::Data<Mutex<IdpState>>, base: web::Data<String>) -> HttpResponse {
    let state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let base = base.as_str();
    let issuer = state.metadata_issuer.as_deref().unwrap_or(base);
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "token_endpoint": format!("{base}/token"),
    }))
}

/// A builder for [`ISSUER`] and [`AUDIENCE`] with a short refetch interval, so tests don't wait 30 s.
pub(crate) fn builder() -> VerifierBuilder {
    Verifier::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .min_refetch_interval(Duration::from_millis(200))
        .http_timeout(Duration::from_secs(2))
}

/// A verifier of `idp`'s JWKS with the test defaults.
pub(crate) fn verifier(idp: &MockIdp) -> Verifier {
    builder().jwks_uri(idp.jwks_uri()).expect("verifier")
}

/// A verifier like [`verifier`]'s, reading the time from a [`TestClock`] the test moves.
pub(crate) fn clocked(idp: &MockIdp) -> (Verifier, Arc<TestClock>) {
    let clock = TestClock::new();
    let verifier = builder()
        .clock(clock.clone())
        .jwks_uri(idp.jwks_uri())
        .expect("verifier");
    (verifier, clock)
}

/// A clock that starts at the real time and then moves only when the test says, so tests of cache lifetimes and
/// intervals neither wait for them nor depend on how fast the machine is.
#[derive(Debug)]
pub(crate) struct TestClock {
    start: (Instant, SystemTime),
    moved: Mutex<Duration>,
}

impl TestClock {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            start: (Instant::now(), SystemTime::now()),
            moved: Mutex::new(Duration::ZERO),
        })
    }

    pub(crate) fn advance(&self, by: Duration) {
        *self.moved.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }

    fn moved(&self) -> Duration {
        *self.moved.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        self.start.0 + self.moved()
    }

    fn system_time(&self) -> SystemTime {
        self.start.1 + self.moved()
    }
}

/// Checks `check` every 20 ms until it holds, for at most `within` (for what happens on the verifier's own
/// schedule, such as the revocation feed's polls).
pub(crate) async fn eventually(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A URL nothing listens on.
pub(crate) fn unreachable_jwks_uri() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}/.well-known/jwks.json")
}
