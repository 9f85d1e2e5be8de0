//! Passkeys (issue 20) in a real browser: headless Chromium with chromedriver's virtual authenticator (the W3C
//! WebAuthn extension commands, WebAuthn Level 2 §11.3: no hardware). The user signs in with the password on the
//! account's own sign-in page, registers a passkey on the account page, signs out, and signs in to an application
//! with the passkey alone; the ID token's `amr` says `hwk`, `user`, `mfa` (RFC 8176). Then the password again, and
//! the passkey as its second factor (`pwd`, `hwk`, `user`, `mfa`); and an application requiring MFA whose new user
//! adds a passkey at the enrolment instead of an app. Every new page state is screenshotted and checked by axe-core
//! (WCAG 2.2 A/AA, zero violations) at desktop and phone sizes.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

use crate::browser::{fill, submit, wait_for_url};
use crate::helpers::chrome::{AppEndpoint, Chrome};
use crate::helpers::{AuthRequest, ClientSpec, TestApp, TestClient, UserSpec, expect_tokens};
use crate::openid_connect::jwt_payload;

const SIZES: [(u32, u32, &str); 2] = [(1280, 800, "desktop"), (390, 844, "phone")];

/// A command of the W3C WebAuthn WebDriver extension (`/session/{id}/webauthn/…`), which fantoccini has no method
/// for.
#[derive(Debug)]
struct WebAuthnCommand {
    method: http::Method,
    path: String,
    body: Option<Value>,
}

impl WebAuthnCommand {
    fn post(path: impl Into<String>, body: Value) -> Self {
        Self {
            method: http::Method::POST,
            path: path.into(),
            body: Some(body),
        }
    }

    fn get(path: impl Into<String>) -> Self {
        Self {
            method: http::Method::GET,
            path: path.into(),
            body: None,
        }
    }

    fn delete(path: impl Into<String>) -> Self {
        Self {
            method: http::Method::DELETE,
            path: path.into(),
            body: None,
        }
    }
}

impl WebDriverCompatibleCommand for WebAuthnCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

/// Screenshots the current page at both sizes and fails on any WCAG A/AA violation.
async fn check_here(chrome: &Chrome, name: &str) {
    for (width, height, size) in SIZES {
        chrome
            .client
            .set_window_size(width, height)
            .await
            .expect("resizing the window");
        let png = chrome.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        std::fs::write(dir.join(format!("issue20-{name}-{size}.png")), png)
            .expect("saving a screenshot");
        let violations = chrome.wcag_violations().await;
        assert!(
            violations.is_empty(),
            "{name} ({size}): axe-core (WCAG 2.2 AA) found violations: {}",
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
    }
    chrome
        .client
        .set_window_size(1280, 800)
        .await
        .expect("resizing the window");
}

async fn click(chrome: &Chrome, css: &str) {
    chrome
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .expect("clicking");
}

/// Waits until the element is shown (the passkey script un-hides what it can do).
async fn wait_shown(chrome: &Chrome, css: &str) {
    crate::helpers::eventually(
        &format!("{css} is shown"),
        Duration::from_secs(10),
        async || {
            let element = chrome
                .client
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())?;
            match element.is_displayed().await {
                Ok(true) => Ok(()),
                Ok(false) => Err("hidden".to_owned()),
                Err(e) => Err(e.to_string()),
            }
        },
    )
    .await;
}

/// A virtual CTAP2 platform authenticator with resident keys and user verification that always consents; its id.
async fn add_authenticator(chrome: &Chrome) -> String {
    let added = chrome
        .client
        .issue_cmd(WebAuthnCommand::post(
            "authenticator",
            json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserConsenting": true,
                "isUserVerified": true,
            }),
        ))
        .await
        .expect("a virtual authenticator");
    added.as_str().expect("its id").to_owned()
}

/// The authenticator's credentials (as the WebDriver extension lists them), then the authenticator removed from the
/// browser: its passkeys are out of reach (no autofill) until [`put_back`].
async fn take_out(chrome: &Chrome, authenticator: &str) -> Vec<Value> {
    let credentials = chrome
        .client
        .issue_cmd(WebAuthnCommand::get(format!(
            "authenticator/{authenticator}/credentials"
        )))
        .await
        .expect("the authenticator's credentials");
    chrome
        .client
        .issue_cmd(WebAuthnCommand::delete(format!(
            "authenticator/{authenticator}"
        )))
        .await
        .expect("removing the authenticator");
    credentials.as_array().cloned().expect("a list")
}

/// A new virtual authenticator holding `credential` (one [`take_out`] returned); its id.
async fn put_back(chrome: &Chrome, credential: &Value) -> String {
    let authenticator = add_authenticator(chrome).await;
    let mut credential = credential.clone();
    if let Some(fields) = credential.as_object_mut() {
        fields.retain(|_, v| !v.is_null());
    }
    chrome
        .client
        .issue_cmd(WebAuthnCommand::post(
            format!("authenticator/{authenticator}/credential"),
            credential,
        ))
        .await
        .expect("the credential back");
    authenticator
}

/// Signs out on the logout page and waits until it is done.
async fn sign_out(chrome: &Chrome, site: &str) {
    chrome
        .client
        .goto(&format!("{site}/logout"))
        .await
        .expect("opening /logout");
    submit(chrome).await;
    crate::helpers::eventually("signed out", Duration::from_secs(10), async || {
        let page = chrome.client.source().await.map_err(|e| e.to_string())?;
        if page.contains("Sign in again") {
            Ok(())
        } else {
            Err("not yet".to_owned())
        }
    })
    .await;
}

/// The code the browser brought back to `url`, redeemed: the ID token's `amr`.
async fn amr_of(
    app: &TestApp,
    client: &TestClient,
    request: &AuthRequest,
    callback: &str,
    url: &url::Url,
) -> Value {
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let tokens = expect_tokens(
        app.code_grant(client, &code, callback, Some(&request.pkce.verifier))
            .await,
    )
    .await;
    let claims = jwt_payload(tokens.id_token.as_deref().expect("an ID token"));
    claims["amr"].clone()
}

#[tokio::test]
async fn in_a_real_browser_a_user_registers_a_passkey_and_signs_in_with_it_alone() {
    let test = "in_a_real_browser_a_user_registers_a_passkey_and_signs_in_with_it_alone";
    let Some(chrome) = Chrome::start(test).await else {
        return;
    };
    // WebAuthn needs a domain name: the browser reaches this server as http://localhost:<port> (a secure context).
    let app = TestApp::spawn_on_localhost(|_| {}).await;
    let site = format!("http://localhost:{}", app.port);
    let endpoint = AppEndpoint::start().await;
    let callback = format!("{}/callback", endpoint.base);
    let client = app
        .create_client(ClientSpec {
            redirect_uris: vec![callback.clone()],
            ..ClientSpec::web_app()
        })
        .await;
    let user = app.create_user(UserSpec::default()).await;
    let authenticator = add_authenticator(&chrome).await;

    // 1. The password on the account's own sign-in; the account page offers passkeys (the script shows the form).
    chrome
        .client
        .goto(&format!("{site}/login"))
        .await
        .expect("opening /login");
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", &user.password).await;
    submit(&chrome).await;
    wait_for_url(&chrome, &format!("{site}/account")).await;
    wait_shown(&chrome, "#passkey-add").await;
    check_here(&chrome, "account-no-passkeys").await;

    // 2. A passkey named and created (navigator.credentials.create, answered by the virtual authenticator).
    fill(&chrome, "passkey-name", "This browser").await;
    click(&chrome, "#passkey-add button[type=submit]").await;
    wait_for_url(&chrome, &format!("{site}/account?done=passkey-added")).await;
    let page = chrome.client.source().await.expect("the page");
    assert!(page.contains("This browser"), "the passkey is listed");
    check_here(&chrome, "account-passkey-added").await;

    // 3. Signed out, then an application's sign-in: conditional UI. The page asks for a passkey in the username's
    // autofill (mediation "conditional"); the virtual authenticator consents at once, as a user picking the passkey
    // from the list would, and the browser is back at the application without a password typed.
    sign_out(&chrome, &site).await;
    let request = AuthRequest::new(&client).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{site}/authorize?{}", request.query()))
        .await
        .expect("opening /authorize");
    let back = wait_for_url(&chrome, &callback).await;
    assert_eq!(
        amr_of(&app, &client, &request, &callback, &back).await,
        json!(["hwk", "user", "mfa"]),
        "RFC 8176: a device-bound key, user presence, and user verification as a second factor"
    );

    // 4. The button. The passkey is taken out of the browser (the authenticator removed, its credential kept), so
    // that the autofill offers nothing while the pages are checked.
    let credentials = take_out(&chrome, &authenticator).await;
    assert_eq!(credentials.len(), 1, "one resident credential");
    assert_eq!(credentials[0]["isResidentCredential"], true, "discoverable");
    sign_out(&chrome, &site).await;
    // A refused passkey sign-in's page (the state the form comes back in).
    let request = AuthRequest::new(&client).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!(
            "{site}/authorize?{}&prompt=login&problem=passkey",
            request.query()
        ))
        .await
        .expect("opening the refused state");
    wait_shown(&chrome, "#passkey-sign-in").await;
    let page = chrome.client.source().await.expect("the page");
    assert!(page.contains("didn't sign you in"));
    check_here(&chrome, "sign-in-passkey-refused").await;
    // The sign-in page with its passkey button.
    chrome
        .client
        .goto(&format!("{site}/authorize?{}", request.query()))
        .await
        .expect("opening /authorize");
    wait_shown(&chrome, "#passkey-sign-in").await;
    let autocomplete = chrome
        .client
        .find(Locator::Id("username"))
        .await
        .expect("the username field")
        .attr("autocomplete")
        .await
        .expect("its autocomplete");
    assert_eq!(
        autocomplete.as_deref(),
        Some("username webauthn"),
        "conditional UI"
    );
    check_here(&chrome, "sign-in-with-passkey").await;
    // The passkey back in the browser; "Sign in with a passkey".
    let authenticator = put_back(&chrome, &credentials[0]).await;
    click(&chrome, "#passkey-sign-in").await;
    let back = wait_for_url(&chrome, &callback).await;
    assert_eq!(
        amr_of(&app, &client, &request, &callback, &back).await,
        json!(["hwk", "user", "mfa"])
    );

    // 5. The passkey as the second factor after a password. The passkey is out of the browser while the password
    // is typed (else the autofill would sign in at once), and back for the step: "Use a passkey".
    // Taken out again with the counter its last use left (webauthn-rs refuses a counter that went back).
    let credentials = take_out(&chrome, &authenticator).await;
    sign_out(&chrome, &site).await;
    let request = AuthRequest::new(&client).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{site}/authorize?{}", request.query()))
        .await
        .expect("opening /authorize");
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", &user.password).await;
    submit(&chrome).await;
    let step = wait_for_url(&chrome, &format!("{site}/login/second-factor?")).await;
    wait_shown(&chrome, "#passkey-second-factor").await;
    let unsupported = chrome
        .client
        .find(Locator::Id("passkey-unsupported"))
        .await
        .expect("the paragraph for browsers without WebAuthn");
    assert!(
        !unsupported.is_displayed().await.expect("displayed?"),
        "hidden where WebAuthn works"
    );
    check_here(&chrome, "second-factor-passkey").await;
    // The state after a refused passkey.
    chrome
        .client
        .goto(&format!("{step}&problem=passkey"))
        .await
        .expect("opening the refused state");
    wait_shown(&chrome, "#passkey-second-factor").await;
    let page = chrome.client.source().await.expect("the page");
    assert!(page.contains("didn't confirm your sign-in"));
    check_here(&chrome, "second-factor-passkey-refused").await;
    let authenticator = put_back(&chrome, &credentials[0]).await;
    click(&chrome, "#passkey-second-factor").await;
    let back = wait_for_url(&chrome, &callback).await;
    assert_eq!(
        amr_of(&app, &client, &request, &callback, &back).await,
        json!(["pwd", "hwk", "user", "mfa"]),
        "RFC 8176: the password, then the device-bound key with user verification"
    );

    // 6. An application that requires MFA, a user without a factor: the enrolment during the sign-in offers a
    // passkey instead of an authenticator app. The first user's passkey is out of the browser (no autofill).
    take_out(&chrome, &authenticator).await;
    sign_out(&chrome, &site).await;
    let strict = app
        .create_client(ClientSpec {
            redirect_uris: vec![callback.clone()],
            ..ClientSpec::web_app()
        })
        .await;
    latchkey::domain::clients::update_client(
        &app.state.store,
        &crate::helpers::operator(),
        &strict.id,
        latchkey::domain::clients::ClientChanges {
            require_mfa: Some(true),
            ..latchkey::domain::clients::ClientChanges::default()
        },
        None,
        app.state.clock.now(),
    )
    .await
    .expect("requiring MFA");
    let newcomer = app.create_user(UserSpec::default()).await;
    let request = AuthRequest::new(&strict).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!("{site}/authorize?{}", request.query()))
        .await
        .expect("opening /authorize");
    fill(&chrome, "username", &newcomer.email).await;
    fill(&chrome, "password", &newcomer.password).await;
    submit(&chrome).await;
    wait_for_url(&chrome, &format!("{site}/login/enrol?")).await;
    wait_shown(&chrome, "#passkey-add").await;
    check_here(&chrome, "enrol-with-passkey").await;
    add_authenticator(&chrome).await;
    fill(&chrome, "passkey-name", "New laptop").await;
    click(&chrome, "#passkey-add button[type=submit]").await;
    let back = wait_for_url(&chrome, &callback).await;
    assert_eq!(
        amr_of(&app, &strict, &request, &callback, &back).await,
        json!(["pwd", "hwk", "user", "mfa"]),
        "the passkey added at the enrolment is the sign-in's second factor"
    );
    chrome.close().await;
}
