//! Self-service registration with email verification (issue 18): closed by default, the same answer whether or not
//! the address has an account (its owner is mailed a notice instead), a single-use expiring link whose `GET` never
//! consumes it, unverified accounts held back at sign-in, and a registration started from an application that ends
//! back in it. Mail goes through the real outbox and sender into `.eml` files.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    AuthRequest, Browser, ClientSpec, REDIRECT_URI, Redirect, TempDir, TestApp, UserSpec,
    eventually, expect_error, expect_tokens, hidden_fields,
};
use crate::password_reset::{mails, reset_link, wait_for_mails};

const PASSWORD: &str = "a long enough passphrase";

/// A server with open registration whose mail lands in a temporary folder.
async fn open_app(
    configure: impl FnOnce(&mut latchkey::config::Config) + Send + 'static,
) -> (TestApp, TempDir) {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.mail_dir = Some(path);
        c.registration = latchkey::config::RegistrationMode::Open;
        configure(c);
    })
    .await;
    (app, dir)
}

/// Posts the registration form found at `/register?<query>`.
async fn register(
    app: &TestApp,
    browser: &Browser,
    query: &str,
    email: &str,
    password: &str,
    again: &str,
) -> reqwest::Response {
    let page = browser.get(&app.url(&format!("/register?{query}"))).await;
    assert_eq!(page.status(), StatusCode::OK, "the registration form");
    let mut form = hidden_fields(&page.text().await.expect("the registration page"));
    form.push(("email".into(), email.into()));
    form.push(("password".into(), password.into()));
    form.push(("password_again".into(), again.into()));
    browser
        .post_form(app, "/register", &form, Some(&app.address))
        .await
}

/// Waits until every registration request answered so far has been handled off the request path.
async fn settled(app: &TestApp) {
    eventually(
        "every registration request handled",
        Duration::from_secs(5),
        async || match app.state.store.registration_requests_waiting().await {
            Ok(0) => Ok(()),
            waiting => Err(format!("{waiting:?}")),
        },
    )
    .await;
}

/// The mails to `address`.
fn mails_to(dir: &std::path::Path, address: &str) -> Vec<String> {
    mails(dir)
        .into_iter()
        .filter(|m| m.contains(&format!("To: {address}")))
        .collect()
}

/// Presses the button of the verification link's page.
async fn confirm(app: &TestApp, browser: &Browser, link: &str) -> reqwest::Response {
    let page = browser.get(link).await;
    assert_eq!(page.status(), StatusCode::OK, "the verification page");
    let form = hidden_fields(&page.text().await.unwrap());
    browser
        .post_form(app, "/verify-email", &form, Some(&app.address))
        .await
}

#[tokio::test]
async fn registration_is_closed_by_default_and_by_invitation_only() {
    let app = TestApp::spawn().await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let browser = Browser::new(&app);
    assert_eq!(
        browser.get(&app.url("/register")).await.status(),
        StatusCode::NOT_FOUND
    );
    let form = vec![("email".to_owned(), "x@example.org".to_owned())];
    let post = browser
        .post_form(&app, "/register", &form, Some(&app.address))
        .await;
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    let sign_in = browser
        .authorize(&app, &AuthRequest::new(&client))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !sign_in.contains("/register"),
        "no registration link when closed"
    );

    let invite =
        TestApp::spawn_with(|c| c.registration = latchkey::config::RegistrationMode::Invite).await;
    let page = Browser::new(&invite).get(&invite.url("/register")).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.unwrap().contains("invitation"));
}

/// The whole flow from an application's sign-in page: register, held back until verified, verify through the
/// mailed link, continue into the same authorization request, sign in, and `email_verified` is true.
#[tokio::test]
async fn a_registration_started_from_an_application_ends_back_in_it_verified() {
    let (app, dir) = open_app(|_| {}).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let sign_in = browser
        .authorize(&app, &request)
        .await
        .text()
        .await
        .unwrap();
    let start = sign_in
        .find("/register?")
        .expect("a registration link on the sign-in page");
    let query = sign_in[start + "/register?".len()..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let email = format!("new-{}@example.org", crate::helpers::tag());

    let answer = register(&app, &browser, &query, &email, PASSWORD, PASSWORD).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.text().await.unwrap().contains("Check your email"));
    let mail = wait_for_mails(dir.path(), 1).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains(&format!("To: {email}")));
    let link = reset_link(&mail[0]);
    assert!(link.contains("/verify-email?token=lk_ev_"), "{link}");

    // Unverified: held back, after the right password only, with the way to a new link.
    let held = browser
        .submit_sign_in(&app, &sign_in, &email, PASSWORD)
        .await;
    let held = crate::password_reset::follow_see_other(&app, &browser, held).await;
    assert_eq!(held.status(), StatusCode::OK);
    let held = held.text().await.unwrap();
    assert!(
        held.contains("Confirm your email address first") && held.contains("/verify-email/resend")
    );
    let grant_client = app.create_client(ClientSpec::default()).await;
    let grant = app
        .password_grant_as(&grant_client, &email, PASSWORD, None)
        .await;
    let error = expect_error(grant, 400, "invalid_grant").await;
    assert!(
        error
            .description
            .as_deref()
            .unwrap_or_default()
            .contains("not verified")
    );

    // The link's GET consumes nothing; the POST verifies once and leads back into the request.
    assert_eq!(browser.get(&link).await.status(), StatusCode::OK);
    let done = confirm(&app, &browser, &link).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done = done.text().await.unwrap();
    let href = done
        .split("href=\"/authorize?")
        .nth(1)
        .unwrap_or_else(|| panic!("a link back into the request: {done}"));
    let onward = format!(
        "/authorize?{}",
        href.split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    );
    let again = confirm_page_status(&browser, &link).await;
    assert_eq!(again, StatusCode::BAD_REQUEST, "a used link is refused");

    let form_page = browser.get(&app.url(&onward)).await;
    assert_eq!(form_page.status(), StatusCode::OK);
    let html = form_page.text().await.unwrap();
    let response = browser.submit_sign_in(&app, &html, &email, PASSWORD).await;
    let redirect = Redirect::from(&response);
    assert_eq!(redirect.param("state"), Some(request.state.as_str()));
    let code = redirect.param("code").expect("a code");
    let tokens = expect_tokens(
        app.code_grant(&client, code, REDIRECT_URI, Some(&request.pkce.verifier))
            .await,
    )
    .await;
    let info: Value = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], email.as_str());
    assert_eq!(info["email_verified"], true);
}

async fn confirm_page_status(browser: &Browser, link: &str) -> StatusCode {
    browser.get(link).await.status()
}

/// No enumeration: registering an address that has an account gives the same page and status as a new one, and
/// the owner is mailed a notice instead; no account is created or changed.
#[tokio::test]
async fn registering_an_existing_address_looks_new_and_mails_the_owner_a_notice() {
    let (app, dir) = open_app(|_| {}).await;
    let owner = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);
    let fresh = format!("fresh-{}@example.org", crate::helpers::tag());

    let known = register(&app, &browser, "", &owner.email, PASSWORD, PASSWORD).await;
    let unknown = register(&app, &browser, "", &fresh, PASSWORD, PASSWORD).await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(
        known.headers().get("set-cookie").is_some(),
        unknown.headers().get("set-cookie").is_some()
    );
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    settled(&app).await;
    wait_for_mails(dir.path(), 2).await;

    let notice = mails_to(dir.path(), &owner.email);
    assert_eq!(notice.len(), 1);
    assert!(
        notice[0].contains("already") && !notice[0].contains("lk_ev_"),
        "{}",
        notice[0]
    );
    assert!(notice[0].contains("/password/forgot"));
    // The owner's account is as it was: the old password works, the new one doesn't.
    let client = app.create_client(ClientSpec::default()).await;
    app.login(&client, &owner).await;
    let taken = app
        .password_grant_as(&client, &owner.email, PASSWORD, None)
        .await;
    expect_error(taken, 400, "invalid_grant").await;
}

#[tokio::test]
async fn the_policy_refuses_what_it_must_with_its_reason_and_queues_nothing() {
    let (app, dir) = open_app(|c| c.registration_email_domains = vec!["example.org".into()]).await;
    let browser = Browser::new(&app);
    let cases = [
        (
            "ada@elsewhere.test",
            PASSWORD,
            PASSWORD,
            "addresses of this domain",
        ),
        (
            "not-an-address",
            PASSWORD,
            PASSWORD,
            "Enter an email address",
        ),
        (
            "ada@example.org",
            PASSWORD,
            "another passphrase",
            "not the same",
        ),
        ("ada@example.org", "short", "short", "at least 8 characters"),
        (
            "ada@example.org",
            "password123",
            "password123",
            "commonly used",
        ),
    ];
    for (email, password, again, reason) in cases {
        let answer = register(&app, &browser, "", email, password, again).await;
        assert_eq!(
            answer.status(),
            StatusCode::BAD_REQUEST,
            "{email} {password}"
        );
        let page = answer.text().await.unwrap();
        assert!(page.contains(reason), "{reason:?} for {email}: {page}");
    }
    settled(&app).await;
    assert!(mails(dir.path()).is_empty());
    assert!(
        app.state
            .store
            .find_user_by_email("ada@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // A cross-site post is refused before anything else.
    let form = vec![("email".to_owned(), "ada@example.org".to_owned())];
    let forged = browser
        .post_form(&app, "/register", &form, Some("https://evil.example"))
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

/// An expired link is refused (its GET too); a new one can be asked for, with the same answer for every address,
/// and works.
#[tokio::test]
async fn an_expired_link_is_refused_and_a_new_one_can_be_asked_for() {
    let (app, dir) = open_app(|_| {}).await;
    let browser = Browser::new(&app);
    let email = format!("late-{}@example.org", crate::helpers::tag());
    register(&app, &browser, "", &email, PASSWORD, PASSWORD).await;
    let first = reset_link(&wait_for_mails(dir.path(), 1).await[0]);

    app.clock.advance(Duration::from_secs(24 * 3600 + 1));
    assert_eq!(browser.get(&first).await.status(), StatusCode::BAD_REQUEST);

    let page = browser.get(&app.url("/verify-email/resend")).await;
    let mut form = hidden_fields(&page.text().await.unwrap());
    form.push(("email".into(), email.clone()));
    let known = browser
        .post_form(&app, "/verify-email/resend", &form, Some(&app.address))
        .await;
    form.pop();
    form.push(("email".into(), "nobody@example.org".into()));
    let unknown = browser
        .post_form(&app, "/verify-email/resend", &form, Some(&app.address))
        .await;
    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());

    let mail = wait_for_mails(dir.path(), 2).await;
    let second = reset_link(mail.last().unwrap());
    assert_ne!(second, first);
    assert_eq!(
        confirm(&app, &browser, &second).await.status(),
        StatusCode::OK
    );
    let user = app
        .state
        .store
        .find_user_by_email(&email)
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified);
    assert_eq!(user.source, "registration");

    // Both steps are in the audit trail, by the user, without secrets.
    let records = latchkey::domain::audit::list(&app.state.store, None, 50)
        .await
        .unwrap();
    let subject = format!("user:{}", user.id);
    for action in ["user.register", "user.verify_email"] {
        let record = records
            .iter()
            .find(|r| r.action == action && r.subject == subject)
            .unwrap_or_else(|| panic!("no {action} record"));
        assert_eq!(record.actor, subject);
        assert!(!record.detail.to_string().contains("lk_ev_"));
    }
}
