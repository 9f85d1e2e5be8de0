//! A single-page app in a real browser (headless Chromium): a static page served from another origin than Latchkey's
//! runs oauth4webapi (npm, pinned in `.ci/run`) as a public client: discovery, the authorization code flow with PKCE
//! through the hosted sign-in page, the token exchange, `/userinfo`, a refresh and a revocation, every call a
//! cross-origin `fetch` the browser allows only with Latchkey's CORS answers (DESIGN.md §21). The same page on an
//! origin no client registered is refused by the browser, and the server has not redeemed its code.

use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::{fill, submit, wait_for_url};
use crate::helpers::chrome::{Chrome, StaticSite, browser_tool};
use crate::helpers::{ClientSpec, TestApp, TestClient, UserSpec, eventually, expect_tokens, tag};

/// oauth4webapi's ES module, as `.ci/run` installs it.
const OAUTH4WEBAPI: &str = "oauth4webapi/build/index.js";

/// The app's page, script and library, served from an origin of its own.
async fn spa_site(issuer: &str, client_id: &str) -> StaticSite {
    let library = std::fs::read_to_string(browser_tool(OAUTH4WEBAPI)).expect("oauth4webapi");
    let script = format!(
        "const ISSUER = {};\nconst CLIENT_ID = {};\n{}",
        json!(issuer),
        json!(client_id),
        include_str!("spa/app.js")
    );
    let js = "text/javascript; charset=utf-8";
    StaticSite::start(
        vec![
            (
                "/",
                "text/html; charset=utf-8",
                include_str!("spa/index.html").to_owned(),
            ),
            ("/app.js", js, script),
            ("/oauth4webapi.js", js, library),
        ],
        "/",
    )
    .await
}

/// What the page wrote into `#result` once it is done.
async fn app_result(chrome: &Chrome) -> Value {
    eventually("the app's result", Duration::from_secs(15), async || {
        let text = chrome
            .client
            .execute(
                "const r = document.getElementById('result'); return r ? r.textContent : '';",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        match text.as_str() {
            Some("") | None => Err("no result yet".to_owned()),
            Some(text) => serde_json::from_str::<Value>(text).map_err(|e| e.to_string()),
        }
    })
    .await
}

#[tokio::test]
async fn a_single_page_app_signs_in_refreshes_and_revokes_with_oauth4webapi_and_another_origin_is_refused()
 {
    let test = "a_single_page_app_signs_in_refreshes_and_revokes_with_oauth4webapi_and_another_origin_is_refused";
    let Some(chrome) = Chrome::start_needing(test, &[browser_tool(OAUTH4WEBAPI)]).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let client_id = format!("spa-{}", tag());
    let site = spa_site(&app.issuer, &client_id).await;
    let stranger = spa_site(&app.issuer, &client_id).await;
    // Both pages may be redirected to, but only the first origin is the app's (web origins set explicitly).
    app.create_client(ClientSpec {
        id: client_id.clone(),
        public: true,
        grants: vec!["authorization_code".into(), "refresh_token".into()],
        scopes: vec!["read".into()],
        redirect_uris: vec![
            format!("{}/callback", site.origin),
            format!("{}/callback", stranger.origin),
        ],
        web_origins: vec![site.origin.clone()],
        ..ClientSpec::default()
    })
    .await;
    let user = app.create_user(UserSpec::default()).await;

    // The app discovers Latchkey and sends the browser to the hosted sign-in page.
    chrome
        .client
        .goto(&format!("{}/", site.origin))
        .await
        .expect("opening the app");
    wait_for_url(&chrome, &format!("{}/authorize", app.address)).await;
    fill(&chrome, "username", &user.email).await;
    fill(&chrome, "password", &user.password).await;
    submit(&chrome).await;
    wait_for_url(&chrome, &format!("{}/callback", site.origin)).await;
    let result = app_result(&chrome).await;
    chrome.screenshot("spa-01-signed-in").await;
    assert_eq!(result["ok"], json!(true), "{result:#}");
    let steps = &result["steps"];
    assert_eq!(steps["discovery"], json!(app.issuer));
    assert_eq!(steps["token"]["refresh"], json!(true), "{steps:#}");
    assert_eq!(steps["token"]["sub"], json!(user.id));
    assert_eq!(steps["userinfo"]["email"], json!(user.email));
    assert_eq!(steps["refreshed"], json!(true));
    assert_eq!(steps["revoked"], json!(true));
    assert_eq!(
        steps["after_revocation"],
        json!("invalid_grant"),
        "{steps:#}"
    );

    // The same app on an origin no client has: the sign-on is immediate (the session exists), but the browser
    // refuses the token exchange's answer, and the server refused the request before redeeming the code.
    chrome
        .client
        .goto(&format!("{}/", stranger.origin))
        .await
        .expect("opening the stranger's page");
    wait_for_url(&chrome, &format!("{}/callback", stranger.origin)).await;
    let result = app_result(&chrome).await;
    chrome.screenshot("spa-02-other-origin-refused").await;
    assert_eq!(result["ok"], json!(false), "{result:#}");
    let error = result["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("TypeError") && error.contains("fetch"),
        "a CORS refusal is a network error to the page: {result:#}"
    );
    let steps = &result["steps"];
    assert_eq!(steps["discovery"], json!(app.issuer), "discovery is public");
    assert!(steps.get("token").is_none(), "{steps:#}");
    let code = steps["code"].as_str().expect("the code reached the page");
    assert!(
        stranger.hits().iter().any(|hit| hit.contains(code)),
        "the code came back to the stranger's page"
    );
    // Still redeemable: the refused request took nothing.
    let client = TestClient {
        id: client_id,
        secret: None,
    };
    let callback = format!("{}/callback", stranger.origin);
    expect_tokens(
        app.code_grant(&client, code, &callback, steps["verifier"].as_str())
            .await,
    )
    .await;
    chrome.close().await;
}
