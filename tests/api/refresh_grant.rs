//! Refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).

use std::time::Duration;

use futures_util::future::join_all;
use latchkey::config::HumanDuration;
use reqwest::StatusCode;

use crate::helpers::{ClientSpec, TestApp, UserSpec, expect_error, expect_tokens};

#[tokio::test]
async fn rfc6749_6_every_refresh_returns_a_new_refresh_token_and_a_valid_access_token() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;

    let first = app.refresh(&client, login.refresh_token()).await;
    let second = app.refresh(&client, first.refresh_token()).await;

    assert_ne!(first.refresh_token(), login.refresh_token());
    assert_ne!(second.refresh_token(), first.refresh_token());
    assert_eq!(second.token_type, "Bearer");
    assert_eq!(second.scope, "read write");
    let claims = app
        .verify_access_token(&second.access_token, &client.id)
        .await;
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.roles.as_ref(), Some(&user.roles));
    assert_eq!(claims.tenant, user.tenant);
    assert_ne!(
        claims.jti,
        app.verify_access_token(&first.access_token, &client.id)
            .await
            .jti
    );
}

#[tokio::test]
async fn rfc9700_4_14_2_reusing_a_rotated_refresh_token_revokes_the_family_newest_included() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;
    let other_login = app.login(&client, &user).await;
    let rotated = app.refresh(&client, login.refresh_token()).await;

    let replay = app
        .refresh_grant(&client, login.refresh_token(), None)
        .await;
    let error = expect_error(replay, 400, "invalid_grant").await;
    error.assert_does_not_echo(login.refresh_token());

    let newest = app
        .refresh_grant(&client, rotated.refresh_token(), None)
        .await;
    expect_error(newest, 400, "invalid_grant").await;
    // Only the family that leaked dies: the user's other login goes on.
    app.refresh(&client, other_login.refresh_token()).await;
}

/// How many of `responses` are token responses; every other one must be `invalid_grant`.
async fn count_winners(responses: Vec<reqwest::Response>) -> usize {
    let mut successes = 0;
    for response in responses {
        if response.status() == StatusCode::OK {
            successes += 1;
            expect_tokens(response).await;
        } else {
            expect_error(response, 400, "invalid_grant").await;
        }
    }
    successes
}

#[tokio::test]
async fn rfc9700_4_14_2_concurrent_refreshes_with_one_token_succeed_exactly_once() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;

    let responses =
        join_all((0..8).map(|_| app.refresh_grant(&client, login.refresh_token(), None))).await;

    let successes = count_winners(responses).await;
    assert_eq!(
        successes, 1,
        "exactly one of 8 concurrent refreshes may win"
    );
}

#[tokio::test]
async fn rfc9700_4_14_2_concurrent_refreshes_across_two_replicas_succeed_exactly_once() {
    let first = TestApp::spawn().await;
    let second = first.spawn_another().await;
    let (user, client) = first.user_and_client().await;
    let login = first.login(&client, &user).await;

    let requests = (0..8).map(|i| {
        let replica = if i % 2 == 0 { &first } else { &second };
        replica.refresh_grant(&client, login.refresh_token(), None)
    });
    let responses = join_all(requests).await;

    let successes = count_winners(responses).await;
    assert_eq!(
        successes, 1,
        "exactly one of 8 concurrent refreshes on two replicas may win"
    );
}

#[tokio::test]
async fn rfc6749_6_a_refresh_token_presented_by_another_client_is_invalid_grant_and_stays_valid() {
    let app = TestApp::spawn().await;
    let (user, owner) = app.user_and_client().await;
    let thief = app.create_client(ClientSpec::default()).await;
    let login = app.login(&owner, &user).await;

    let stolen = app.refresh_grant(&thief, login.refresh_token(), None).await;
    expect_error(stolen, 400, "invalid_grant").await;

    // The other client's attempt changed nothing: not a reuse, no revocation.
    let tokens = app.refresh(&owner, login.refresh_token()).await;
    assert_eq!(
        app.verify_access_token(&tokens.access_token, &owner.id)
            .await
            .client_id,
        owner.id
    );
}

#[tokio::test]
async fn rfc6749_6_a_narrower_scope_is_allowed_and_a_later_refresh_gets_the_original_scope_back() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;

    let narrow = expect_tokens(
        app.refresh_grant(&client, login.refresh_token(), Some("read"))
            .await,
    )
    .await;
    assert_eq!(narrow.scope, "read");
    assert_eq!(
        app.verify_access_token(&narrow.access_token, &client.id)
            .await
            .scope,
        "read"
    );

    let full = app.refresh(&client, narrow.refresh_token()).await;
    assert_eq!(full.scope, "read write");
    assert_eq!(
        app.verify_access_token(&full.access_token, &client.id)
            .await
            .scope,
        "read write"
    );
}

#[tokio::test]
async fn rfc6749_6_a_scope_beyond_the_original_grant_is_invalid_scope_and_spends_nothing() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    // The client may ask for `write`, but this login was granted `read` only.
    let login = expect_tokens(
        app.password_grant_as(&client, &user.email, &user.password, Some("read"))
            .await,
    )
    .await;

    for scope in ["read write", "admin"] {
        let response = app
            .refresh_grant(&client, login.refresh_token(), Some(scope))
            .await;
        expect_error(response, 400, "invalid_scope").await;
    }

    let tokens = app.refresh(&client, login.refresh_token()).await;
    assert_eq!(tokens.scope, "read");
}

#[tokio::test]
async fn an_unused_refresh_token_expires_after_the_idle_lifetime() {
    let app = TestApp::spawn_with(|config| {
        config.refresh_token_ttl = HumanDuration::from_secs(3_600);
        config.refresh_token_max_lifetime = HumanDuration::from_secs(30 * 86_400);
    })
    .await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;
    // Unused for most of the idle lifetime, it still works (and its successor starts a new idle window).
    app.clock.advance(Duration::from_secs(3_500));
    let fresh = app.refresh(&client, login.refresh_token()).await;

    // Unused for the whole idle lifetime, it is dead.
    app.clock.advance(Duration::from_secs(3_600));
    let response = app
        .refresh_grant(&client, fresh.refresh_token(), None)
        .await;
    expect_error(response, 400, "invalid_grant").await;
}

#[tokio::test]
async fn a_family_ends_at_its_absolute_lifetime_however_often_it_rotates() {
    let app = TestApp::spawn_with(|config| {
        config.refresh_token_ttl = HumanDuration::from_secs(3_600);
        config.refresh_token_max_lifetime = HumanDuration::from_secs(4 * 3_600);
    })
    .await;
    let (user, client) = app.user_and_client().await;
    let mut current = app.login(&client, &user).await.refresh_token().to_owned();

    // Rotating every 50 minutes never lets the idle lifetime (1 h) lapse; the absolute one (4 h) must still end it.
    let step = Duration::from_secs(50 * 60);
    for attempt in 1..=8 {
        app.clock.advance(step);
        let response = app.refresh_grant(&client, &current, None).await;
        if response.status() == StatusCode::OK {
            current = expect_tokens(response).await.refresh_token().to_owned();
            continue;
        }
        expect_error(response, 400, "invalid_grant").await;
        // 4 h / 50 min: rotations 1-4 (at 50, 100, 150, 200 min) are inside the lifetime, the 5th (250 min) is not.
        assert_eq!(
            attempt, 5,
            "the family ended at rotation {attempt}, not at its absolute lifetime"
        );
        return;
    }
    panic!("the family outlived its 4 h absolute lifetime");
}

#[tokio::test]
async fn disabling_a_user_stops_their_refresh_tokens() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;

    app.disable_user(&user).await;

    let response = app
        .refresh_grant(&client, login.refresh_token(), None)
        .await;
    expect_error(response, 400, "invalid_grant").await;
}

#[tokio::test]
async fn rfc6749_5_2_a_client_without_the_refresh_token_grant_is_unauthorized_client() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let password_only = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;
    let login = app.login(&client, &user).await;

    let response = app
        .refresh_grant(&password_only, login.refresh_token(), None)
        .await;
    expect_error(response, 400, "unauthorized_client").await;

    app.refresh(&client, login.refresh_token()).await;
}

#[tokio::test]
async fn an_unknown_refresh_token_is_invalid_grant_and_a_missing_one_invalid_request() {
    let app = TestApp::spawn().await;
    let client = app.create_client(ClientSpec::default()).await;
    let _user = app.create_user(UserSpec::default()).await;

    let forged = "lk_rt_forged-token-marker-0123456789abcdefghijklmnopqrstu";
    let error = expect_error(
        app.refresh_grant(&client, forged, None).await,
        400,
        "invalid_grant",
    )
    .await;
    error.assert_does_not_echo("forged-token-marker");

    let missing = app
        .post_token(&client, &[("grant_type", "refresh_token")])
        .await;
    expect_error(missing, 400, "invalid_request").await;
}

/// A server with the default `refresh_reuse_grace` (10 s; the other tests run with none).
async fn with_default_grace() -> TestApp {
    TestApp::spawn_with(|config| {
        config.refresh_reuse_grace = latchkey::config::Config::default().refresh_reuse_grace;
    })
    .await
}

/// Issue 17: two tabs or two threads of one app refreshing the same token at once used to log the user out (the
/// second refresh was a reuse). Within `refresh_reuse_grace`, a repeat by the same client gets the **same**
/// successor (never a second live branch) and a fresh access token, and nothing is revoked; once the successor has
/// been used, the old token is a reuse again and revokes the family (RFC 9700 §4.14.2).
#[tokio::test]
async fn refresh_reuse_grace_a_repeat_within_the_window_gets_the_same_successor() {
    let app = with_default_grace().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;

    let first = app.refresh(&client, login.refresh_token()).await;
    let repeat = app.refresh(&client, login.refresh_token()).await;
    assert_eq!(
        repeat.refresh_token(),
        first.refresh_token(),
        "the same successor"
    );
    assert_eq!(repeat.scope, first.scope);
    let claims = app
        .verify_access_token(&repeat.access_token, &client.id)
        .await;
    assert_eq!(claims.sub, user.id);

    // The successor rotates once, as any token; after that the old token is a reuse, even within the window.
    let second = app.refresh(&client, first.refresh_token()).await;
    let late = app
        .refresh_grant(&client, login.refresh_token(), None)
        .await;
    expect_error(late, 400, "invalid_grant").await;
    let newest = app
        .refresh_grant(&client, second.refresh_token(), None)
        .await;
    expect_error(newest, 400, "invalid_grant").await;
}

/// Issue 17: eight concurrent refreshes of one token within the window all get the same successor: exactly one
/// rotation happened (one live branch), which then rotates exactly once, on both backends.
#[tokio::test]
async fn refresh_reuse_grace_concurrent_refreshes_share_one_successor() {
    let app = with_default_grace().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;

    let responses =
        join_all((0..8).map(|_| app.refresh_grant(&client, login.refresh_token(), None))).await;
    let mut successors = std::collections::BTreeSet::new();
    for response in responses {
        successors.insert(expect_tokens(response).await.refresh_token().to_owned());
    }
    assert_eq!(successors.len(), 1, "one successor for all: {successors:?}");
    let successor = successors.pop_first().unwrap();

    let responses = join_all((0..4).map(|_| {
        let app = &app;
        let client = &client;
        let successor = successor.clone();
        async move {
            app.http
                .post(app.token_url())
                .basic_auth(&client.id, client.secret.as_deref())
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &successor),
                ])
                .send()
                .await
                .unwrap()
        }
    }))
    .await;
    let mut next = std::collections::BTreeSet::new();
    for response in responses {
        next.insert(expect_tokens(response).await.refresh_token().to_owned());
    }
    assert_eq!(next.len(), 1, "{next:?}");
}

/// Issue 17: after the window, a repeat is a reuse as before: the family is revoked, successor included. A repeat
/// by another client, or after the family was revoked, never gets the successor.
#[tokio::test]
async fn refresh_reuse_grace_after_the_window_or_for_another_client_or_a_revoked_family_is_refused()
{
    let app = with_default_grace().await;
    let (user, client) = app.user_and_client().await;
    let other = app.create_client(ClientSpec::default()).await;

    let login = app.login(&client, &user).await;
    let first = app.refresh(&client, login.refresh_token()).await;
    let stolen = app.refresh_grant(&other, login.refresh_token(), None).await;
    expect_error(stolen, 400, "invalid_grant").await;
    app.clock.advance(Duration::from_secs(10));
    let late = app
        .refresh_grant(&client, login.refresh_token(), None)
        .await;
    expect_error(late, 400, "invalid_grant").await;
    let successor = app
        .refresh_grant(&client, first.refresh_token(), None)
        .await;
    expect_error(successor, 400, "invalid_grant").await;

    let login = app.login(&client, &user).await;
    let first = app.refresh(&client, login.refresh_token()).await;
    let response = app
        .post_as(&client, "/revoke", &[("token", first.refresh_token())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let repeat = app
        .refresh_grant(&client, login.refresh_token(), None)
        .await;
    expect_error(repeat, 400, "invalid_grant").await;
}

/// Issue 17: narrowing a client's scopes (admin API PATCH) reaches its live logins at their next refresh: the
/// refresh grants only what the client may still have, and asking for a removed scope is invalid_scope. Before,
/// refreshes minted the removed scope for the family's whole lifetime (30 days).
#[tokio::test]
async fn narrowing_a_clients_scopes_reaches_its_live_refresh_tokens() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;
    assert_eq!(login.scope, "read write");

    let api = app.admin_api(crate::helpers::ADMIN).await;
    api.expect(
        api.patch(
            &format!("/admin/v1/clients/{}", client.id),
            &serde_json::json!({ "scope": "read" }),
            None,
        ),
        200,
    )
    .await;

    let refreshed = app.refresh(&client, login.refresh_token()).await;
    assert_eq!(refreshed.scope, "read");
    let claims = app
        .verify_access_token(&refreshed.access_token, &client.id)
        .await;
    assert_eq!(claims.scope, "read");
    let asked = app
        .refresh_grant(&client, refreshed.refresh_token(), Some("write"))
        .await;
    expect_error(asked, 400, "invalid_scope").await;
    // The refused request spent nothing.
    app.refresh(&client, refreshed.refresh_token()).await;
}
