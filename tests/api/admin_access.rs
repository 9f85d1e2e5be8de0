//! Who may call the admin API (RFC 6750 §3, RFC 9068 §4): a client's own access token with an admin scope and the
//! admin audience. Every refusal is a 401 or 403 problem with a Bearer challenge, and changes nothing.

use serde_json::json;

use crate::helpers::{
    ADMIN, ADMIN_READ, ClientSpec, TestApp, UserSpec, expect_problem, expect_tokens,
};

const USERS: &str = "/admin/v1/users";

/// The number of users in the database: refusals must not create any.
async fn user_count(app: &TestApp) -> usize {
    latchkey::domain::users::list_users(&app.state.store)
        .await
        .expect("users")
        .len()
}

#[tokio::test]
async fn rfc6750_3_1_a_request_without_a_token_gets_a_bare_bearer_challenge() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.url(USERS)).send().await.unwrap();
    let (_, challenge) = expect_problem(response, 401).await;
    assert_eq!(
        challenge.as_deref(),
        Some(r#"Bearer realm="latchkey-admin""#)
    );

    let posted = app
        .http
        .post(app.url(USERS))
        .json(&json!({ "email": "nobody@example.org", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    expect_problem(posted, 401).await;
    assert_eq!(user_count(&app).await, 0);
}

#[tokio::test]
async fn rfc6750_3_1_malformed_forged_and_foreign_tokens_are_invalid_tokens() {
    let app = TestApp::spawn().await;
    let other = TestApp::spawn().await;
    // A real admin token, but of another Latchkey (another issuer, keys this one never published).
    let foreign = other.admin_api(ADMIN).await.token;
    let genuine = app.admin_api(ADMIN).await.token;
    let mut tampered = genuine.clone();
    tampered.replace_range(tampered.len() - 6.., "AAAAAA");
    for token in ["not-a-jwt", "a.b.c", foreign.as_str(), tampered.as_str()] {
        let response = app
            .http
            .get(app.url(USERS))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let (problem, challenge) = expect_problem(response, 401).await;
        assert_eq!(problem["error"], "invalid_token", "{token}: {problem}");
        assert!(
            challenge.is_some_and(|c| c.contains(r#"error="invalid_token""#)),
            "{token}"
        );
    }
    let basic = app
        .http
        .get(app.url(USERS))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    expect_problem(basic, 400).await;
}

/// Signs `claims` with the server's own active key: a token only the issuer's checks of `iss`, `exp` or `aud` can
/// refuse.
fn signed_by_the_server(app: &TestApp, claims: serde_json::Value) -> String {
    app.state
        .keys
        .snapshot()
        .active
        .sign_jwt(&claims)
        .expect("signing")
}

fn admin_claims(app: &TestApp, client_id: &str) -> serde_json::Value {
    let now = crate::helpers::now();
    json!({
        "iss": app.issuer, "sub": client_id, "client_id": client_id, "aud": [app.admin_audience()],
        "scope": ADMIN, "jti": crate::helpers::tag(), "iat": now, "nbf": now, "exp": now + 300,
    })
}

#[tokio::test]
async fn rfc9068_4_tokens_of_another_issuer_expired_or_for_another_audience_are_refused() {
    let app = TestApp::spawn().await;
    let client = app.admin_client(ADMIN, &app.admin_audience()).await;
    let good = signed_by_the_server(&app, admin_claims(&app, &client.id));
    let api = |token: String| {
        let app = &app;
        async move {
            app.http
                .get(app.url(USERS))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(api(good).await.status(), 200, "the forged claims are sound");

    let mut other_issuer = admin_claims(&app, &client.id);
    other_issuer["iss"] = json!("https://login.example.net");
    let mut expired = admin_claims(&app, &client.id);
    expired["iat"] = json!(crate::helpers::now() - 3_600);
    expired["exp"] = json!(crate::helpers::now() - 1_800);
    let mut other_audience = admin_claims(&app, &client.id);
    other_audience["aud"] = json!(["orders-api"]);
    for (what, claims, says) in [
        ("another issuer", other_issuer, "another issuer"),
        ("expired", expired, "expired"),
        (
            "another audience",
            other_audience,
            "not intended for this resource",
        ),
    ] {
        let (problem, _) = expect_problem(api(signed_by_the_server(&app, claims)).await, 401).await;
        assert_eq!(problem["error"], "invalid_token", "{what}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{what}: {problem}"
        );
    }

    // A genuine token of a client whose audience is not the admin API.
    let elsewhere = app.admin_client(ADMIN, "orders-api").await;
    let token = app.service_token(&elsewhere).await;
    expect_problem(api(token).await, 401).await;
}

#[tokio::test]
async fn rfc6750_3_1_a_read_scope_reads_but_may_not_change_insufficient_scope() {
    let app = TestApp::spawn().await;
    let reader = app.admin_api(ADMIN_READ).await;
    reader.expect(reader.get(USERS), 200).await;
    reader.expect(reader.get("/admin/v1/keys"), 200).await;
    reader.expect(reader.get("/admin/v1/audit"), 200).await;

    let response = reader
        .post(
            USERS,
            &json!({ "email": "x@example.org", "password": "correct horse battery" }),
        )
        .send()
        .await
        .unwrap();
    let (problem, challenge) = expect_problem(response, 403).await;
    assert_eq!(problem["error"], "insufficient_scope");
    assert_eq!(
        challenge.as_deref(),
        Some(
            r#"Bearer realm="latchkey-admin", error="insufficient_scope", scope="latchkey:admin""#
        )
    );
    let rotate = reader
        .post("/admin/v1/keys/rotate", &json!({}))
        .send()
        .await
        .unwrap();
    expect_problem(rotate, 403).await;
    assert_eq!(user_count(&app).await, 0);

    // The admin audience but no admin scope: not even reading.
    let nothing = app.admin_client("orders:read", &app.admin_audience()).await;
    let token = app.service_token(&nothing).await;
    let response = app
        .http
        .get(app.url(USERS))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (_, challenge) = expect_problem(response, 403).await;
    assert!(
        challenge
            .unwrap()
            .contains(r#"scope="latchkey:admin:read""#)
    );
}

#[tokio::test]
async fn a_users_token_never_administers_even_with_the_scope() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    // An operator's mistake: a first-party client allowed the admin scope for the admin audience.
    let client = app
        .create_client(ClientSpec {
            scopes: vec![ADMIN.into()],
            audiences: vec![app.admin_audience()],
            ..ClientSpec::default()
        })
        .await;
    let tokens = expect_tokens(
        app.post_token(
            &client,
            &[
                ("grant_type", "password"),
                ("username", &user.email),
                ("password", &user.password),
                ("scope", ADMIN),
            ],
        )
        .await,
    )
    .await;
    let response = app
        .http
        .get(app.url(USERS))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    let (problem, _) = expect_problem(response, 401).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("client tokens")
    );
}

#[tokio::test]
async fn rfc7009_a_revoked_admin_token_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    api.expect(api.get(USERS), 200).await;
    let revoked = app
        .post_as(&api.client, "/revoke", &[("token", api.token.as_str())])
        .await;
    assert_eq!(revoked.status(), 200);
    let (problem, _) = expect_problem(api.get(USERS).send().await.unwrap(), 401).await;
    assert_eq!(problem["detail"], "the access token has been revoked");
}

#[tokio::test]
async fn unknown_admin_paths_and_methods_are_problems_rfc9110_15_5_6() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    expect_problem(api.get("/admin/v1/nothing-here").send().await.unwrap(), 404).await;
    let put = api
        .request(reqwest::Method::PUT, USERS)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let allow = crate::helpers::header(put.headers(), "allow");
    expect_problem(put, 405).await;
    assert_eq!(allow.as_deref(), Some("GET, POST"));
}

#[tokio::test]
async fn deleting_the_admin_client_or_taking_its_scope_ends_its_access_before_its_tokens_expire() {
    let app = TestApp::spawn().await;
    let root = app.admin_api(ADMIN).await;
    let automation = app.admin_api(ADMIN).await;
    automation.expect(automation.get(USERS), 200).await;
    let path = format!("/admin/v1/clients/{}", automation.client.id);
    root.expect(
        root.patch(&path, &json!({ "scope": ADMIN_READ }), None),
        200,
    )
    .await;
    let (problem, _) = expect_problem(
        automation
            .post(
                USERS,
                &json!({ "email": "a@example.org", "password": "correct horse battery" }),
            )
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(problem["error"], "insufficient_scope");
    root.expect(root.request(reqwest::Method::DELETE, &path), 204)
        .await;
    let (problem, _) = expect_problem(automation.get(USERS).send().await.unwrap(), 401).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no longer exists")
    );
}

/// Issue 17: the admin API shares the issuer's clock, so it allows no leeway: a token is refused from its `exp` on
/// (before, the verifier's 30 s default let an admin token work half a minute past its end), and the issuer's clock
/// is the one it judges by.
#[tokio::test]
async fn rfc9068_4_an_admin_token_is_refused_from_its_exp_on_without_leeway() {
    use latchkey::infra::clock::Clock as _;

    let app = TestApp::spawn().await;
    let client = app.admin_client(ADMIN, &app.admin_audience()).await;
    let now = app.clock.now();
    let mut just_expired = admin_claims(&app, &client.id);
    just_expired["iat"] = json!(now - 60);
    just_expired["exp"] = json!(now - 1);
    let response = app
        .http
        .get(app.url(USERS))
        .bearer_auth(signed_by_the_server(&app, just_expired))
        .send()
        .await
        .unwrap();
    let (problem, _) = expect_problem(response, 401).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("expired"),
        "{problem}"
    );

    // A real token stops working when the issuer's clock passes its `exp`.
    let api = app.admin_api(ADMIN).await;
    api.expect(api.get(USERS), 200).await;
    app.clock
        .advance(app.config.access_token_ttl.0 + std::time::Duration::from_secs(1));
    expect_problem(api.get(USERS).send().await.unwrap(), 401).await;
}
