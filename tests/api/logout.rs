//! `/logout` (`OpenID` Connect RP-Initiated Logout 1.0): ends the session and what it produced, redirects only to a
//! registered URI, and asks first when the request does not prove which sign-in it ends.

use reqwest::StatusCode;

use crate::helpers::{
    AuthRequest, Browser, ClientSpec, REDIRECT_URI, Redirect, SIGNED_OUT_URI, TestApp, TestClient,
    UserSpec, expect_error, hidden_fields,
};

fn logout_url(app: &TestApp, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(params);
    format!("{}/logout?{}", app.address, query.finish())
}

/// Whether the browser still has a session: `prompt=none` answers with a code only then.
async fn has_session(app: &TestApp, browser: &Browser, client: &TestClient) -> bool {
    let request = AuthRequest::new(client).with("prompt", Some("none"));
    Redirect::from(&browser.authorize(app, &request).await)
        .param("code")
        .is_some()
}

#[tokio::test]
async fn rp_initiated_logout_with_an_id_token_hint_ends_the_session_and_its_refresh_tokens() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let (browser, tokens) = app
        .code_flow(&user, &client, &AuthRequest::new(&client))
        .await;
    assert!(has_session(&app, &browser, &client).await);

    let hint = tokens.id_token.clone().expect("an ID token");
    let response = browser
        .get(&logout_url(
            &app,
            &[
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", SIGNED_OUT_URI),
                ("state", "bye"),
            ],
        ))
        .await;

    let redirect = Redirect::from(&response);
    assert_eq!(redirect.target(), SIGNED_OUT_URI);
    assert_eq!(redirect.param("state"), Some("bye"));
    assert!(!has_session(&app, &browser, &client).await);
    expect_error(
        app.refresh_grant(&client, tokens.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn a_post_logout_redirect_uri_not_registered_exactly_is_never_followed() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let other = app.create_client(ClientSpec::web_app()).await;
    let (browser, tokens) = app
        .code_flow(&user, &client, &AuthRequest::new(&client))
        .await;
    let hint = tokens.id_token.clone().expect("an ID token");

    for (client_id, uri) in [
        (client.id.as_str(), "https://evil.example.com/signed-out"),
        (client.id.as_str(), "https://app.example.com/signed-out/"),
        (client.id.as_str(), REDIRECT_URI),
    ] {
        let response = browser
            .get(&logout_url(
                &app,
                &[
                    ("id_token_hint", &hint),
                    ("client_id", client_id),
                    ("post_logout_redirect_uri", uri),
                ],
            ))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert!(response.headers().get("location").is_none(), "{uri}");
    }
    // A client_id that contradicts the hint's audience is refused outright.
    let response = browser
        .get(&logout_url(
            &app,
            &[
                ("id_token_hint", &hint),
                ("client_id", &other.id),
                ("post_logout_redirect_uri", SIGNED_OUT_URI),
            ],
        ))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn a_logout_without_proof_asks_first_and_the_confirmation_needs_its_csrf_token() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let (browser, _) = app
        .code_flow(&user, &client, &AuthRequest::new(&client))
        .await;

    // A bare link (say, an <img> on another site) only shows the question.
    let response = browser.get(&logout_url(&app, &[])).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("the confirmation page");
    assert!(
        has_session(&app, &browser, &client).await,
        "nothing ended yet"
    );

    let fields = hidden_fields(&html);
    let forged: Vec<_> = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .cloned()
        .collect();
    let response = browser
        .post_form(&app, "/logout", &forged, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = browser
        .post_form(&app, "/logout", &fields, Some("https://evil.example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(has_session(&app, &browser, &client).await);

    let response = browser
        .post_form(&app, "/logout", &fields, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the signed-out page");
    assert!(!has_session(&app, &browser, &client).await);

    // Another user's ID token is no proof either.
    let other_user = app.create_user(UserSpec::default()).await;
    let (_, other_tokens) = app
        .code_flow(&other_user, &client, &AuthRequest::new(&client))
        .await;
    browser
        .sign_in(
            &app,
            &AuthRequest::new(&client).with("prompt", Some("login")),
            &user,
        )
        .await;
    let response = browser
        .get(&logout_url(
            &app,
            &[(
                "id_token_hint",
                other_tokens.id_token.as_deref().expect("an ID token"),
            )],
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        has_session(&app, &browser, &client).await,
        "asked, not signed out"
    );
}
