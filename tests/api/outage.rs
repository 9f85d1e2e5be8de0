//! Outages of the shared services, made by cutting a TCP forwarder between the server and the service (the
//! services themselves keep running for the other tests).
//!
//! A database outage: `/token` answers 503 with `Retry-After` (never `invalid_grant`, which would make clients
//! discard good refresh tokens) and recovers by itself. `PostgreSQL` only: an embedded file can't become unreachable.
//!
//! A Redis outage: whatever needs the denylist answers 503 (never a guess), sign-in keeps working under stricter
//! per-process limits, nothing is revoked because of the outage, revocations made meanwhile are not lost, and
//! everything recovers without a restart.

use std::time::Duration;

use latchkey::config::HumanDuration;
use reqwest::StatusCode;

use crate::helpers::{
    ClientSpec, Forwarder, TestApp, TestClient, TestDatabase, eventually, expect_error,
    expect_tokens, resolve, test_config,
};

#[tokio::test]
async fn a_database_outage_is_503_with_retry_after_and_the_same_refresh_token_works_after_recovery()
{
    let database = TestDatabase::fresh().await;
    if !crate::helpers::service_available(
        "PostgreSQL (TEST_DATABASE_URL)",
        database.is_postgres(),
        "the database outage test",
    ) {
        return;
    }
    let mut url = url::Url::parse(database.url()).expect("a database URL");
    let upstream =
        tokio::net::lookup_host((url.host_str().expect("a host"), url.port().unwrap_or(5432)))
            .await
            .expect("resolving PostgreSQL")
            .next()
            .expect("an address for PostgreSQL");
    let mut forwarder = Forwarder::start(0, upstream).await;
    url.set_host(Some("127.0.0.1")).expect("a host");
    url.set_port(Some(forwarder.port)).expect("a port");
    let mut config = test_config(url.as_str());
    config.database_timeout = HumanDuration::from_secs(1);
    let app = TestApp::spawn_on(database, config).await;
    let (user, client) = app.user_and_client().await;
    let tokens = app.login(&client, &user).await;

    forwarder.stop().await;

    let login = app.password_grant(&client, &user).await;
    let error = expect_error(login, 503, "temporarily_unavailable").await;
    assert!(
        error
            .header("retry-after")
            .is_some_and(|s| s.parse::<u64>().is_ok()),
        "{:?}",
        error.headers
    );
    let refresh = app
        .refresh_grant(&client, tokens.refresh_token(), None)
        .await;
    let error = expect_error(refresh, 503, "temporarily_unavailable").await;
    assert!(error.header("retry-after").is_some(), "{:?}", error.headers);
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "the process itself is fine"
    );
    assert_eq!(
        app.get("/.well-known/jwks.json").await.status(),
        StatusCode::OK,
        "the JWKS is served from memory: verifiers keep working"
    );

    forwarder.restart().await;

    // Recovery without a restart: the refresh token the outage did not spend works again.
    let renewed = eventually(
        "the server recovers after the database returns",
        Duration::from_secs(15),
        async || {
            let response = app
                .refresh_grant(&client, tokens.refresh_token(), None)
                .await;
            if response.status() == StatusCode::OK {
                return Ok(expect_tokens(response).await);
            }
            expect_error(response, 503, "temporarily_unavailable").await;
            Err("503 temporarily_unavailable")
        },
    )
    .await;
    app.verify_access_token(&renewed.access_token, &client.id)
        .await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    expect_tokens(app.password_grant(&client, &user).await).await;
}

async fn introspect(app: &TestApp, rs: &TestClient, token: &str) -> reqwest::Response {
    app.post_as(rs, "/introspect", &[("token", token)]).await
}

#[tokio::test]
async fn a_redis_outage_fails_closed_loses_nothing_and_recovers_by_itself() {
    let redis_url = std::env::var("TEST_REDIS_URL").ok();
    let database = TestDatabase::fresh().await;
    if !crate::helpers::service_available(
        "Redis (TEST_REDIS_URL) with PostgreSQL (TEST_DATABASE_URL)",
        redis_url.is_some() && database.is_postgres(),
        "the Redis outage test",
    ) {
        return;
    }
    let redis_url = url::Url::parse(redis_url.unwrap_or_default().trim()).expect("a Redis URL");
    let upstream = resolve(
        redis_url.host_str().expect("a host"),
        redis_url.port().unwrap_or(6379),
    )
    .await;
    let mut forwarder = Forwarder::start(0, upstream).await;
    let mut config = test_config(database.url());
    config.redis_url = Some(format!("redis://127.0.0.1:{}", forwarder.port).into());
    config.login_failure_limit = 4;
    let app = TestApp::spawn_on(database, config).await;
    let (user, client) = app.user_and_client().await;
    let rs = app
        .create_client(ClientSpec {
            grants: Vec::new(),
            can_introspect: true,
            ..ClientSpec::default()
        })
        .await;
    let revoked_before = app.login(&client, &user).await;
    let revoked_during = app.login(&client, &user).await;
    let live = app.login(&client, &user).await;
    let revoke = app
        .post_as(
            &client,
            "/revoke",
            &[("token", &revoked_before.access_token)],
        )
        .await;
    assert_eq!(revoke.status(), StatusCode::OK);

    forwarder.stop().await;

    // The denylist can't be read: no guess either way.
    for token in [&revoked_before.access_token, &live.access_token] {
        let error = expect_error(
            introspect(&app, &rs, token).await,
            503,
            "temporarily_unavailable",
        )
        .await;
        assert!(error.header("retry-after").is_some(), "{:?}", error.headers);
    }
    // A revocation still commits to the database, to be applied when Redis returns.
    let revoke = app
        .post_as(
            &client,
            "/revoke",
            &[("token", &revoked_during.access_token)],
        )
        .await;
    assert_eq!(revoke.status(), StatusCode::OK);
    // Sign-in and refresh don't need Redis; no family is revoked because of the outage.
    let refreshed = app.refresh(&client, live.refresh_token()).await;
    expect_tokens(app.password_grant(&client, &user).await).await;
    // Limits fall back to this process, stricter (half of 4), never to "unlimited".
    for _ in 0..2 {
        let response = app
            .password_grant_as(&client, "guess@example.org", "wrong-password", None)
            .await;
        expect_error(response, 400, "invalid_grant").await;
    }
    let throttled = app
        .password_grant_as(&client, "guess@example.org", "wrong-password", None)
        .await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);

    forwarder.restart().await;

    let answer: serde_json::Value = eventually(
        "introspection recovers after Redis returns",
        Duration::from_secs(15),
        async || {
            let response = introspect(&app, &rs, &refreshed.access_token).await;
            if response.status() == StatusCode::OK {
                return Ok(response.json().await.expect("JSON"));
            }
            expect_error(response, 503, "temporarily_unavailable").await;
            Err("503 temporarily_unavailable")
        },
    )
    .await;
    assert_eq!(answer["active"], true);
    for token in [&revoked_before.access_token, &revoked_during.access_token] {
        let answer: serde_json::Value = introspect(&app, &rs, token)
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(
            answer,
            serde_json::json!({ "active": false }),
            "nothing revoked was lost"
        );
    }
}
