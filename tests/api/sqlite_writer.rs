//! The embedded database's single writer and another process's write lock (an operator's CLI command running
//! while the server is under load): the wait belongs to the `SQLite` writer thread, never to an HTTP worker.

use std::time::Duration;

use diesel::Connection as _;
use diesel::connection::SimpleConnection as _;
use diesel::sqlite::SqliteConnection;

use crate::helpers::{TestApp, expect_tokens};

#[tokio::test]
async fn while_another_process_holds_the_write_lock_a_refresh_waits_and_other_requests_are_still_served()
 {
    // One HTTP worker, so a worker stuck in SQLite's busy wait would hold up every request.
    let app = TestApp::spawn().await;
    let Some(path) = app
        .database
        .url()
        .strip_prefix("sqlite://")
        .map(str::to_owned)
    else {
        println!(
            "not applicable: this backend has no single-writer lock (the test runs in the SQLite pass)"
        );
        return;
    };
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;

    // Another process's write transaction: BEGIN IMMEDIATE takes the write lock and keeps it until COMMIT.
    let mut other = SqliteConnection::establish(&path).expect("opening the database");
    other
        .batch_execute("BEGIN IMMEDIATE")
        .expect("taking the write lock");

    let refresh = app.refresh_grant(&client, login.refresh_token(), None);
    let meanwhile = async {
        // Let the refresh reach the database first.
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Reads only: served from the WAL while the lock is held. With statements run inline on the worker, this
        // waited behind the refresh's busy wait (up to busy_timeout = 5 s) and the client gave up after 2 s.
        let readiness = tokio::time::timeout(Duration::from_secs(2), app.get("/readyz")).await;
        let metadata = tokio::time::timeout(
            Duration::from_secs(2),
            app.get("/.well-known/openid-configuration"),
        )
        .await;
        // Only now does the other process commit.
        other
            .batch_execute("COMMIT")
            .expect("releasing the write lock");
        (readiness, metadata)
    };
    let (refreshed, (readiness, metadata)) = tokio::join!(refresh, meanwhile);
    let readiness = readiness.expect("/readyz was held up by a write waiting for the lock");
    assert_eq!(readiness.status(), 200);
    let metadata = metadata.expect("metadata was held up by a write waiting for the lock");
    assert_eq!(metadata.status(), 200);
    // The refresh waited for the lock (on the writer thread) and then went through.
    let rotated = expect_tokens(refreshed).await;
    assert_ne!(rotated.refresh_token(), login.refresh_token());
}
