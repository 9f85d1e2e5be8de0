//! Issue 20 in a real browser: two-step verification set up on the account page (the QR code as inline SVG under the
//! strict CSP, the key as text, the first code, the recovery codes once), then a sign-in through an application's
//! authorization request with the second-factor step (a wrong code, then the right one). Every page at desktop
//! (1280×800) and phone (390×844) sizes, screenshotted into `target/screenshots/` and checked by axe-core with the
//! WCAG 2.2 A/AA rules: zero violations. The authenticator is `totp-rs` fed the key the page shows.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::browser::{fill, submit, submit_form, wait_for_url};
use crate::helpers::chrome::{AppEndpoint, Chrome};
use crate::helpers::{AuthRequest, ClientSpec, TestApp, UserSpec};

const SIZES: [(u32, u32, &str); 2] = [(1280, 800, "desktop"), (390, 844, "phone")];

/// The current page at each size: a screenshot, and no WCAG A/AA violation.
async fn check_here(chrome: &Chrome, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    for (width, height, size) in SIZES {
        chrome
            .client
            .set_window_size(width, height)
            .await
            .expect("resizing the window");
        let png = chrome.client.screenshot().await.expect("a screenshot");
        std::fs::write(dir.join(format!("issue20-{name}-{size}.png")), png).expect("saving it");
        let violations = chrome.wcag_violations().await;
        assert!(
            violations.is_empty(),
            "{name} ({size}): axe-core (WCAG 2.2 AA) found violations: {}",
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
    }
}

async fn text_of(chrome: &Chrome, css: &str) -> String {
    chrome
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .expect("its text")
}

#[tokio::test]
async fn in_a_real_browser_a_user_sets_up_an_authenticator_and_signs_in_with_a_code_wcag_2_2_aa() {
    let test =
        "in_a_real_browser_a_user_sets_up_an_authenticator_and_signs_in_with_a_code_wcag_2_2_aa";
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

    // The account's own sign-in, then the account page's two-step section.
    chrome
        .client
        .goto(&app.url("/login"))
        .await
        .expect("/login");
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", &user.password).await;
    submit(&chrome).await;
    wait_for_url(&chrome, &app.url("/account")).await;
    check_here(&chrome, "account-two-step-off").await;
    submit_form(&chrome, "/account/two-step/start").await;
    wait_for_url(&chrome, &app.url("/account/two-step")).await;
    check_here(&chrome, "enrol").await;
    // The QR code is drawn (an inline SVG, allowed by the CSP: it has a size), and the key is there as text.
    let qr_width = chrome
        .client
        .execute(
            "return document.querySelector('svg.qr').getBoundingClientRect().width;",
            vec![],
        )
        .await
        .expect("the QR code's size");
    assert!(qr_width.as_f64().unwrap_or_default() > 100.0, "{qr_width}");
    let key = text_of(&chrome, ".secret-key code").await;
    let secret = Secret::Encoded(key.replace(' ', ""))
        .to_bytes()
        .expect("base32");
    let authenticator = TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, secret);
    let code = |app: &TestApp| authenticator.generate(app.state.clock.now() as u64);
    fill(&chrome, "code", &code(&app)).await;
    submit_form(&chrome, "/account/two-step/confirm").await;
    let codes =
        crate::helpers::eventually("the recovery codes", Duration::from_secs(10), async || {
            match chrome.client.find(Locator::Id("recovery-codes")).await {
                Ok(list) => list.text().await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        })
        .await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    check_here(&chrome, "recovery-codes").await;

    // A sign-in through the application: the password, then the step.
    app.clock.advance(Duration::from_secs(60));
    let request = AuthRequest::new(&client).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&format!(
            "{}/authorize?{}&prompt=login",
            app.address,
            request.query()
        ))
        .await
        .expect("/authorize");
    fill(&chrome, "password", &user.password).await;
    submit(&chrome).await;
    wait_for_url(&chrome, &app.url("/login/second-factor")).await;
    check_here(&chrome, "second-factor").await;
    fill(&chrome, "code", "000000").await;
    submit_form(&chrome, "/login/second-factor").await;
    crate::helpers::eventually(
        "the wrong-code answer",
        Duration::from_secs(10),
        async || {
            let page = chrome.client.source().await.map_err(|e| e.to_string())?;
            if page.contains("code-error") {
                Ok(())
            } else {
                Err("still on the way".to_owned())
            }
        },
    )
    .await;
    check_here(&chrome, "second-factor-wrong-code").await;
    fill(&chrome, "code", &code(&app)).await;
    submit_form(&chrome, "/login/second-factor").await;
    wait_for_url(&chrome, &callback).await;
    chrome.close().await;
}
