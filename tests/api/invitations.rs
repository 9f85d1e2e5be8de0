//! Invitations (issue 18): an operator invites an address (admin API or CLI); the mailed link (single use,
//! expiring, GET never consumes it) lets the invitee choose a password and a username and creates the account, its
//! address verified and with the roles the operator chose; invitations can be listed and withdrawn, and with
//! `registration = "invite"` they are the way in.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, Browser, ClientSpec, TempDir, TestApp, expect_problem, hidden_fields, tag,
};
use crate::password_reset::{reset_link, wait_for_mails};

const PASSWORD: &str = "a long enough passphrase";
const INVITATIONS: &str = "/admin/v1/invitations";

async fn app_with_mail(
    configure: impl FnOnce(&mut latchkey::config::Config) + Send + 'static,
) -> (TestApp, TempDir) {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.mail_dir = Some(path);
        configure(c);
    })
    .await;
    (app, dir)
}

/// Fills the invitation form of `link`.
async fn accept(
    app: &TestApp,
    browser: &Browser,
    link: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let page = browser.get(link).await;
    assert_eq!(page.status(), StatusCode::OK, "the invitation form");
    let mut form = hidden_fields(&page.text().await.unwrap());
    form.push(("username".into(), username.into()));
    form.push(("password".into(), password.into()));
    form.push(("password_again".into(), password.into()));
    browser
        .post_form(app, "/invitation", &form, Some(&app.address))
        .await
}

/// With registration by invitation only, an operator's invitation is the way in: the invitee chooses a username
/// and a password, the account has the operator's roles and a verified address, and signs in.
#[tokio::test]
async fn an_invitation_creates_a_verified_account_with_the_operators_roles() {
    let (app, dir) =
        app_with_mail(|c| c.registration = latchkey::config::RegistrationMode::Invite).await;
    let api = app.admin_api(ADMIN).await;
    let email = format!("invitee-{}@example.org", tag());
    let (invitation, _) = api
        .expect(
            api.post(
                INVITATIONS,
                &json!({ "email": email, "roles": ["editor"], "tenant": "acme" }),
            ),
            201,
        )
        .await;
    assert_eq!(invitation["status"], "pending");
    let mail = wait_for_mails(dir.path(), 1).await;
    assert!(mail[0].contains(&format!("To: {email}")));
    let link = reset_link(&mail[0]);
    assert!(link.contains("/invitation?token=lk_iv_"), "{link}");
    assert!(
        !invitation.to_string().contains("lk_iv_"),
        "the API never shows the link"
    );

    let browser = Browser::new(&app);
    assert_eq!(
        browser.get(&app.url("/register")).await.status(),
        StatusCode::NOT_FOUND
    );
    let page = browser.get(&link).await.text().await.unwrap();
    assert!(page.contains(&email), "the form names the invited address");
    let username = format!("invitee{}", tag());
    let done = accept(&app, &browser, &link, &username, PASSWORD).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(
        browser.get(&link).await.status(),
        StatusCode::BAD_REQUEST,
        "used once"
    );

    let user = app
        .state
        .store
        .find_user_by_email(&email)
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified);
    assert_eq!(user.source, "invitation");
    assert_eq!(user.username.as_deref(), Some(username.as_str()));
    let client = app.create_client(ClientSpec::default()).await;
    let tokens = crate::helpers::expect_tokens(
        app.password_grant_as(&client, &username, PASSWORD, None)
            .await,
    )
    .await;
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(claims.roles.as_deref(), Some(&["editor".to_owned()][..]));
    assert_eq!(claims.tenant.as_deref(), Some("acme"));

    let (list, _) = api.expect(api.get(INVITATIONS), 200).await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == email.as_str())
        .unwrap();
    assert_eq!(listed["status"], "accepted");
    assert_eq!(listed["user_id"], user.id.as_str());
}

/// Sad paths: an address with an account (409), bad roles (400), a withdrawn or expired link (400, its GET too),
/// a taken username (the form again; the invitation still works), a cross-site POST (403).
#[tokio::test]
async fn invitations_refuse_what_they_must() {
    let (app, dir) = app_with_mail(|_| {}).await;
    let api = app.admin_api(ADMIN).await;
    let existing = app.create_user(crate::helpers::UserSpec::default()).await;
    expect_problem(
        api.post(INVITATIONS, &json!({ "email": existing.email }))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    expect_problem(
        api.post(
            INVITATIONS,
            &json!({ "email": "x@example.org", "roles": ["not a role"] }),
        )
        .send()
        .await
        .unwrap(),
        400,
    )
    .await;

    let invite = async |email: &str| -> Value {
        api.expect(api.post(INVITATIONS, &json!({ "email": email })), 201)
            .await
            .0
    };
    let withdrawn = invite(&format!("w-{}@example.org", tag())).await;
    let late = invite(&format!("l-{}@example.org", tag())).await;
    let taken = invite(&format!("t-{}@example.org", tag())).await;
    let mails = wait_for_mails(dir.path(), 3).await;
    let link_of = |invitation: &Value| {
        let to = format!("To: {}", invitation["email"].as_str().unwrap());
        reset_link(mails.iter().find(|m| m.contains(&to)).unwrap())
    };

    let path = format!("{INVITATIONS}/{}", withdrawn["id"].as_str().unwrap());
    let deleted = api
        .request(reqwest::Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let again = api
        .request(reqwest::Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    expect_problem(again, 404).await;
    let browser = Browser::new(&app);
    assert_eq!(
        browser.get(&link_of(&withdrawn)).await.status(),
        StatusCode::BAD_REQUEST
    );

    let refused = accept(
        &app,
        &browser,
        &link_of(&taken),
        existing.username.as_deref().unwrap(),
        PASSWORD,
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("username is taken"));
    let page = browser.get(&link_of(&taken)).await;
    let form = hidden_fields(&page.text().await.unwrap());
    let forged = browser
        .post_form(&app, "/invitation", &form, Some("https://evil.example"))
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let accepted = accept(&app, &browser, &link_of(&taken), "", PASSWORD).await;
    assert_eq!(accepted.status(), StatusCode::OK);

    app.clock.advance(Duration::from_secs(7 * 86_400 + 1));
    assert_eq!(
        browser.get(&link_of(&late)).await.status(),
        StatusCode::BAD_REQUEST
    );
    // A week later the admin token has expired too.
    let api = app.admin_api(ADMIN).await;
    let (list, _) = api.expect(api.get(INVITATIONS), 200).await;
    let status = |invitation: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == invitation["id"])
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&withdrawn), "revoked");
    assert_eq!(status(&late), "expired");
    assert_eq!(status(&taken), "accepted");

    // Audited, without links.
    let records = latchkey::domain::audit::list(&app.state.store, None, 100)
        .await
        .unwrap();
    for action in [
        "user.invite",
        "user.invite_revoke",
        "user.accept_invitation",
    ] {
        assert!(
            records.iter().any(|r| r.action == action),
            "no {action} record"
        );
    }
    assert!(
        !records
            .iter()
            .any(|r| r.detail.to_string().contains("lk_iv_"))
    );
}

#[tokio::test]
async fn the_cli_invites_lists_and_withdraws_invitations() {
    let cli = crate::helpers::Cli::new().await;
    let email = format!("cli-{}@example.org", tag());
    let invited = cli
        .run(&[
            "users", "invite", "--email", &email, "--role", "viewer", "--json",
        ])
        .await;
    invited.assert_succeeded();
    let id = invited.json()["id"].as_str().unwrap().to_owned();
    let listed = cli.run(&["users", "invitations", "--json"]).await;
    listed.assert_succeeded();
    assert!(
        listed
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id.as_str() && i["status"] == "pending")
    );
    cli.run(&["users", "revoke-invitation", &id])
        .await
        .assert_succeeded();
    cli.run(&["users", "revoke-invitation", &id])
        .await
        .assert_failed_saying(&["not found"]);
    let again = cli
        .run(&["users", "invite", "--email", &email, "--role", "bad role"])
        .await;
    again.assert_failed_saying(&["role"]);
}
