//! `/account` (issue 18): the signed-in user's page. The profile, a password change that keeps only this session,
//! where the user is signed in (revoke one, or everywhere), a download of the user's data, and account deletion;
//! every form same-origin and CSRF-checked, every revocation effective at `/token` and `/introspect`.

use latchkey::values::ids::UserId;
use latchkey::values::secret::PlainToken;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    AuthRequest, Browser, TempDir, TestApp, TestClient, TestUser, Tokens, UserSpec, expect_error,
    hidden_fields,
};
use crate::password_reset::wait_for_mails;
use crate::revocation::{introspect, resource_server};

const SIGNED_OUT: &str = "Sign in to see your account";

/// A signed-in browser of `user` with the tokens its sign-in gave `client`.
async fn signed_in(app: &TestApp, user: &TestUser, client: &TestClient) -> (Browser, Tokens) {
    app.code_flow(user, client, &AuthRequest::new(client)).await
}

async fn account_page(app: &TestApp, browser: &Browser) -> (StatusCode, String) {
    let response = browser.get(&app.url("/account")).await;
    let status = response.status();
    (status, response.text().await.expect("the account page"))
}

/// Posts `fields` to `path` with the CSRF token of the browser's account page, from our own origin.
async fn post(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (status, html) = account_page(app, browser).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden_fields(&html)
        .into_iter()
        .find(|(name, _)| name == "csrf_token")
        .expect("a CSRF token on the account page");
    let mut form = vec![csrf];
    form.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    browser
        .post_form(app, path, &form, Some(&app.address))
        .await
}

/// The id of the browser's hosted session.
async fn session_id(app: &TestApp, browser: &Browser) -> String {
    let secret = PlainToken::from_presented(&browser.cookie(app).expect("a session cookie"));
    app.state
        .store
        .find_live_session(&secret.hash(), app.state.clock.now())
        .await
        .unwrap()
        .expect("a live session")
        .id
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn active(app: &TestApp, token: &str) -> bool {
    let rs = resource_server(app).await;
    introspect(app, &rs, token).await["active"] == Value::Bool(true)
}

async fn audit_actions(app: &TestApp, user: &TestUser) -> Vec<String> {
    latchkey::domain::audit::list(&app.state.store, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            r.subject == format!("user:{}", user.id) && r.actor == format!("user:{}", user.id)
        })
        .map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn the_account_page_shows_the_profile_and_a_place_for_two_step_verification() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, _) = signed_in(&app, &user, &client).await;

    let response = browser.get(&app.url("/account")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains(&user.email));
    assert!(html.contains(user.username.as_deref().unwrap()));
    assert!(html.contains("not confirmed yet"));
    assert!(html.contains("Two-step verification"));
    assert!(html.contains("This browser"));
    // Where the session was started, approximately: the network cut to its /24, no full address.
    assert!(html.contains("From: 127.0.0.0/24"), "{html}");
    assert!(!html.contains("127.0.0.1"));
    assert!(
        html.contains(&client.id),
        "the app's refresh tokens are listed"
    );
    // No inline script or style: the one script is the external /assets/latchkey.js.
    assert!(!html.contains("<script>") && !html.contains("style="));
}

#[tokio::test]
async fn without_a_session_the_account_page_explains_how_to_get_signed_in() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);

    let (status, html) = account_page(&app, &browser).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(SIGNED_OUT));
    let download = browser.get(&app.url("/account/data")).await;
    assert_eq!(download.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&download), "/account");
    // A POST without a session has no cookie its CSRF token could be bound to.
    let form = [("current_password".to_owned(), "x".to_owned())];
    let response = browser
        .post_form(&app, "/account/password", &form, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_every_other_session_and_token() {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(path)).await;
    let (user, client) = app.user_and_web_app().await;
    let (here, here_tokens) = signed_in(&app, &user, &client).await;
    let (elsewhere, elsewhere_tokens) = signed_in(&app, &user, &client).await;
    let new_password = "a brand new passphrase";

    let response = post(
        &app,
        &here,
        "/account/password",
        &[
            ("current_password", &user.password),
            ("password", new_password),
            ("password_again", new_password),
        ],
    )
    .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account?done=password");
    let page = here.get(&app.url("/account?done=password")).await;
    assert_eq!(page.status(), StatusCode::OK, "this session stays");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Your password is changed")
    );
    assert!(account_page(&app, &elsewhere).await.1.contains(SIGNED_OUT));
    for tokens in [&here_tokens, &elsewhere_tokens] {
        expect_error(
            app.refresh_grant(&client, tokens.refresh_token(), None)
                .await,
            400,
            "invalid_grant",
        )
        .await;
        assert!(!active(&app, &tokens.access_token).await);
    }
    // The new password signs in; the owner is told by mail; the change is audited, without secrets.
    let changed = TestUser {
        password: new_password.to_owned(),
        ..user.clone()
    };
    signed_in(&app, &changed, &client).await;
    let mails = wait_for_mails(dir.path(), 1).await;
    assert!(mails[0].contains(&format!("To: {}", user.email)));
    assert!(mails[0].contains("Your password was changed"));
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"user.change_password".to_owned())
    );
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, tokens) = signed_in(&app, &user, &client).await;

    for (current, new, again, message) in [
        (
            "not my password",
            "a brand new passphrase",
            "a brand new passphrase",
            "current password is not right",
        ),
        (
            "",
            "a brand new passphrase",
            "a brand new passphrase",
            "current password is not right",
        ),
        (
            user.password.as_str(),
            "short",
            "short",
            "at least 8 characters",
        ),
        (
            user.password.as_str(),
            "a brand new passphrase",
            "another one entirely",
            "not the same",
        ),
    ] {
        let response = post(
            &app,
            &browser,
            "/account/password",
            &[
                ("current_password", current),
                ("password", new),
                ("password_again", again),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(
            response.text().await.unwrap().contains(message),
            "{message}"
        );
    }
    app.refresh(&client, tokens.refresh_token()).await;
    signed_in(&app, &user, &client).await;
}

#[tokio::test]
async fn a_cross_site_or_tokenless_post_is_refused() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, _) = signed_in(&app, &user, &client).await;
    let (_, html) = account_page(&app, &browser).await;
    let csrf = hidden_fields(&html).remove(0);
    let evil = Some("https://evil.example");

    for path in [
        "/account/password",
        "/account/profile",
        "/account/email",
        "/account/sessions/revoke",
        "/account/sessions/end-all",
        "/account/delete",
    ] {
        let form = [csrf.clone(), ("password".to_owned(), user.password.clone())];
        let cross_site = browser.post_form(&app, path, &form, evil).await;
        assert_eq!(cross_site.status(), StatusCode::FORBIDDEN, "{path}");
        let tokenless = browser
            .post_form(&app, path, &form[1..], Some(&app.address))
            .await;
        assert_eq!(tokenless.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(account_page(&app, &browser).await.0, StatusCode::OK);
    assert!(
        app.state
            .store
            .find_user_by_email(&user.email)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn the_user_sees_where_they_are_signed_in_and_can_end_one_session_or_app() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (here, _) = signed_in(&app, &user, &client).await;
    let (elsewhere, elsewhere_tokens) = signed_in(&app, &user, &client).await;
    let (_, html) = account_page(&app, &here).await;
    assert_eq!(html.matches("name=\"kind\" value=\"session\"").count(), 2);
    assert_eq!(html.matches("name=\"kind\" value=\"app\"").count(), 2);

    let other = session_id(&app, &elsewhere).await;
    let response = post(
        &app,
        &here,
        "/account/sessions/revoke",
        &[("kind", "session"), ("id", &other)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account?done=revoked");

    assert!(account_page(&app, &elsewhere).await.1.contains(SIGNED_OUT));
    expect_error(
        app.refresh_grant(&client, elsewhere_tokens.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
    let (status, html) = account_page(&app, &here).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("name=\"kind\" value=\"session\"").count(), 1);

    // An app's refresh tokens alone, by family.
    let families = app
        .state
        .store
        .live_families_of(&UserId::new(user.id.clone()), app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(families.len(), 1);
    let response = post(
        &app,
        &here,
        "/account/sessions/revoke",
        &[("kind", "app"), ("id", &families[0].id)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        account_page(&app, &here).await.0,
        StatusCode::OK,
        "the browser stays"
    );
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"session.revoke".to_owned())
    );
}

#[tokio::test]
async fn a_session_of_another_user_can_not_be_revoked() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let victim = app.create_user(UserSpec::default()).await;
    let (attacker, _) = signed_in(&app, &user, &client).await;
    let (victim_browser, victim_tokens) = signed_in(&app, &victim, &client).await;
    let theirs = session_id(&app, &victim_browser).await;
    let family = app
        .state
        .store
        .live_families_of(&UserId::new(victim.id.clone()), app.state.clock.now())
        .await
        .unwrap()
        .remove(0)
        .id;

    for (kind, id) in [
        ("session", theirs.as_str()),
        ("app", family.as_str()),
        ("session", "no-such-id"),
    ] {
        let response = post(
            &app,
            &attacker,
            "/account/sessions/revoke",
            &[("kind", kind), ("id", id)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{kind} {id}");
        assert!(response.text().await.unwrap().contains("not one of yours"));
    }
    let bad = post(
        &app,
        &attacker,
        "/account/sessions/revoke",
        &[("kind", "user"), ("id", "x")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(account_page(&app, &victim_browser).await.0, StatusCode::OK);
    assert!(
        !account_page(&app, &victim_browser)
            .await
            .1
            .contains(SIGNED_OUT)
    );
    app.refresh(&client, victim_tokens.refresh_token()).await;
}

#[tokio::test]
async fn logging_out_everywhere_leaves_nobody_signed_in() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (here, here_tokens) = signed_in(&app, &user, &client).await;
    let (elsewhere, elsewhere_tokens) = signed_in(&app, &user, &client).await;

    let response = post(&app, &here, "/account/sessions/end-all", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("signed out everywhere")
    );

    for browser in [&here, &elsewhere] {
        assert!(account_page(&app, browser).await.1.contains(SIGNED_OUT));
    }
    for tokens in [&here_tokens, &elsewhere_tokens] {
        assert!(!active(&app, &tokens.access_token).await);
        expect_error(
            app.refresh_grant(&client, tokens.refresh_token(), None)
                .await,
            400,
            "invalid_grant",
        )
        .await;
    }
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"user.revoke_sessions".to_owned())
    );
}

#[tokio::test]
async fn the_user_downloads_what_is_held_about_them_as_json_without_secrets() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, _) = signed_in(&app, &user, &client).await;
    let (other, _) = signed_in(&app, &user, &client).await;
    let other = session_id(&app, &other).await;
    post(
        &app,
        &browser,
        "/account/sessions/revoke",
        &[("kind", "session"), ("id", &other)],
    )
    .await;

    let response = browser.get(&app.url("/account/data")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("argon2") && !text.contains("lk_ss_") && !text.contains("password_hash")
    );
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["profile"]["email"], user.email.as_str());
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(data["refresh_token_families"].as_array().unwrap().len(), 1);
    let actions: Vec<&str> = data["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"user.create") && actions.contains(&"session.revoke"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_revokes_everything() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, tokens) = signed_in(&app, &user, &client).await;

    let wrong = post(
        &app,
        &browser,
        "/account/delete",
        &[("password", "not my password")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("current password is not right")
    );
    assert!(active(&app, &tokens.access_token).await);

    let response = post(
        &app,
        &browser,
        "/account/delete",
        &[("password", &user.password)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your account is deleted")
    );
    assert!(
        app.state
            .store
            .find_user_by_email(&user.email)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !active(&app, &tokens.access_token).await,
        "the deleted user's tokens are refused"
    );
    expect_error(
        app.refresh_grant(&client, tokens.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
    assert!(account_page(&app, &browser).await.1.contains(SIGNED_OUT));
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"user.delete".to_owned())
    );
}

#[tokio::test]
async fn account_deletion_can_be_turned_off() {
    let app = TestApp::spawn_with(|c| c.account_deletion = false).await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, _) = signed_in(&app, &user, &client).await;
    let (_, html) = account_page(&app, &browser).await;
    assert!(!html.contains("/account/delete"));

    let response = post(
        &app,
        &browser,
        "/account/delete",
        &[("password", &user.password)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        app.state
            .store
            .find_user_by_email(&user.email)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_a_sign_in() {
    let app = TestApp::spawn_with(|c| c.login_failure_limit = 3).await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, _) = signed_in(&app, &user, &client).await;
    let guess = |n: usize| format!("guess number {n}");

    let mut statuses = Vec::new();
    for n in 0..5 {
        let current = guess(n);
        let response = post(
            &app,
            &browser,
            "/account/password",
            &[
                ("current_password", &current),
                ("password", "a brand new passphrase"),
                ("password_again", "a brand new passphrase"),
            ],
        )
        .await;
        statuses.push(response.status());
    }
    assert_eq!(statuses[0], StatusCode::BAD_REQUEST);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}
