//! Load shedding (issue 9): when the argon2 pool's queue is full, a password check is refused at once with 503
//! and `Retry-After`, on `/token` and on the hosted sign-in page, and never answered as a failed login.

use futures_util::future::join_all;
use latchkey::config::Config;
use reqwest::StatusCode;

use crate::helpers::{AuthRequest, Browser, TestApp, expect_error, expect_tokens, header};

/// One hashing thread, one place in its queue, and a cost high enough (tens of milliseconds, more on a loaded
/// machine) that a burst of logins must overlap.
fn one_slow_hasher(config: &mut Config) {
    // The burst signs in to one account from one unknown source: sign-in attempts in flight count against
    // login_failure_limit (see `throttle`), which is not what these tests are about.
    config.login_failure_limit = 1_000;
    config.password_hash_concurrency = 1;
    config.password_queue_limit = 1;
    config.password_hash_memory_kib = 32 * 1024;
    config.password_hash_iterations = 3;
}

const BURST: usize = 24;

#[tokio::test]
async fn a_burst_of_password_grants_over_the_queue_is_shed_with_503_and_retry_after() {
    let app = TestApp::spawn_with(one_slow_hasher).await;
    let (user, client) = app.user_and_client().await;

    let responses = join_all((0..BURST).map(|_| app.password_grant(&client, &user))).await;
    let (mut served, mut shed) = (0, 0);
    for response in responses {
        match response.status() {
            StatusCode::OK => {
                expect_tokens(response).await;
                served += 1;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                let error = expect_error(response, 503, "temporarily_unavailable").await;
                assert!(
                    error.header("retry-after").is_some(),
                    "a shed request says when to retry"
                );
                shed += 1;
            }
            other => panic!(
                "only 200 or 503 are right under load, not {other}: {:?}",
                response.text().await
            ),
        }
    }
    assert!(served >= 1, "the first check always finds the thread free");
    assert!(
        shed >= 1,
        "{BURST} overlapping checks for 1 thread + 1 queue place: some must be shed"
    );
    // Shedding is momentary: once the burst is over, logins work again.
    app.login(&client, &user).await;
}

#[tokio::test]
async fn a_shed_hosted_sign_in_is_a_503_page_not_a_failed_login() {
    let app = TestApp::spawn_with(one_slow_hasher).await;
    let (user, client) = app.user_and_web_app().await;

    let mut forms = Vec::new();
    for _ in 0..BURST {
        let browser = Browser::new(&app);
        let page = browser.authorize(&app, &AuthRequest::new(&client)).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("the sign-in page");
        forms.push((browser, html));
    }
    let responses =
        join_all(forms.iter().map(|(browser, html)| {
            browser.submit_sign_in(&app, html, &user.email, &user.password)
        }))
        .await;
    let (mut signed_in, mut shed) = (0, 0);
    for response in responses {
        match response.status() {
            StatusCode::SEE_OTHER => signed_in += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(
                    header(response.headers(), "retry-after").is_some(),
                    "a shed sign-in says when to retry"
                );
                shed += 1;
            }
            // 200 would be the form again with "wrong password": a shed check is no failed login.
            other => panic!("only 303 or 503 are right under load, not {other}"),
        }
    }
    assert!(
        signed_in >= 1,
        "the first check always finds the thread free"
    );
    assert!(
        shed >= 1,
        "some of {BURST} overlapping sign-ins must be shed"
    );
}
