//! Issue 19 in a real browser: every dead-end state of the hosted pages (a failed sign-in, a stale form, forgot and
//! its confirmation, a used reset link, 404, the account page without a session and its own sign-in, `prompt=login`
//! naming the account, logout with Cancel, signed out, the lockout) at desktop (1280×800) and phone (390×844) sizes,
//! in light and dark mode. Each is screenshotted into `target/screenshots/` and checked by axe-core with the WCAG 2.2
//! A/AA rules: zero violations.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;

use crate::browser::{fill, submit, wait_for_url};
use crate::helpers::chrome::{AppEndpoint, Chrome};
use crate::helpers::{AuthRequest, ClientSpec, TestApp, TestClient, UserSpec, eventually};

const SIZES: [(u32, u32, &str); 2] = [(1280, 800, "desktop"), (390, 844, "phone")];

/// Screenshots the page as `target/screenshots/<name>.png` and fails on any WCAG A/AA violation.
async fn check(chrome: &Chrome, name: &str) {
    let png = chrome.client.screenshot().await.expect("a screenshot");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("saving a screenshot");
    let violations = chrome.wcag_violations().await;
    assert!(
        violations.is_empty(),
        "{name}: axe-core (WCAG 2.2 AA) found violations: {}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
}

/// Opens `url` at each size and checks it.
async fn walk(chrome: &Chrome, url: &str, name: &str, mode: &str) {
    for (width, height, size) in SIZES {
        chrome
            .client
            .set_window_size(width, height)
            .await
            .expect("resizing the window");
        chrome.client.goto(url).await.expect("opening the page");
        check(chrome, &format!("issue19-{name}-{size}-{mode}")).await;
    }
}

/// The current page (reached by a POST) at each size.
async fn check_here(chrome: &Chrome, name: &str, mode: &str) {
    for (width, height, size) in SIZES {
        chrome
            .client
            .set_window_size(width, height)
            .await
            .expect("resizing the window");
        check(chrome, &format!("issue19-{name}-{size}-{mode}")).await;
    }
}

fn authorize_url(app: &TestApp, request: &AuthRequest, extra: &str) -> String {
    format!("{}/authorize?{}{extra}", app.address, request.query())
}

async fn text(chrome: &Chrome) -> String {
    chrome
        .client
        .find(Locator::Css("body"))
        .await
        .expect("a body")
        .text()
        .await
        .expect("its text")
}

/// The states reachable by a link, at both sizes.
async fn walk_links(
    chrome: &Chrome,
    app: &TestApp,
    client: &TestClient,
    callback: &str,
    email: &str,
    mode: &str,
) {
    let request = AuthRequest::new(client).with("redirect_uri", Some(callback));
    let hint = format!("&login_hint={}", email.replace('@', "%40"));
    let states = [
        ("sign-in", authorize_url(app, &request, "")),
        (
            "sign-in-failed",
            authorize_url(
                app,
                &request,
                &format!("&prompt=login{hint}&problem=credentials"),
            ),
        ),
        (
            "sign-in-stale-form",
            authorize_url(
                app,
                &request,
                &format!("&prompt=login{hint}&problem=expired"),
            ),
        ),
        (
            "forgot",
            format!("{}/password/forgot?{}{hint}", app.address, request.query()),
        ),
        (
            "forgot-sent",
            format!("{}/password/forgot?sent=yes{hint}", app.address),
        ),
        (
            "reset-link-used",
            app.url("/password/reset?token=lk_pr_used-or-expired"),
        ),
        ("not-found", app.url("/no/such/page")),
        ("account-signed-out", app.url("/account")),
        ("account-sign-in", app.url("/login")),
    ];
    for (name, url) in &states {
        walk(chrome, url, name, mode).await;
        let page = text(chrome).await;
        assert!(
            !page.contains("can't be used") || name.contains("link"),
            "{name}: {page}"
        );
    }
}

#[tokio::test]
async fn in_a_real_browser_every_dead_end_state_has_its_next_step_and_passes_wcag_2_2_aa() {
    let test = "in_a_real_browser_every_dead_end_state_has_its_next_step_and_passes_wcag_2_2_aa";
    let Some(chrome) = Chrome::start(test).await else {
        return;
    };
    let app = TestApp::spawn_with(|c| {
        c.login_failure_limit = 2;
        c.terms_url = Some("https://example.com/terms".into());
        c.privacy_url = Some("https://example.com/privacy".into());
        c.support_url = Some("https://example.com/help".into());
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
    let user = app.create_user(UserSpec::default()).await;
    walk_links(&chrome, &app, &client, &callback, &user.email, "light").await;

    // The script: the toggle shows the password, the no-JS form is the same form.
    let request = AuthRequest::new(&client).with("redirect_uri", Some(&callback));
    chrome
        .client
        .goto(&authorize_url(&app, &request, ""))
        .await
        .expect("opening /authorize");
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", &user.password).await;
    chrome
        .client
        .find(Locator::Css("button.reveal"))
        .await
        .expect("the show-password toggle")
        .click()
        .await
        .expect("clicking it");
    let kind = chrome
        .client
        .find(Locator::Id("password"))
        .await
        .expect("the password field")
        .attr("type")
        .await
        .expect("its type");
    assert_eq!(kind.as_deref(), Some("text"));
    submit(&chrome).await;
    wait_for_url(&chrome, &callback).await;

    // Signed in: prompt=login names the account; logout names it and has Cancel.
    walk(
        &chrome,
        &authorize_url(&app, &request, "&prompt=login"),
        "prompt-login-signed-in-as",
        "light",
    )
    .await;
    assert!(text(&chrome).await.contains(&user.email));
    walk(&chrome, &app.url("/logout"), "logout-confirm", "light").await;
    assert!(text(&chrome).await.contains("Cancel"));
    submit(&chrome).await;
    eventually("the signed-out page", Duration::from_secs(10), async || {
        let page = chrome.client.source().await.map_err(|e| e.to_string())?;
        if page.contains("Sign in again") {
            Ok(())
        } else {
            Err("still on the way".to_owned())
        }
    })
    .await;
    check_here(&chrome, "logged-out", "light").await;

    // The lockout: the real wait and the way to a reset.
    // (This browser signed in before: its device counter has the limit to itself, a few failures more or less.)
    let mut locked = String::new();
    for _ in 0..6 {
        chrome
            .client
            .goto(&app.url("/login"))
            .await
            .expect("/login");
        fill(&chrome, "username", &user.email).await;
        fill(&chrome, "password", "not the password").await;
        submit(&chrome).await;
        locked = eventually(
            "the answer to the sign-in",
            Duration::from_secs(10),
            async || {
                let page = chrome.client.source().await.map_err(|e| e.to_string())?;
                if page.contains("Too many attempts") || page.contains("is not right") {
                    Ok(page)
                } else {
                    Err("still on the way".to_owned())
                }
            },
        )
        .await;
        if locked.contains("Too many attempts") {
            break;
        }
    }
    assert!(locked.contains("Too many attempts"), "{locked}");
    assert!(locked.contains("Reset your password"));
    check_here(&chrome, "lockout", "light").await;
    chrome.close().await;

    // Dark mode (prefers-color-scheme: dark): the same states, the same contrast rules.
    let Some(dark) = Chrome::start_with(test, &[], &["--force-dark-mode"]).await else {
        return;
    };
    walk_links(&dark, &app, &client, &callback, &user.email, "dark").await;
    let scheme = dark
        .client
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .expect("a media query");
    assert_eq!(scheme, serde_json::Value::Bool(true), "dark mode is on");
    dark.close().await;
}
