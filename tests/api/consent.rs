//! Consent for third-party clients (issue 19; OIDC Core §3.1.2.4): the page after sign-in lists what the client
//! asks for, Allow issues a code for the granted scopes and is remembered per user and client, a new scope asks
//! again, Deny answers `access_denied` (RFC 6749 §4.1.2.1), `prompt=consent` forces the page and `prompt=none`
//! answers `consent_required` (OIDC Core §3.1.2.6). The answer is bound to the request it was shown for, and
//! withdrawing consent on the account page ends the client's refresh tokens.

use latchkey::domain::clients::ClientDisplay;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    AuthRequest, Browser, ClientSpec, REDIRECT_URI, Redirect, TestApp, TestClient, TestUser,
    Tokens, UserSpec, expect_error, expect_tokens, hidden_fields,
};
use crate::revocation::{introspect, resource_server};

const CONSENT_HEADING: &str = "Acme Dashboard wants to access your account";

/// A server whose operator described the `read` scope.
async fn spawn() -> TestApp {
    TestApp::spawn_with(|config| {
        config
            .scope_descriptions
            .insert("read".into(), "Read your orders".into());
    })
    .await
}

/// A third-party web app (authorization code with refresh) asking `read write`.
async fn third_party(app: &TestApp) -> TestClient {
    app.create_client(ClientSpec {
        third_party: true,
        display: ClientDisplay {
            client_name: Some("Acme Dashboard".into()),
            client_uri: Some("https://acme.example/".into()),
            ..ClientDisplay::default()
        },
        ..ClientSpec::web_app()
    })
    .await
}

/// Signs `user` in for `request` in `browser`: the answer to the sign-in form (a consent page or a redirect).
async fn sign_in(
    app: &TestApp,
    browser: &Browser,
    request: &AuthRequest,
    user: &TestUser,
) -> reqwest::Response {
    let page = browser.authorize(app, request).await;
    assert_eq!(page.status(), StatusCode::OK, "the sign-in form");
    let html = page.text().await.unwrap();
    browser
        .submit_sign_in(app, &html, &user.email, &user.password)
        .await
}

/// The consent page's HTML, asserting it is one.
async fn consent_page(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::OK, "the consent page");
    let html = response.text().await.unwrap();
    assert!(html.contains(CONSENT_HEADING), "{html}");
    html
}

/// Answers the consent form in `html` with `decision`, from our own origin.
async fn decide(app: &TestApp, browser: &Browser, html: &str, decision: &str) -> reqwest::Response {
    let mut form = hidden_fields(html);
    form.push(("decision".into(), decision.into()));
    browser
        .post_form(app, "/authorize/consent", &form, Some(&app.address))
        .await
}

async fn redeem(
    app: &TestApp,
    client: &TestClient,
    request: &AuthRequest,
    redirect: &Redirect,
) -> Tokens {
    assert_eq!(redirect.target(), REDIRECT_URI);
    assert_eq!(redirect.param("state"), Some(request.state.as_str()));
    let code = redirect.param("code").expect("a code");
    expect_tokens(
        app.code_grant(client, code, REDIRECT_URI, Some(&request.pkce.verifier))
            .await,
    )
    .await
}

async fn audit_actions(app: &TestApp, user: &TestUser) -> Vec<String> {
    latchkey::domain::audit::list(&app.state.store, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.subject == format!("user:{}", user.id))
        .map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn a_first_party_client_gets_its_code_without_a_consent_page() {
    let app = spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let response = sign_in(&app, &browser, &request, &user).await;
    let redirect = Redirect::from(&response);
    assert!(redirect.param("code").is_some());
}

#[tokio::test]
async fn a_third_party_client_asks_consent_listing_each_scope_in_words() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client).with("scope", Some("openid email read write"));
    let html = consent_page(sign_in(&app, &browser, &request, &user).await).await;
    assert!(
        html.contains(&format!("Signed in as <strong>{}</strong>", user.email)),
        "{html}"
    );
    // Built-in texts, the operator's text, and an undescribed scope by its name.
    for line in [
        "Know who you are",
        "See your email address",
        "Read your orders",
        "<li>write</li>",
    ] {
        assert!(html.contains(line), "{line}: {html}");
    }
    assert!(html.contains(r#"<a href="https://acme.example/">Back to Acme Dashboard</a>"#));
    assert!(html.contains(r#"name="consent_token""#));
    // No code until the user answers.
    assert!(!html.contains("code="));
}

#[tokio::test]
async fn allowing_issues_a_code_for_the_granted_scopes_and_is_remembered() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client).with("scope", Some("openid read"));
    let html = consent_page(sign_in(&app, &browser, &request, &user).await).await;
    let response = decide(&app, &browser, &html, "allow").await;
    let tokens = redeem(&app, &client, &request, &Redirect::from(&response)).await;
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(claims.scope, "openid read");
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"consent.grant".to_owned())
    );

    // Remembered: the next request for the same scopes goes straight back with a code (single sign-on).
    let again = AuthRequest::new(&client).with("scope", Some("openid read"));
    let response = browser.authorize(&app, &again).await;
    let tokens = redeem(&app, &client, &again, &Redirect::from(&response)).await;
    assert!(!tokens.access_token.is_empty());
    // A subset of what was granted needs nothing new either.
    let fewer = AuthRequest::new(&client).with("scope", Some("openid"));
    assert_eq!(
        browser.authorize(&app, &fewer).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_scope_not_granted_yet_asks_again_for_the_new_one_only() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client).with("scope", Some("openid read"));
    let html = consent_page(sign_in(&app, &browser, &request, &user).await).await;
    Redirect::from(&decide(&app, &browser, &html, "allow").await);

    let more = AuthRequest::new(&client).with("scope", Some("openid read email"));
    let html = consent_page(browser.authorize(&app, &more).await).await;
    assert!(html.contains("See your email address"), "{html}");
    assert!(
        !html.contains("Read your orders"),
        "only the new scope: {html}"
    );
    let response = decide(&app, &browser, &html, "allow").await;
    let tokens = redeem(&app, &client, &more, &Redirect::from(&response)).await;
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(claims.scope, "email openid read");
}

#[tokio::test]
async fn denying_sends_the_user_back_with_access_denied_rfc_6749_4_1_2_1() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let html = consent_page(sign_in(&app, &browser, &request, &user).await).await;
    let redirect = Redirect::from(&decide(&app, &browser, &html, "deny").await);
    assert_eq!(redirect.target(), REDIRECT_URI);
    assert_eq!(redirect.param("error"), Some("access_denied"));
    assert_eq!(redirect.param("state"), Some(request.state.as_str()));
    assert_eq!(redirect.param("iss"), Some(app.issuer.as_str()));
    assert!(redirect.param("code").is_none());
    // Nothing was remembered: the next request asks again.
    consent_page(browser.authorize(&app, &AuthRequest::new(&client)).await).await;
}

#[tokio::test]
async fn prompt_consent_shows_the_page_even_after_consent_oidc_core_3_1_2_1() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let html = consent_page(sign_in(&app, &browser, &request, &user).await).await;
    Redirect::from(&decide(&app, &browser, &html, "allow").await);

    let forced = AuthRequest::new(&client).with("prompt", Some("consent"));
    let html = consent_page(browser.authorize(&app, &forced).await).await;
    // Everything requested is listed again.
    assert!(html.contains("See your email address"), "{html}");
    let response = decide(&app, &browser, &html, "allow").await;
    redeem(&app, &client, &forced, &Redirect::from(&response)).await;

    // Also through a fresh sign-in: the sign-in form carries prompt=consent to the consent page.
    let other = Browser::new(&app);
    let html = consent_page(sign_in(&app, &other, &forced, &user).await).await;
    assert!(html.contains(r#"name="prompt" value="consent""#), "{html}");
}

#[tokio::test]
async fn prompt_none_without_consent_answers_consent_required_oidc_core_3_1_2_6() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    // Signed in, but the consent page was left unanswered.
    consent_page(sign_in(&app, &browser, &AuthRequest::new(&client), &user).await).await;
    let silent = AuthRequest::new(&client).with("prompt", Some("none"));
    let redirect = Redirect::from(&browser.authorize(&app, &silent).await);
    assert_eq!(redirect.param("error"), Some("consent_required"));
    assert_eq!(redirect.param("state"), Some(silent.state.as_str()));
    assert!(redirect.param("code").is_none());
}

#[tokio::test]
async fn a_consent_answer_counts_only_for_the_request_and_browser_it_was_shown_for() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client).with("scope", Some("openid read"));
    let html = consent_page(sign_in(&app, &browser, &request, &user).await).await;
    let fields = hidden_fields(&html);
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        let mut form: Vec<_> = fields.iter().filter(|(k, _)| k != name).cloned().collect();
        form.push((name.to_owned(), value.to_owned()));
        form.push(("decision".into(), "allow".into()));
        form
    };
    let post = |form: Vec<(String, String)>, origin: Option<String>| {
        let browser = &browser;
        let app = &app;
        async move {
            browser
                .post_form(app, "/authorize/consent", &form, origin.as_deref())
                .await
        }
    };
    let own = Some(app.address.clone());
    // Another request's scope, state or PKCE challenge with this page's token: refused, no code.
    for (name, value) in [
        ("scope", "openid read write"),
        ("state", "attacker-state"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("consent_token", "AAAA"),
    ] {
        let response = post(with(name, value), own.clone()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
    }
    // Without the consent token, or the CSRF token, or from another site.
    let without: Vec<_> = fields
        .iter()
        .filter(|(k, _)| k != "consent_token")
        .cloned()
        .chain([("decision".to_owned(), "allow".to_owned())])
        .collect();
    assert_eq!(
        post(without, own.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(with("csrf_token", "x"), own.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let mut form = fields.clone();
    form.push(("decision".into(), "allow".into()));
    assert_eq!(
        post(form.clone(), Some("https://evil.example".into()))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // The page's own form in another browser (another cookie): refused.
    let stranger = Browser::new(&app);
    let response = stranger
        .post_form(&app, "/authorize/consent", &form, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Nothing was granted by any of these.
    assert!(
        app.state
            .store
            .find_consent(
                &latchkey::values::ids::UserId::new(user.id.clone()),
                &latchkey::values::ids::ClientId::new(client.id.clone())
            )
            .await
            .unwrap()
            .is_none()
    );
    // The untouched form still works.
    let response = decide(&app, &browser, &html, "allow").await;
    redeem(&app, &client, &request, &Redirect::from(&response)).await;
}

#[tokio::test]
async fn withdrawing_consent_on_the_account_page_ends_the_clients_refresh_tokens() {
    let app = spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = third_party(&app).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client).with("scope", Some("openid read"));
    let html = consent_page(sign_in(&app, &browser, &request, &user).await).await;
    let response = decide(&app, &browser, &html, "allow").await;
    let tokens = redeem(&app, &client, &request, &Redirect::from(&response)).await;
    let refresh = tokens.refresh_token.clone().expect("a refresh token");

    let page = browser.get(&app.url("/account")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Connected applications"), "{html}");
    assert!(html.contains("<strong>Acme Dashboard</strong>"), "{html}");
    assert!(html.contains("Read your orders"), "{html}");
    let csrf = hidden_fields(&html)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .unwrap();
    let form = vec![csrf, ("client_id".to_owned(), client.id.clone())];
    let response = browser
        .post_form(&app, "/account/consents/revoke", &form, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account?done=disconnected");

    // The client's refresh token is dead, and so is the access token issued with it.
    expect_error(
        app.refresh_grant(&client, &refresh, None).await,
        400,
        "invalid_grant",
    )
    .await;
    let rs = resource_server(&app).await;
    assert_eq!(
        introspect(&app, &rs, &tokens.access_token).await["active"],
        Value::Bool(false)
    );
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"consent.revoke".to_owned())
    );
    // The app has to ask again.
    consent_page(browser.authorize(&app, &AuthRequest::new(&client)).await).await;
    // Withdrawing what is not there (again, or another user's) is a 404 on the page, not a 500.
    let html = browser
        .get(&app.url("/account"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = hidden_fields(&html)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .unwrap();
    let form = vec![csrf, ("client_id".to_owned(), client.id.clone())];
    let response = browser
        .post_form(&app, "/account/consents/revoke", &form, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
