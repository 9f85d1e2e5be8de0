//! Revocation (RFC 7009), introspection (RFC 7662), logout everywhere and the revocation feed. On `SQLite` the
//! denylist is the database; on `PostgreSQL` with `TEST_REDIS_URL` it is Redis (see `test_config`).

use serde_json::{Value, json};

use crate::helpers::{
    Cli, ClientSpec, TestApp, TestClient, Tokens, app_with_redis, eventually, expect_error,
    expect_tokens, tag,
};

/// A resource server: may introspect, has no grant.
pub(crate) async fn resource_server(app: &TestApp) -> TestClient {
    app.create_client(ClientSpec {
        grants: Vec::new(),
        scopes: Vec::new(),
        can_introspect: true,
        ..ClientSpec::default()
    })
    .await
}

pub(crate) async fn introspect(app: &TestApp, caller: &TestClient, token: &str) -> Value {
    let response = app
        .post_as(caller, "/introspect", &[("token", token)])
        .await;
    assert_eq!(response.status(), 200, "introspection answers 200");
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "RFC 7662 §2.2 answers are not cached"
    );
    response.json().await.expect("introspection JSON")
}

async fn revoke(app: &TestApp, client: &TestClient, token: &str) {
    let response = app.post_as(client, "/revoke", &[("token", token)]).await;
    assert_eq!(response.status(), 200, "RFC 7009 §2.2: 200");
    assert_eq!(response.text().await.unwrap_or_default(), "");
}

/// The login `tokens` came from has ended: its access token is inactive and its refresh token refused.
async fn expect_logged_out(app: &TestApp, rs: &TestClient, client: &TestClient, tokens: &Tokens) {
    assert_eq!(introspect(app, rs, &tokens.access_token).await, inactive());
    expect_error(
        app.refresh_grant(client, tokens.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
}

fn inactive() -> Value {
    json!({ "active": false })
}

#[tokio::test]
async fn rfc7009_revoking_a_refresh_token_ends_its_family_and_the_access_tokens_issued_in_it() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let first = app.login(&client, &user).await;
    let second = app.refresh(&client, first.refresh_token()).await;
    assert_eq!(
        introspect(&app, &rs, &first.access_token).await["active"],
        true
    );

    revoke(&app, &client, second.refresh_token()).await;

    expect_error(
        app.refresh_grant(&client, second.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
    // Both access tokens of the family, the one issued before the rotation included.
    assert_eq!(introspect(&app, &rs, &first.access_token).await, inactive());
    assert_eq!(
        introspect(&app, &rs, &second.access_token).await,
        inactive()
    );
    // Another login of the same user is untouched.
    let other = app.login(&client, &user).await;
    assert_eq!(
        introspect(&app, &rs, &other.access_token).await["active"],
        true
    );
}

#[tokio::test]
async fn rfc7009_revoking_an_access_token_denylists_it_until_exp_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let a = app.login(&client, &user).await;
    let b = app.login(&client, &user).await;

    revoke(&app, &client, &a.access_token).await;

    assert_eq!(introspect(&app, &rs, &a.access_token).await, inactive());
    assert_eq!(introspect(&app, &rs, &b.access_token).await["active"], true);
    // The refresh token it came with still works (§2.1 leaves that to the server; we keep it).
    let refreshed = app.refresh(&client, a.refresh_token()).await;
    assert_eq!(
        introspect(&app, &rs, &refreshed.access_token).await["active"],
        true
    );
}

#[tokio::test]
async fn rfc7009_2_1_a_client_cannot_revoke_another_clients_tokens_and_unknown_tokens_answer_200() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let other = app.create_client(ClientSpec::default()).await;
    let rs = resource_server(&app).await;
    let tokens = app.login(&client, &user).await;

    revoke(&app, &other, tokens.refresh_token()).await;
    revoke(&app, &other, &tokens.access_token).await;
    revoke(&app, &other, "lk_rt_not-a-token").await;
    revoke(&app, &other, "garbage").await;

    assert_eq!(
        introspect(&app, &rs, &tokens.access_token).await["active"],
        true
    );
    app.refresh(&client, tokens.refresh_token()).await;
}

#[tokio::test]
async fn rfc7009_bad_requests_are_refused_in_the_rfc6749_shape() {
    let app = TestApp::spawn().await;
    let client = app.create_client(ClientSpec::default()).await;
    let wrong_secret = TestClient {
        id: client.id.clone(),
        secret: Some("lk_cs_wrong".into()),
    };
    expect_error(
        app.post_as(&wrong_secret, "/revoke", &[("token", "x")])
            .await,
        401,
        "invalid_client",
    )
    .await;
    expect_error(
        app.post_as(&client, "/revoke", &[]).await,
        400,
        "invalid_request",
    )
    .await;
    let unauthenticated = app
        .http
        .post(app.url("/revoke"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    expect_error(unauthenticated, 401, "invalid_client").await;
    let get = app.get("/revoke").await;
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn rfc7662_2_2_an_active_access_token_is_described_by_its_claims() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let tokens = app.login(&client, &user).await;
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;

    let answer = introspect(&app, &rs, &tokens.access_token).await;

    assert_eq!(answer["active"], true);
    assert_eq!(answer["token_type"], "Bearer");
    assert_eq!(answer["sub"], claims.sub);
    assert_eq!(answer["client_id"], client.id);
    assert_eq!(answer["scope"], claims.scope);
    assert_eq!(answer["iss"], app.issuer);
    assert_eq!(answer["exp"], claims.exp);
    assert_eq!(answer["iat"], claims.iat);
    assert_eq!(answer["jti"], claims.jti);
    assert_eq!(answer["aud"], claims.aud);
}

#[tokio::test]
async fn rfc7662_2_2_expired_revoked_foreign_and_malformed_tokens_are_exactly_inactive() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let foreign_app = TestApp::spawn().await;
    let (foreign_user, foreign_client) = foreign_app.user_and_client().await;
    let foreign = foreign_app.login(&foreign_client, &foreign_user).await;
    let tokens = app.login(&client, &user).await;

    for token in [
        foreign.access_token.as_str(),
        foreign.refresh_token(),
        "not.a.jwt",
        "",
        "lk_rt_unknown",
    ] {
        let response = app.post_as(&rs, "/introspect", &[("token", token)]).await;
        if token.is_empty() {
            expect_error(response, 400, "invalid_request").await;
        } else {
            assert_eq!(
                response.json::<Value>().await.unwrap(),
                inactive(),
                "{token}"
            );
        }
    }
    // Another client's refresh token is not shown to a resource server.
    assert_eq!(
        introspect(&app, &rs, tokens.refresh_token()).await,
        inactive()
    );

    app.clock
        .advance(std::time::Duration::from_secs(15 * 60 + 1));
    assert_eq!(
        introspect(&app, &rs, &tokens.access_token).await,
        inactive()
    );
}

#[tokio::test]
async fn rfc7662_a_client_sees_its_own_refresh_token_active_until_it_is_rotated() {
    let app = TestApp::spawn().await;
    let user = app.create_user(crate::helpers::UserSpec::default()).await;
    let client = app
        .create_client(ClientSpec {
            can_introspect: true,
            ..ClientSpec::default()
        })
        .await;
    let tokens = app.login(&client, &user).await;

    let answer = introspect(&app, &client, tokens.refresh_token()).await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["token_type"], "refresh_token");
    assert_eq!(answer["client_id"], client.id);
    assert_eq!(answer["sub"], user.id);

    app.refresh(&client, tokens.refresh_token()).await;
    assert_eq!(
        introspect(&app, &client, tokens.refresh_token()).await,
        inactive()
    );
}

#[tokio::test]
async fn rfc7662_2_1_only_clients_allowed_to_introspect_may() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let tokens = app.login(&client, &user).await;

    expect_error(
        app.post_as(&client, "/introspect", &[("token", &tokens.access_token)])
            .await,
        403,
        "unauthorized_client",
    )
    .await;
    let unauthenticated = app
        .http
        .post(app.url("/introspect"))
        .form(&[("token", tokens.access_token.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(unauthenticated, 401, "invalid_client").await;
    let public = latchkey::domain::clients::create_client(
        &app.state.store,
        latchkey::domain::clients::NewClient {
            id: "public-rs".into(),
            public: true,
            can_introspect: true,
            ..Default::default()
        },
        &crate::helpers::operator(),
        app.state.clock.now(),
    )
    .await;
    assert!(
        public.is_err(),
        "a public client has nothing to prove who it is"
    );
}

/// A client registered with the scope that logging out everywhere needs (besides `read write`).
fn logout_everywhere_client() -> ClientSpec {
    ClientSpec {
        scopes: vec!["read".into(), "write".into(), LOGOUT_EVERYWHERE.into()],
        ..ClientSpec::default()
    }
}

const LOGOUT_EVERYWHERE: &str = "latchkey:logout_everywhere";

async fn logout_everywhere(app: &TestApp, access_token: &str) -> reqwest::Response {
    app.http
        .post(app.url("/account/logout-everywhere"))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("POST /account/logout-everywhere")
}

#[tokio::test]
async fn logging_out_everywhere_revokes_every_family_and_access_token_of_the_user_only() {
    let app = TestApp::spawn().await;
    let user = app.create_user(crate::helpers::UserSpec::default()).await;
    let client = app.create_client(logout_everywhere_client()).await;
    let (bystander, _) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let phone = app.login(&client, &user).await;
    let laptop = app.login(&client, &user).await;
    let theirs = app.login(&client, &bystander).await;

    let response = logout_everywhere(&app, &phone.access_token).await;
    assert_eq!(response.status(), 204);

    for tokens in [&phone, &laptop] {
        expect_logged_out(&app, &rs, &client, tokens).await;
    }
    assert_eq!(
        introspect(&app, &rs, &theirs.access_token).await["active"],
        true
    );
    // Signing in again, even within the same second, gives tokens that work.
    let again = app.login(&client, &user).await;
    assert_eq!(
        introspect(&app, &rs, &again.access_token).await["active"],
        true
    );
    // The revoked token can't be used for it a second time.
    let replay = logout_everywhere(&app, &phone.access_token).await;
    assert_eq!(replay.status(), 401);
}

#[tokio::test]
async fn logout_everywhere_needs_a_valid_user_token() {
    let app = TestApp::spawn().await;
    let service = app
        .create_client(ClientSpec {
            grants: vec!["client_credentials".into()],
            ..ClientSpec::default()
        })
        .await;
    let own = expect_tokens(
        app.post_token(&service, &[("grant_type", "client_credentials")])
            .await,
    )
    .await;
    assert_eq!(
        logout_everywhere(&app, &own.access_token).await.status(),
        401
    );
    assert_eq!(logout_everywhere(&app, "garbage").await.status(), 401);
    // Issue 17: a user's token without the dedicated scope (any resource server may hold one) can't do it:
    // 403 insufficient_scope naming the scope (RFC 6750 §3.1), and nothing is revoked.
    let user = app.create_user(crate::helpers::UserSpec::default()).await;
    let client = app.create_client(logout_everywhere_client()).await;
    let narrow = expect_tokens(
        app.password_grant_as(&client, &user.email, &user.password, Some("read"))
            .await,
    )
    .await;
    let refused = logout_everywhere(&app, &narrow.access_token).await;
    assert_eq!(refused.status(), 403);
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains(LOGOUT_EVERYWHERE),
        "{challenge}"
    );
    let rs = resource_server(&app).await;
    assert_eq!(
        introspect(&app, &rs, &narrow.access_token).await["active"],
        true
    );
    let missing = app
        .http
        .post(app.url("/account/logout-everywhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn disabling_a_user_revokes_their_access_tokens() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let tokens = app.login(&client, &user).await;

    app.disable_user(&user).await;

    assert_eq!(
        introspect(&app, &rs, &tokens.access_token).await,
        inactive()
    );
}

#[tokio::test]
async fn the_feed_lists_revocations_after_a_cursor_in_order() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let a = app.login(&client, &user).await;
    let b = app.login(&client, &user).await;
    let claims_a = app.verify_access_token(&a.access_token, &client.id).await;

    let start: Value = app.get("/revocations").await.json().await.unwrap();
    assert_eq!(start["revocations"], json!([]));
    let cursor = start["cursor"].as_i64().unwrap();

    revoke(&app, &client, &a.access_token).await;
    revoke(&app, &client, b.refresh_token()).await;

    let page: Value = app
        .get(&format!("/revocations?after={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let entries = page["revocations"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{page}");
    assert_eq!(entries[0]["kind"], "jti");
    assert_eq!(entries[0]["value"], claims_a.jti);
    assert_eq!(entries[0]["expires_at"], claims_a.exp);
    assert_eq!(entries[1]["kind"], "sid");
    assert!(entries[0]["seq"].as_i64() < entries[1]["seq"].as_i64());
    assert_eq!(page["more"], false);

    let next: Value = app
        .get(&format!("/revocations?after={}", page["cursor"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["revocations"], json!([]));
    assert_eq!(next["cursor"], page["cursor"]);

    let limited: Value = app
        .get(&format!("/revocations?after={cursor}&limit=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(limited["more"], true);

    for bad in ["after=-1", "after=x", "limit=0", "limit=1001"] {
        expect_error(
            app.get(&format!("/revocations?{bad}")).await,
            400,
            "invalid_request",
        )
        .await;
    }
}

#[tokio::test]
async fn rfc8414_discovery_lists_revocation_and_introspection() {
    let app = TestApp::spawn().await;
    let metadata: Value = app
        .get("/.well-known/oauth-authorization-server")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["revocation_endpoint"], app.url("/revoke"));
    assert_eq!(metadata["introspection_endpoint"], app.url("/introspect"));
    assert_eq!(
        metadata["introspection_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    assert!(
        metadata["revocation_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("none"))
    );
}

/// With Redis: a Redis that lost its data (it keeps nothing on disk) is not trusted until it has been refilled
/// from the revocation log, and then still refuses what was revoked.
#[tokio::test]
async fn a_redis_that_lost_the_denylist_fails_closed_until_it_is_refilled() {
    let Some(app) =
        app_with_redis("a_redis_that_lost_the_denylist_fails_closed_until_it_is_refilled").await
    else {
        return;
    };
    let (user, client) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let tokens = app.login(&client, &user).await;
    revoke(&app, &client, &tokens.access_token).await;

    // A refill may run between the deletion and the check (every 2 s): try a few times to catch the gap.
    let mut saw_unavailable = false;
    for _ in 0..5 {
        forget_everything(&app).await;
        let response = app
            .post_as(&rs, "/introspect", &[("token", &tokens.access_token)])
            .await;
        if response.status() == 503 {
            expect_error(response, 503, "temporarily_unavailable").await;
            saw_unavailable = true;
            break;
        }
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            inactive(),
            "never active"
        );
    }
    assert!(saw_unavailable, "an emptied Redis is not trusted");
    // Refilled within the refill interval; the revocation survived.
    let answer: Value = eventually(
        "introspection answers again",
        std::time::Duration::from_secs(5),
        async || {
            let response = app
                .post_as(&rs, "/introspect", &[("token", &tokens.access_token)])
                .await;
            if response.status() == 200 {
                Ok(response.json().await.unwrap())
            } else {
                Err(response.status())
            }
        },
    )
    .await;
    assert_eq!(answer, inactive());
}

/// Deletes every key of this app's Redis prefix, as a Redis restart would.
async fn forget_everything(app: &TestApp) {
    let url = app.config.redis_url.as_ref().unwrap().expose().to_owned();
    // KEYS walks the whole keyspace, which other tests' keys (rate counters of floods) can make large: give it
    // time rather than the default half-second response timeout.
    let config = redis::AsyncConnectionConfig::new()
        .set_response_timeout(Some(std::time::Duration::from_secs(30)));
    let mut conn = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", app.config.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty(), "the app wrote its denylist to Redis");
    let _: i64 = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .unwrap();
}

/// With Redis: after the first check finds Redis emptied (and answers 503), the next check refills Redis from the
/// log itself rather than answer 503 until the next periodic refill (up to 2 s later); what was revoked stays so.
#[tokio::test]
async fn after_redis_lost_the_denylist_the_next_check_refills_it() {
    let Some(app) = app_with_redis("after_redis_lost_the_denylist_the_next_check_refills_it").await
    else {
        return;
    };
    let (user, client) = app.user_and_client().await;
    let rs = resource_server(&app).await;
    let revoked = app.login(&client, &user).await;
    let live = app.login(&client, &user).await;
    revoke(&app, &client, &revoked.access_token).await;

    forget_everything(&app).await;
    // The loss is found (503), unless a periodic refill came first (200): never a guess either way.
    let first = app
        .post_as(&rs, "/introspect", &[("token", &live.access_token)])
        .await;
    if first.status() != 200 {
        expect_error(first, 503, "temporarily_unavailable").await;
    }
    for (token, active) in [(&revoked.access_token, false), (&live.access_token, true)] {
        let response = app.post_as(&rs, "/introspect", &[("token", token)]).await;
        assert_eq!(response.status(), 200, "the check refilled Redis itself");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["active"], active, "{answer}");
    }
}

#[tokio::test]
async fn the_cli_logs_a_user_out_everywhere() {
    let cli = Cli::new().await;
    let email = format!("ada-{}@example.org", tag());
    cli.create_user(&email, "correct horse battery staple", &[])
        .await;
    let client = cli.create_client(&format!("app-{}", tag())).await;
    let app = cli.server().await;
    let rs = resource_server(&app).await;
    let tokens = expect_tokens(
        app.password_grant_as(&client, &email, "correct horse battery staple", None)
            .await,
    )
    .await;

    let run = cli
        .run(&["users", "revoke-sessions", &email, "--json"])
        .await;
    run.assert_succeeded();
    assert_eq!(run.json()["families_revoked"], 1);

    expect_logged_out(&app, &rs, &client, &tokens).await;
    let unknown = cli
        .run(&["users", "revoke-sessions", "nobody@example.org"])
        .await;
    unknown.assert_failed_saying(&["not found"]);
}
