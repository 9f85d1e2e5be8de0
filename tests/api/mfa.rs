//! Second factors (issue 20): TOTP (RFC 6238) enrolled on the account page and asked for after the password,
//! recovery codes, the policies that require a second factor (global, per client, per role) with enrolment during
//! the sign-in, `amr` (RFC 8176) and `acr` in ID and access tokens, step-up with `acr_values` (OIDC Core §3.1.2.1),
//! the password grant's refusal (RFC 9700 §2.4), "trust this browser", and operators' resets. The authenticator
//! is a real TOTP generator (`totp-rs`) fed the secret the enrolment page shows, as a phone would be.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey::domain::clients::ClientChanges;
use reqwest::StatusCode;
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{
    ADMIN, AuthRequest, Browser, ClientSpec, Redirect, TempDir, TestApp, TestClient, TestUser,
    Tokens, UserSpec, expect_error, expect_tokens, hidden_fields, operator,
};
use crate::password_reset::wait_for_mails;

const MFA: &str = "urn:latchkey:acr:mfa";
const PWD: &str = "urn:latchkey:acr:pwd";

/// The user's authenticator app: the secret from the enrolment page, codes computed as a phone computes them.
struct Authenticator(TOTP);

impl Authenticator {
    fn from_enrolment_page(html: &str) -> Self {
        let start = html
            .find("<p class=\"secret-key\"")
            .expect("the key on the page");
        let code = &html[start..];
        let key = &code[code.find("<code>").unwrap() + 6..code.find("</code>").unwrap()];
        let bytes = Secret::Encoded(key.replace(' ', ""))
            .to_bytes()
            .expect("the key is base32");
        assert!(bytes.len() >= 16, "RFC 4226 §4: at least 128 bits");
        // RFC 6238 with the parameters every app uses: SHA-1, 6 digits, 30-second steps.
        Self(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes))
    }

    /// The code the app shows at the server's time, `offset` seconds away.
    fn code(&self, app: &TestApp, offset: i64) -> String {
        self.0
            .generate((app.state.clock.now() + offset).max(0) as u64)
    }
}

/// The claims of a JWT, without checking it (other tests check signatures; here only what the claims say).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// The hidden fields of a page's first form (each form repeats the CSRF token and the carried request).
fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    hidden_fields(html)
        .into_iter()
        .filter(|(name, _)| seen.insert(name.clone()))
        .collect()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn page(app: &TestApp, browser: &Browser, path: &str) -> (StatusCode, String) {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    let response = browser.get(&url).await;
    (response.status(), response.text().await.unwrap())
}

/// Posts `fields` with the hidden fields of the page at `path`, from our own origin.
async fn submit(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (status, html) = page(app, browser, path).await;
    assert!(status.is_success(), "{path}: {status}");
    let mut form = form_fields(&html);
    form.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    browser
        .post_form(app, action, &form, Some(&app.address))
        .await
}

/// A browser signed in as `user` (password only), with the authenticator it enrolled on the account page and the
/// recovery codes shown once.
async fn enrolled(
    app: &TestApp,
    user: &TestUser,
    client: &TestClient,
) -> (Browser, Authenticator, Vec<String>) {
    let (browser, _) = app.code_flow(user, client, &AuthRequest::new(client)).await;
    let started = submit(app, &browser, "/account", "/account/two-step/start", &[]).await;
    assert_eq!(location(&started), "/account/two-step");
    let (status, html) = page(app, &browser, "/account/two-step").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<svg aria-hidden=\"true\""),
        "an inline SVG QR code"
    );
    let authenticator = Authenticator::from_enrolment_page(&html);
    let mut form = form_fields(&html);
    form.push(("code".into(), authenticator.code(app, 0)));
    let confirmed = browser
        .post_form(app, "/account/two-step/confirm", &form, Some(&app.address))
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let codes = recovery_codes(&confirmed.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    // The enrolment used this step's code: later sign-ins use later codes.
    app.clock.advance(Duration::from_secs(60));
    (browser, authenticator, codes)
}

fn recovery_codes(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .map(|rest| rest[..rest.find("</code>").unwrap()].to_owned())
        .collect()
}

/// Password on the hosted sign-in page for `request`, in a new browser: the 303 that follows.
async fn after_password(
    app: &TestApp,
    user: &TestUser,
    request: &AuthRequest,
) -> (Browser, reqwest::Response) {
    let browser = Browser::new(app);
    let form = browser.authorize(app, request).await;
    assert_eq!(form.status(), StatusCode::OK);
    let html = form.text().await.unwrap();
    let response = browser
        .submit_sign_in(app, &html, &user.email, &user.password)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    (browser, response)
}

/// Enters `field` = `code` on the second-factor page the 303 `to_step` leads to.
async fn enter(
    app: &TestApp,
    browser: &Browser,
    to_step: &reqwest::Response,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let step = location(to_step);
    assert!(step.starts_with("/login/second-factor?"), "{step}");
    submit(app, browser, &step, "/login/second-factor", fields).await
}

/// Redeems the code a redirect to the client carries.
async fn redeem(
    app: &TestApp,
    client: &TestClient,
    request: &AuthRequest,
    redirect: &reqwest::Response,
) -> Tokens {
    let redirect = Redirect::from(redirect);
    let code = redirect.param("code").expect("a code for the client");
    expect_tokens(
        app.code_grant(
            client,
            code,
            crate::helpers::REDIRECT_URI,
            Some(&request.pkce.verifier),
        )
        .await,
    )
    .await
}

async fn audit(app: &TestApp, user: &TestUser) -> Vec<String> {
    latchkey::domain::audit::list(&app.state.store, None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.subject == format!("user:{}", user.id))
        .map(|r| r.action)
        .collect()
}

async fn change_client(app: &TestApp, client: &TestClient, changes: ClientChanges) {
    latchkey::domain::clients::update_client(
        &app.state.store,
        &operator(),
        &client.id,
        changes,
        None,
        app.state.clock.now(),
    )
    .await
    .expect("the client changes");
}

#[tokio::test]
async fn a_password_only_sign_in_says_amr_pwd_and_acr_pwd_in_id_and_access_tokens_rfc_8176() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (_, tokens) = app
        .code_flow(&user, &client, &AuthRequest::new(&client))
        .await;
    let id = claims(tokens.id_token.as_deref().unwrap());
    assert_eq!(id["amr"], json!(["pwd"]));
    assert_eq!(id["acr"], PWD);
    let access = claims(&tokens.access_token);
    assert_eq!(access["amr"], json!(["pwd"]));
    assert_eq!(access["acr"], PWD);
    // Discovery advertises the levels (OIDC Discovery §3).
    let metadata: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["acr_values_supported"], json!([PWD, MFA]));
    assert!(
        metadata["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("amr"))
    );
}

#[tokio::test]
async fn with_an_authenticator_the_password_is_followed_by_a_code_and_tokens_say_pwd_otp_mfa() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (_, authenticator, _) = enrolled(&app, &user, &client).await;
    let account_page = page(&app, &Browser::new(&app), "/account").await.1;
    assert!(
        !account_page.contains("recovery-codes-left"),
        "no session, no account"
    );

    let request = AuthRequest::new(&client);
    let (browser, to_step) = after_password(&app, &user, &request).await;
    // No code yet: the step, carrying the request.
    assert!(location(&to_step).starts_with("/login/second-factor?"));
    let (status, html) = page(&app, &browser, &location(&to_step)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("autocomplete=\"one-time-code\""));
    assert!(html.contains("name=\"recovery_code\""));

    let done = enter(
        &app,
        &browser,
        &to_step,
        &[("code", &authenticator.code(&app, 0))],
    )
    .await;
    let tokens = redeem(&app, &client, &request, &done).await;
    let id = claims(tokens.id_token.as_deref().unwrap());
    assert_eq!(id["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], MFA);
    let access = claims(&tokens.access_token);
    assert_eq!(access["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(access["acr"], MFA);
    // A refresh keeps what the sign-in proved.
    let refreshed = app.refresh(&client, tokens.refresh_token()).await;
    assert_eq!(claims(&refreshed.access_token)["acr"], MFA);
    // The session remembers it: single sign-on answers at once with the same level.
    let again = AuthRequest::new(&client);
    let sso = browser.authorize(&app, &again).await;
    let tokens = redeem(&app, &client, &again, &sso).await;
    assert_eq!(claims(tokens.id_token.as_deref().unwrap())["acr"], MFA);
}

#[tokio::test]
async fn a_code_is_accepted_once_and_only_within_one_step_of_skew_rfc_6238_5_2() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (_, authenticator, _) = enrolled(&app, &user, &client).await;

    // Two steps away either side: refused.
    for offset in [-61, 61] {
        let (browser, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
        let refused = enter(
            &app,
            &browser,
            &to_step,
            &[("code", &authenticator.code(&app, offset))],
        )
        .await;
        assert!(
            location(&refused).contains("problem=code"),
            "offset {offset}"
        );
    }
    // One step behind (a slow clock on the phone): accepted.
    let behind = authenticator.code(&app, -30);
    let (browser, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    let done = enter(&app, &browser, &to_step, &[("code", &behind)]).await;
    assert_eq!(Redirect::from(&done).target(), crate::helpers::REDIRECT_URI);
    // The same code again (replayed within its window, even from another browser): refused.
    let (browser, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    let replayed = enter(&app, &browser, &to_step, &[("code", &behind)]).await;
    assert!(location(&replayed).contains("problem=code"));
    let (status, html) = page(&app, &browser, &location(&replayed)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("already used"));
    // The current code is later than the one used: accepted, in the same pending sign-in.
    let done = submit(
        &app,
        &browser,
        &location(&replayed),
        "/login/second-factor",
        &[("code", &authenticator.code(&app, 0))],
    )
    .await;
    assert_eq!(Redirect::from(&done).target(), crate::helpers::REDIRECT_URI);
}

#[tokio::test]
async fn five_wrong_codes_end_the_pending_sign_in_and_wrong_codes_meet_the_account_limit() {
    let app = TestApp::spawn_with(|c| c.login_failure_limit = 7).await;
    let (user, client) = app.user_and_web_app().await;
    let (_, authenticator, _) = enrolled(&app, &user, &client).await;
    let request = AuthRequest::new(&client);
    let (browser, to_step) = after_password(&app, &user, &request).await;
    let mut last = None;
    for _ in 0..5 {
        let step = last.as_ref().map_or_else(|| location(&to_step), location);
        last = Some(
            submit(
                &app,
                &browser,
                &step,
                "/login/second-factor",
                &[("code", "000000")],
            )
            .await,
        );
    }
    // The fifth ended it: the sign-in form again, saying why; the step is gone for this browser.
    let ended = location(last.as_ref().unwrap());
    assert!(
        ended.starts_with("/authorize?") && ended.contains("problem=two-step"),
        "{ended}"
    );
    let (_, html) = page(&app, &browser, &ended).await;
    assert!(html.contains("Too many wrong codes"));
    let gone = browser.get(&app.url(&location(&to_step))).await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);
    // Wrong codes counted against the account like wrong passwords (this browser has no device cookie for it):
    // two more and unknown sources are refused, even with the right code.
    let (browser, to_step) = after_password(&app, &user, &request).await;
    let wrong = enter(&app, &browser, &to_step, &[("code", "999999")]).await;
    let wrong = submit(
        &app,
        &browser,
        &location(&wrong),
        "/login/second-factor",
        &[("code", "999998")],
    )
    .await;
    let refused = submit(
        &app,
        &browser,
        &location(&wrong),
        "/login/second-factor",
        &[("code", &authenticator.code(&app, 0))],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_recovery_code_works_once_instead_of_the_authenticator_and_is_audited_and_mailed() {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(path)).await;
    let (user, client) = app.user_and_web_app().await;
    let (_, _, codes) = enrolled(&app, &user, &client).await;
    assert_eq!(
        audit(&app, &user)
            .await
            .iter()
            .filter(|a| *a == "user.mfa_enrol")
            .count(),
        1
    );

    let request = AuthRequest::new(&client);
    let (browser, to_step) = after_password(&app, &user, &request).await;
    // Typed in capitals with spaces: the same code.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let done = enter(&app, &browser, &to_step, &[("recovery_code", &typed)]).await;
    let tokens = redeem(&app, &client, &request, &done).await;
    assert_eq!(
        claims(tokens.id_token.as_deref().unwrap())["amr"],
        json!(["pwd", "otp", "mfa"])
    );
    assert!(
        audit(&app, &user)
            .await
            .contains(&"user.mfa_recovery_code_used".to_owned())
    );
    // The enrolment was mailed (a factor added), then the recovery code's use.
    let mails = wait_for_mails(dir.path(), 2).await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains(&format!("To: {}", user.email))
                && m.contains("An authenticator app was set up for two-step verification"))
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains(&format!("To: {}", user.email))
                && m.contains("A recovery code was used"))
    );

    // Used once: refused the second time.
    let (browser, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    let again = enter(&app, &browser, &to_step, &[("recovery_code", &codes[3])]).await;
    assert!(location(&again).contains("problem=code"));
}

#[tokio::test]
async fn new_recovery_codes_and_turning_off_need_the_password_and_turning_off_is_mailed() {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(path)).await;
    let (user, client) = app.user_and_web_app().await;
    let (browser, _, old_codes) = enrolled(&app, &user, &client).await;
    let (_, html) = page(&app, &browser, "/account").await;
    assert!(html.contains("id=\"recovery-codes-left\">10<"));

    let wrong = submit(
        &app,
        &browser,
        "/account",
        "/account/two-step/remove",
        &[("current_password", "not it")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let renewed = submit(
        &app,
        &browser,
        "/account",
        "/account/two-step/recovery-codes",
        &[("current_password", &user.password)],
    )
    .await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let new_codes = recovery_codes(&renewed.text().await.unwrap());
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|c| !old_codes.contains(c)));
    // The old codes no longer work.
    let (signing_in, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    let old = enter(
        &app,
        &signing_in,
        &to_step,
        &[("recovery_code", &old_codes[0])],
    )
    .await;
    assert!(location(&old).contains("problem=code"));

    let off = submit(
        &app,
        &browser,
        "/account",
        "/account/two-step/remove",
        &[("current_password", &user.password)],
    )
    .await;
    assert_eq!(location(&off), "/account?done=two-step-off");
    let actions = audit(&app, &user).await;
    assert!(actions.contains(&"user.mfa_recovery_codes_regenerated".to_owned()));
    assert!(actions.contains(&"user.mfa_remove".to_owned()));
    // The enrolment's mail, then the removal's.
    let mails = wait_for_mails(dir.path(), 2).await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Your authenticator app was removed"))
    );
    // The password alone signs in again.
    let request = AuthRequest::new(&client);
    let (_, done) = after_password(&app, &user, &request).await;
    assert_eq!(Redirect::from(&done).target(), crate::helpers::REDIRECT_URI);
}

#[tokio::test]
async fn a_client_requiring_mfa_walks_a_user_without_a_factor_through_enrolment_before_the_code() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    change_client(
        &app,
        &client,
        ClientChanges {
            require_mfa: Some(true),
            ..ClientChanges::default()
        },
    )
    .await;
    let request = AuthRequest::new(&client);
    let (browser, to_enrol) = after_password(&app, &user, &request).await;
    let enrol = location(&to_enrol);
    assert!(enrol.starts_with("/login/enrol?"), "{enrol}");
    let (status, html) = page(&app, &browser, &enrol).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your account needs two-step verification"));
    let authenticator = Authenticator::from_enrolment_page(&html);
    // A wrong first code: the same page again, the same secret.
    let wrong = submit(&app, &browser, &enrol, "/login/enrol", &[("code", "123")]).await;
    assert!(location(&wrong).contains("problem=code"));
    let confirmed = submit(
        &app,
        &browser,
        &location(&wrong),
        "/login/enrol",
        &[("code", &authenticator.code(&app, 0))],
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let html = confirmed.text().await.unwrap();
    assert_eq!(recovery_codes(&html).len(), 10);
    // "Continue" goes back into the request, which the new session answers with a code.
    let continue_href = html.split("class=\"button\" href=\"").nth(1).unwrap();
    let continue_href = continue_href[..continue_href.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let done = browser.get(&app.url(&continue_href)).await;
    let tokens = redeem(&app, &client, &request, &done).await;
    assert_eq!(claims(tokens.id_token.as_deref().unwrap())["acr"], MFA);
}

#[tokio::test]
async fn the_global_policy_and_a_required_role_demand_a_second_factor() {
    let app = TestApp::spawn_with(|c| c.mfa = latchkey::domain::mfa::Policy::Required).await;
    let (user, client) = app.user_and_web_app().await;
    let (_, to_enrol) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    assert!(location(&to_enrol).starts_with("/login/enrol?"));

    let app = TestApp::spawn_with(|c| c.mfa_required_roles = vec!["admin".into()]).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let admin = app
        .create_user(UserSpec {
            roles: vec!["admin".into()],
            ..UserSpec::default()
        })
        .await;
    let reader = app.create_user(UserSpec::default()).await;
    let (_, to_enrol) = after_password(&app, &admin, &AuthRequest::new(&client)).await;
    assert!(location(&to_enrol).starts_with("/login/enrol?"));
    let (_, done) = after_password(&app, &reader, &AuthRequest::new(&client)).await;
    assert_eq!(Redirect::from(&done).target(), crate::helpers::REDIRECT_URI);
}

#[tokio::test]
async fn acr_values_steps_up_a_password_only_session_with_the_second_factor_only_oidc_core_3_1_2_1()
{
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    // This browser signed in with the password before the authenticator was enrolled: a password-only session.
    let (browser, authenticator, _) = enrolled(&app, &user, &client).await;
    let plain = AuthRequest::new(&client);
    let tokens = redeem(
        &app,
        &client,
        &plain,
        &browser.authorize(&app, &plain).await,
    )
    .await;
    let first = claims(tokens.id_token.as_deref().unwrap());
    assert_eq!(first["acr"], PWD);

    // prompt=none can't step up (OIDC Core §3.1.2.6).
    let silent = AuthRequest::new(&client)
        .with("acr_values", Some(MFA))
        .with("prompt", Some("none"));
    let refused = Redirect::from(&browser.authorize(&app, &silent).await);
    assert_eq!(refused.param("error"), Some("interaction_required"));

    let request = AuthRequest::new(&client).with("acr_values", Some(MFA));
    let to_step = browser.authorize(&app, &request).await;
    // The second factor, not the password again.
    assert!(location(&to_step).starts_with("/login/second-factor?"));
    let (_, html) = page(&app, &browser, &location(&to_step)).await;
    assert!(!html.contains("name=\"password\""));
    assert!(
        !html.contains("name=\"trust\""),
        "a step-up never trusts the browser"
    );
    let done = enter(
        &app,
        &browser,
        &to_step,
        &[("code", &authenticator.code(&app, 0))],
    )
    .await;
    let tokens = redeem(&app, &client, &request, &done).await;
    let stepped = claims(tokens.id_token.as_deref().unwrap());
    assert_eq!(stepped["acr"], MFA);
    assert_eq!(stepped["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(
        stepped["auth_time"], first["auth_time"],
        "the password was not entered again"
    );
    // The session remembers: the next acr_values request is answered at once.
    let next = AuthRequest::new(&client).with("acr_values", Some(MFA));
    let sso = Redirect::from(&browser.authorize(&app, &next).await);
    assert!(sso.param("code").is_some());
}

#[tokio::test]
async fn the_password_grant_refuses_a_user_with_a_second_factor_unless_the_client_allows_it_rfc_9700_2_4()
 {
    let app = TestApp::spawn().await;
    let (user, web) = app.user_and_web_app().await;
    let backend = app
        .create_client(ClientSpec::with_grants(&["password", "refresh_token"]))
        .await;
    assert_eq!(
        claims(&app.login(&backend, &user).await.access_token)["amr"],
        json!(["pwd"])
    );
    enrolled(&app, &user, &web).await;

    let refused = expect_error(
        app.password_grant(&backend, &user).await,
        400,
        "invalid_grant",
    )
    .await;
    assert!(refused.description.unwrap().contains("second factor"));
    change_client(
        &app,
        &backend,
        ClientChanges {
            allow_password_grant_without_mfa: Some(true),
            ..ClientChanges::default()
        },
    )
    .await;
    let tokens = app.login(&backend, &user).await;
    assert_eq!(
        claims(&tokens.access_token)["acr"],
        PWD,
        "honest: a password alone"
    );

    // A client requiring MFA refuses users without a factor too, unless allowed.
    let strict = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;
    change_client(
        &app,
        &strict,
        ClientChanges {
            require_mfa: Some(true),
            ..ClientChanges::default()
        },
    )
    .await;
    let plain = app.create_user(UserSpec::default()).await;
    expect_error(
        app.password_grant(&strict, &plain).await,
        400,
        "invalid_grant",
    )
    .await;
    // A wrong password is still the same answer as ever (nothing learnt about factors without it).
    let guess = TestUser {
        password: "wrong password".into(),
        ..user.clone()
    };
    let wrong = expect_error(
        app.password_grant(&backend, &guess).await,
        400,
        "invalid_grant",
    )
    .await;
    assert!(
        !wrong
            .description
            .unwrap_or_default()
            .contains("second factor")
    );
}

#[tokio::test]
async fn a_trusted_browser_skips_the_factor_for_its_time_but_never_a_step_up_or_a_policy() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (_, authenticator, _) = enrolled(&app, &user, &client).await;
    let (browser, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    let (_, html) = page(&app, &browser, &location(&to_step)).await;
    assert!(html.contains("name=\"trust\""));
    enter(
        &app,
        &browser,
        &to_step,
        &[("code", &authenticator.code(&app, 0)), ("trust", "yes")],
    )
    .await;

    // The password again in this browser (prompt=login): no code asked; the tokens say a password alone.
    let sign_in_again = |request: AuthRequest| {
        let browser = &browser;
        let app = &app;
        let user = &user;
        async move {
            let form = browser
                .authorize(app, &request.with("prompt", Some("login")))
                .await;
            let html = form.text().await.unwrap();
            browser
                .submit_sign_in(app, &html, &user.email, &user.password)
                .await
        }
    };
    let request = AuthRequest::new(&client);
    let done = sign_in_again(request.clone()).await;
    let tokens = redeem(&app, &client, &request, &done).await;
    assert_eq!(claims(tokens.id_token.as_deref().unwrap())["acr"], PWD);
    // acr_values asks for the factor all the same.
    let step_up = sign_in_again(AuthRequest::new(&client).with("acr_values", Some(MFA))).await;
    assert!(location(&step_up).starts_with("/login/second-factor?"));
    // After 30 days the browser is not trusted any more.
    app.clock.advance(Duration::from_secs(31 * 86_400));
    let later = sign_in_again(AuthRequest::new(&client)).await;
    assert!(location(&later).starts_with("/login/second-factor?"));
}

#[tokio::test]
async fn an_operator_reset_removes_the_factors_audits_and_mails_the_user() {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(path)).await;
    let (user, client) = app.user_and_web_app().await;
    enrolled(&app, &user, &client).await;
    let api = app.admin_api(ADMIN).await;
    let reset: Value = api
        .post(
            &format!("/admin/v1/users/{}/reset-mfa", user.id),
            &json!({}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reset, json!({ "user_id": user.id, "removed": true }));
    assert!(
        audit(&app, &user)
            .await
            .contains(&"user.mfa_reset".to_owned())
    );
    // The enrolment's mail, then the reset's.
    let mails = wait_for_mails(dir.path(), 2).await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Your two-step verification was reset"))
    );
    // The password alone signs in again; a second reset finds nothing.
    let (_, done) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    assert_eq!(Redirect::from(&done).target(), crate::helpers::REDIRECT_URI);
    let again: Value = api
        .post(
            &format!("/admin/v1/users/{}/reset-mfa", user.id),
            &json!({}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["removed"], false);
    let missing = api
        .post("/admin/v1/users/nobody/reset-mfa", &json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_step_belongs_to_the_browser_that_entered_the_password() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let (_, authenticator, _) = enrolled(&app, &user, &client).await;
    let (_, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    // Another browser (no cookie, or its own) can't use the step, even with the right code.
    let stranger = Browser::new(&app);
    let elsewhere = stranger.get(&app.url(&location(&to_step))).await;
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);
    assert!(location(&elsewhere).contains("problem=two-step"));
    let _ = authenticator;
    // A cross-site POST is refused outright.
    let cross = stranger
        .post_form(
            &app,
            "/login/second-factor",
            &[("code".into(), "123456".into())],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_cli_resets_a_users_factors_and_sets_a_clients_mfa_policy() {
    let cli = crate::helpers::Cli::new().await;
    let app = cli.server().await;
    let (user, client) = app.user_and_web_app().await;
    enrolled(&app, &user, &client).await;
    let reset = cli
        .run(&["users", "reset-mfa", &user.email, "--json"])
        .await;
    reset.assert_succeeded();
    assert_eq!(reset.json(), json!({ "id": user.id, "removed": true }));
    assert!(
        audit(&app, &user)
            .await
            .contains(&"user.mfa_reset".to_owned())
    );
    let (_, done) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    assert_eq!(Redirect::from(&done).target(), crate::helpers::REDIRECT_URI);
    cli.run(&["users", "reset-mfa", "nobody@example.org"])
        .await
        .assert_failed_saying(&["not found"]);

    let created = cli
        .run(&[
            "clients",
            "create",
            "--id",
            "strict",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            crate::helpers::REDIRECT_URI,
            "--require-mfa",
            "--json",
        ])
        .await;
    created.assert_succeeded();
    let shown = cli
        .run(&["clients", "show", "strict", "--json"])
        .await
        .json();
    assert_eq!(shown["require_mfa"], true);
    assert_eq!(shown["allow_password_grant_without_mfa"], false);
    let updated = cli
        .run(&[
            "clients",
            "update",
            "strict",
            "--optional-mfa",
            "--allow-password-grant-without-mfa",
            "--json",
        ])
        .await
        .json();
    assert_eq!(updated["require_mfa"], false);
    assert_eq!(updated["allow_password_grant_without_mfa"], true);
}

#[tokio::test]
async fn a_second_factor_step_left_waiting_times_out_and_is_pruned() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    enrolled(&app, &user, &client).await;
    let (browser, to_step) = after_password(&app, &user, &AuthRequest::new(&client)).await;
    // mfa_pending_ttl (5 minutes) later the step is gone: the sign-in form again, saying why.
    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    let expired = browser.get(&app.url(&location(&to_step))).await;
    assert!(location(&expired).contains("problem=two-step"));
    let pruned = app
        .state
        .store
        .prune_expired(app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(pruned.pending_sign_ins, 1);
}
