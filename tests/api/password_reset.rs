//! Password reset by email (issue 8): the same answer for every address, a single-use expiring link built from
//! the public URL, a GET that never consumes it, and a reset that ends every session and refresh token. Mail goes
//! through the real outbox and sender into `.eml` files (`mail_dir`).

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{
    AuthRequest, Browser, ClientSpec, Redirect, TempDir, TestApp, TestUser, UserSpec, eventually,
    expect_error, hidden_fields,
};

/// A server whose mail lands in a temporary folder.
async fn app_with_mail() -> (TestApp, TempDir) {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(path)).await;
    (app, dir)
}

/// Every message in `dir`, decoded enough to read links (quoted-printable soft breaks and `=3D` undone). A file
/// the sender has created but not yet written (lettre's file transport creates, then writes) is not a message yet.
pub(crate) fn mails(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("a mail file"))
        .filter(|text| text.contains("\r\n\r\n"))
        .map(|text| text.replace("=\r\n", "").replace("=3D", "="))
        .collect()
}

/// Waits (bounded) until `dir` holds `count` messages; the sender delivers in the background.
pub(crate) async fn wait_for_mails(dir: &Path, count: usize) -> Vec<String> {
    eventually(
        &format!("{count} mail(s) in {}", dir.display()),
        Duration::from_secs(5),
        async || {
            let found = mails(dir);
            if found.len() >= count {
                Ok(found)
            } else {
                Err(format!("{} mail(s)", found.len()))
            }
        },
    )
    .await
}

/// Waits (bounded) until every message in the outbox is marked sent; returns the outbox's recipients.
pub(crate) async fn wait_until_all_sent(app: &TestApp) -> Vec<String> {
    eventually(
        "every message marked sent",
        Duration::from_secs(5),
        async || {
            let pending = app.state.store.pending_mail().await.expect("the outbox");
            if pending.is_empty() {
                Ok(())
            } else {
                Err(pending)
            }
        },
    )
    .await;
    app.database.outbox_recipients().await
}

/// Waits until every reset request answered so far has been handled (off the request path: a mail queued in
/// the outbox, or none).
pub(crate) async fn settled(app: &TestApp) {
    eventually(
        "every forgot-password request handled",
        Duration::from_secs(5),
        async || match app.state.store.reset_requests_waiting().await {
            Ok(0) => Ok(()),
            waiting => Err(format!("{waiting:?}")),
        },
    )
    .await;
}

/// The reset link in a message.
pub(crate) fn reset_link(mail: &str) -> String {
    let start = mail.find("http").expect("a link in the mail");
    mail[start..]
        .split_whitespace()
        .next()
        .expect("a link")
        .to_owned()
}

/// Asks for a reset of `email` through the forgot form.
pub(crate) async fn forgot(app: &TestApp, browser: &Browser, email: &str) -> reqwest::Response {
    let page = browser.get(&app.url("/password/forgot")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let mut form = hidden_fields(&page.text().await.expect("the forgot page"));
    form.push(("email".into(), email.into()));
    let posted = browser
        .post_form(app, "/password/forgot", &form, Some(&app.address))
        .await;
    follow_see_other(app, browser, posted).await
}

/// The page a 303 after a form POST leads to (POST-redirect-GET, DESIGN.md §23); any other answer as it is.
pub(crate) async fn follow_see_other(
    app: &TestApp,
    browser: &Browser,
    response: reqwest::Response,
) -> reqwest::Response {
    if response.status() != StatusCode::SEE_OTHER {
        return response;
    }
    let location = crate::helpers::header(response.headers(), "location").expect("a Location");
    assert!(
        location.starts_with('/'),
        "a same-origin redirect: {location}"
    );
    browser.get(&app.url(&location)).await
}

/// Posts the reset form of `link` with `password` twice (or `again` as the second).
pub(crate) async fn reset(
    app: &TestApp,
    browser: &Browser,
    link: &str,
    password: &str,
    again: &str,
) -> reqwest::Response {
    let page = browser.get(link).await;
    assert_eq!(page.status(), StatusCode::OK, "the reset form for {link}");
    let mut form = hidden_fields(&page.text().await.expect("the reset page"));
    form.push(("password".into(), password.into()));
    form.push(("password_again".into(), again.into()));
    let posted = browser
        .post_form(app, "/password/reset", &form, Some(&app.address))
        .await;
    follow_see_other(app, browser, posted).await
}

#[tokio::test]
async fn forgot_password_answers_the_same_whether_or_not_the_account_exists() {
    let (app, dir) = app_with_mail().await;
    let user = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);

    let known = forgot(&app, &browser, &user.email).await;
    let unknown = forgot(&app, &browser, "nobody@example.org").await;

    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(known.status(), unknown.status());
    assert_eq!(
        known.headers().get("set-cookie").is_some(),
        unknown.headers().get("set-cookie").is_some()
    );
    // The same page but for the address typed, kept for "send it again".
    let typed = |email: &str| form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>();
    let (known, unknown) = (
        known
            .text()
            .await
            .expect("page")
            .replace(&typed(&user.email), "EMAIL"),
        unknown
            .text()
            .await
            .expect("page")
            .replace(&typed("nobody@example.org"), "EMAIL"),
    );
    assert_eq!(known, unknown, "the same page");
    let sent = wait_for_mails(dir.path(), 1).await;
    settled(&app).await;
    assert_eq!(
        app.database.outbox_recipients().await,
        [user.email.as_str()],
        "mail only for the account that exists"
    );
    assert!(
        sent[0].contains(&format!("To: {}", user.email)),
        "{}",
        sent[0]
    );
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session_and_refresh_token() {
    let (app, dir) = app_with_mail().await;
    let user = app.create_user(UserSpec::default()).await;
    let password_client = app.create_client(ClientSpec::default()).await;
    let web = app.create_client(ClientSpec::web_app()).await;
    let before = app.login(&password_client, &user).await;
    let signed_in = Browser::new(&app);
    signed_in
        .sign_in(&app, &AuthRequest::new(&web), &user)
        .await;

    let browser = Browser::new(&app);
    forgot(&app, &browser, &user.email).await;
    let link = reset_link(&wait_for_mails(dir.path(), 1).await[0]);
    assert!(
        link.starts_with(&format!("{}/password/reset?token=lk_pr_", app.issuer)),
        "{link}"
    );

    // Opening the link (twice, as a mail scanner and then the user would) uses nothing up.
    assert_eq!(browser.get(&link).await.status(), StatusCode::OK);
    let mismatch = reset(
        &app,
        &browser,
        &link,
        "a brand new passphrase",
        "another passphrase",
    )
    .await;
    assert_eq!(mismatch.status(), StatusCode::BAD_REQUEST);
    let common = reset(&app, &browser, &link, "password123", "password123").await;
    assert_eq!(common.status(), StatusCode::BAD_REQUEST);
    assert!(common.text().await.expect("page").contains("commonly used"));
    let short = reset(&app, &browser, &link, "short", "short").await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);

    let done = reset(
        &app,
        &browser,
        &link,
        "a brand new passphrase",
        "a brand new passphrase",
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    // A reset does not sign in: its only cookie makes the browser a known device (issue 16, finding 8).
    let cookies: Vec<_> = done
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("a header").to_owned())
        .collect();
    assert!(
        cookies.iter().all(|c| c.starts_with("latchkey-device=")),
        "a reset does not sign in: {cookies:?}"
    );

    // The new password works, the old one doesn't; what existed before is over.
    let new = TestUser {
        password: "a brand new passphrase".into(),
        ..user.clone()
    };
    app.login(&password_client, &new).await;
    expect_error(
        app.password_grant(&password_client, &user).await,
        400,
        "invalid_grant",
    )
    .await;
    expect_error(
        app.refresh_grant(&password_client, before.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
    let request = AuthRequest::new(&web).with("prompt", Some("none"));
    let redirect = Redirect::from(&signed_in.authorize(&app, &request).await);
    assert_eq!(
        redirect.param("error"),
        Some("login_required"),
        "the session ended"
    );

    // The link is spent, and the user is told by mail.
    assert_eq!(browser.get(&link).await.status(), StatusCode::BAD_REQUEST);
    let notice = wait_for_mails(dir.path(), 2).await;
    assert!(notice[1].contains("password was changed"), "{}", notice[1]);
}

#[tokio::test]
async fn a_newer_request_leaves_earlier_links_working_until_one_of_them_is_used() {
    let (app, dir) = app_with_mail().await;
    let user = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);

    forgot(&app, &browser, &user.email).await;
    let first = reset_link(&wait_for_mails(dir.path(), 1).await[0]);
    // Someone else asks again (the attack: keep the owner's link dead by asking every minute).
    forgot(&app, &browser, &user.email).await;
    let second = reset_link(&wait_for_mails(dir.path(), 2).await[1]);
    assert_ne!(first, second);
    assert_eq!(
        browser.get(&first).await.status(),
        StatusCode::OK,
        "a newer request does not end an earlier link"
    );
    assert_eq!(browser.get(&second).await.status(), StatusCode::OK);

    // Using one ends them all.
    let done = reset(
        &app,
        &browser,
        &first,
        "a brand new passphrase",
        "a brand new passphrase",
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(browser.get(&first).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(browser.get(&second).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_reset_link_ends_when_it_expires() {
    let (app, dir) = app_with_mail().await;
    let user = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);

    forgot(&app, &browser, &user.email).await;
    let link = reset_link(&wait_for_mails(dir.path(), 1).await[0]);
    assert_eq!(browser.get(&link).await.status(), StatusCode::OK);
    app.clock.advance(Duration::from_secs(61 * 60));
    assert_eq!(browser.get(&link).await.status(), StatusCode::BAD_REQUEST);
    for bad in [
        "",
        "?token=",
        "?token=lk_pr_forged",
        "?token=something-else",
    ] {
        let response = browser
            .get(&format!("{}/password/reset{bad}", app.address))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Asks for a reset of `email` as if from `address` (behind a proxy the server trusts).
async fn forgot_from(
    app: &TestApp,
    browser: &Browser,
    form: &[(String, String)],
    address: &str,
) -> reqwest::Response {
    browser
        .http
        .post(app.url("/password/forgot"))
        .header("origin", &app.address)
        .header("x-forwarded-for", address)
        .form(form)
        .send()
        .await
        .expect("POST /password/forgot")
}

#[tokio::test]
async fn reset_mail_to_one_account_is_limited_whoever_asks_from_wherever() {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.mail_dir = Some(path);
        c.reset_mail_limit = 3;
        c.trusted_proxies =
            latchkey::http::client_addr::TrustedProxies::parse("127.0.0.1/32").expect("a CIDR");
    })
    .await;
    let victim = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);
    let page = browser.get(&app.url("/password/forgot")).await;
    let fields = hidden_fields(&page.text().await.expect("the forgot page"));
    let form_for = |email: &str| {
        let mut form = fields.clone();
        form.push(("email".into(), email.to_owned()));
        form
    };

    // Eight requests for the victim, each from another address: no per-address limit is reached.
    let mut pages = Vec::new();
    for n in 0..8 {
        let response = forgot_from(
            &app,
            &browser,
            &form_for(&victim.email),
            &format!("203.0.113.{n}"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "request {n}");
        pages.push(response.text().await.expect("page"));
    }
    // The answer is the same page whether a mail was sent, was not (over the limit), or the account is unknown.
    let unknown = forgot_from(
        &app,
        &browser,
        &form_for("nobody@example.org"),
        "198.51.100.1",
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::SEE_OTHER);
    pages.push(unknown.text().await.expect("page"));
    assert!(
        pages.windows(2).all(|w| w[0] == w[1]),
        "the same page every time"
    );

    settled(&app).await;
    let sent = wait_for_mails(dir.path(), 3).await;
    let recipients = app.database.outbox_recipients().await;
    assert_eq!(
        recipients,
        [victim.email.as_str(); 3],
        "at most reset_mail_limit mails per account and window"
    );
    // The owner's first link still works, however many requests followed it.
    let first = reset_link(&sent[0]);
    assert_eq!(browser.get(&first).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_reset_link_is_built_from_the_public_url_whatever_the_host_header_says() {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.mail_dir = Some(path);
        c.public_url = Some("https://id.example.com".into());
    })
    .await;
    let user = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);
    let page = browser.get(&app.url("/password/forgot")).await;
    let mut form = hidden_fields(&page.text().await.expect("the forgot page"));
    form.push(("email".into(), user.email.clone()));

    let response = browser
        .http
        .post(app.url("/password/forgot"))
        .header("host", "evil.example.com")
        .header("x-forwarded-host", "evil.example.com")
        .header("x-forwarded-proto", "https")
        .form(&form)
        .send()
        .await
        .expect("POST /password/forgot");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let link = reset_link(&wait_for_mails(dir.path(), 1).await[0]);
    assert!(
        link.starts_with("https://id.example.com/password/reset?token=lk_pr_"),
        "{link}"
    );
}

#[tokio::test]
async fn the_forgot_and_reset_forms_refuse_a_missing_csrf_token() {
    let (app, dir) = app_with_mail().await;
    let user = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);
    browser.get(&app.url("/password/forgot")).await;

    let response = browser
        .post_form(
            &app,
            "/password/forgot",
            &[("email".into(), user.email.clone())],
            Some(&app.address),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Mail is queued in the request's transaction: an empty outbox now means nothing will be sent.
    assert!(app.database.outbox_recipients().await.is_empty());
    assert!(mails(dir.path()).is_empty(), "nothing was queued");
    assert!(
        app.state
            .store
            .pending_mail()
            .await
            .expect("outbox")
            .is_empty()
    );
}

#[tokio::test]
async fn mail_queued_during_an_smtp_outage_is_delivered_once_the_server_is_back() {
    // A port with nobody listening: the SMTP server is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let app = TestApp::spawn_with(move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").as_str().into());
    })
    .await;
    let user = app.create_user(UserSpec::default()).await;
    let browser = Browser::new(&app);

    // The user sees the usual page: the outage changes nothing they can observe.
    let response = forgot(&app, &browser, &user.email).await;
    assert_eq!(response.status(), StatusCode::OK);

    // The sender tried, failed, and kept the message for later.
    let failed = eventually(
        "a failed delivery attempt recorded in the outbox",
        Duration::from_secs(5),
        async || {
            let pending = app.state.store.pending_mail().await.expect("the outbox");
            pending.into_iter().find(|r| r.attempts >= 1)
        },
    )
    .await;
    assert!(failed.last_error.is_some());
    assert!(failed.sent_at.is_none());

    // The server comes back; once the backoff has passed, the message goes out, once.
    let sink = crate::helpers::SmtpSink::start(port).await;
    app.clock.advance(Duration::from_secs(60));
    let delivered = eventually(
        "delivery after the outage",
        Duration::from_secs(10),
        async || Some(sink.messages()).filter(|m| !m.is_empty()),
    )
    .await;
    assert_eq!(delivered.len(), 1, "delivered after the outage");
    let mail = delivered[0].replace("=\n", "").replace("=3D", "=");
    assert!(mail.contains("/password/reset?token=lk_pr_"), "{mail}");
    assert!(mail.contains(&format!("To: {}", user.email)), "{mail}");
    // The sender marks the message sent right after the SMTP server took it: wait for that write. A message
    // marked sent is never leased again, so what the sink holds then is final.
    let outbox = wait_until_all_sent(&app).await;
    assert_eq!(outbox, [user.email.as_str()], "one message in the outbox");
    assert_eq!(sink.messages().len(), 1, "sent once");
}

#[tokio::test]
async fn with_two_replicas_on_one_database_each_message_is_sent_once() {
    let (first, dir) = app_with_mail().await;
    let second = first.spawn_another().await;
    let replicas = [
        (&first, Browser::new(&first)),
        (&second, Browser::new(&second)),
    ];
    let mut users = Vec::new();
    for _ in 0..8 {
        users.push(first.create_user(UserSpec::default()).await);
    }
    // Requests alternate between the replicas, and each wakes its own sender: both compete for one outbox.
    let requests = users.iter().enumerate().map(|(i, user)| {
        let (app, browser) = &replicas[i % 2];
        forgot(app, browser, &user.email)
    });
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status(), StatusCode::OK);
    }

    let sent = wait_for_mails(dir.path(), users.len()).await;
    // A message marked sent is never leased again (and a lease is held by one sender): once all are marked, what
    // the folder holds is final.
    assert_eq!(wait_until_all_sent(&first).await.len(), users.len());
    let sent_later = mails(dir.path());
    assert_eq!(sent_later.len(), users.len(), "no message sent twice");
    for user in &users {
        let count = sent
            .iter()
            .filter(|m| m.contains(&format!("To: {}", user.email)))
            .count();
        assert_eq!(count, 1, "{}", user.email);
    }
}

#[tokio::test]
async fn a_request_left_waiting_by_a_restart_or_another_replica_is_handled_without_a_wake_up() {
    let (app, dir) = app_with_mail().await;
    let user = app.create_user(UserSpec::default()).await;
    // Queued the way the form queues it, but nobody wakes this replica's handler: its poll finds it.
    app.state
        .store
        .queue_reset_request(latchkey::store::password_resets::ResetRequestRow {
            id: uuid::Uuid::now_v7().to_string(),
            email: user.email.clone(),
            created_at: app.state.clock.now(),
            return_to: None,
            locale: None,
        })
        .await
        .expect("queueing a request");
    let sent = wait_for_mails(dir.path(), 1).await;
    assert!(
        sent[0].contains(&format!("To: {}", user.email)),
        "{}",
        sent[0]
    );
    settled(&app).await;
}

/// Issue 17: with `public_url` other than the issuer (a documented setup: mailed links lead there), the pages served
/// from it post their forms from its origin; those were refused 403 because the check knew only the issuer's origin.
/// Both origins are ours now; any other is still refused.
#[tokio::test]
async fn forms_posted_from_the_public_url_origin_are_accepted_and_other_origins_are_not() {
    let app =
        TestApp::spawn_with(|c| c.public_url = Some("https://login.example.com".into())).await;
    let browser = Browser::new(&app);
    let page = browser.get(&app.url("/password/forgot")).await;
    let mut form = hidden_fields(&page.text().await.expect("the forgot page"));
    form.push(("email".into(), "someone@example.org".into()));

    let from_public_url = browser
        .post_form(
            &app,
            "/password/forgot",
            &form,
            Some("https://login.example.com"),
        )
        .await;
    assert_eq!(from_public_url.status(), StatusCode::SEE_OTHER);
    let from_the_issuer = browser
        .post_form(&app, "/password/forgot", &form, Some(&app.address))
        .await;
    assert_eq!(from_the_issuer.status(), StatusCode::SEE_OTHER);
    let from_elsewhere = browser
        .post_form(
            &app,
            "/password/forgot",
            &form,
            Some("https://evil.example.com"),
        )
        .await;
    assert_eq!(from_elsewhere.status(), StatusCode::FORBIDDEN);
}
