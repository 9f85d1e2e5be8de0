//! Issue 19, "Dead ends" (DESIGN.md §23): every hosted page offers its next step, and each test follows that step's
//! link to where it leads. Failed POSTs redirect (303) to a page that shows a reason from a fixed set; the sign-in
//! request and the typed login travel through forgot → mail → reset → sign-in; a stale form in a second tab never
//! dead-ends; browsers get branded 404/405 pages.

use reqwest::StatusCode;

use crate::helpers::{
    AuthRequest, Browser, Redirect, TempDir, TestApp, TestClient, TestUser, hidden_fields,
};
use crate::password_reset::wait_for_mails;

/// The absolute URL of a 303's `Location` (ours are same-origin paths).
fn location(app: &TestApp, response: &reqwest::Response) -> String {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a 303 redirect"
    );
    let location = crate::helpers::header(response.headers(), "location").expect("a Location");
    if location.starts_with('/') {
        app.url(&location)
    } else {
        location
    }
}

/// The `href` of the link labelled `label` in `html` (askama escapes `&` in attributes).
fn link(html: &str, label: &str) -> String {
    let end = html
        .find(&format!(">{label}</a>"))
        .unwrap_or_else(|| panic!("no link {label:?} in {html}"));
    let start = html[..end].rfind("href=\"").expect("an href") + 6;
    let href = &html[start..end];
    let href = &href[..href.find('"').expect("a closing quote")];
    href.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&#61;", "=")
        .replace("&#x3D;", "=")
}

/// Follows a same-origin link.
async fn follow(app: &TestApp, browser: &Browser, href: &str) -> reqwest::Response {
    assert!(
        href.starts_with('/') && !href.starts_with("//"),
        "a same-origin link: {href}"
    );
    browser.get(&app.url(href)).await
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.expect("a page")
}

/// The sign-in form for `request`, as HTML.
async fn sign_in_page(app: &TestApp, browser: &Browser, request: &AuthRequest) -> String {
    let page = browser.authorize(app, request).await;
    assert_eq!(page.status(), StatusCode::OK);
    text(page).await
}

/// RFC 6749 §4.1.2: the sign-in ends at the client with a code and the request's `state`.
fn assert_back_in_the_app(response: &reqwest::Response, request: &AuthRequest) {
    let redirect = Redirect::from(response);
    assert_eq!(redirect.target(), crate::helpers::REDIRECT_URI);
    assert!(redirect.param("code").is_some(), "{redirect:?}");
    assert_eq!(redirect.param("state"), Some(request.state.as_str()));
}

#[tokio::test]
async fn a_failed_sign_in_redirects_to_the_form_with_the_login_kept_and_the_request_carried() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let html = sign_in_page(&app, &browser, &request).await;

    let failed = browser
        .submit_sign_in(&app, &html, &user.email, "not the password")
        .await;
    // POST-redirect-GET: Reload shows the form again, it never posts the password twice.
    let again = location(&app, &failed);
    assert!(again.contains("problem=credentials"), "{again}");
    assert!(!again.contains("not+the+password") && !again.contains("not%20the"));
    let page = browser.get(&again).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains("The email, username or password is not right"));
    assert!(
        html.contains("If your account was disabled, contact your administrator."),
        "no enumeration, but a hint for disabled accounts"
    );
    assert!(
        html.contains(&format!("value=\"{}\"", user.email)),
        "the login is kept"
    );
    assert!(!html.contains("not the password"));

    // The same request continues: signing in from this form lands in the application.
    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_back_in_the_app(&response, &request);
}

#[tokio::test]
async fn the_reason_in_the_redirect_is_a_code_that_cannot_be_forged_into_a_message() {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client).with("problem", Some("<b>Call +1 555 scam</b>"));
    let html = sign_in_page(&app, &browser, &request).await;
    assert!(!html.contains("scam"), "{html}");
    assert!(
        !html.contains("role=\"alert\""),
        "no error for an unknown code"
    );
}

#[tokio::test]
async fn two_tabs_a_stale_form_continues_when_the_other_tab_already_signed_in() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let first_tab = AuthRequest::new(&client);
    let second_tab = AuthRequest::new(&client);
    let first = sign_in_page(&app, &browser, &first_tab).await;
    let second = sign_in_page(&app, &browser, &second_tab).await;
    let signed_in = browser
        .submit_sign_in(&app, &first, &user.email, &user.password)
        .await;
    assert_back_in_the_app(&signed_in, &first_tab);

    // The second tab's CSRF token belongs to the cookie the sign-in replaced: not a 403, the request continues
    // with the session (as GET /authorize would).
    let response = browser
        .submit_sign_in(&app, &second, &user.email, "typed again, even wrong")
        .await;
    assert_back_in_the_app(&response, &second_tab);
}

#[tokio::test]
async fn two_tabs_a_stale_form_without_a_session_shows_the_form_again_with_a_notice() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let html = sign_in_page(&app, &browser, &request).await;
    // Another tab signed in and out: the browser's cookie is a new one, the form's token is not for it.
    let other = Browser::new(&app);
    let foreign_token = hidden_fields(&sign_in_page(&app, &other, &request).await)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .expect("a token");
    let mut form: Vec<_> = hidden_fields(&html)
        .into_iter()
        .map(|(k, v)| {
            if k == "csrf_token" {
                foreign_token.clone()
            } else {
                (k, v)
            }
        })
        .collect();
    form.push(("username".into(), user.email.clone()));
    form.push(("password".into(), user.password.clone()));
    let response = browser
        .post_form(&app, "/login", &form, Some(&app.address))
        .await;
    let again = location(&app, &response);
    assert!(again.contains("problem=expired"), "{again}");
    assert!(
        !again.contains("code="),
        "nothing was checked, nobody signed in"
    );
    let page = browser.get(&again).await;
    let html = text(page).await;
    assert!(html.contains("Nothing was sent"), "{html}");
    assert!(html.contains(&format!("value=\"{}\"", user.email)));
    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_back_in_the_app(&response, &request);

    // DESIGN.md §15: a cross-site POST stays refused, whatever its token.
    let cross_site = browser
        .post_form(&app, "/login", &form, Some("https://evil.example"))
        .await;
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn rfc6585_the_lockout_page_tells_the_real_wait_and_links_to_the_reset() {
    let app = TestApp::spawn_with(|c| {
        c.login_failure_limit = 1;
        c.login_failure_window = latchkey::config::HumanDuration::from_secs(15 * 60);
    })
    .await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let html = sign_in_page(&app, &browser, &AuthRequest::new(&client)).await;
    let failed = browser
        .submit_sign_in(&app, &html, &user.email, "wrong")
        .await;
    let again = text(browser.get(&location(&app, &failed)).await).await;
    let locked = browser
        .submit_sign_in(&app, &again, &user.email, &user.password)
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = text(locked).await;
    assert!(html.contains("<h1>Too many attempts</h1>"), "{html}");
    assert!(html.contains("Try again in 15 minutes"), "{html}");
    let reset = link(&html, "Reset your password");
    let page = follow(&app, &browser, &reset).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(text(page).await.contains("action=\"/password/forgot\""));
}

/// A server whose mail lands in a temporary folder.
async fn app_with_mail() -> (TestApp, TempDir) {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(path)).await;
    (app, dir)
}

/// The reset link in a mail.
fn mailed_link(mail: &str) -> String {
    let start = mail.find("http").expect("a link in the mail");
    let end = start
        + mail[start..]
            .find(char::is_whitespace)
            .unwrap_or(mail.len() - start);
    mail[start..end].to_owned()
}

#[tokio::test]
async fn forgot_password_carries_the_request_and_the_login_through_the_mail_back_into_the_application()
 {
    let (app, dir) = app_with_mail().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let html = sign_in_page(&app, &browser, &request).await;
    let failed = browser
        .submit_sign_in(&app, &html, &user.email, "forgotten")
        .await;
    let html = text(browser.get(&location(&app, &failed)).await).await;

    // "Forgot your password?" keeps the request and the address typed.
    let forgot = follow(&app, &browser, &link(&html, "Forgot your password?")).await;
    assert_eq!(forgot.status(), StatusCode::OK);
    let html = text(forgot).await;
    assert!(
        html.contains(&format!("value=\"{}\"", user.email)),
        "{html}"
    );
    let mut form = hidden_fields(&html);
    assert!(
        form.iter()
            .any(|(k, v)| k == "return_to" && v.contains(&request.state))
    );
    form.push(("email".into(), user.email.clone()));
    let sent = browser
        .post_form(&app, "/password/forgot", &form, Some(&app.address))
        .await;
    let html = text(browser.get(&location(&app, &sent)).await).await;
    assert!(html.contains("Check your email"));
    assert!(html.contains("If your account was disabled, contact your administrator."));
    // The confirmation's next steps: back to this sign-in, or send again (address kept).
    let back = link(&html, "Back to sign-in");
    assert!(
        back.starts_with("/authorize?") && back.contains(&request.state),
        "{back}"
    );
    let again = text(follow(&app, &browser, &link(&html, "No message? Send it again")).await).await;
    assert!(again.contains(&format!("value=\"{}\"", user.email)));

    // The mailed link carries the request; its page names the account for password managers.
    let mail = wait_for_mails(dir.path(), 1).await.remove(0);
    let reset_link = mailed_link(&mail);
    assert!(reset_link.contains("return_to="), "{reset_link}");
    let page = browser.get(&reset_link).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(
        html.contains(&format!(
            "autocomplete=\"username\" value=\"{}\"",
            user.email
        )),
        "{html}"
    );

    // A refused password: 303 to the form again with the reason, the link still usable.
    let mut form = hidden_fields(&html);
    form.push(("password".into(), "a new long passphrase".into()));
    form.push(("password_again".into(), "another passphrase".into()));
    let refused = browser
        .post_form(&app, "/password/reset", &form, Some(&app.address))
        .await;
    let html = text(browser.get(&location(&app, &refused)).await).await;
    assert!(
        html.contains("The two passwords are not the same."),
        "{html}"
    );

    let new_password = "a brand new passphrase";
    let mut form = hidden_fields(&html);
    form.push(("password".into(), new_password.into()));
    form.push(("password_again".into(), new_password.into()));
    let done = browser
        .post_form(&app, "/password/reset", &form, Some(&app.address))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let html = text(done).await;
    // "Sign in" leads back into the same authorization request, the address filled in.
    let sign_in = follow(&app, &browser, &link(&html, "Sign in")).await;
    assert_eq!(sign_in.status(), StatusCode::OK);
    let html = text(sign_in).await;
    assert!(html.contains(&format!("value=\"{}\"", user.email)));
    let response = browser
        .submit_sign_in(&app, &html, &user.email, new_password)
        .await;
    assert_back_in_the_app(&response, &request);
}

#[tokio::test]
async fn a_used_or_expired_reset_link_offers_a_new_one() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let page = browser
        .get(&app.url("/password/reset?token=lk_pr_not-a-live-one"))
        .await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let html = text(page).await;
    assert!(
        html.contains("<h1>This link can&#39;t be used</h1>")
            || html.contains("<h1>This link can't be used</h1>"),
        "{html}"
    );
    let new_link = follow(&app, &browser, &link(&html, "Send a new link")).await;
    assert_eq!(new_link.status(), StatusCode::OK);
    assert!(text(new_link).await.contains("action=\"/password/forgot\""));
}

#[tokio::test]
async fn a_return_target_is_only_ever_a_checked_authorization_request_no_open_redirect() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    for target in [
        "https://evil.example/",
        "//evil.example/authorize",
        "/authorize?client_id=nobody&redirect_uri=https://evil.example/",
    ] {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("return_to", target);
        let page = browser
            .get(&app.url(&format!("/password/forgot?{}", query.finish())))
            .await;
        let html = text(page).await;
        assert!(!html.contains("evil"), "{target}: {html}");
        assert_eq!(link(&html, "Back to sign-in"), "/login", "{target}");
    }
    // A redirect_uri the client did not register is dropped too (RFC 6749 §4.1.2.1).
    let foreign = AuthRequest::new(&client).with("redirect_uri", Some("https://evil.example/cb"));
    let page = browser
        .get(&app.url(&format!("/password/forgot?{}", foreign.query())))
        .await;
    assert!(!text(page).await.contains("evil"));

    // The account's own sign-in leads to /account and nowhere else.
    let html = text(browser.get(&app.url("/login")).await).await;
    let mut form: Vec<_> = hidden_fields(&html)
        .into_iter()
        .map(|(k, v)| {
            if k == "return_to" {
                (k, "https://evil.example/".into())
            } else {
                (k, v)
            }
        })
        .collect();
    form.push(("username".into(), user.email.clone()));
    form.push(("password".into(), user.password.clone()));
    let response = browser
        .post_form(&app, "/login", &form, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_account_page_without_a_session_leads_to_its_own_sign_in_and_back() {
    let app = TestApp::spawn().await;
    let (user, _) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let page = browser.get(&app.url("/account")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    let sign_in = follow(&app, &browser, &link(&html, "Sign in")).await;
    assert_eq!(sign_in.status(), StatusCode::OK);
    let html = text(sign_in).await;
    assert!(html.contains("to see your account"));

    // A wrong password: 303 to the same form, login kept.
    let failed = browser
        .submit_sign_in(&app, &html, &user.email, "wrong")
        .await;
    let again = location(&app, &failed);
    assert!(
        again.contains("/login?") && again.contains("problem=credentials"),
        "{again}"
    );
    let html = text(browser.get(&again).await).await;
    assert!(html.contains(&format!("value=\"{}\"", user.email)));

    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_eq!(location(&app, &response), app.url("/account"));
    let account = text(browser.get(&app.url("/account")).await).await;
    assert!(account.contains(&user.email), "{account}");
    // Signed in, /login goes straight on to the account.
    let again = browser.get(&app.url("/login")).await;
    assert_eq!(location(&app, &again), app.url("/account"));
}

async fn signed_in(app: &TestApp, client: &TestClient, user: &TestUser) -> Browser {
    let browser = Browser::new(app);
    browser.sign_in(app, &AuthRequest::new(client), user).await;
    browser
}

#[tokio::test]
async fn oidc_core_3_1_2_1_prompt_login_says_who_is_signed_in() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = signed_in(&app, &client, &user).await;
    let request = AuthRequest::new(&client).with("prompt", Some("login"));
    let html = sign_in_page(&app, &browser, &request).await;
    assert!(html.contains("Signed in as"), "{html}");
    assert!(html.contains(&user.email));
    assert!(html.contains("or sign in with another account"));
    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_back_in_the_app(&response, &request);
}

#[tokio::test]
async fn the_logout_page_names_the_account_and_cancel_keeps_the_session() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = signed_in(&app, &client, &user).await;
    let page = browser.get(&app.url("/logout")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(page).await;
    assert!(html.contains(&user.email), "{html}");
    let cancel = follow(&app, &browser, &link(&html, "Cancel")).await;
    let account = text(cancel).await;
    assert!(account.contains(&user.email), "still signed in: {account}");

    let form = hidden_fields(&html);
    let done = browser
        .post_form(&app, "/logout", &form, Some(&app.address))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let html = text(done).await;
    let again = follow(&app, &browser, &link(&html, "Sign in again")).await;
    assert_eq!(again.status(), StatusCode::OK, "the account's sign-in form");
}

#[tokio::test]
async fn rfc9110_browsers_get_branded_404_and_405_pages_and_head_answers_like_get() {
    let app = TestApp::spawn().await;
    let html = |request: reqwest::RequestBuilder| request.header("accept", "text/html,*/*;q=0.8");

    let missing = html(app.http.get(app.url("/no/such/page")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body = missing.text().await.unwrap();
    assert!(body.contains("<h1>Page not found</h1>"), "{body}");
    assert!(body.contains("href=\"/account\""));
    // An API client keeps the bare status.
    let api = app
        .http
        .get(app.url("/no/such/page"))
        .header("accept", "application/json");
    let api = api.send().await.unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(api.text().await.unwrap().is_empty());

    let wrong_method = html(app.http.delete(app.url("/password/forgot")))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        crate::helpers::header(wrong_method.headers(), "allow").as_deref(),
        Some("GET, HEAD, POST")
    );
    assert!(wrong_method.text().await.unwrap().contains("<h1>"));
    // The API keeps its own answers (RFC 6749 §3.2: the token endpoint is POST only).
    let token = html(app.http.get(app.token_url())).send().await.unwrap();
    assert_eq!(token.status(), StatusCode::METHOD_NOT_ALLOWED);

    let head = app
        .http
        .head(app.url("/password/forgot"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert!(head.text().await.unwrap().is_empty());
    let login = html(app.http.get(app.url("/login"))).send().await.unwrap();
    assert_eq!(
        login.status(),
        StatusCode::OK,
        "GET /login is the account's sign-in"
    );
}

#[tokio::test]
async fn every_page_says_noindex_robots_txt_disallows_all_and_the_script_is_the_only_one_allowed() {
    let app = TestApp::spawn_with(|c| {
        c.terms_url = Some("https://example.com/terms".into());
        c.privacy_url = Some("https://example.com/privacy".into());
        c.support_url = Some("https://example.com/help".into());
        c.logo_url = Some("https://example.com/logo.svg".into());
        c.logo_dark_url = Some("https://example.com/logo-dark.svg".into());
        c.favicon_url = Some("https://example.com/icon.png".into());
    })
    .await;
    let page = app
        .http
        .get(app.url("/password/forgot"))
        .send()
        .await
        .unwrap();
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert_eq!(
        crate::helpers::header(&headers, "x-robots-tag").as_deref(),
        Some("noindex, nofollow")
    );
    let csp = crate::helpers::header(&headers, "content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(html.contains("<script src=\"/assets/latchkey.js\" defer></script>"));
    assert!(!html.contains("<script>"), "no inline script");
    for href in [
        "https://example.com/terms",
        "https://example.com/privacy",
        "https://example.com/help",
    ] {
        assert!(
            html.contains(&format!("<a href=\"{href}\">")),
            "{href} in the footer"
        );
    }
    assert!(html.contains(
        "<source srcset=\"https://example.com/logo-dark.svg\" media=\"(prefers-color-scheme: dark)\">"
    ));
    assert!(html.contains("<link rel=\"icon\" href=\"https://example.com/icon.png\">"));

    let robots = app.http.get(app.url("/robots.txt")).send().await.unwrap();
    assert_eq!(robots.text().await.unwrap(), "User-agent: *\nDisallow: /\n");
    let script = app
        .http
        .get(app.url("/assets/latchkey.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        crate::helpers::header(script.headers(), "content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    let css = app
        .http
        .get(app.url("/assets/latchkey.css"))
        .send()
        .await
        .unwrap();
    let css = css.text().await.unwrap();
    assert!(css.contains("prefers-color-scheme: dark") && css.contains("forced-colors: active"));
}

#[tokio::test]
async fn a_setting_that_links_to_plain_http_is_refused_at_start() {
    let config = latchkey::config::Config {
        terms_url: Some("http://example.com/terms".into()),
        ..latchkey::config::Config::default()
    };
    let error = config.validate().expect_err("an http terms_url");
    assert!(error.to_string().contains("terms_url"), "{error}");
}
