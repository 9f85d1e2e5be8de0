//! Rate-limit windows kept in Redis end on Redis' clock, which no test can move: this one waits for a window.

use std::time::Duration;

use crate::brute_force::{expect_throttled, fail_times};
use crate::helpers::{TestApp, expect_tokens, service_available};

#[tokio::test]
async fn a_lock_counted_in_redis_lifts_when_its_window_ends() {
    let app = TestApp::spawn_with(|config| {
        config.login_failure_limit = 2;
        config.login_failure_window = latchkey::config::HumanDuration::from_secs(2);
    })
    .await;
    if !service_available(
        "Redis (TEST_REDIS_URL) with PostgreSQL (TEST_DATABASE_URL)",
        app.config.redis_url.is_some(),
        "the rate-limit window in Redis",
    ) {
        return;
    }
    let (user, client) = app.user_and_client().await;
    fail_times(&app, &client, &user.email, 2).await;
    let (_, retry_after) = expect_throttled(app.password_grant(&client, &user).await).await;
    assert!(retry_after <= 2, "{retry_after}");

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    expect_tokens(app.password_grant(&client, &user).await).await;
}
