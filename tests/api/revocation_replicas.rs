//! One revocation path (DESIGN.md §13, §16): every revocation reaches the shared denylist before its response is
//! sent, so with Redis an access token of a family revoked at one replica is refused at another replica's
//! `/introspect` at once, not after the next periodic refill (up to 2 s later). Covered here: a reused refresh
//! token (RFC 9700 §4.14.2), a replayed authorization code (RFC 6749 §4.1.2) and hosted logout (OIDC RP-Initiated
//! Logout). Needs `PostgreSQL` and Redis (`TEST_DATABASE_URL`, `TEST_REDIS_URL`).

use serde_json::Value;

use crate::helpers::{
    AuthRequest, ClientSpec, REDIRECT_URI, TestApp, TestClient, Tokens, UserSpec, app_with_redis,
    expect_error,
};
use crate::revocation::resource_server;

/// Two replicas sharing `PostgreSQL` and Redis, or `None` (a skip, or a failure under CI) without Redis.
async fn two_replicas(test: &str) -> Option<(TestApp, TestApp)> {
    let first = app_with_redis(test).await?;
    // Replicas behind one name share their issuer: the second takes the first's (its address, which the browser
    // of these tests talks to).
    let mut config = first.config.clone();
    config.issuer = Some(first.issuer.as_str().into());
    let second =
        TestApp::spawn_with_clock(first.database.clone(), config, first.clock.clone()).await;
    Some((first, second))
}

/// Whether `other` (another replica) says `token` is active, asked right after the revoking response.
async fn active_at(other: &TestApp, rs: &TestClient, token: &str) -> bool {
    let response = other.post_as(rs, "/introspect", &[("token", token)]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("introspection JSON");
    body["active"] == true
}

async fn code_flow(app: &TestApp) -> (crate::helpers::Browser, TestClient, Tokens) {
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let (browser, tokens) = app
        .code_flow(&user, &client, &AuthRequest::new(&client))
        .await;
    (browser, client, tokens)
}

#[tokio::test]
async fn rfc9700_4_14_2_a_reused_refresh_token_is_refused_at_another_replica_at_once() {
    let Some((first, second)) =
        two_replicas("rfc9700_4_14_2_a_reused_refresh_token_is_refused_at_another_replica_at_once")
            .await
    else {
        return;
    };
    let (user, client) = first.user_and_client().await;
    let rs = resource_server(&first).await;
    let login = first.login(&client, &user).await;
    let rotated = first.refresh(&client, login.refresh_token()).await;
    assert!(active_at(&second, &rs, &rotated.access_token).await);

    expect_error(
        first
            .refresh_grant(&client, login.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;

    assert!(
        !active_at(&second, &rs, &rotated.access_token).await,
        "the family's newest access token is still active at the other replica after the reuse was refused"
    );
    assert!(!active_at(&second, &rs, &login.access_token).await);
}

#[tokio::test]
async fn rfc6749_4_1_2_a_replayed_code_revokes_what_it_issued_at_another_replica_at_once() {
    let Some((first, second)) = two_replicas(
        "rfc6749_4_1_2_a_replayed_code_revokes_what_it_issued_at_another_replica_at_once",
    )
    .await
    else {
        return;
    };
    let rs = resource_server(&first).await;
    let user = first.create_user(UserSpec::default()).await;
    let client = first.create_client(ClientSpec::web_app()).await;
    let request = AuthRequest::new(&client);
    let browser = crate::helpers::Browser::new(&first);
    let redirect = browser.sign_in(&first, &request, &user).await;
    let code = redirect.param("code").expect("a code").to_owned();
    let verifier = request.pkce.verifier.clone();
    let tokens = crate::helpers::expect_tokens(
        first
            .code_grant(&client, &code, REDIRECT_URI, Some(&verifier))
            .await,
    )
    .await;
    assert!(active_at(&second, &rs, &tokens.access_token).await);

    expect_error(
        first
            .code_grant(&client, &code, REDIRECT_URI, Some(&verifier))
            .await,
        400,
        "invalid_grant",
    )
    .await;

    assert!(
        !active_at(&second, &rs, &tokens.access_token).await,
        "the first redemption's access token is still active at the other replica after the replay"
    );
}

#[tokio::test]
async fn hosted_logout_is_refused_at_another_replica_at_once() {
    let Some((first, second)) =
        two_replicas("hosted_logout_is_refused_at_another_replica_at_once").await
    else {
        return;
    };
    let rs = resource_server(&first).await;
    let (browser, _client, tokens) = code_flow(&first).await;
    assert!(active_at(&second, &rs, &tokens.access_token).await);

    let hint = tokens.id_token.clone().expect("an ID token");
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("id_token_hint", &hint);
    let response = browser
        .get(&format!("{}/logout?{}", first.address, query.finish()))
        .await;
    assert!(response.status().is_success(), "{}", response.status());

    assert!(
        !active_at(&second, &rs, &tokens.access_token).await,
        "the session's access token is still active at the other replica after logout"
    );
}
