//! Brute-force and abuse defence (OWASP ASVS 2.2.1): per-account counters with device cookies, per-address limits,
//! and the same answers for known and unknown accounts. Counted in this process on `SQLite`, in Redis on `PostgreSQL`
//! with `TEST_REDIS_URL` (see `test_config`).

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{AuthRequest, Browser, hidden_fields};
use crate::helpers::{
    ClientSpec, TestApp, TestClient, TestUser, UserSpec, expect_error, expect_tokens,
};

const LIMIT: u32 = 5;

async fn app_with_limit() -> TestApp {
    TestApp::spawn_with(|config| config.login_failure_limit = LIMIT).await
}

/// A client that keeps cookies, as a browser or a well-behaved native app does.
fn device_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

async fn password_grant_with(
    http: &reqwest::Client,
    app: &TestApp,
    client: &TestClient,
    login: &str,
    password: &str,
) -> reqwest::Response {
    http.post(app.token_url())
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[
            ("grant_type", "password"),
            ("username", login),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST /token")
}

pub(crate) async fn fail_times(app: &TestApp, client: &TestClient, login: &str, times: u32) {
    for attempt in 0..times {
        let response = app
            .password_grant_as(client, login, "not the password", None)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "attempt {attempt} is still checked"
        );
    }
}

pub(crate) async fn expect_throttled(response: reqwest::Response) -> (String, u64) {
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .expect("RFC 6585 §4: Retry-After in seconds");
    assert!(retry_after >= 1);
    let error = expect_error(response, 429, "temporarily_unavailable").await;
    (error.description.unwrap_or_default(), retry_after)
}

#[tokio::test]
async fn asvs_2_2_1_guessing_locks_unknown_sources_out_while_the_owners_device_still_signs_in() {
    let app = app_with_limit().await;
    let (user, client) = app.user_and_client().await;
    let owner = device_client();
    // The owner signed in from this device before: it now carries a device cookie for the account.
    let before = password_grant_with(&owner, &app, &client, &user.email, &user.password).await;
    expect_tokens(before).await;

    fail_times(&app, &client, &user.email, LIMIT).await;

    // Unknown sources are refused without a password check, even with the right password.
    expect_throttled(app.password_grant(&client, &user).await).await;
    let fresh_browser = device_client();
    expect_throttled(
        password_grant_with(&fresh_browser, &app, &client, &user.email, &user.password).await,
    )
    .await;
    // The owner's device is counted apart and signs in.
    let owners = password_grant_with(&owner, &app, &client, &user.email, &user.password).await;
    expect_tokens(owners).await;
}

#[tokio::test]
async fn asvs_2_2_1_an_unknown_account_is_throttled_exactly_like_a_known_one() {
    let app = app_with_limit().await;
    let (user, client) = app.user_and_client().await;
    fail_times(&app, &client, &user.email, LIMIT).await;
    fail_times(&app, &client, "nobody@example.org", LIMIT).await;

    let known = expect_throttled(app.password_grant(&client, &user).await).await;
    let unknown = expect_throttled(
        app.password_grant_as(&client, "nobody@example.org", "x-password", None)
            .await,
    )
    .await;
    assert_eq!(known.0, unknown.0, "the same description");
}

#[tokio::test]
async fn a_refresh_or_another_grant_never_resets_the_failure_count() {
    let app = app_with_limit().await;
    let (user, client) = app.user_and_client().await;
    let tokens = app.login(&client, &user).await;
    fail_times(&app, &client, &user.email, LIMIT - 1).await;

    let mut refresh = tokens.refresh_token().to_owned();
    for _ in 0..3 {
        refresh = app
            .refresh(&client, &refresh)
            .await
            .refresh_token()
            .to_owned();
    }
    fail_times(&app, &client, &user.email, 1).await;

    expect_throttled(app.password_grant(&client, &user).await).await;
    // The refresh grant itself is never locked by password failures.
    app.refresh(&client, &refresh).await;
}

#[tokio::test]
async fn the_lock_lifts_when_the_window_ends() {
    // In-process counters run on the server's clock (Redis' windows on Redis' own clock: see
    // `realtime::rate_limits_on_redis`).
    let app = TestApp::spawn_with(|config| {
        config.redis_url = None;
        config.login_failure_limit = 2;
        config.login_failure_window = latchkey::config::HumanDuration::from_secs(2);
    })
    .await;
    let (user, client) = app.user_and_client().await;
    fail_times(&app, &client, &user.email, 2).await;
    let (_, retry_after) = expect_throttled(app.password_grant(&client, &user).await).await;
    assert!(retry_after <= 2, "{retry_after}");

    app.clock.advance(Duration::from_secs(2));
    expect_tokens(app.password_grant(&client, &user).await).await;
}

#[tokio::test]
async fn failed_passwords_count_per_address_across_accounts() {
    let app = TestApp::spawn_with(|config| config.address_failure_limit = 3).await;
    let (user, client) = app.user_and_client().await;
    for n in 0..3 {
        fail_times(&app, &client, &format!("someone-{n}@example.org"), 1).await;
    }
    // Another account, never tried: refused at this address.
    expect_throttled(app.password_grant(&client, &user).await).await;
}

#[tokio::test]
async fn guessing_client_secrets_is_throttled_per_address() {
    let app = TestApp::spawn_with(|config| config.address_failure_limit = 3).await;
    let (user, client) = app.user_and_client().await;
    let guess = TestClient {
        id: client.id.clone(),
        secret: Some("lk_cs_guess".into()),
    };
    for _ in 0..3 {
        expect_error(
            app.password_grant(&guess, &user).await,
            401,
            "invalid_client",
        )
        .await;
    }
    expect_throttled(app.password_grant(&guess, &user).await).await;
    // And the right secret from the same address waits too: the address is guessing.
    expect_throttled(app.password_grant(&client, &user).await).await;
    let revoke = app.post_as(&client, "/revoke", &[("token", "x")]).await;
    expect_throttled(revoke).await;
}

#[tokio::test]
async fn requests_to_credential_endpoints_are_limited_per_address() {
    let app = TestApp::spawn_with(|config| config.address_request_limit = 4).await;
    let (user, client) = app.user_and_client().await;
    for _ in 0..4 {
        expect_tokens(app.password_grant(&client, &user).await).await;
    }
    expect_throttled(app.password_grant(&client, &user).await).await;
}

#[tokio::test]
async fn the_hosted_page_shares_the_account_counter_and_honours_device_cookies() {
    let app = app_with_limit().await;
    let (user, client) = app.user_and_web_app().await;
    let owner = Browser::new(&app);
    owner.sign_in(&app, &AuthRequest::new(&client), &user).await;

    // Guesses through the API and the page add up.
    fail_times(
        &app,
        &client_for_password(&app).await,
        &user.email,
        LIMIT - 1,
    )
    .await;
    let attacker = Browser::new(&app);
    let page = attacker.authorize(&app, &AuthRequest::new(&client)).await;
    let html = page.text().await.unwrap();
    let failed = attacker
        .submit_sign_in(&app, &html, &user.email, "not the password")
        .await;
    assert_eq!(
        failed.status(),
        StatusCode::SEE_OTHER,
        "the last failure still leads to the form (POST-redirect-GET)"
    );

    let locked = attacker
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().contains_key("retry-after"));
    assert!(locked.text().await.unwrap().contains("Too many attempts"));

    // The owner's browser signed in before: `prompt=login` makes it show the form again, and it works.
    let again = AuthRequest::new(&client).with("prompt", Some("login"));
    let page = owner.authorize(&app, &again).await;
    let html = page.text().await.unwrap();
    let response = owner
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the owner signs in"
    );
}

async fn client_for_password(app: &TestApp) -> TestClient {
    app.create_client(ClientSpec::default()).await
}

#[tokio::test]
async fn password_reset_is_never_locked_per_account() {
    let app = app_with_limit().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = client_for_password(&app).await;
    fail_times(&app, &client, &user.email, LIMIT).await;
    expect_throttled(
        app.password_grant_as(&client, &user.email, &user.password, None)
            .await,
    )
    .await;

    let browser = Browser::new(&app);
    let form = browser.get(&app.url("/password/forgot")).await;
    let html = form.text().await.unwrap();
    let mut fields = hidden_fields(&html);
    fields.push(("email".into(), user.email.clone()));
    let response = browser
        .post_form(&app, "/password/forgot", &fields, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forgot_password_requests_are_limited_per_address() {
    let app = TestApp::spawn_with(|config| config.forgot_password_limit = 2).await;
    let browser = Browser::new(&app);
    let html = browser
        .get(&app.url("/password/forgot"))
        .await
        .text()
        .await
        .unwrap();
    let mut fields = hidden_fields(&html);
    fields.push(("email".into(), "someone@example.org".into()));
    for _ in 0..2 {
        let response = browser
            .post_form(&app, "/password/forgot", &fields, Some(&app.address))
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let response = browser
        .post_form(&app, "/password/forgot", &fields, Some(&app.address))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
}

/// The brute-force scenario of OWASP's cheat sheet: a botnet guesses one account's password, each guess from a new
/// address (behind the load balancer Latchkey trusts), so no per-address limit ever fires. The account counter does:
/// after the limit every unknown source is refused unchecked, while the owner's browser, which signed in before,
/// still signs in.
#[tokio::test]
async fn a_guessing_loop_from_many_addresses_is_stopped_while_the_owners_device_signs_in() {
    let app = TestApp::spawn_with(|config| {
        config.login_failure_limit = LIMIT;
        config.trusted_proxies =
            latchkey::http::client_addr::TrustedProxies::parse("127.0.0.1/32").expect("a CIDR");
    })
    .await;
    let (user, client) = app.user_and_client().await;
    let owner = device_client();
    expect_tokens(sign_in_from_home(&owner, &app, &client, &user).await).await;

    let mut checked = 0;
    let mut refused = 0;
    for n in 0..40u32 {
        let response = app
            .http
            .post(app.token_url())
            .basic_auth(&client.id, client.secret.as_deref())
            .header("x-forwarded-for", format!("203.0.113.{}", n + 1))
            .form(&[
                ("grant_type", "password"),
                ("username", user.email.as_str()),
                ("password", &format!("guess-{n}")),
            ])
            .send()
            .await
            .unwrap();
        match response.status() {
            StatusCode::BAD_REQUEST => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("guess {n}: unexpected {other}"),
        }
    }
    assert_eq!(
        checked, LIMIT,
        "only the first {LIMIT} guesses were checked"
    );
    assert_eq!(refused, 40 - LIMIT);

    expect_tokens(sign_in_from_home(&owner, &app, &client, &user).await).await;
}

/// The owner's password grant from their usual device and address (behind the trusted proxy).
async fn sign_in_from_home(
    owner: &reqwest::Client,
    app: &TestApp,
    client: &TestClient,
    user: &TestUser,
) -> reqwest::Response {
    owner
        .post(app.token_url())
        .basic_auth(&client.id, client.secret.as_deref())
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[
            ("grant_type", "password"),
            ("username", user.email.as_str()),
            ("password", user.password.as_str()),
        ])
        .send()
        .await
        .expect("POST /token")
}
