//! The hosted sign-in page's defences: CSRF tokens bound to the browser cookie, the same-origin check, a new
//! cookie at sign-in (no session fixation), one message for every failure, the security headers, and sessions
//! that end with their user.

use reqwest::StatusCode;

use crate::helpers::{
    AuthRequest, Browser, Redirect, TestApp, TestClient, TestUser, UserSpec, hidden_fields,
};

/// The sign-in page for a fresh authorization request, as HTML.
async fn sign_in_page(app: &TestApp, browser: &Browser, client: &TestClient) -> String {
    let response = browser.authorize(app, &AuthRequest::new(client)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("the sign-in page")
}

fn credentials(user: &TestUser) -> [(String, String); 2] {
    [
        ("username".into(), user.email.clone()),
        ("password".into(), user.password.clone()),
    ]
}

/// A same-origin sign-in without its CSRF token: nothing checked, nobody signed in, and no dead 403 either (issue
/// 19: the other tab may have replaced the cookie): 303 to the form again with a notice.
fn refused_back_to_the_form(response: &reqwest::Response) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = crate::helpers::header(response.headers(), "location").unwrap_or_default();
    assert!(
        location.starts_with("/authorize?") && location.contains("problem=expired"),
        "{location}"
    );
}

#[tokio::test]
async fn asvs_4_2_2_the_sign_in_form_refuses_a_missing_or_foreign_csrf_token() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let html = sign_in_page(&app, &browser, &client).await;
    let mut fields = hidden_fields(&html);

    // Missing token.
    let without: Vec<_> = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .cloned()
        .chain(credentials(&user))
        .collect();
    let response = browser
        .post_form(&app, "/login", &without, Some(&app.address))
        .await;
    refused_back_to_the_form(&response);

    // A token from another browser (bound to another cookie).
    let attacker = Browser::new(&app);
    let attackers_page = sign_in_page(&app, &attacker, &client).await;
    let foreign = hidden_fields(&attackers_page)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .expect("a CSRF token");
    for field in fields.iter_mut().filter(|(k, _)| k == "csrf_token") {
        field.1 = foreign.1.clone();
    }
    let forged: Vec<_> = fields.iter().cloned().chain(credentials(&user)).collect();
    let response = browser
        .post_form(&app, "/login", &forged, Some(&app.address))
        .await;
    refused_back_to_the_form(&response);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session was started"
    );

    // The same form with its own token works.
    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_sign_in_posted_from_another_origin_is_refused_even_with_a_valid_token() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let html = sign_in_page(&app, &browser, &client).await;
    let form: Vec<_> = hidden_fields(&html)
        .into_iter()
        .chain(credentials(&user))
        .collect();

    let response = browser
        .post_form(&app, "/login", &form, Some("https://evil.example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = browser.post_form(&app, "/login", &form, None).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "no Origin (an older browser): the CSRF token decides"
    );
}

#[tokio::test]
async fn asvs_3_2_1_signing_in_replaces_the_browser_cookie() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let html = sign_in_page(&app, &browser, &client).await;
    let before = browser.cookie(&app).expect("the form sets a cookie");

    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie =
        crate::helpers::header(response.headers(), "set-cookie").expect("a new cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(flag), "{flag} in {set_cookie}");
    }
    let after = browser.cookie(&app).expect("a session cookie");
    assert_ne!(
        before, after,
        "a planted pre-sign-in cookie must not become the session"
    );

    // A browser that only knows the old (planted) value has no session.
    let planted = Browser::new(&app);
    let response = planted
        .http
        .get(format!(
            "{}/authorize?{}",
            app.address,
            AuthRequest::new(&client).query()
        ))
        .header("cookie", format!("latchkey={before}"))
        .send()
        .await
        .expect("GET /authorize");
    assert_eq!(response.status(), StatusCode::OK, "the form, not a code");
}

#[tokio::test]
async fn every_failed_sign_in_gets_the_same_page_whatever_the_cause() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let disabled = app.create_user(UserSpec::default()).await;
    app.disable_user(&disabled).await;
    let browser = Browser::new(&app);
    let html = sign_in_page(&app, &browser, &client).await;

    let attempts = [
        (user.email.as_str(), "a wrong password"),
        ("nobody@example.org", user.password.as_str()),
        (disabled.email.as_str(), disabled.password.as_str()),
        (user.email.as_str(), ""),
    ];
    let mut pages = Vec::new();
    for (login, password) in attempts {
        let response = browser.submit_sign_in(&app, &html, login, password).await;
        // POST-redirect-GET (issue 19): a 303 to the form with the reason's code.
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{login}");
        assert!(response.headers().get("set-cookie").is_none(), "{login}");
        let location = crate::helpers::header(response.headers(), "location").unwrap_or_default();
        let response = browser.get(&app.url(&location)).await;
        assert_eq!(response.status(), StatusCode::OK, "{login}");
        let page = response.text().await.expect("the page");
        assert!(page.contains("role=\"alert\""), "{page}");
        assert!(page.contains("aria-invalid=\"true\""), "{page}");
        // The page differs only by the login echoed into its field.
        // (and into the forgot-password link, URL-encoded).
        let encoded: String = form_urlencoded::byte_serialize(login.as_bytes()).collect();
        pages.push(page.replace(&encoded, "LOGIN").replace(login, "LOGIN"));
    }
    assert!(
        pages.windows(2).all(|w| w[0] == w[1]),
        "one message for every cause"
    );
}

#[tokio::test]
async fn every_page_sends_the_security_headers() {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let form = browser.authorize(&app, &AuthRequest::new(&client)).await;
    let error = browser
        .authorize(
            &app,
            &AuthRequest::new(&client).with("client_id", Some("nobody")),
        )
        .await;

    for response in [&form, &error] {
        let headers = response.headers();
        let get = |name: &str| crate::helpers::header(headers, name).unwrap_or_default();
        let csp = get("content-security-policy");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(get("x-frame-options"), "DENY");
        assert_eq!(get("x-content-type-options"), "nosniff");
        assert_eq!(get("referrer-policy"), "no-referrer");
        assert_eq!(get("cache-control"), "no-store");
        assert!(get("content-type").starts_with("text/html"));
        // Plain-http development server: no HSTS.
        assert!(headers.get("strict-transport-security").is_none());
    }
    let html = form.text().await.expect("the page");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style (the one script is /assets/latchkey.js)"
    );
    for attribute in [
        "autocomplete=\"username\"",
        "autocomplete=\"current-password\"",
        "<label for=\"username\">",
        "<label for=\"password\">",
    ] {
        assert!(html.contains(attribute), "{attribute}");
    }
    let css = browser.get(&app.url("/assets/latchkey.css")).await;
    assert_eq!(css.status(), StatusCode::OK);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    browser
        .sign_in(&app, &AuthRequest::new(&client), &user)
        .await;
    let sso = browser.authorize(&app, &AuthRequest::new(&client)).await;
    assert_eq!(sso.status(), StatusCode::SEE_OTHER);

    app.disable_user(&user).await;

    let request = AuthRequest::new(&client).with("prompt", Some("none"));
    let redirect = Redirect::from(&browser.authorize(&app, &request).await);
    assert_eq!(redirect.param("error"), Some("login_required"));
}

#[tokio::test]
async fn a_session_ends_after_its_idle_lifetime() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    browser
        .sign_in(&app, &AuthRequest::new(&client), &user)
        .await;

    // Used within the idle lifetime (30 min by default), it lives on.
    app.clock.advance(std::time::Duration::from_secs(20 * 60));
    let request = AuthRequest::new(&client).with("prompt", Some("none"));
    assert!(
        Redirect::from(&browser.authorize(&app, &request).await)
            .param("code")
            .is_some()
    );
    app.clock.advance(std::time::Duration::from_secs(20 * 60));
    assert!(
        Redirect::from(&browser.authorize(&app, &request).await)
            .param("code")
            .is_some()
    );

    app.clock.advance(std::time::Duration::from_secs(31 * 60));
    let redirect = Redirect::from(&browser.authorize(&app, &request).await);
    assert_eq!(redirect.param("error"), Some("login_required"));
}

#[tokio::test]
async fn a_null_origin_is_judged_by_sec_fetch_site() {
    // Under Referrer-Policy: no-referrer a browser posts our own forms with `Origin: null`.
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let html = sign_in_page(&app, &browser, &client).await;
    let form: Vec<_> = hidden_fields(&html)
        .into_iter()
        .chain(credentials(&user))
        .collect();
    let post = |site: &'static str| {
        browser
            .http
            .post(app.url("/login"))
            .header("origin", "null")
            .header("sec-fetch-site", site)
            .form(&form)
            .send()
    };

    assert_eq!(
        post("cross-site").await.expect("POST").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post("same-site").await.expect("POST").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post("same-origin").await.expect("POST").status(),
        StatusCode::SEE_OTHER
    );
}
