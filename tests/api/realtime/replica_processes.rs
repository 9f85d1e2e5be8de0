//! Two `latchkey serve` processes sharing one `PostgreSQL` database and Redis, as replicas behind a load balancer:
//! tokens, reuse detection, failure counters and revocations are shared, whichever replica a request reaches.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::process::Child;

use crate::helpers::{
    Cli, TestClient, eventually, expect_error, expect_tokens, service_available, tag,
};

const ISSUER: &str = "https://login.replicas.test";
const PASSWORD: &str = "correct horse battery staple";

struct Replica {
    base: String,
    _process: Child,
}

impl Replica {
    /// Starts `latchkey serve` on a free port with the CLI's database, master key and Redis.
    async fn start(cli: &Cli) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let bind = format!("127.0.0.1:{port}");
        let mut command = cli.command(&["serve", "--no-migrate"]);
        command
            .env("LATCHKEY_BIND", &bind)
            .env("LATCHKEY_ISSUER", ISSUER)
            .env("LATCHKEY_WORKERS", "1")
            // The test reuses a rotated token at once: no grace window.
            .env("LATCHKEY_REFRESH_REUSE_GRACE", "0s")
            .env("LATCHKEY_LOGIN_FAILURE_LIMIT", "4");
        let process = command.spawn().expect("starting latchkey serve");
        let base = format!("http://{bind}");
        let http = reqwest::Client::new();
        eventually(
            &format!("the replica on {bind} is ready"),
            Duration::from_secs(30),
            async || match http.get(format!("{base}/readyz")).send().await {
                Ok(r) if r.status() == StatusCode::OK => Ok(()),
                Ok(r) => Err(r.status().to_string()),
                Err(e) => Err(e.to_string()),
            },
        )
        .await;
        Self {
            base,
            _process: process,
        }
    }

    async fn post(
        &self,
        client: &TestClient,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .basic_auth(&client.id, client.secret.as_deref())
            .form(form)
            .send()
            .await
            .expect("a replica answers")
    }

    async fn login(&self, client: &TestClient, email: &str, password: &str) -> reqwest::Response {
        self.post(
            client,
            "/token",
            &[
                ("grant_type", "password"),
                ("username", email),
                ("password", password),
            ],
        )
        .await
    }

    async fn refresh(&self, client: &TestClient, token: &str) -> reqwest::Response {
        self.post(
            client,
            "/token",
            &[("grant_type", "refresh_token"), ("refresh_token", token)],
        )
        .await
    }

    async fn introspect(&self, rs: &TestClient, token: &str) -> Value {
        let response = self.post(rs, "/introspect", &[("token", token)]).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("introspection JSON")
    }
}

#[tokio::test]
async fn two_serve_processes_share_tokens_reuse_detection_failure_counts_and_revocations() {
    let cli = Cli::new().await;
    if !service_available(
        "PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL)",
        cli.database.is_postgres() && cli.redis.is_some(),
        "two_serve_processes_share_tokens_reuse_detection_failure_counts_and_revocations",
    ) {
        return;
    }
    let email = format!("ada-{}@example.org", tag());
    cli.create_user(&email, PASSWORD, &[]).await;
    let client = cli.create_client(&format!("app-{}", tag())).await;
    let rs_id = format!("rs-{}", tag());
    let created = cli
        .run(&[
            "clients",
            "create",
            "--id",
            &rs_id,
            "--can-introspect",
            "--json",
        ])
        .await
        .json();
    let rs = TestClient {
        id: rs_id,
        secret: created["client_secret"].as_str().map(str::to_owned),
    };
    let (a, b) = tokio::join!(Replica::start(&cli), Replica::start(&cli));

    // Issued by A, refreshed at B.
    let first = expect_tokens(a.login(&client, &email, PASSWORD).await).await;
    let second = expect_tokens(b.refresh(&client, first.refresh_token()).await).await;
    // The rotated token reused at A revokes the family at both.
    expect_error(
        a.refresh(&client, first.refresh_token()).await,
        400,
        "invalid_grant",
    )
    .await;
    expect_error(
        b.refresh(&client, second.refresh_token()).await,
        400,
        "invalid_grant",
    )
    .await;

    // A token revoked at B is inactive at A at once (the denylist is in Redis) and listed in A's feed.
    let live = expect_tokens(a.login(&client, &email, PASSWORD).await).await;
    assert_eq!(a.introspect(&rs, &live.access_token).await["active"], true);
    let revoked = b
        .post(&client, "/revoke", &[("token", &live.access_token)])
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        a.introspect(&rs, &live.access_token).await,
        serde_json::json!({ "active": false })
    );
    let feed: Value = reqwest::get(format!("{}/revocations", a.base))
        .await
        .expect("the feed")
        .json()
        .await
        .expect("feed JSON");
    assert!(
        feed["revocations"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["kind"] == "jti"),
        "{feed}"
    );

    // A verifier polling A's feed refuses the token revoked at B.
    let verifier = latchkey_verifier::Verifier::builder()
        .issuer(ISSUER)
        .audience(&client.id)
        .revocation_feed(Duration::from_millis(200))
        .revocation_feed_uri(format!("{}/revocations", a.base))
        .jwks_uri(format!("{}/.well-known/jwks.json", a.base))
        .expect("a verifier");
    eventually(
        "the verifier refuses the revoked token",
        Duration::from_secs(10),
        async || match verifier.verify(&live.access_token).await {
            Err(latchkey_verifier::VerifyError::Revoked) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    )
    .await;
    let fresh = expect_tokens(b.login(&client, &email, PASSWORD).await).await;
    verifier
        .verify(&fresh.access_token)
        .await
        .expect("a token nobody revoked verifies");

    // Failures at A and B add up to one limit (4).
    let guessed = format!("target-{}@example.org", tag());
    for replica in [&a, &b, &a, &b] {
        expect_error(
            replica.login(&client, &guessed, "wrong-guess").await,
            400,
            "invalid_grant",
        )
        .await;
    }
    for replica in [&a, &b] {
        let refused = replica.login(&client, &guessed, "wrong-guess").await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
