//! Slow heads on kept-alive connections (issue 16, finding 1): every request head of a connection has
//! `request_head_timeout` from its first byte, not only the first; one source can hold at most
//! `max_connections_per_source` connections (trusted proxies exempt), so one client can't take the service down.
//!
//! Attackers connect from 127.0.0.2 (Linux routes all of 127/8 to the loopback interface), so that a fresh client
//! from 127.0.0.1 is another source.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use latchkey::config::HumanDuration;
use latchkey::http::client_addr::TrustedProxies;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{TestApp, eventually};

const ATTACKER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const CLIENT: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// A connection to the app from `source`.
async fn connect_from(source: Ipv4Addr, app: &TestApp) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    socket
        .connect(SocketAddr::from((Ipv4Addr::LOCALHOST, app.port)))
        .await
}

fn healthz_head(app: &TestApp) -> String {
    format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        app.port
    )
}

/// Reads one response (head and `Content-Length` body); `None` if the connection ends or resets first, or nothing
/// complete came within `within`.
async fn read_response(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let read = async {
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|value| value.trim().parse().ok())
                    .unwrap_or(0);
                if received.len() >= end + 4 + length {
                    return Some(String::from_utf8_lossy(&received).into_owned());
                }
            }
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok().flatten()
}

/// Sends `GET /healthz` on `stream` and reads the answer.
async fn request_healthz(app: &TestApp, stream: &mut TcpStream) -> Option<String> {
    stream.write_all(healthz_head(app).as_bytes()).await.ok()?;
    read_response(stream, Duration::from_secs(10)).await
}

/// Waits up to `within` for the server to close `stream`; how long that took, from now.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    let closed = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, closed)
        .await
        .ok()
        .map(|()| started.elapsed())
}

fn is_ok(response: Option<&String>) -> bool {
    response.is_some_and(|r| r.starts_with("HTTP/1.1 200"))
}

/// One attacking connection from [`ATTACKER`]: completes `GET /healthz`, then sends one byte of a second request and
/// holds. `None` when the server didn't serve it.
async fn slow_second_head(app: &TestApp) -> Option<TcpStream> {
    let mut stream = connect_from(ATTACKER, app).await.ok()?;
    let first = request_healthz(app, &mut stream).await;
    if !is_ok(first.as_ref()) {
        return None;
    }
    stream.write_all(b"G").await.ok()?;
    Some(stream)
}

#[tokio::test]
async fn a_fresh_client_is_served_while_one_source_holds_a_slow_second_head_on_every_connection() {
    // The defaults, as the attack found them: 1,024 connections.
    let app = TestApp::spawn().await;
    let attack = app.config.max_connections;

    let held: Vec<TcpStream> = join_all((0..attack).map(|_| slow_second_head(&app)))
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(!held.is_empty(), "the attack got no connection at all");

    // While the attack still holds (well within request_head_timeout of its bytes), another source is served.
    let started = Instant::now();
    let mut fresh = connect_from(CLIENT, &app).await.expect("connect");
    let answer = tokio::time::timeout(Duration::from_secs(1), request_healthz(&app, &mut fresh))
        .await
        .ok()
        .flatten();
    assert!(
        is_ok(answer.as_ref()),
        "a fresh client was not served within 1 s while {} attacking connections held (after {:?}): {answer:?}",
        held.len(),
        started.elapsed()
    );

    // And the attack doesn't last: every held connection is closed once its head is overdue.
    let head_timeout = app.config.request_head_timeout.0;
    for (i, mut stream) in held.into_iter().enumerate() {
        assert!(
            closed_within(&mut stream, head_timeout + Duration::from_secs(5))
                .await
                .is_some(),
            "attacking connection {i} is still open"
        );
    }
}

#[tokio::test]
async fn a_held_partial_second_head_is_closed_after_the_head_timeout() {
    let head_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(|config| {
        config.request_head_timeout = HumanDuration(head_timeout);
    })
    .await;
    let mut stream = connect_from(CLIENT, &app).await.expect("connect");
    assert!(is_ok(request_healthz(&app, &mut stream).await.as_ref()));

    stream
        .write_all(b"GET /heal")
        .await
        .expect("a partial head");
    let closed_after = closed_within(&mut stream, Duration::from_secs(4))
        .await
        .expect("the partial head was held past its deadline");
    // Before the keep-alive time (5 s): the head deadline, not keep-alive, closed it.
    assert!(
        closed_after >= head_timeout.mul_f32(0.9),
        "closed after {closed_after:?}, before the head timeout"
    );
}

#[tokio::test]
async fn a_partial_head_pipelined_behind_a_request_is_closed_too() {
    // The next head's start arrives with the request before it, so no later byte starts its clock: it still has to
    // be complete within keep-alive (5 s) plus the head timeout of the response.
    let head_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(|config| {
        config.request_head_timeout = HumanDuration(head_timeout);
    })
    .await;
    let mut stream = connect_from(CLIENT, &app).await.expect("connect");
    let pipelined = format!("{}GET /heal", healthz_head(&app));
    stream.write_all(pipelined.as_bytes()).await.expect("write");
    assert!(is_ok(
        read_response(&mut stream, Duration::from_secs(5))
            .await
            .as_ref()
    ));
    assert!(
        closed_within(
            &mut stream,
            Duration::from_secs(5) + head_timeout + Duration::from_secs(3)
        )
        .await
        .is_some(),
        "the pipelined partial head was held"
    );
}

#[tokio::test]
async fn every_head_of_a_kept_alive_connection_gets_its_own_time() {
    // Four requests whose heads each take 0.4 s of a 1 s timeout, with idle time between them: together they take
    // far longer than one head may, and all are served on one connection.
    let head_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(|config| {
        config.request_head_timeout = HumanDuration(head_timeout);
    })
    .await;
    let mut stream = connect_from(CLIENT, &app).await.expect("connect");
    let head = healthz_head(&app);
    let (start, rest) = head.split_at(10);
    for round in 0..4 {
        stream.write_all(start.as_bytes()).await.expect("write");
        tokio::time::sleep(Duration::from_millis(400)).await;
        stream.write_all(rest.as_bytes()).await.expect("write");
        let answer = read_response(&mut stream, Duration::from_secs(5)).await;
        assert!(is_ok(answer.as_ref()), "round {round}: {answer:?}");
        // Idle, as a kept-alive connection is between requests (less than keep-alive).
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
}

#[tokio::test]
async fn a_slow_body_on_a_later_request_is_not_a_slow_head() {
    // The body has request_body_timeout (10 s by default), not the head's 1 s.
    let app = TestApp::spawn_with(|config| {
        config.request_head_timeout = HumanDuration::from_secs(1);
    })
    .await;
    let mut stream = connect_from(CLIENT, &app).await.expect("connect");
    assert!(is_ok(request_healthz(&app, &mut stream).await.as_ref()));
    let body = b"grant_type=nonsense";
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n",
        app.port,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    for piece in body.chunks(5) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stream.write_all(piece).await.expect("the body");
    }
    let answer = read_response(&mut stream, Duration::from_secs(5))
        .await
        .expect("no answer to a body slower than the head timeout");
    // Answered (without client credentials: 401), not cut off.
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

#[tokio::test]
async fn connections_over_the_per_source_cap_are_refused_while_another_source_is_served() {
    const CAP: usize = 4;
    let app = TestApp::spawn_with(|config| {
        config.max_connections_per_source = CAP;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..CAP {
        let mut stream = connect_from(ATTACKER, &app).await.expect("connect");
        assert!(is_ok(request_healthz(&app, &mut stream).await.as_ref()));
        held.push(stream);
    }

    let mut over = connect_from(ATTACKER, &app).await.expect("connect");
    let answer = request_healthz(&app, &mut over).await;
    // A 503 with Retry-After when the socket took it, else a plain close: never served.
    if let Some(answer) = &answer {
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("retry-after: 1"),
            "{answer}"
        );
    }
    assert!(
        closed_within(&mut over, Duration::from_secs(1))
            .await
            .is_some(),
        "the connection over the cap stayed open"
    );

    let mut other = connect_from(CLIENT, &app).await.expect("connect");
    assert!(is_ok(request_healthz(&app, &mut other).await.as_ref()));

    // A closed connection gives its slot back.
    drop(held.pop());
    eventually(
        "a slot freed for the source",
        Duration::from_secs(3),
        async || {
            let mut stream = connect_from(ATTACKER, &app).await.ok()?;
            is_ok(request_healthz(&app, &mut stream).await.as_ref()).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn a_trusted_proxy_is_exempt_from_the_per_source_cap() {
    const CAP: usize = 2;
    let app = TestApp::spawn_with(|config| {
        config.max_connections_per_source = CAP;
        config.trusted_proxies = TrustedProxies::parse("127.0.0.2").expect("an address");
    })
    .await;
    // The proxy carries many users: three times the cap, all served at once.
    let mut through_proxy = Vec::new();
    for i in 0..3 * CAP {
        let mut stream = connect_from(ATTACKER, &app).await.expect("connect");
        let answer = request_healthz(&app, &mut stream).await;
        assert!(is_ok(answer.as_ref()), "proxy connection {i}: {answer:?}");
        through_proxy.push(stream);
    }
    // Any other source is capped.
    let mut direct = Vec::new();
    for _ in 0..CAP {
        let mut stream = connect_from(CLIENT, &app).await.expect("connect");
        assert!(is_ok(request_healthz(&app, &mut stream).await.as_ref()));
        direct.push(stream);
    }
    let mut over = connect_from(CLIENT, &app).await.expect("connect");
    let answer = request_healthz(&app, &mut over).await;
    assert!(!is_ok(answer.as_ref()), "served over the cap: {answer:?}");
}

#[tokio::test]
async fn the_refused_get_a_503_from_the_server_and_reqwest_sees_it() {
    // What an HTTP client sees over the cap: a status it can act on (RFC 9110 §15.6.4).
    let app = TestApp::spawn_with(|config| {
        config.max_connections_per_source = 1;
    })
    .await;
    let mut held = connect_from(CLIENT, &app).await.expect("connect");
    assert!(is_ok(request_healthz(&app, &mut held).await.as_ref()));
    let refused = eventually("a 503 over the cap", Duration::from_secs(3), async || {
        let response = reqwest::Client::new()
            .get(app.url("/healthz"))
            .send()
            .await
            .ok()?;
        (response.status() == StatusCode::SERVICE_UNAVAILABLE).then_some(response)
    })
    .await;
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
}
