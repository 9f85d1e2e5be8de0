//! A database outage: `/token` answers 503 with `Retry-After` (never `invalid_grant`, which would make clients
//! discard good refresh tokens) and recovers by itself. PostgreSQL only: an embedded file can't become unreachable.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use latchkey::config::HumanDuration;
use reqwest::StatusCode;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::helpers::{TestApp, TestDatabase, expect_error, expect_tokens, test_config};

/// A TCP forwarder standing between the server and PostgreSQL: stopping it drops every live connection and
/// refuses new ones, as a network partition or a database restart would.
struct Forwarder {
    port: u16,
    upstream: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Forwarder {
    async fn start(port: u16, upstream: SocketAddr) -> Self {
        let socket = TcpSocket::new_v4().expect("a socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .expect("binding the forwarder");
        let listener = socket.listen(64).expect("listening");
        let port = listener.local_addr().expect("an address").port();
        let task = tokio::spawn(async move {
            // Dropped with the task when the forwarder stops, which aborts every connection it carries.
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self {
            port,
            upstream,
            task: Some(task),
        }
    }

    async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn restart(&mut self) {
        self.stop().await;
        *self = Self::start(self.port, self.upstream).await;
    }
}

#[tokio::test]
async fn a_database_outage_is_503_with_retry_after_and_the_same_refresh_token_works_after_recovery()
{
    let database = TestDatabase::fresh().await;
    if !crate::helpers::service_available(
        "PostgreSQL (TEST_DATABASE_URL)",
        database.is_postgres(),
        "the database outage test",
    ) {
        return;
    }
    let mut url = url::Url::parse(database.url()).expect("a database URL");
    let upstream =
        tokio::net::lookup_host((url.host_str().expect("a host"), url.port().unwrap_or(5432)))
            .await
            .expect("resolving PostgreSQL")
            .next()
            .expect("an address for PostgreSQL");
    let mut forwarder = Forwarder::start(0, upstream).await;
    url.set_host(Some("127.0.0.1")).expect("a host");
    url.set_port(Some(forwarder.port)).expect("a port");
    let mut config = test_config(url.as_str());
    config.database_timeout = HumanDuration::from_secs(1);
    let app = TestApp::spawn_on(database, config).await;
    let (user, client) = app.user_and_client().await;
    let tokens = app.login(&client, &user).await;

    forwarder.stop().await;

    let login = app.password_grant(&client, &user).await;
    let error = expect_error(login, 503, "temporarily_unavailable").await;
    assert!(
        error
            .header("retry-after")
            .is_some_and(|s| s.parse::<u64>().is_ok()),
        "{:?}",
        error.headers
    );
    let refresh = app
        .refresh_grant(&client, tokens.refresh_token(), None)
        .await;
    let error = expect_error(refresh, 503, "temporarily_unavailable").await;
    assert!(error.header("retry-after").is_some(), "{:?}", error.headers);
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "the process itself is fine"
    );

    forwarder.restart().await;

    // Recovery without a restart: the refresh token the outage did not spend works again.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .refresh_grant(&client, tokens.refresh_token(), None)
            .await;
        if response.status() == StatusCode::OK {
            let renewed = expect_tokens(response).await;
            app.verify_access_token(&renewed.access_token, &client.id)
                .await;
            break;
        }
        expect_error(response, 503, "temporarily_unavailable").await;
        assert!(
            Instant::now() < deadline,
            "the server did not recover within 15 s of the database returning"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    expect_tokens(app.password_grant(&client, &user).await).await;
}
