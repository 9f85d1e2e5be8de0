//! Client authentication at the token endpoint (RFC 6749 §2.3): HTTP Basic (§2.3.1), `client_secret` in the body,
//! and public clients by `client_id` alone (§2.1, §3.2.1).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::helpers::{
    AuthRequest, ClientSpec, REDIRECT_URI, TestApp, TestClient, TestUser, expect_error,
    expect_tokens,
};

fn password_params(user: &TestUser) -> [(&'static str, &str); 3] {
    [
        ("grant_type", "password"),
        ("username", &user.email),
        ("password", &user.password),
    ]
}

async fn post_with_basic(
    app: &TestApp,
    id: &str,
    secret: &str,
    params: &[(&str, &str)],
) -> reqwest::Response {
    app.http
        .post(app.token_url())
        .basic_auth(id, Some(secret))
        .form(params)
        .send()
        .await
        .expect("POST /token")
}

async fn post_without_header(app: &TestApp, params: &[(&str, &str)]) -> reqwest::Response {
    app.http
        .post(app.token_url())
        .form(params)
        .send()
        .await
        .expect("POST /token")
}

/// Body parameters of a password grant plus the given client credentials.
fn with_credentials<'a>(
    user: &'a TestUser,
    credentials: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut params = password_params(user).to_vec();
    params.extend_from_slice(credentials);
    params
}

#[tokio::test]
async fn rfc6749_2_3_1_http_basic_with_the_right_secret_authenticates() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let response =
        post_with_basic(&app, &client.id, client.secret(), &password_params(&user)).await;

    expect_tokens(response).await;
}

#[tokio::test]
async fn rfc6749_5_2_a_wrong_basic_secret_is_401_invalid_client_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let wrong = "lk_cs_wrong-secret-marker";

    let response = post_with_basic(&app, &client.id, wrong, &password_params(&user)).await;

    let error = expect_error(response, 401, "invalid_client").await;
    let challenge = error
        .header("www-authenticate")
        .expect("RFC 6749 §5.2: 401 carries WWW-Authenticate");
    assert!(
        challenge.to_ascii_lowercase().starts_with("basic"),
        "{challenge}"
    );
    error.assert_does_not_echo("wrong-secret-marker");
}

#[tokio::test]
async fn rfc6749_5_2_an_unknown_client_is_401_invalid_client_like_a_wrong_secret() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let unknown = post_with_basic(
        &app,
        "no-such-client-marker",
        client.secret(),
        &password_params(&user),
    )
    .await;
    let unknown = expect_error(unknown, 401, "invalid_client").await;
    let wrong = post_with_basic(&app, &client.id, "lk_cs_wrong", &password_params(&user)).await;
    let wrong = expect_error(wrong, 401, "invalid_client").await;

    assert!(unknown.header("www-authenticate").is_some());
    unknown.assert_does_not_echo("no-such-client-marker");
    assert_eq!(
        unknown.body, wrong.body,
        "an unknown client and a wrong secret look the same"
    );
}

#[tokio::test]
async fn rfc6749_2_3_1_client_secret_in_the_body_authenticates() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let params = with_credentials(
        &user,
        &[
            ("client_id", &client.id),
            ("client_secret", client.secret()),
        ],
    );
    let response = post_without_header(&app, &params).await;

    let tokens = expect_tokens(response).await;
    assert_eq!(
        app.verify_access_token(&tokens.access_token, &client.id)
            .await
            .client_id,
        client.id
    );
}

#[tokio::test]
async fn rfc6749_2_3_1_a_wrong_secret_in_the_body_is_invalid_client() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let params = with_credentials(
        &user,
        &[("client_id", &client.id), ("client_secret", "lk_cs_wrong")],
    );
    expect_error(
        post_without_header(&app, &params).await,
        401,
        "invalid_client",
    )
    .await;
}

#[tokio::test]
async fn rfc6749_2_3_basic_and_a_body_secret_together_are_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let params = with_credentials(&user, &[("client_secret", client.secret())]);
    let response = post_with_basic(&app, &client.id, client.secret(), &params).await;

    let error = expect_error(response, 400, "invalid_request").await;
    error.assert_does_not_echo(client.secret());
}

#[tokio::test]
async fn rfc6749_2_3_a_body_client_id_that_differs_from_basic_is_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let other = app.create_client(ClientSpec::default()).await;

    let params = with_credentials(&user, &[("client_id", &other.id)]);
    let response = post_with_basic(&app, &client.id, client.secret(), &params).await;

    expect_error(response, 400, "invalid_request").await;
}

#[tokio::test]
async fn rfc6749_2_3_1_basic_credentials_are_form_urlencoded() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    // `-` and `_` need no escaping, so escaping them anyway must decode to the same credentials.
    let escape = |s: &str| s.replace('-', "%2D").replace('_', "%5F");
    let header = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{}:{}",
            escape(&client.id),
            escape(client.secret())
        ))
    );

    let response = app
        .http
        .post(app.token_url())
        .header("authorization", header)
        .form(&password_params(&user))
        .send()
        .await
        .expect("POST /token");

    expect_tokens(response).await;
}

#[tokio::test]
async fn rfc6749_2_3_malformed_basic_credentials_are_invalid_client() {
    let app = TestApp::spawn().await;
    let (user, _client) = app.user_and_client().await;

    for header in [
        "Basic !!!not-base64!!!",
        "Basic",
        &format!("Basic {}", STANDARD.encode("no-colon")),
        "Bearer abc",
    ] {
        let response = app
            .http
            .post(app.token_url())
            .header("authorization", header)
            .form(&password_params(&user))
            .send()
            .await
            .expect("POST /token");
        expect_error(response, 401, "invalid_client").await;
    }
}

/// A code request that authenticates the client and then fails on the (unknown) code: `invalid_grant` (400) means
/// the client authenticated, `invalid_client` (401) that it did not.
const UNKNOWN_CODE: [(&str, &str); 3] = [
    ("grant_type", "authorization_code"),
    ("code", "lk_ac_unknown"),
    ("redirect_uri", REDIRECT_URI),
];

#[tokio::test]
async fn rfc6749_3_2_1_a_public_client_authenticates_by_client_id_alone() {
    let app = TestApp::spawn().await;
    let user = app.create_user(crate::helpers::UserSpec::default()).await;
    let client = app.create_client(ClientSpec::public()).await;
    assert_eq!(client.secret, None, "a public client has no secret");

    let (_, tokens) = app
        .code_flow(&user, &client, &AuthRequest::new(&client))
        .await;

    assert_eq!(
        app.verify_access_token(&tokens.access_token, &client.id)
            .await
            .client_id,
        client.id
    );
}

#[tokio::test]
async fn rfc6749_2_3_a_public_client_sending_a_secret_is_invalid_client() {
    let app = TestApp::spawn().await;
    let client = app.create_client(ClientSpec::public()).await;
    let mut params = UNKNOWN_CODE.to_vec();
    params.push(("client_id", &client.id));
    expect_error(
        post_without_header(&app, &params).await,
        400,
        "invalid_grant",
    )
    .await;

    params.push(("client_secret", "anything"));
    expect_error(
        post_without_header(&app, &params).await,
        401,
        "invalid_client",
    )
    .await;

    let response = post_with_basic(&app, &client.id, "anything", &UNKNOWN_CODE).await;
    expect_error(response, 401, "invalid_client").await;
}

#[tokio::test]
async fn rfc6749_2_3_a_confidential_client_without_its_secret_is_invalid_client() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let as_public = TestClient {
        id: client.id.clone(),
        secret: None,
    };

    let response = app.password_grant(&as_public, &user).await;

    expect_error(response, 401, "invalid_client").await;
}

#[tokio::test]
async fn rfc6749_2_3_a_request_without_any_client_is_invalid_client() {
    let app = TestApp::spawn().await;
    let (user, _client) = app.user_and_client().await;

    expect_error(
        post_without_header(&app, &password_params(&user)).await,
        401,
        "invalid_client",
    )
    .await;
}

/// Issue 17: requests-oauthlib sends a public client's credentials as HTTP Basic with an empty password. An empty
/// password is no secret (§2.3.1), as an empty `client_secret` in the body already is: the public client
/// authenticates (and reaches the grant, which refuses the unknown code); a confidential client doing the same is
/// still refused, and so is a public client with a non-empty password.
#[tokio::test]
async fn rfc6749_2_3_1_an_empty_basic_password_is_no_secret() {
    let app = TestApp::spawn().await;
    let public = app.create_client(ClientSpec::public()).await;
    expect_error(
        post_with_basic(&app, &public.id, "", &UNKNOWN_CODE).await,
        400,
        "invalid_grant",
    )
    .await;
    expect_error(
        post_with_basic(&app, &public.id, "x", &UNKNOWN_CODE).await,
        401,
        "invalid_client",
    )
    .await;

    let (user, confidential) = app.user_and_client().await;
    expect_error(
        post_with_basic(&app, &confidential.id, "", &password_params(&user)).await,
        401,
        "invalid_client",
    )
    .await;
}
