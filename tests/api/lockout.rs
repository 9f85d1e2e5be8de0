//! Limits that can't be turned against the account's owner, split or flushed (issue 16, findings 2, 3, 4, 7 and
//! 8; OWASP ASVS 2.2.1). Counted in this process on `SQLite` and in Redis with `TEST_REDIS_URL`.

use reqwest::StatusCode;

use crate::brute_force::{expect_throttled, fail_times};
use crate::helpers::TempDir;
use crate::helpers::{Browser, TestApp, TestClient, TestUser, expect_tokens};
use crate::password_reset::{forgot, reset, reset_link, wait_for_mails};

const LIMIT: u32 = 5;

fn behind_proxy(config: &mut latchkey::config::Config) {
    config.login_failure_limit = LIMIT;
    config.trusted_proxies =
        latchkey::http::client_addr::TrustedProxies::parse("127.0.0.1/32").expect("a CIDR");
}

/// A password grant from `address` (as the trusted proxy reports it) with `http`'s cookies.
async fn grant_from(
    http: &reqwest::Client,
    app: &TestApp,
    client: &TestClient,
    address: &str,
    login: &str,
    password: &str,
) -> reqwest::Response {
    http.post(app.token_url())
        .basic_auth(&client.id, client.secret.as_deref())
        .header("x-forwarded-for", address)
        .form(&[
            ("grant_type", "password"),
            ("username", login),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST /token")
}

/// Finding 2: a request refused (429) or shed (503) is never a failed password check, and a success gives back
/// its place. Before, 16 concurrent correct logins locked the account within three rounds.
#[tokio::test]
async fn asvs_2_2_1_concurrent_correct_passwords_never_lock_the_account() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    for round in 0..5 {
        let logins = (0..32).map(|_| app.password_grant(&client, &user));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(logins)
            .await
            .iter()
            .map(reqwest::Response::status)
            .collect();
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
            "round {round}: only 200 or 503, never a lock: {statuses:?}"
        );
        assert!(
            statuses.contains(&StatusCode::OK),
            "round {round}: {statuses:?}"
        );
    }
    expect_tokens(app.password_grant(&client, &user).await).await;
}

/// Finding 2, the other side: correct passwords in flight don't open a way around the limit for wrong ones.
#[tokio::test]
async fn concurrent_guesses_are_held_to_the_limit_with_busy_answers_that_count_for_nothing() {
    let app = TestApp::spawn_with(|c| c.login_failure_limit = LIMIT).await;
    let (user, client) = app.user_and_client().await;
    let guesses = (0..20).map(|n| {
        let (app, client, email) = (&app, &client, user.email.clone());
        async move {
            app.password_grant_as(client, &email, &format!("guess-{n}"), None)
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    assert!(checked <= LIMIT as usize, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [
            StatusCode::BAD_REQUEST,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::SERVICE_UNAVAILABLE
        ]
        .contains(s)),
        "{statuses:?}"
    );
    // Only checked guesses count: the account is locked after exactly LIMIT of them, wherever they stood.
    fail_times(&app, &client, &user.email, LIMIT - checked as u32).await;
    expect_throttled(app.password_grant(&client, &user).await).await;
}

/// Finding 7: the username and the email of one account share its counter (before: 10 guesses each).
#[tokio::test]
async fn asvs_2_2_1_username_and_email_share_one_counter() {
    let app = TestApp::spawn_with(|c| c.login_failure_limit = LIMIT).await;
    let (user, client) = app.user_and_client().await;
    let username = user.username.clone().expect("a username");
    fail_times(&app, &client, &username, 3).await;
    fail_times(&app, &client, &user.email, LIMIT - 3).await;
    expect_throttled(
        app.password_grant_as(&client, &username, "guess", None)
            .await,
    )
    .await;
    expect_throttled(app.password_grant(&client, &user).await).await;
}

/// Finding 7: a device cookie earned signing in by username is honoured when signing in by email.
#[tokio::test]
async fn a_device_cookie_earned_with_one_login_form_is_honoured_with_the_other() {
    let app = TestApp::spawn_with(behind_proxy).await;
    let (user, client) = app.user_and_client().await;
    let username = user.username.clone().expect("a username");
    let owner = Browser::new(&app);
    let home = "198.51.100.7";
    expect_tokens(grant_from(&owner.http, &app, &client, home, &username, &user.password).await)
        .await;
    lock_for_unknown_sources(&app, &client, &user).await;
    expect_tokens(
        grant_from(
            &owner.http,
            &app,
            &client,
            home,
            &user.email,
            &user.password,
        )
        .await,
    )
    .await;
}

/// Guesses from many addresses until unknown sources are refused.
async fn lock_for_unknown_sources(app: &TestApp, client: &TestClient, user: &TestUser) {
    for n in 0..LIMIT {
        let guess = grant_from(
            &app.http,
            app,
            client,
            &format!("203.0.113.{}", n + 1),
            &user.email,
            &format!("guess-{n}"),
        )
        .await;
        assert_eq!(guess.status(), StatusCode::BAD_REQUEST, "guess {n}");
    }
    expect_throttled(
        grant_from(
            &app.http,
            app,
            client,
            "203.0.113.200",
            &user.email,
            &user.password,
        )
        .await,
    )
    .await;
}

async fn app_with_mail_behind_proxy() -> (TestApp, TempDir) {
    let dir = TempDir::new();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        behind_proxy(c);
        c.mail_dir = Some(path);
    })
    .await;
    (app, dir)
}

/// Finding 8: a completed reset proves control of the mailbox. It clears the account's counter, and the browser
/// that completed it is a known device (before: refused for the rest of the window with the new password).
#[tokio::test]
async fn a_completed_reset_unlocks_the_account() {
    let (app, dir) = app_with_mail_behind_proxy().await;
    let (user, client) = app.user_and_client().await;
    lock_for_unknown_sources(&app, &client, &user).await;

    let browser = Browser::new(&app);
    forgot(&app, &browser, &user.email).await;
    let link = reset_link(&wait_for_mails(dir.path(), 1).await[0]);
    let new_password = "a brand new passphrase";
    let done = reset(&app, &browser, &link, new_password, new_password).await;
    assert_eq!(done.status(), StatusCode::OK);

    // The browser that reset it: a known device now.
    let here = "198.51.100.20";
    expect_tokens(
        grant_from(
            &browser.http,
            &app,
            &client,
            here,
            &user.email,
            new_password,
        )
        .await,
    )
    .await;
    // And the counter for unknown sources starts again.
    expect_tokens(
        grant_from(
            &app.http,
            &app,
            &client,
            "192.0.2.99",
            &user.email,
            new_password,
        )
        .await,
    )
    .await;
}

/// Finding 8: device cookies issued before a reset stop counting as known devices (a stolen one dies with it).
#[tokio::test]
async fn device_cookies_issued_before_a_reset_stop_counting() {
    let (app, dir) = app_with_mail_behind_proxy().await;
    let (user, client) = app.user_and_client().await;
    let stolen = Browser::new(&app);
    let there = "198.51.100.66";
    expect_tokens(
        grant_from(
            &stolen.http,
            &app,
            &client,
            there,
            &user.email,
            &user.password,
        )
        .await,
    )
    .await;

    let owner = Browser::new(&app);
    forgot(&app, &owner, &user.email).await;
    let link = reset_link(&wait_for_mails(dir.path(), 1).await[0]);
    let new_password = "a brand new passphrase";
    assert_eq!(
        reset(&app, &owner, &link, new_password, new_password)
            .await
            .status(),
        StatusCode::OK
    );

    lock_for_unknown_sources(&app, &client, &user).await;
    // The old cookie is an unknown source now: locked out like any other.
    expect_throttled(
        grant_from(
            &stolen.http,
            &app,
            &client,
            there,
            &user.email,
            new_password,
        )
        .await,
    )
    .await;
    // The owner's browser is not.
    expect_tokens(
        grant_from(
            &owner.http,
            &app,
            &client,
            "198.51.100.20",
            &user.email,
            new_password,
        )
        .await,
    )
    .await;
}

/// Finding 4: the addresses of one IPv6 /64 are one source for every per-address limit.
#[tokio::test]
async fn every_address_of_an_ipv6_slash_64_counts_as_one_source() {
    let app = TestApp::spawn_with(|c| {
        behind_proxy(c);
        c.address_failure_limit = 3;
    })
    .await;
    let (user, client) = app.user_and_client().await;
    for n in 0..3 {
        let address = format!("2001:db8:1:2::{:x}", n + 1);
        let guess = grant_from(&app.http, &app, &client, &address, &user.email, "guess").await;
        assert_eq!(guess.status(), StatusCode::BAD_REQUEST, "guess {n}");
    }
    // A fresh address in the same /64: over the limit.
    expect_throttled(
        grant_from(
            &app.http,
            &app,
            &client,
            "2001:db8:1:2:ffff::9",
            &user.email,
            &user.password,
        )
        .await,
    )
    .await;
    // Another /64 is another source.
    expect_tokens(
        grant_from(
            &app.http,
            &app,
            &client,
            "2001:db8:1:3::1",
            &user.email,
            &user.password,
        )
        .await,
    )
    .await;
}

/// Finding 4, configurable: with `ipv6_source_prefix = 128` every IPv6 address is its own source.
#[tokio::test]
async fn the_ipv6_source_prefix_is_configurable() {
    let app = TestApp::spawn_with(|c| {
        behind_proxy(c);
        c.address_failure_limit = 1;
        c.ipv6_source_prefix = 128;
    })
    .await;
    let (user, client) = app.user_and_client().await;
    let guess = grant_from(
        &app.http,
        &app,
        &client,
        "2001:db8::1",
        &user.email,
        "guess",
    )
    .await;
    assert_eq!(guess.status(), StatusCode::BAD_REQUEST);
    expect_tokens(
        grant_from(
            &app.http,
            &app,
            &client,
            "2001:db8::2",
            &user.email,
            &user.password,
        )
        .await,
    )
    .await;
}

/// Finding 3: without Redis, a flood of cheap requests from 100,000 distinct sources (more keys than the in-process
/// table holds) can't evict a locked account's counter: account counters are never evicted to make room.
#[tokio::test]
async fn a_flood_of_fresh_sources_does_not_flush_a_lock() {
    use futures_util::StreamExt as _;

    let app = TestApp::spawn_with(|c| {
        behind_proxy(c);
        c.address_request_limit = 0;
    })
    .await;
    let (user, client) = app.user_and_client().await;
    lock_for_unknown_sources(&app, &client, &user).await;

    let flood = futures_util::stream::iter(0..100_001u32)
        .map(|n| {
            let (app, client) = (&app, &client);
            async move {
                // Each from its own /64; a wrong client secret, so no argon2 work: cheap.
                let address = format!("2001:db8:{:x}:{:x}::1", n >> 16, n & 0xffff);
                app.http
                    .post(app.token_url())
                    .basic_auth(&client.id, Some("not the secret"))
                    .header("x-forwarded-for", address)
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .map(|r| r.status())
            }
        })
        .buffer_unordered(32);
    let answered = flood
        .filter(|status| std::future::ready(status.is_ok()))
        .count()
        .await;
    assert_eq!(answered, 100_001, "every flood request was answered");

    expect_throttled(
        grant_from(
            &app.http,
            &app,
            &client,
            "192.0.2.1",
            &user.email,
            &user.password,
        )
        .await,
    )
    .await;
}
