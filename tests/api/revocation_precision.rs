//! A user's revocation (logout everywhere, `users disable`, a password reset) against the tokens issued in its own
//! second (issue 17): every access token of the user signed before the revocation is refused, every one signed after
//! it is accepted, to the millisecond, on the database denylist, on the Redis denylist, and in the public feed
//! (`verifier_feed.rs` reads it with `latchkey-verifier`). The feed names the user by a keyed hash, never by id.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey::infra::clock::Clock as _;
use serde_json::Value;

use crate::helpers::{
    Browser, ClientSpec, TempDir, TestApp, TestClient, TestUser, UserSpec, app_with_redis, operator,
};
use crate::password_reset::{forgot, reset, reset_link, wait_for_mails};
use crate::revocation::resource_server;

/// Tokens minted on each side of the revocation.
const EACH_SIDE: usize = 32;

/// Access tokens of one user, minted around a revocation.
pub(crate) struct Around {
    /// Signed before the revocation started.
    pub before: Vec<String>,
    /// Signed after it returned.
    pub after: Vec<String>,
}

/// A user and a client without the refresh grant: the tokens carry no `sid`, so only the user's entry can refuse
/// them (a family entry would cover tokens issued with a refresh token whatever their time).
pub(crate) async fn user_without_refresh(app: &TestApp) -> (TestUser, TestClient) {
    let user = app.create_user(UserSpec::default()).await;
    let client = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;
    (user, client)
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// Mints `EACH_SIDE` tokens, and more until the last one was issued in the server clock's current second (at once,
/// almost always), so that the revocation right after shares its second; runs `revoke`, which answers the user to
/// sign in as afterwards (a disabled user enabled again, a reset one with the new password); then mints `EACH_SIDE`
/// tokens after it.
pub(crate) async fn mint_around(
    app: &TestApp,
    client: &TestClient,
    user: &TestUser,
    revoke: impl AsyncFnOnce() -> TestUser,
) -> Around {
    let mut before: Vec<String> = Vec::new();
    while before.len() < EACH_SIDE
        || claims(before.last().expect("a token"))["iat"] != app.clock.now()
    {
        assert!(
            before.len() < 10 * EACH_SIDE,
            "tokens never caught up with the clock"
        );
        before.push(app.login(client, user).await.access_token);
    }
    let user = revoke().await;
    let mut after = Vec::new();
    for _ in 0..EACH_SIDE {
        after.push(app.login(client, &user).await.access_token);
    }
    Around { before, after }
}

/// Whether introspection at `app` says `token` is active.
async fn active(app: &TestApp, rs: &TestClient, token: &str) -> bool {
    let response = app.post_as(rs, "/introspect", &[("token", token)]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("introspection JSON");
    body["active"] == true
}

/// Every token before is refused, every token after accepted; the message counts the ones that are not.
async fn expect_split(app: &TestApp, around: &Around) {
    let rs = resource_server(app).await;
    let mut survivors = 0;
    for token in &around.before {
        survivors += usize::from(active(app, &rs, token).await);
    }
    let mut refused_after = 0;
    for token in &around.after {
        refused_after += usize::from(!active(app, &rs, token).await);
    }
    assert_eq!(
        (survivors, refused_after),
        (0, 0),
        "of {} tokens signed before the revocation {survivors} are still active; of {} signed after it, \
         {refused_after} are refused",
        around.before.len(),
        around.after.len(),
    );
}

pub(crate) async fn logout_everywhere(app: &TestApp, user: &TestUser) {
    let state = &app.state;
    latchkey::domain::users::revoke_sessions(
        &state.store,
        &state.revocations,
        &operator(),
        &user.id,
        state.clock.now(),
    )
    .await
    .expect("logout everywhere");
}

async fn set_disabled(app: &TestApp, user: &TestUser, disabled: bool) {
    let state = &app.state;
    latchkey::domain::users::set_disabled(
        &state.store,
        &state.revocations,
        &operator(),
        &user.id,
        disabled,
        state.clock.now(),
    )
    .await
    .expect("disable or enable");
}

/// Logout everywhere and disabling, with the denylist `app` has.
async fn check_both_revocations(app: &TestApp) {
    let (user, client) = user_without_refresh(app).await;
    let around = mint_around(app, &client, &user, async || {
        logout_everywhere(app, &user).await;
        user.clone()
    })
    .await;
    expect_split(app, &around).await;

    let (user, client) = user_without_refresh(app).await;
    let around = mint_around(app, &client, &user, async || {
        set_disabled(app, &user, true).await;
        set_disabled(app, &user, false).await;
        user.clone()
    })
    .await;
    expect_split(app, &around).await;
}

#[tokio::test]
async fn on_the_database_denylist_a_user_revocation_refuses_exactly_the_tokens_signed_before_it() {
    let app = TestApp::spawn_with(|config| config.redis_url = None).await;
    assert_eq!(app.state.revocations.backend(), "database");
    check_both_revocations(&app).await;
}

#[tokio::test]
async fn on_the_redis_denylist_a_user_revocation_refuses_exactly_the_tokens_signed_before_it() {
    let Some(app) = app_with_redis(
        "on_the_redis_denylist_a_user_revocation_refuses_exactly_the_tokens_signed_before_it",
    )
    .await
    else {
        return;
    };
    assert_eq!(app.state.revocations.backend(), "redis");
    check_both_revocations(&app).await;
}

#[tokio::test]
async fn a_password_reset_refuses_exactly_the_tokens_signed_before_it() {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |config| config.mail_dir = Some(path)).await;
    let (user, client) = user_without_refresh(&app).await;
    let browser = Browser::new(&app);
    forgot(&app, &browser, &user.email).await;
    let link = reset_link(&wait_for_mails(dir.path(), 1).await[0]);

    let new_password = "a brand new passphrase";
    let around = mint_around(&app, &client, &user, async || {
        let done = reset(&app, &browser, &link, new_password, new_password).await;
        assert_eq!(done.status(), 200, "the reset is done");
        TestUser {
            password: new_password.to_owned(),
            ..user.clone()
        }
    })
    .await;
    expect_split(&app, &around).await;
}

#[tokio::test]
async fn access_token_ids_carry_their_millisecond_within_their_iat() {
    let app = TestApp::spawn().await;
    let (user, client) = user_without_refresh(&app).await;
    let token = app.login(&client, &user).await.access_token;
    let claims = claims(&token);
    let jti = uuid::Uuid::parse_str(claims["jti"].as_str().expect("a jti")).expect("a UUID");
    assert_eq!(jti.get_version_num(), 7);
    let (seconds, _) = jti.get_timestamp().expect("a v7 timestamp").to_unix();
    assert_eq!(Some(seconds), claims["iat"].as_u64());
}

#[tokio::test]
async fn the_feed_names_a_revoked_user_by_a_keyed_hash_of_sub_never_by_id() {
    let app = TestApp::spawn().await;
    let (user, client) = user_without_refresh(&app).await;
    let token = app.login(&client, &user).await.access_token;
    logout_everywhere(&app, &user).await;

    let body = app.get("/revocations").await.text().await.expect("a body");
    assert!(
        !body.contains(&user.id),
        "the user's id is in the feed: {body}"
    );
    let page: Value = serde_json::from_str(&body).expect("JSON");
    let key = URL_SAFE_NO_PAD
        .decode(page["sub_key"].as_str().expect("a sub_key"))
        .expect("base64url");
    assert_eq!(key.len(), 32);
    let expected = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
        user.id.as_bytes(),
    );
    let entries = page["revocations"].as_array().expect("entries");
    let entry = entries
        .iter()
        .find(|entry| entry["kind"] == "sub_hmac")
        .unwrap_or_else(|| panic!("no user entry: {page}"));
    assert_eq!(entry["value"], URL_SAFE_NO_PAD.encode(expected));
    // The revocation's millisecond, after the token's (whose jti carries it).
    let revoked_at_ms = entry["revoked_at_ms"].as_i64().expect("revoked_at_ms");
    let jti = uuid::Uuid::parse_str(claims(&token)["jti"].as_str().unwrap()).unwrap();
    let (s, ns) = jti.get_timestamp().unwrap().to_unix();
    assert!(i64::try_from(s * 1000 + u64::from(ns / 1_000_000)).unwrap() <= revoked_at_ms);
    assert!(
        entry.get("revoked_at").is_none(),
        "whole seconds are no longer published"
    );
    // The same key on every request (and every replica: it is derived from the master key).
    let again: Value = app.get("/revocations").await.json().await.expect("JSON");
    assert_eq!(again["sub_key"], page["sub_key"]);
}
