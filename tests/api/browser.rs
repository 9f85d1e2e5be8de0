//! The hosted pages in a real browser (headless Chromium over WebDriver): sign-in from an application's redirect to
//! tokens, single sign-on for a second application, logout, and the whole password reset with the link read from
//! the mail. Every page visited is checked by axe-core (no serious or critical violation) and screenshotted into
//! `target/browser-screenshots/`.

use std::time::Duration;

use fantoccini::Locator;

use crate::helpers::chrome::{AppEndpoint, Chrome};
use crate::helpers::{
    AuthRequest, ClientSpec, TempDir, TestApp, UserSpec, eventually, expect_tokens,
};
use crate::password_reset::{reset_link, wait_for_mails};

/// Waits (bounded) until the browser is at a URL starting with `prefix`, and returns it.
pub(crate) async fn wait_for_url(chrome: &Chrome, prefix: &str) -> url::Url {
    eventually(
        &format!("the browser reaches {prefix}"),
        Duration::from_secs(10),
        async || match chrome.client.current_url().await {
            Ok(url) if url.as_str().starts_with(prefix) => Ok(url),
            Ok(url) => Err(format!("at {url}")),
            Err(e) => Err(e.to_string()),
        },
    )
    .await
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Screenshots the page and fails on any serious or critical accessibility violation.
async fn check_page(chrome: &Chrome, name: &str) {
    chrome.screenshot(name).await;
    let violations = chrome.serious_accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "{name}: axe-core found serious or critical violations: {}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
}

pub(crate) async fn fill(chrome: &Chrome, id: &str, text: &str) {
    chrome
        .client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .send_keys(text)
        .await
        .expect("typing");
}

/// Submits the form posting to `action` (a page with several forms).
pub(crate) async fn submit_form(chrome: &Chrome, action: &str) {
    chrome
        .client
        .find(Locator::Css(&format!(
            "form[action='{action}'] button[type=submit]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no form posting to {action}: {e}"))
        .click()
        .await
        .expect("clicking");
}

pub(crate) async fn submit(chrome: &Chrome) {
    chrome
        .client
        .find(Locator::Css("button[type=submit]"))
        .await
        .expect("a submit button")
        .click()
        .await
        .expect("clicking");
}

async fn page_text(chrome: &Chrome) -> String {
    chrome
        .client
        .find(Locator::Css("main"))
        .await
        .expect("a main element")
        .text()
        .await
        .expect("its text")
}

#[tokio::test]
async fn in_a_real_browser_a_user_signs_in_gets_single_sign_on_signs_out_and_resets_the_password() {
    let test =
        "in_a_real_browser_a_user_signs_in_gets_single_sign_on_signs_out_and_resets_the_password";
    let Some(chrome) = Chrome::start(test).await else {
        return;
    };
    let mail = TempDir::new();
    let mail_path = mail.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(mail_path)).await;
    let endpoint = AppEndpoint::start().await;
    let callback = format!("{}/callback", endpoint.base);
    let signed_out = format!("{}/signed-out", endpoint.base);
    let spec = || ClientSpec {
        redirect_uris: vec![callback.clone()],
        post_logout_redirect_uris: vec![signed_out.clone()],
        ..ClientSpec::web_app()
    };
    let (first, second) = (
        app.create_client(spec()).await,
        app.create_client(spec()).await,
    );
    let user = app.create_user(UserSpec::default()).await;

    // 1. An application sends the browser to /authorize; the user signs in on the hosted page.
    let request = AuthRequest::new(&first).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{}/authorize?{}", app.address, request.query()))
        .await
        .expect("opening /authorize");
    check_page(&chrome, "01-sign-in").await;
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", "not the password").await;
    submit(&chrome).await;
    check_page(&chrome, "02-sign-in-failed").await;
    assert!(
        page_text(&chrome).await.contains("not right"),
        "the failure message"
    );
    fill(&chrome, "password", &user.password).await;
    submit(&chrome).await;
    let back = wait_for_url(&chrome, &callback).await;
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(request.state.as_str())
    );
    assert_eq!(param(&back, "iss").as_deref(), Some(app.issuer.as_str()));
    let code = param(&back, "code").expect("a code");
    let tokens = expect_tokens(
        app.code_grant(&first, &code, &callback, Some(&request.pkce.verifier))
            .await,
    )
    .await;
    let id_token = tokens.id_token.clone().expect("an ID token");

    // 2. A second application: single sign-on, no form.
    let request = AuthRequest::new(&second).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{}/authorize?{}", app.address, request.query()))
        .await
        .expect("opening /authorize");
    let back = wait_for_url(&chrome, &callback).await;
    let code = param(&back, "code").expect("a code without the form");
    expect_tokens(
        app.code_grant(&second, &code, &callback, Some(&request.pkce.verifier))
            .await,
    )
    .await;

    // 3. Logout from the first application, back to its registered page.
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs([
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", signed_out.as_str()),
        ("state", "bye"),
    ]);
    chrome
        .client
        .goto(&format!("{}/logout?{}", app.address, query.finish()))
        .await
        .expect("opening /logout");
    let back = wait_for_url(&chrome, &signed_out).await;
    assert_eq!(param(&back, "state").as_deref(), Some("bye"));
    let request = AuthRequest::new(&first)
        .with("redirect_uri", Some(&callback))
        .with("prompt", Some("none"));
    chrome
        .client
        .goto(&format!("{}/authorize?{}", app.address, request.query()))
        .await
        .expect("opening /authorize");
    let back = wait_for_url(&chrome, &callback).await;
    assert_eq!(param(&back, "error").as_deref(), Some("login_required"));

    // 4. Password reset: the link comes by mail, the new password signs in.
    chrome
        .client
        .goto(&app.url("/password/forgot"))
        .await
        .expect("opening /password/forgot");
    check_page(&chrome, "03-forgot").await;
    fill(&chrome, "email", &user.email).await;
    submit(&chrome).await;
    check_page(&chrome, "04-forgot-sent").await;
    assert!(page_text(&chrome).await.contains("Check your email"));
    let link = reset_link(&wait_for_mails(mail.path(), 1).await[0]);
    chrome.client.goto(&link).await.expect("opening the link");
    check_page(&chrome, "05-reset").await;
    fill(&chrome, "password", "a new and long passphrase").await;
    fill(&chrome, "password_again", "a new and long passphrase").await;
    submit(&chrome).await;
    check_page(&chrome, "06-reset-done").await;
    assert!(
        page_text(&chrome)
            .await
            .contains("Your password is changed")
    );

    let request = AuthRequest::new(&first).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{}/authorize?{}", app.address, request.query()))
        .await
        .expect("opening /authorize");
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", "a new and long passphrase").await;
    submit(&chrome).await;
    let back = wait_for_url(&chrome, &callback).await;
    assert!(
        param(&back, "code").is_some(),
        "signed in with the new password"
    );
    assert!(endpoint.hits().iter().any(|h| h.starts_with("/signed-out")));

    chrome.close().await;
}

#[tokio::test]
async fn in_a_real_browser_the_account_page_changes_the_password_and_signs_out_everywhere() {
    let test = "in_a_real_browser_the_account_page_changes_the_password_and_signs_out_everywhere";
    let Some(chrome) = Chrome::start(test).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let endpoint = AppEndpoint::start().await;
    let callback = format!("{}/callback", endpoint.base);
    let client = app
        .create_client(ClientSpec {
            redirect_uris: vec![callback.clone()],
            ..ClientSpec::web_app()
        })
        .await;
    let user = app.create_user(UserSpec::default()).await;
    let request = AuthRequest::new(&client).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{}/authorize?{}", app.address, request.query()))
        .await
        .expect("opening /authorize");
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", &user.password).await;
    submit(&chrome).await;
    wait_for_url(&chrome, &callback).await;

    chrome
        .client
        .goto(&app.url("/account"))
        .await
        .expect("opening /account");
    check_page(&chrome, "account-01-page").await;
    assert!(page_text(&chrome).await.contains(&user.email));

    fill(&chrome, "display_name", "Ada Lovelace").await;
    submit_form(&chrome, "/account/profile").await;
    wait_for_url(&chrome, &app.url("/account?done=profile")).await;
    check_page(&chrome, "account-01b-profile-saved").await;
    assert!(page_text(&chrome).await.contains("Ada Lovelace"));
    fill(&chrome, "new_email", &user.email).await;
    fill(&chrome, "email_password", &user.password).await;
    submit_form(&chrome, "/account/email").await;
    check_page(&chrome, "account-01c-same-address-refused").await;
    assert!(page_text(&chrome).await.contains("already your address"));

    fill(&chrome, "current_password", "not the password").await;
    fill(&chrome, "password", "a brand new passphrase").await;
    fill(&chrome, "password_again", "a brand new passphrase").await;
    submit_form(&chrome, "/account/password").await;
    check_page(&chrome, "account-02-wrong-current-password").await;
    assert!(page_text(&chrome).await.contains("not right"));
    fill(&chrome, "current_password", &user.password).await;
    fill(&chrome, "password", "a brand new passphrase").await;
    fill(&chrome, "password_again", "a brand new passphrase").await;
    submit_form(&chrome, "/account/password").await;
    wait_for_url(&chrome, &app.url("/account?done=password")).await;
    check_page(&chrome, "account-03-password-changed").await;

    chrome
        .client
        .find(Locator::Css(
            "form[action='/account/sessions/end-all'] button",
        ))
        .await
        .expect("the sign-out-everywhere button")
        .click()
        .await
        .expect("clicking");
    wait_for_url(&chrome, &app.url("/account/sessions/end-all")).await;
    check_page(&chrome, "account-04-signed-out-everywhere").await;
    assert!(page_text(&chrome).await.contains("signed out everywhere"));
    chrome
        .client
        .goto(&app.url("/account"))
        .await
        .expect("opening /account");
    check_page(&chrome, "account-05-not-signed-in").await;
    assert!(
        page_text(&chrome)
            .await
            .contains("Sign in to see your account")
    );
    chrome.close().await;
}

/// Issue 18 in a real browser: from an application's sign-in page, "Create an account", the verification mail, its
/// link's confirmation, "Continue" back into the same authorization request, sign-in into the application, and the
/// account page showing the address as confirmed. Every page checked by axe-core.
#[tokio::test]
async fn in_a_real_browser_someone_registers_verifies_the_address_and_lands_in_the_application() {
    let test =
        "in_a_real_browser_someone_registers_verifies_the_address_and_lands_in_the_application";
    let Some(chrome) = Chrome::start(test).await else {
        return;
    };
    let mail = TempDir::new();
    let mail_path = mail.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.mail_dir = Some(mail_path);
        c.registration = latchkey::config::RegistrationMode::Open;
    })
    .await;
    let endpoint = AppEndpoint::start().await;
    let callback = format!("{}/callback", endpoint.base);
    let client = app
        .create_client(ClientSpec {
            redirect_uris: vec![callback.clone()],
            ..ClientSpec::web_app()
        })
        .await;
    let request = AuthRequest::new(&client).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{}/authorize?{}", app.address, request.query()))
        .await
        .expect("opening /authorize");
    chrome
        .client
        .find(Locator::LinkText("Create an account"))
        .await
        .expect("the registration link on the sign-in page")
        .click()
        .await
        .expect("clicking");
    wait_for_url(&chrome, &app.url("/register?")).await;
    check_page(&chrome, "register-01-form").await;
    let email = format!("newcomer-{}@example.org", crate::helpers::tag());
    let password = "a newcomer's long passphrase";
    fill(&chrome, "email", &email).await;
    fill(&chrome, "password", password).await;
    fill(&chrome, "password_again", password).await;
    submit(&chrome).await;
    wait_for_url(&chrome, &app.url("/register")).await;
    check_page(&chrome, "register-02-check-your-email").await;
    assert!(page_text(&chrome).await.contains("Check your email"));

    let link = reset_link(&wait_for_mails(mail.path(), 1).await[0]);
    chrome.client.goto(&link).await.expect("opening the link");
    check_page(&chrome, "register-03-confirm").await;
    submit(&chrome).await;
    wait_for_url(&chrome, &app.url("/verify-email")).await;
    check_page(&chrome, "register-04-confirmed").await;
    chrome
        .client
        .find(Locator::LinkText("Continue"))
        .await
        .expect("the way back into the application's request")
        .click()
        .await
        .expect("clicking");
    wait_for_url(&chrome, &app.url("/authorize?")).await;
    fill(&chrome, "username", &email).await;
    fill(&chrome, "password", password).await;
    submit(&chrome).await;
    let landed = wait_for_url(&chrome, &callback).await;
    assert_eq!(
        param(&landed, "state").as_deref(),
        Some(request.state.as_str())
    );
    assert!(param(&landed, "code").is_some());

    chrome
        .client
        .goto(&app.url("/account"))
        .await
        .expect("opening /account");
    check_page(&chrome, "register-05-account").await;
    let account = page_text(&chrome).await;
    assert!(account.contains(&email), "{account}");
    assert!(
        account.contains("confirmed") && !account.contains("not confirmed yet"),
        "the address shows as confirmed: {account}"
    );
    chrome.close().await;
}
