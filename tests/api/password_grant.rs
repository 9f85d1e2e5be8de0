//! Resource owner password credentials grant (RFC 6749 §4.3) and the access tokens it issues (RFC 9068).

use futures_util::future::join_all;
use latchkey::config::HumanDuration;

use crate::helpers::{ClientSpec, TestApp, UserSpec, expect_error, expect_tokens, now, tag};

#[tokio::test]
async fn rfc6749_4_3_3_a_password_grant_returns_bearer_tokens_that_no_cache_keeps() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let response = app.password_grant(&client, &user).await;
    assert_eq!(
        response
            .headers()
            .get("pragma")
            .map(reqwest::header::HeaderValue::as_bytes),
        Some(&b"no-cache"[..])
    );
    // expect_tokens checks 200 and `Cache-Control: no-store` (§5.1).
    let tokens = expect_tokens(response).await;

    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 15 * 60);
    assert!(
        tokens.refresh_token().len() >= 43,
        "a 256-bit refresh token: {}",
        tokens.refresh_token()
    );
    assert_eq!(tokens.scope, "read write");
}

#[tokio::test]
async fn rfc9068_the_access_token_is_an_rs256_at_jwt_that_verifies_against_the_served_jwks() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let before = now();

    let tokens = app.login(&client, &user).await;

    // verify_access_token checks typ, alg, the kid in the JWKS, the signature, iss, aud, exp and nbf.
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    let after = now();
    assert_eq!(claims.iss, app.issuer);
    assert_eq!(
        claims.iss,
        format!("http://127.0.0.1:{}", app.port),
        "the issuer names the real port"
    );
    assert_eq!(claims.sub, user.id);
    assert_eq!(
        claims.aud,
        serde_json::json!(client.id),
        "RFC 9068 §3: aud defaults to the client id"
    );
    assert_eq!(claims.client_id, client.id);
    assert_eq!(claims.scope, "read write");
    assert_eq!(claims.roles.as_ref(), Some(&user.roles));
    assert_eq!(claims.tenant, user.tenant);
    assert!(
        (before..=after).contains(&claims.iat),
        "iat {} not in {before}..={after}",
        claims.iat
    );
    assert!(claims.nbf <= claims.iat);
    assert_eq!(claims.exp - claims.iat, 15 * 60);
    assert!(!claims.jti.is_empty());
}

#[tokio::test]
async fn rfc9068_2_2_every_access_token_has_its_own_jti() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let first = app.login(&client, &user).await;
    let second = app.login(&client, &user).await;

    let first_claims = app
        .verify_access_token(&first.access_token, &client.id)
        .await;
    let second_claims = app
        .verify_access_token(&second.access_token, &client.id)
        .await;
    assert_ne!(first_claims.jti, second_claims.jti);
    assert_ne!(first.refresh_token(), second.refresh_token());
}

#[tokio::test]
async fn a_user_without_roles_or_tenant_gets_neither_claim() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(UserSpec {
            roles: Vec::new(),
            tenant: None,
            ..UserSpec::default()
        })
        .await;
    let client = app.create_client(ClientSpec::default()).await;

    let tokens = app.login(&client, &user).await;

    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(claims.roles, None);
    assert_eq!(claims.tenant, None);
}

#[tokio::test]
async fn rfc9068_3_aud_is_the_configured_audience_of_the_client() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let one = app
        .create_client(ClientSpec {
            audiences: vec!["https://api.example.org".into()],
            ..ClientSpec::default()
        })
        .await;
    let two = app
        .create_client(ClientSpec {
            audiences: vec![
                "https://api.example.org".into(),
                "https://files.example.org".into(),
            ],
            ..ClientSpec::default()
        })
        .await;

    let tokens = app.login(&one, &user).await;
    let claims = app
        .verify_access_token(&tokens.access_token, "https://api.example.org")
        .await;
    assert_eq!(claims.aud, serde_json::json!("https://api.example.org"));
    assert_eq!(claims.client_id, one.id);

    let tokens = app.login(&two, &user).await;
    let claims = app
        .verify_access_token(&tokens.access_token, "https://files.example.org")
        .await;
    assert_eq!(
        claims.aud,
        serde_json::json!(["https://api.example.org", "https://files.example.org"])
    );
}

#[tokio::test]
async fn rfc6749_4_3_2_the_username_is_the_email_in_any_case_or_the_username() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(UserSpec {
            email: "Ada.Lovelace@Example.ORG".into(),
            username: Some("ada".into()),
            ..UserSpec::default()
        })
        .await;
    let client = app.create_client(ClientSpec::default()).await;

    let username = user.username.as_deref().expect("a username");
    for login in [
        "ada.lovelace@example.org",
        "ADA.LOVELACE@EXAMPLE.ORG",
        "Ada.Lovelace@Example.ORG",
        username,
    ] {
        let tokens = expect_tokens(
            app.password_grant_as(&client, login, &user.password, None)
                .await,
        )
        .await;
        let claims = app
            .verify_access_token(&tokens.access_token, &client.id)
            .await;
        assert_eq!(claims.sub, user.id, "login {login}");
    }
}

#[tokio::test]
async fn rfc6749_3_3_a_narrower_scope_is_granted_as_asked() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let tokens = expect_tokens(
        app.password_grant_as(&client, &user.email, &user.password, Some("read"))
            .await,
    )
    .await;

    assert_eq!(tokens.scope, "read");
    assert_eq!(
        app.verify_access_token(&tokens.access_token, &client.id)
            .await
            .scope,
        "read"
    );
}

#[tokio::test]
async fn rfc6749_3_3_a_scope_beyond_the_clients_is_invalid_scope() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    for scope in ["read admin", "admin", "read\"quoted"] {
        let response = app
            .password_grant_as(&client, &user.email, &user.password, Some(scope))
            .await;
        let error = expect_error(response, 400, "invalid_scope").await;
        error.assert_does_not_echo("admin");
        error.assert_does_not_echo("quoted");
    }
}

#[tokio::test]
async fn rfc6749_5_2_wrong_password_unknown_user_and_disabled_user_get_the_same_invalid_grant() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let disabled = app.create_user(UserSpec::default()).await;
    app.disable_user(&disabled).await;

    let wrong_password = app
        .password_grant_as(&client, &user.email, "not the password", None)
        .await;
    let wrong_password = expect_error(wrong_password, 400, "invalid_grant").await;
    let unknown_user = app
        .password_grant_as(
            &client,
            &format!("nobody-{}@example.org", tag()),
            &user.password,
            None,
        )
        .await;
    let unknown_user = expect_error(unknown_user, 400, "invalid_grant").await;
    let disabled_user = app
        .password_grant_as(&client, &disabled.email, &disabled.password, None)
        .await;
    let disabled_user = expect_error(disabled_user, 400, "invalid_grant").await;

    // Byte for byte: nothing tells an attacker which of the three it was.
    assert_eq!(wrong_password.body, unknown_user.body);
    assert_eq!(wrong_password.body, disabled_user.body);
    wrong_password.assert_does_not_echo(&user.email);
    wrong_password.assert_does_not_echo("not the password");
}

#[tokio::test]
async fn rfc6749_4_3_2_a_missing_or_empty_username_or_password_is_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let cases: [&[(&str, &str)]; 4] = [
        &[("grant_type", "password"), ("password", &user.password)],
        &[("grant_type", "password"), ("username", &user.email)],
        &[
            ("grant_type", "password"),
            ("username", ""),
            ("password", &user.password),
        ],
        &[
            ("grant_type", "password"),
            ("username", &user.email),
            ("password", ""),
        ],
    ];
    for params in cases {
        let error = expect_error(
            app.post_token(&client, params).await,
            400,
            "invalid_request",
        )
        .await;
        error.assert_does_not_echo(&user.password);
    }
}

#[tokio::test]
async fn a_password_over_1024_bytes_is_invalid_request_and_1024_bytes_is_just_wrong() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let too_long = "é".repeat(513); // 1026 bytes, 513 characters: the limit is in bytes
    let response = app
        .password_grant_as(&client, &user.email, &too_long, None)
        .await;
    let error = expect_error(response, 400, "invalid_request").await;
    error.assert_does_not_echo("éé");

    let at_limit = "x".repeat(1024);
    let response = app
        .password_grant_as(&client, &user.email, &at_limit, None)
        .await;
    expect_error(response, 400, "invalid_grant").await;
}

#[tokio::test]
async fn a_client_without_the_refresh_token_grant_gets_no_refresh_token() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;

    let tokens = app.login(&client, &user).await;

    assert_eq!(tokens.refresh_token, None);
    app.verify_access_token(&tokens.access_token, &client.id)
        .await;
}

#[tokio::test]
async fn the_access_token_lifetime_follows_the_configuration() {
    let app =
        TestApp::spawn_with(|config| config.access_token_ttl = HumanDuration::from_secs(90)).await;
    let (user, client) = app.user_and_client().await;

    let tokens = app.login(&client, &user).await;

    assert_eq!(tokens.expires_in, 90);
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(claims.exp - claims.iat, 90);
}

#[tokio::test]
async fn concurrent_logins_and_refreshes_of_different_users_all_succeed() {
    let app = TestApp::spawn().await;
    let client = app.create_client(ClientSpec::default()).await;
    let mut users = Vec::new();
    for _ in 0..12 {
        users.push(app.create_user(UserSpec::default()).await);
    }

    // One writer at a time on SQLite must mean queueing, never a 503 or a lost login.
    let logins = join_all(users.iter().map(|user| app.password_grant(&client, user))).await;
    let mut refresh_tokens = Vec::new();
    for response in logins {
        refresh_tokens.push(expect_tokens(response).await.refresh_token().to_owned());
    }
    let refreshes = join_all(
        refresh_tokens
            .iter()
            .map(|token| app.refresh_grant(&client, token, None)),
    )
    .await;
    for response in refreshes {
        expect_tokens(response).await;
    }
}

#[tokio::test]
async fn a_login_rehashes_a_password_stored_with_older_argon2_parameters() {
    let old = TestApp::spawn().await;
    let (user, client) = old.user_and_client().await;
    let mut config = old.config.clone();
    config.password_hash_memory_kib = 2048;
    let new = TestApp::spawn_on(old.database.clone(), config).await;
    let stored = |app: &TestApp| {
        let (store, id) = (app.state.store.clone(), user.id.clone());
        async move {
            store
                .find_user(&latchkey::values::ids::UserId::new(id.as_str()))
                .await
                .expect("reading the user")
                .expect("a row")
                .password_hash
        }
    };
    assert!(
        stored(&new).await.contains("m=1024,"),
        "{}",
        stored(&new).await
    );

    new.login(&client, &user).await;

    let rehashed = stored(&new).await;
    assert!(
        rehashed.starts_with("$argon2id$") && rehashed.contains("m=2048,"),
        "DESIGN.md §4: {rehashed}"
    );
    new.login(&client, &user).await;
}

/// Issue 17, RFC 9700 §2.4: the password grant is for first-party confidential clients only. A public client can't
/// be registered with it, through the admin API or the domain the CLI uses, nor given it by an update; a public
/// client stored with it before this rule (written straight to the store here) is refused at `/token` with
/// `unauthorized_client` (RFC 6749 §5.2) and its password is never checked.
#[tokio::test]
async fn rfc9700_2_4_a_public_client_never_gets_the_password_grant() {
    use latchkey::domain::clients::{GrantType, NewClient, create_client};
    use serde_json::json;

    let app = TestApp::spawn().await;
    let refused = create_client(
        &app.state.store,
        NewClient {
            id: format!("spa-{}", tag()),
            public: true,
            grants: vec![GrantType::Password, GrantType::RefreshToken],
            ..Default::default()
        },
        &crate::helpers::operator(),
        app.state.clock.now(),
    )
    .await;
    let message = refused
        .expect_err("a public client with the password grant")
        .to_string();
    assert!(message.contains("password grant"), "{message}");

    let api = app.admin_api(crate::helpers::ADMIN).await;
    let id = format!("spa-{}", tag());
    let (problem, _) = crate::helpers::expect_problem(
        api.post(
            "/admin/v1/clients",
            &json!({ "client_id": id, "public": true, "grant_types": ["password"] }),
        )
        .send()
        .await
        .unwrap(),
        400,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("password grant")
    );

    let spa = app.create_client(ClientSpec::public()).await;
    let (fetched, etag) = api
        .expect(api.get(&format!("/admin/v1/clients/{}", spa.id)), 200)
        .await;
    assert_eq!(fetched["public"], true);
    crate::helpers::expect_problem(
        api.patch(
            &format!("/admin/v1/clients/{}", spa.id),
            &json!({ "grant_types": ["authorization_code", "password"] }),
            etag.as_deref(),
        )
        .send()
        .await
        .unwrap(),
        400,
    )
    .await;

    // A row from before the rule.
    let legacy = format!("legacy-spa-{}", tag());
    let mut row = app
        .state
        .store
        .find_client(&spa.id.as_str().into())
        .await
        .unwrap()
        .expect("the client's row");
    row.id = legacy.as_str().into();
    row.grant_types = latchkey::store::types::GrantTypes::new([GrantType::Password]);
    app.state.store.insert_client(&row).await.unwrap();
    let user = app.create_user(UserSpec::default()).await;
    let legacy = crate::helpers::TestClient {
        id: legacy,
        secret: None,
    };
    expect_error(
        app.password_grant(&legacy, &user).await,
        400,
        "unauthorized_client",
    )
    .await;
}
