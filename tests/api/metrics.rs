//! Prometheus metrics (issue 10): the `/metrics` listener on `metrics_bind`, scraped over HTTP and parsed as the
//! Prometheus text format, shows each counter move; and `latchkey keys list` tells when each key last signed and how
//! many live refresh-token families still carry it.
//!
//! Every server has a recorder of its own, so a scrape shows only what that test's server did: the assertions are
//! exact.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, expect_error, now};
use crate::key_helpers::{KeyCli, kid_of, listed};

/// A server whose metrics listener is on a free port.
async fn app_with_metrics() -> TestApp {
    TestApp::spawn_with(|config| {
        config.metrics_bind = Some("127.0.0.1:0".parse().expect("an address"));
    })
    .await
}

#[tokio::test]
async fn metrics_are_off_by_default_and_never_served_on_the_public_port() {
    let app = TestApp::spawn().await;
    assert_eq!(app.metrics_url, None, "no listener without metrics_bind");
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    let app = app_with_metrics().await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let url = app.metrics_url.as_deref().expect("a metrics listener");
    assert_ne!(url, app.url("/metrics"));
    let response = app.http.get(url).send().await.expect("GET /metrics");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
}

#[tokio::test]
async fn a_scrape_shows_grants_requests_and_oauth_errors_moving() {
    let app = app_with_metrics().await;
    let (user, client) = app.user_and_client().await;
    let before = scrape(&app).await;
    assert_eq!(before.sum("latchkey_grants_total", &[]), 0.0);

    let tokens = app.login(&client, &user).await;
    let wrong = app
        .password_grant_as(&client, &user.email, "not the password", None)
        .await;
    expect_error(wrong, 400, "invalid_grant").await;
    app.refresh(
        &client,
        tokens.refresh_token.as_deref().expect("a refresh token"),
    )
    .await;
    let unsupported = app.post_token(&client, &[("grant_type", "magic")]).await;
    expect_error(unsupported, 400, "unsupported_grant_type").await;
    assert_eq!(
        app.get("/no/such/page").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    let after = scrape(&app).await;
    let grants = "latchkey_grants_total";
    let password = ("grant_type", "password");
    assert_eq!(after.sum(grants, &[password, ("outcome", "success")]), 1.0);
    assert_eq!(
        after.sum(grants, &[password, ("outcome", "invalid_grant")]),
        1.0
    );
    assert_eq!(
        after.sum(
            grants,
            &[("grant_type", "refresh_token"), ("outcome", "success")]
        ),
        1.0
    );
    assert_eq!(
        after.sum(
            grants,
            &[
                ("grant_type", "unsupported"),
                ("outcome", "unsupported_grant_type")
            ]
        ),
        1.0
    );
    assert_eq!(after.sum(grants, &[]), 4.0);

    let errors = "latchkey_token_errors_total";
    assert_eq!(
        after.sum(errors, &[("route", "/token"), ("code", "invalid_grant")]),
        1.0
    );
    assert_eq!(
        after.sum(
            errors,
            &[("route", "/token"), ("code", "unsupported_grant_type")]
        ),
        1.0
    );
    assert_eq!(after.sum(errors, &[]), 2.0);

    let requests = "latchkey_http_requests_total";
    let token = ("route", "/token");
    assert_eq!(after.sum(requests, &[token, ("status", "200")]), 2.0);
    assert_eq!(after.sum(requests, &[token, ("status", "400")]), 2.0);
    // The raw path is never a label: an unknown URL counts as `unmatched`.
    assert_eq!(
        after.sum(requests, &[("route", "unmatched"), ("status", "404")]),
        1.0
    );
    assert!(
        after
            .series(requests)
            .all(|(labels, _)| labels["route"] != "/no/such/page")
    );
    assert_eq!(
        after.sum(requests, &[("route", "/healthz"), ("status", "200")]),
        1.0
    );
    // A histogram with explicit buckets: every request of the route lands in `+Inf`.
    let duration = "latchkey_http_request_duration_seconds";
    assert_eq!(after.sum(&format!("{duration}_count"), &[token]), 4.0);
    assert_eq!(
        after.sum(&format!("{duration}_bucket"), &[token, ("le", "+Inf")]),
        4.0
    );
    assert!(after.sum(&format!("{duration}_bucket"), &[token, ("le", "10")]) <= 4.0);

    // Creating the user hashed once; both sign-ins verified: each check went through the queue.
    assert_eq!(
        after.sum("latchkey_password_queue_wait_seconds_count", &[]),
        3.0
    );
    assert_eq!(after.sum("latchkey_password_queue_depth", &[]), 0.0);
    assert_eq!(after.sum("latchkey_password_checks_shed_total", &[]), 0.0);

    // Sampled at scrape time.
    assert_eq!(
        after.sum("latchkey_db_pool_max_connections", &[]),
        app.config.database_pool_size as f64
    );
    assert!(after.sum("latchkey_db_pool_connections", &[("state", "idle")]) >= 1.0);
    assert_eq!(after.sum("latchkey_db_pool_errors_total", &[]), 0.0);
    let redis = after.sum("latchkey_redis_up", &[]);
    match app.config.redis_url {
        Some(_) => assert_eq!(redis, 1.0, "Redis answers"),
        None => assert!(!after.has("latchkey_redis_up"), "no Redis, no series"),
    }
}

#[tokio::test]
async fn a_rotation_shows_in_the_key_gauges_and_the_per_kid_counters() {
    let app = app_with_metrics().await;
    let (user, client) = app.user_and_client().await;
    let policy = app.config.key_policy();
    let first = kid_of(&app.login(&client, &user).await.access_token);
    let old = app.login(&client, &user).await;

    let scraped = scrape(&app).await;
    assert_eq!(
        scraped.sum("latchkey_tokens_signed_total", &[("kid", first.as_str())]),
        2.0
    );
    assert_published(&scraped, 0, 1, 0);
    assert_eq!(key_state(&scraped, &first), "active");
    let age = scraped.sum("latchkey_signing_key_active_age_seconds", &[]);
    assert!((0.0..60.0).contains(&age), "a fresh key: {age}");
    // No rotation under way: the next key signs one rotation interval after this one started.
    let interval = policy.rotation_interval.as_secs_f64();
    let next_in = scraped.sum("latchkey_signing_key_next_signs_in_seconds", &[]);
    assert!(
        next_in > interval - 60.0 && next_in <= interval,
        "{next_in}"
    );

    // A rotation publishes the next key: it shows as `next`, and signs one publication window from now.
    let second = crate::key_helpers::publish_next(&app).await;
    let scraped = scrape(&app).await;
    assert_published(&scraped, 1, 1, 0);
    assert_eq!(key_state(&scraped, &second), "next");
    let window = policy.publish_ahead.as_secs_f64();
    let next_in = scraped.sum("latchkey_signing_key_next_signs_in_seconds", &[]);
    assert!(next_in > window - 60.0 && next_in <= window, "{next_in}");

    // Promoted: the first key retires and stays published; the second signs.
    let at = app.state.clock.now();
    assert!(
        app.state
            .store
            .promote_signing_key(&second.as_str().into(), at, policy.remove_after(at))
            .await
            .expect("a promotion")
    );
    app.state
        .keys
        .reload(&app.state.store, &app.state.master, app.state.clock.now())
        .await
        .expect("a reload");
    let scraped = scrape(&app).await;
    assert_published(&scraped, 0, 1, 1);
    assert_eq!(key_state(&scraped, &first), "retired");
    assert_eq!(key_state(&scraped, &second), "active");

    // A refresh token issued under the retired key is presented: counted for that key; its successor is signed by
    // the new one.
    let presented = "latchkey_refresh_presented_total";
    let rotated = app
        .refresh(
            &client,
            old.refresh_token.as_deref().expect("a refresh token"),
        )
        .await;
    assert_eq!(kid_of(&rotated.access_token), second);
    let scraped = scrape(&app).await;
    assert_eq!(scraped.sum(presented, &[("kid", first.as_str())]), 1.0);
    assert_eq!(scraped.sum(presented, &[("kid", second.as_str())]), 0.0);
    assert_eq!(
        scraped.sum("latchkey_tokens_signed_total", &[("kid", second.as_str())]),
        1.0
    );
    assert_eq!(
        scraped.sum("latchkey_tokens_signed_total", &[("kid", first.as_str())]),
        2.0
    );

    // Once that family has moved on, its next refresh is counted for the new key only.
    app.refresh(
        &client,
        rotated.refresh_token.as_deref().expect("a refresh token"),
    )
    .await;
    let scraped = scrape(&app).await;
    assert_eq!(scraped.sum(presented, &[("kid", first.as_str())]), 1.0);
    assert_eq!(scraped.sum(presented, &[("kid", second.as_str())]), 1.0);
}

#[tokio::test]
async fn keys_list_shows_when_each_key_last_signed_and_the_families_carrying_it() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let cli = KeyCli::for_app(&app);
    let keys = cli.list().await;
    let first = keys[0]["kid"].as_str().expect("a kid").to_owned();
    assert!(keys[0]["last_signed_at"].is_null(), "{keys:?}");
    assert_eq!(keys[0]["live_refresh_families"], 0);

    let started = now();
    let kept = app.login(&client, &user).await;
    let ended = app.login(&client, &user).await;
    let finished = now();
    let keys = cli.list().await;
    let row = listed(&keys, &first);
    let signed_at = row["last_signed_at"].as_i64().expect("last_signed_at");
    assert!(
        (started..=finished).contains(&signed_at),
        "{signed_at} in {started}..={finished}"
    );
    assert_eq!(row["live_refresh_families"], 2);

    // A revoked family no longer carries the key.
    let revoke = app
        .post_as(
            &client,
            "/revoke",
            &[(
                "token",
                ended.refresh_token.as_deref().expect("a refresh token"),
            )],
        )
        .await;
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(
        listed(&cli.list().await, &first)["live_refresh_families"],
        1
    );

    // After a rotation, the family that refreshes moves to the new key; the old key signs no more.
    let policy = app.config.key_policy();
    let second = crate::key_helpers::publish_next(&app).await;
    let at = app.state.clock.now();
    app.state
        .store
        .promote_signing_key(&second.as_str().into(), at, policy.remove_after(at))
        .await
        .expect("a promotion");
    app.state
        .keys
        .reload(&app.state.store, &app.state.master, app.state.clock.now())
        .await
        .expect("a reload");
    let keys = cli.list().await;
    assert!(listed(&keys, &second)["last_signed_at"].is_null());
    app.refresh(
        &client,
        kept.refresh_token.as_deref().expect("a refresh token"),
    )
    .await;
    let keys = cli.list().await;
    let (old, new) = (listed(&keys, &first), listed(&keys, &second));
    assert_eq!(old["state"], "retired");
    assert_eq!(old["live_refresh_families"], 0);
    assert_eq!(old["last_signed_at"].as_i64(), Some(signed_at));
    assert_eq!(new["live_refresh_families"], 1);
    assert!(
        new["last_signed_at"]
            .as_i64()
            .is_some_and(|t| t >= signed_at)
    );

    let text = cli.run(&["keys", "list"]).await;
    text.assert_succeeded();
    assert!(
        text.stdout.contains("LAST SIGNED") && text.stdout.contains("LIVE FAMILIES"),
        "{}",
        text.stdout
    );
}

fn assert_published(scraped: &Scrape, next: u32, active: u32, retired: u32) {
    for (state, count) in [("next", next), ("active", active), ("retired", retired)] {
        assert_eq!(
            scraped.sum("latchkey_signing_keys_published", &[("state", state)]),
            f64::from(count),
            "published keys in state {state}"
        );
    }
}

/// The one state `kid` is shown in (its series is 1 there and 0 in the others).
fn key_state(scraped: &Scrape, kid: &str) -> String {
    let states: Vec<&str> = scraped
        .series("latchkey_signing_key_state")
        .filter(|(labels, value)| labels["kid"] == kid && *value == 1.0)
        .map(|(labels, _)| labels["state"].as_str())
        .collect();
    assert_eq!(states.len(), 1, "{kid}: {states:?}");
    states[0].to_owned()
}

#[tokio::test]
async fn connections_cut_by_the_source_cap_and_the_head_deadline_are_counted() {
    let app = TestApp::spawn_with(|config| {
        config.metrics_bind = Some("127.0.0.1:0".parse().expect("an address"));
        config.max_connections_per_source = 1;
        config.request_head_timeout = latchkey::config::HumanDuration::from_secs(1);
    })
    .await;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        app.port
    );
    let mut held = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect");
    held.write_all(request.as_bytes()).await.expect("a request");
    let mut answer = [0u8; 1024];
    let n = held.read(&mut answer).await.expect("the answer");
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));

    // The source's one connection is taken: the next is refused and closed.
    let mut over = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect");
    let _ = over.write_all(request.as_bytes()).await;
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), over.read_to_end(&mut rest)).await;
    // The held connection's next head never ends: cut after a second.
    held.write_all(b"GET /he").await.expect("a partial head");
    let closed = tokio::time::timeout(Duration::from_secs(4), held.read(&mut answer)).await;
    assert!(matches!(closed, Ok(Ok(0) | Err(_))), "{closed:?}");

    // The metrics listener is another port: not capped.
    let scraped = scrape(&app).await;
    let cut = |reason| scraped.sum("latchkey_connections_cut_total", &[("reason", reason)]);
    assert_eq!(cut("over_source_cap"), 1.0);
    assert_eq!(cut("head_timeout"), 1.0);
}

async fn scrape(app: &TestApp) -> Scrape {
    let url = app.metrics_url.as_deref().expect("a metrics listener");
    let response = app.http.get(url).send().await.expect("GET /metrics");
    assert_eq!(response.status(), StatusCode::OK);
    Scrape::parse(&response.text().await.expect("the scrape's body"))
}

/// A scrape, parsed as the Prometheus text exposition format (0.0.4): `# HELP`/`# TYPE` comments and
/// `name{label="value",…} value` samples.
struct Scrape {
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Scrape {
    fn parse(text: &str) -> Self {
        let mut samples = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(comment) = line.strip_prefix('#') {
                let words: Vec<&str> = comment.split_whitespace().collect();
                if words.first() == Some(&"TYPE") {
                    assert!(
                        matches!(
                            words.get(2),
                            Some(&("counter" | "gauge" | "histogram" | "summary" | "untyped"))
                        ),
                        "bad TYPE line: {line}"
                    );
                }
                continue;
            }
            samples.push(parse_sample(line).unwrap_or_else(|| panic!("not a sample: {line:?}")));
        }
        Self { samples }
    }

    fn series<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = (&'a BTreeMap<String, String>, f64)> + 'a {
        self.samples
            .iter()
            .filter(move |(n, _, _)| n == name)
            .map(|(_, labels, value)| (labels, *value))
    }

    fn has(&self, name: &str) -> bool {
        self.series(name).next().is_some()
    }

    /// The sum of `name`'s samples whose labels include all of `labels` (0 when there are none).
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.series(name)
            .filter(|(have, _)| {
                labels
                    .iter()
                    .all(|(k, v)| have.get(*k).is_some_and(|value| value.as_str() == *v))
            })
            .map(|(_, value)| value)
            .sum()
    }
}

/// `name{a="x",b="y"} 1.5` or `name 1.5`; label values may hold `\"`, `\\` and `\n` escapes.
fn parse_sample(line: &str) -> Option<(String, BTreeMap<String, String>, f64)> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return None;
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices();
        let mut key = String::new();
        loop {
            let (i, c) = chars.next()?;
            match c {
                '}' if key.is_empty() => {
                    rest = &body[i + 1..];
                    break;
                }
                ',' if key.is_empty() => {}
                '=' => {
                    if chars.next()?.1 != '"' {
                        return None;
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next()?.1 {
                            '"' => break,
                            '\\' => match chars.next()?.1 {
                                'n' => value.push('\n'),
                                other => value.push(other),
                            },
                            other => value.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                c if c.is_ascii_alphanumeric() || c == '_' => key.push(c),
                _ => return None,
            }
        }
    }
    let mut fields = rest.split_whitespace();
    let value = match fields.next()? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some((name.to_owned(), labels, value))
}
