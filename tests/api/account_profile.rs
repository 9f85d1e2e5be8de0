//! The account page's profile (issue 18): the username and display name (the OIDC `name` claim, Core §5.1), and a
//! change of address that takes effect only through a link mailed to the new address (and tells the old one);
//! registration and profile changes through the admin API for automation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, AuthRequest, Browser, ClientSpec, TempDir, TestApp, TestClient, TestUser, UserSpec,
    expect_tokens, hidden_fields, tag,
};
use crate::openid_connect::jwt_payload;
use crate::password_reset::{mails, reset_link, wait_for_mails};

/// A server whose mail lands in a temporary folder.
async fn app_with_mail() -> (TestApp, TempDir) {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(path)).await;
    (app, dir)
}

async fn signed_in(app: &TestApp, user: &TestUser, client: &TestClient) -> Browser {
    app.code_flow(user, client, &AuthRequest::new(client))
        .await
        .0
}

async fn account_html(app: &TestApp, browser: &Browser) -> String {
    let response = browser.get(&app.url("/account")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("the account page")
}

/// Posts `fields` to `path` with the CSRF token of the browser's account page, from our own origin.
async fn post(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let html = account_html(app, browser).await;
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

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn userinfo(app: &TestApp, token: &str) -> Value {
    let response = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /userinfo");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn stored_email(app: &TestApp, user: &TestUser) -> (String, bool) {
    let row = app
        .state
        .store
        .find_user(&latchkey::values::ids::UserId::new(user.id.as_str()))
        .await
        .unwrap()
        .expect("the user");
    (row.email, row.email_verified)
}

/// Presses the button of a mailed link's page.
async fn confirm(app: &TestApp, browser: &Browser, link: &str) -> reqwest::Response {
    let page = browser.get(link).await;
    assert_eq!(page.status(), StatusCode::OK, "the link's page");
    let form = hidden_fields(&page.text().await.unwrap());
    browser
        .post_form(app, "/verify-email", &form, Some(&app.address))
        .await
}

fn mails_to(dir: &std::path::Path, address: &str) -> Vec<String> {
    mails(dir)
        .into_iter()
        .filter(|m| m.contains(&format!("To: {address}")))
        .collect()
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
async fn oidc_5_1_the_display_name_and_username_set_on_the_account_page_are_the_name_claims() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, tokens) = app
        .code_flow(&user, &client, &AuthRequest::new(&client))
        .await;
    assert!(
        userinfo(&app, &tokens.access_token)
            .await
            .get("name")
            .is_none()
    );

    let username = format!("ada{}", tag());
    let response = post(
        &app,
        &browser,
        "/account/profile",
        &[
            ("username", &username),
            ("display_name", "  Ada Lovelace  "),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account?done=profile");
    let html = browser
        .get(&app.url("/account?done=profile"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your profile is saved"));
    assert!(html.contains("Ada Lovelace"));

    // `/userinfo` reads the user as it is now; a new ID token carries the same (profile scope).
    let claims = userinfo(&app, &tokens.access_token).await;
    assert_eq!(claims["name"], "Ada Lovelace", "trimmed");
    assert_eq!(claims["preferred_username"], username.as_str());
    let renamed = TestUser {
        username: Some(username.clone()),
        ..user.clone()
    };
    let (_, fresh) = app
        .code_flow(&renamed, &client, &AuthRequest::new(&client))
        .await;
    let id_token = jwt_payload(fresh.id_token.as_deref().expect("an ID token"));
    assert_eq!(id_token["name"], "Ada Lovelace");
    // Without the profile scope, no name.
    let narrow = AuthRequest::new(&client).with("scope", Some("openid email"));
    let (_, narrow) = app.code_flow(&renamed, &client, &narrow).await;
    assert!(
        userinfo(&app, &narrow.access_token)
            .await
            .get("name")
            .is_none()
    );
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"user.update_profile".to_owned())
    );

    // Emptying both fields removes them.
    let response = post(
        &app,
        &browser,
        "/account/profile",
        &[("username", ""), ("display_name", "")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let claims = userinfo(&app, &tokens.access_token).await;
    assert!(claims.get("name").is_none() && claims.get("preferred_username").is_none());
}

#[tokio::test]
async fn a_username_someone_else_has_or_a_bad_profile_field_is_refused_next_to_the_form() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let other = app.create_user(UserSpec::default()).await;
    let browser = signed_in(&app, &user, &client).await;
    let long_name = "n".repeat(101);

    for (username, display_name, message) in [
        (other.username.as_deref().unwrap(), "Ada", "taken"),
        ("has space", "Ada", "up to 64 letters"),
        ("fine", long_name.as_str(), "at most 100 characters"),
        ("fine", "tab\there", "at most 100 characters"),
    ] {
        let response = post(
            &app,
            &browser,
            "/account/profile",
            &[("username", username), ("display_name", display_name)],
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{username:?} {display_name:?}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains("id=\"profile-error\""));
    }
    let row = app
        .state
        .store
        .find_user(&latchkey::values::ids::UserId::new(user.id.as_str()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.username, user.username, "nothing changed");
    assert_eq!(row.display_name, None);
}

#[tokio::test]
async fn a_new_address_takes_effect_only_through_the_link_mailed_there_and_the_old_address_is_told()
{
    let (app, dir) = app_with_mail().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = signed_in(&app, &user, &client).await;
    let new_address = format!("new-{}@example.org", tag());

    let response = post(
        &app,
        &browser,
        "/account/email",
        &[
            ("email", &new_address.to_uppercase()),
            ("password", &user.password),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account?done=email");
    // Nothing changes until the link is used; the page says where it went.
    assert_eq!(stored_email(&app, &user).await.0, user.email);
    let html = account_html(&app, &browser).await;
    assert!(
        html.contains(&format!("We sent a confirmation link to {new_address}")),
        "{html}"
    );
    let mail = wait_for_mails(dir.path(), 1).await.remove(0);
    assert!(mail.contains(&format!("To: {new_address}")));
    assert!(mail.contains("Confirm your new email address"));
    let link = reset_link(&mail);

    // The link's GET says what it does and consumes nothing; its POST makes the change.
    let page = browser.get(&link).await.text().await.unwrap();
    assert!(page.contains("to make it your account"), "{page}");
    let done = confirm(&app, &Browser::new(&app), &link).await;
    assert_eq!(done.status(), StatusCode::OK);
    let html = done.text().await.unwrap();
    assert!(html.contains("Your new address is confirmed"));
    assert!(html.contains("href=\"/account\""), "a next step");
    assert_eq!(stored_email(&app, &user).await, (new_address.clone(), true));

    // The old address is told where the account went; the link is single use.
    let old = crate::helpers::eventually(
        "the notice to the old address",
        std::time::Duration::from_secs(5),
        async || {
            let found = mails_to(dir.path(), &user.email);
            if found.is_empty() {
                Err("none yet")
            } else {
                Ok(found)
            }
        },
    )
    .await;
    assert!(old[0].contains("Your email address was changed"));
    assert!(old[0].contains(&new_address));
    assert_eq!(browser.get(&link).await.status(), StatusCode::BAD_REQUEST);

    // The new address signs in (the old no longer does), and the ID token says so.
    let moved = TestUser {
        email: new_address.clone(),
        username: None,
        ..user.clone()
    };
    let (_, tokens) = app
        .code_flow(&moved, &client, &AuthRequest::new(&client))
        .await;
    let claims = jwt_payload(tokens.id_token.as_deref().expect("an ID token"));
    assert_eq!(claims["email"], new_address.as_str());
    assert_eq!(claims["email_verified"], true);
    let actions = audit_actions(&app, &user).await;
    for action in ["user.request_email_change", "user.change_email"] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn an_address_change_needs_the_password_a_real_address_and_a_different_one() {
    let (app, dir) = app_with_mail().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = signed_in(&app, &user, &client).await;
    let new_address = format!("new-{}@example.org", tag());

    for (email, password, message) in [
        (
            new_address.as_str(),
            "not my password",
            "current password is not right",
        ),
        (new_address.as_str(), "", "current password is not right"),
        (
            "not an address",
            user.password.as_str(),
            "Enter an email address",
        ),
        (
            user.email.as_str(),
            user.password.as_str(),
            "already your address",
        ),
    ] {
        let response = post(
            &app,
            &browser,
            "/account/email",
            &[("email", email), ("password", password)],
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{email} {password}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{message}: {html}");
    }
    // A cross-site POST changes nothing either.
    let html = account_html(&app, &browser).await;
    let mut form = vec![hidden_fields(&html).remove(0)];
    form.push(("email".into(), new_address.clone()));
    form.push(("password".into(), user.password.clone()));
    let foreign = browser
        .post_form(&app, "/account/email", &form, Some("https://evil.example"))
        .await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mails(dir.path()).is_empty(), "no link was mailed");
    assert_eq!(stored_email(&app, &user).await.0, user.email);
}

#[tokio::test]
async fn a_link_to_an_address_another_account_took_meanwhile_changes_nothing_and_says_so() {
    let (app, dir) = app_with_mail().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = signed_in(&app, &user, &client).await;
    let wanted = format!("wanted-{}@example.org", tag());

    // Asking gives the same answer whether or not the address has an account (nothing is looked up yet).
    let response = post(
        &app,
        &browser,
        "/account/email",
        &[("email", &wanted), ("password", &user.password)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let link = reset_link(&wait_for_mails(dir.path(), 1).await.remove(0));
    app.create_user(UserSpec {
        email: wanted.clone(),
        ..UserSpec::default()
    })
    .await;

    let done = confirm(&app, &Browser::new(&app), &link).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("already belongs to another account")
    );
    assert_eq!(
        stored_email(&app, &user).await.0,
        user.email,
        "the account keeps its address"
    );
    assert_eq!(
        browser.get(&link).await.status(),
        StatusCode::BAD_REQUEST,
        "the link is spent"
    );
}

#[tokio::test]
async fn a_change_link_dies_when_the_address_changes_another_way_and_a_change_ends_old_reset_links()
{
    let (app, dir) = app_with_mail().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = signed_in(&app, &user, &client).await;
    let (first, second) = (
        format!("first-{}@example.org", tag()),
        format!("second-{}@example.org", tag()),
    );
    for address in [&first, &second] {
        let response = post(
            &app,
            &browser,
            "/account/email",
            &[("email", address), ("password", &user.password)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    wait_for_mails(dir.path(), 2).await;
    let link_to = |address: &str| reset_link(&mails_to(dir.path(), address).remove(0));
    let (first_link, second_link) = (link_to(&first), link_to(&second));
    // A reset link mailed to the old address before the change.
    crate::password_reset::forgot(&app, &Browser::new(&app), &user.email).await;
    let reset = crate::helpers::eventually(
        "the reset mail",
        std::time::Duration::from_secs(5),
        async || {
            let found: Vec<String> = mails_to(dir.path(), &user.email)
                .into_iter()
                .filter(|m| m.contains("/password/reset"))
                .collect();
            if found.is_empty() {
                Err("none yet")
            } else {
                Ok(reset_link(&found[0]))
            }
        },
    )
    .await;

    let done = confirm(&app, &Browser::new(&app), &second_link).await;
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("Your new address is confirmed")
    );
    assert_eq!(stored_email(&app, &user).await.0, second);
    // The other link started from the old address: it can't move the account again.
    assert_eq!(
        Browser::new(&app).get(&first_link).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(stored_email(&app, &user).await.0, second);
    // The reset link went to the address the account no longer has.
    let page = Browser::new(&app).get(&reset).await;
    assert_eq!(
        page.status(),
        StatusCode::BAD_REQUEST,
        "{}",
        page.text().await.unwrap()
    );
}

#[tokio::test]
async fn registration_through_the_admin_api_mails_a_link_and_holds_sign_in_until_it_is_used() {
    let (app, dir) = app_with_mail().await;
    let api = app.admin_api(ADMIN).await;
    let address = format!("automated-{}@example.org", tag());
    let password = "a long enough passphrase";

    let (created, _) = api
        .expect(
            api.post(
                "/admin/v1/users",
                &json!({ "email": address, "password": password, "display_name": "Grace Hopper",
                         "send_verification_email": true }),
            ),
            201,
        )
        .await;
    assert_eq!(created["source"], "registration");
    assert_eq!(created["email_verified"], false);
    assert_eq!(created["display_name"], "Grace Hopper");
    let user = TestUser {
        id: created["id"].as_str().unwrap().to_owned(),
        email: address.clone(),
        username: None,
        password: password.to_owned(),
        roles: Vec::new(),
        tenant: None,
    };
    let client = app.create_client(ClientSpec::default()).await;
    let password_grant = [
        ("grant_type", "password"),
        ("username", address.as_str()),
        ("password", password),
    ];
    let held = app.post_token(&client, &password_grant).await;
    assert_eq!(
        held.status(),
        StatusCode::BAD_REQUEST,
        "unverified: held back"
    );

    let mail = wait_for_mails(dir.path(), 1).await.remove(0);
    assert!(mail.contains(&format!("To: {address}")));
    let done = confirm(&app, &Browser::new(&app), &reset_link(&mail)).await;
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("Your address is confirmed")
    );
    let tokens = expect_tokens(app.post_token(&client, &password_grant).await).await;
    assert!(!tokens.access_token.is_empty());
    assert!(
        audit_actions(&app, &user)
            .await
            .contains(&"user.register".to_owned())
    );

    // Asking for a verification mail and saying the address is verified contradict each other.
    let (problem, _) = api
        .expect(
            api.post(
                "/admin/v1/users",
                &json!({ "email": format!("x-{}@example.org", tag()), "password": password,
                         "send_verification_email": true, "email_verified": true }),
            ),
            400,
        )
        .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("send_verification_email")
    );
}

#[tokio::test]
async fn the_admin_api_sets_and_removes_the_username_and_display_name() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let user = app.create_user(UserSpec::default()).await;
    let path = format!("/admin/v1/users/{}", user.id);

    let (changed, _) = api
        .expect(
            api.patch(
                &path,
                &json!({ "display_name": "Ada", "username": "ada-l" }),
                None,
            ),
            200,
        )
        .await;
    assert_eq!(changed["display_name"], "Ada");
    assert_eq!(changed["username"], "ada-l");
    let (changed, _) = api
        .expect(
            api.patch(
                &path,
                &json!({ "display_name": null, "username": null }),
                None,
            ),
            200,
        )
        .await;
    assert_eq!(changed["display_name"], Value::Null);
    assert_eq!(changed["username"], Value::Null);
    let (problem, _) = api
        .expect(
            api.patch(&path, &json!({ "display_name": "x".repeat(101) }), None),
            400,
        )
        .await;
    assert!(problem["detail"].as_str().unwrap().contains("display name"));
    let other = app.create_user(UserSpec::default()).await;
    api.expect(
        api.patch(&path, &json!({ "username": other.username }), None),
        409,
    )
    .await;
}
