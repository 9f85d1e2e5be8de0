//! Client credentials grant (RFC 6749 §4.4, RFC 9068 §2.2): tokens a service gets for itself.

use crate::helpers::{ClientSpec, TestApp, expect_error, expect_tokens};

fn service() -> ClientSpec {
    ClientSpec {
        grants: vec!["client_credentials".into()],
        scopes: vec!["orders:read".into(), "orders:write".into()],
        audiences: vec!["orders-api".into()],
        ..ClientSpec::default()
    }
}

#[tokio::test]
async fn rfc6749_4_4_a_service_gets_a_token_about_itself_without_a_refresh_token() {
    let app = TestApp::spawn().await;
    let client = app.create_client(service()).await;

    let tokens = expect_tokens(
        app.post_token(&client, &[("grant_type", "client_credentials")])
            .await,
    )
    .await;

    assert!(tokens.refresh_token.is_none(), "§4.4.3: no refresh token");
    assert!(tokens.id_token.is_none());
    assert_eq!(tokens.scope, "orders:read orders:write");
    let claims = app
        .verify_access_token(&tokens.access_token, "orders-api")
        .await;
    // RFC 9068 §2.2: with no resource owner, sub is the client.
    assert_eq!(claims.sub, client.id);
    assert_eq!(claims.client_id, client.id);
    assert!(claims.roles.is_none() && claims.tenant.is_none());
}

#[tokio::test]
async fn rfc6749_3_3_the_scope_may_narrow_but_not_widen() {
    let app = TestApp::spawn().await;
    let client = app.create_client(service()).await;

    let narrow = expect_tokens(
        app.post_token(
            &client,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "orders:read"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(narrow.scope, "orders:read");

    let wide = app
        .post_token(
            &client,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "orders:read admin"),
            ],
        )
        .await;
    expect_error(wide, 400, "invalid_scope").await;
}

#[tokio::test]
async fn only_a_confidential_client_given_the_grant_may_use_it() {
    let app = TestApp::spawn().await;
    let other = app.create_client(ClientSpec::default()).await;
    let response = app
        .post_token(&other, &[("grant_type", "client_credentials")])
        .await;
    expect_error(response, 400, "unauthorized_client").await;

    let mut wrong_secret = app.create_client(service()).await;
    wrong_secret.secret = Some("lk_cs_wrong".into());
    let response = app
        .post_token(&wrong_secret, &[("grant_type", "client_credentials")])
        .await;
    expect_error(response, 401, "invalid_client").await;

    let public = latchkey::domain::clients::create_client(
        &app.state.store,
        latchkey::domain::clients::NewClient {
            id: "public-service".into(),
            public: true,
            grants: vec![latchkey::domain::clients::GrantType::ClientCredentials],
            ..Default::default()
        },
        &crate::helpers::operator(),
        app.state.clock.now(),
    )
    .await;
    assert!(
        public.is_err(),
        "a public client can't be given client_credentials"
    );
}
