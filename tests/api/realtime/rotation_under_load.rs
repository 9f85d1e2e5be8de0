//! The headline proof of issue 3: tokens are issued continuously while keys rotate several times (on the schedule,
//! with windows of seconds, and once by the CLI), and every access token is checked by resource servers using the
//! verifier crate that follow the JWKS cache headers. The bar is zero verification failures.
//!
//! The resource servers get no help from the unknown-`kid` refetch: their `min_refetch_interval` equals the JWKS
//! max-age, so while a fetched key set is fresh they may not fetch again, and a token whose kid they haven't cached
//! fails. They learn of new keys only when `Cache-Control: max-age` says their copy has expired, which is exactly
//! what the pre-publication window must cover. A proxy in front of the JWKS logs their fetches to show it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use latchkey_verifier::Verifier;
use tokio::sync::mpsc;

use crate::helpers::{ClientSpec, TestApp, TestClient, TestUser, Tokens, UserSpec, eventually};
use crate::key_helpers::{
    JwksProxy, KeyCli, Windows, kid_of, policy, spawn_with_windows, verifier,
};

const LOAD: Duration = Duration::from_secs(27);
const WORKERS: usize = 3;

#[derive(Default)]
struct Stats {
    issued: u64,
    logins: u64,
    refreshes: u64,
    verifications: u64,
    failures: Vec<String>,
    issuance_errors: Vec<String>,
    /// Tokens per kid, and the order in which kids first signed.
    by_kid: BTreeMap<String, u64>,
    order: Vec<String>,
}

struct Load {
    app: Arc<TestApp>,
    client: TestClient,
    resource_servers: Vec<(&'static str, Verifier)>,
    /// The second resource server starts later, so the two caches expire at different moments.
    second_starts: Instant,
    stats: Mutex<Stats>,
    /// Tokens to verify again shortly before they expire, when their key may have been retired.
    later: Mutex<Option<mpsc::UnboundedSender<(Instant, String)>>>,
    recheck_after: Duration,
}

impl Load {
    async fn token(&self, response: reqwest::Response, refresh: bool) -> Option<Tokens> {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        let tokens: Tokens = match serde_json::from_str(&body) {
            Ok(tokens) if status == 200 => tokens,
            _ => {
                self.stats
                    .lock()
                    .unwrap()
                    .issuance_errors
                    .push(format!("{status}: {body}"));
                return None;
            }
        };
        let kid = kid_of(&tokens.access_token);
        {
            let mut stats = self.stats.lock().unwrap();
            stats.issued += 1;
            *if refresh {
                &mut stats.refreshes
            } else {
                &mut stats.logins
            } += 1;
            if !stats.by_kid.contains_key(&kid) {
                stats.order.push(kid.clone());
            }
            *stats.by_kid.entry(kid).or_default() += 1;
        }
        self.verify(&tokens.access_token, "at issue").await;
        if let Some(later) = self.later.lock().unwrap().as_ref() {
            let _ = later.send((
                Instant::now() + self.recheck_after,
                tokens.access_token.clone(),
            ));
        }
        Some(tokens)
    }

    async fn verify(&self, token: &str, when: &str) {
        for (i, (name, resource_server)) in self.resource_servers.iter().enumerate() {
            if i == 1 && Instant::now() < self.second_starts {
                continue;
            }
            let result = resource_server.verify(token).await;
            let mut stats = self.stats.lock().unwrap();
            stats.verifications += 1;
            if let Err(e) = result {
                stats
                    .failures
                    .push(format!("{name} {when}: kid {}: {e:?}", kid_of(token)));
            }
        }
    }

    /// Logs in, refreshes three times, and again, until `until`.
    async fn run(&self, user: TestUser, until: Instant) {
        while Instant::now() < until {
            let login = self.app.password_grant(&self.client, &user).await;
            let Some(mut tokens) = self.token(login, false).await else {
                continue;
            };
            for _ in 0..3 {
                let refresh = self
                    .app
                    .refresh_grant(&self.client, tokens.refresh_token(), None)
                    .await;
                match self.token(refresh, true).await {
                    Some(next) => tokens = next,
                    None => break,
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_under_load_every_token_verifies_at_a_cache_honouring_resource_server() {
    // max-age 2 s, poll 1 s, safe publication 5 s; a key signs for ~9 s; tokens live 4 s.
    let windows = Windows {
        publish_ahead: 6,
        rotation_interval: 9,
        access_token_ttl: 4,
    };
    // One address makes all the load: the per-address request limit would stop it.
    let app =
        Arc::new(spawn_with_windows(windows, |config| config.address_request_limit = 0).await);
    let max_age = policy(&app).jwks_max_age;
    let client = app.create_client(ClientSpec::default()).await;
    let mut users = Vec::new();
    for _ in 0..WORKERS {
        users.push(app.create_user(UserSpec::default()).await);
    }
    let proxy = JwksProxy::start(&app);
    let resource_servers = vec![
        (
            "rs1",
            verifier(&app, &client.id, max_age, Some(&proxy.url("/rs1"))),
        ),
        (
            "rs2",
            verifier(&app, &client.id, max_age, Some(&proxy.url("/rs2"))),
        ),
    ];
    let (later_tx, mut later_rx) = mpsc::unbounded_channel::<(Instant, String)>();
    let start = Instant::now();
    let load = Arc::new(Load {
        app: app.clone(),
        client,
        resource_servers,
        second_starts: start + max_age / 2,
        stats: Mutex::default(),
        later: Mutex::new(Some(later_tx)),
        recheck_after: Duration::from_secs(windows.access_token_ttl)
            .checked_sub(Duration::from_secs(2))
            .unwrap(),
    });

    // One rotation by hand, right away, before the schedule publishes its own next key (3 s into the first key's
    // 9 s). Should the schedule win that race, try again after its key has taken over.
    let cli_app = app.clone();
    let cli = tokio::spawn(async move {
        let cli = KeyCli::for_app(&cli_app);
        for _ in 0..3 {
            let signer = cli_app.state.keys.snapshot().active.kid().to_owned();
            let outcome = cli.run(&["keys", "rotate", "--json"]).await.json();
            if outcome["outcome"] == "scheduled" {
                return Some(outcome["kid"].as_str().expect("a kid").to_owned());
            }
            let ring = cli_app.state.keys.clone();
            eventually(
                "the schedule's key takes over",
                Duration::from_secs(30),
                async move || (ring.snapshot().active.kid() != signer).then_some(()),
            )
            .await;
        }
        None
    });

    let rechecks = {
        let load = load.clone();
        tokio::spawn(async move {
            while let Some((due, token)) = later_rx.recv().await {
                tokio::time::sleep_until(due.into()).await;
                load.verify(&token, "before expiry").await;
            }
        })
    };
    let until = start + LOAD;
    let workers: Vec<_> = users
        .into_iter()
        .map(|user| {
            let load = load.clone();
            tokio::spawn(async move { load.run(user, until).await })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a load worker panicked");
    }
    let cli_kid = cli.await.expect("the CLI task panicked");
    // Closing the queue lets the re-checks drain.
    load.later.lock().unwrap().take();
    rechecks.await.expect("the re-check task panicked");
    let stats = std::mem::take(&mut *load.stats.lock().unwrap());

    let fetches: Vec<(&str, usize)> = ["/rs1", "/rs2"]
        .into_iter()
        .map(|path| (path, proxy.fetches(path).len()))
        .collect();
    println!(
        "rotation under load ({:?}): {} access tokens issued ({} logins, {} refreshes); {} signing keys {:?} \
         ({} rotations, by the CLI: {}); {} verifications, {} verification failures, {} issuance errors; \
         JWKS fetches by the resource servers: {fetches:?} (max-age {max_age:?})",
        start.elapsed(),
        stats.issued,
        stats.logins,
        stats.refreshes,
        stats.order.len(),
        stats.by_kid,
        stats.order.len().saturating_sub(1),
        cli_kid.as_deref().unwrap_or("none"),
        stats.verifications,
        stats.failures.len(),
        stats.issuance_errors.len(),
    );
    assert!(
        stats.failures.is_empty(),
        "{} verification failures, the first: {:#?}",
        stats.failures.len(),
        &stats.failures[..stats.failures.len().min(10)]
    );
    assert!(
        stats.issuance_errors.is_empty(),
        "{} token requests failed, the first: {:#?}",
        stats.issuance_errors.len(),
        &stats.issuance_errors[..stats.issuance_errors.len().min(10)]
    );
    assert!(
        stats.order.len() >= 3,
        "at least three keys signed: {:?}",
        stats.order
    );
    let cli_kid = cli_kid.expect("the CLI started a rotation");
    assert!(
        stats.by_kid.contains_key(&cli_kid),
        "the CLI's key {cli_kid} signed tokens: {:?}",
        stats.order
    );

    // The resource servers refreshed only when their copy had expired: never two fetches within max-age (less a
    // little for the proxy's view of when each request was sent), and the cache was exercised throughout.
    for path in ["/rs1", "/rs2"] {
        let fetches = proxy.fetches(path);
        assert!(
            fetches.len() as u64 >= LOAD.as_secs() / max_age.as_secs() / 2,
            "{path} refreshed its keys {} times",
            fetches.len()
        );
        assert!(
            fetches.iter().all(|f| matches!(f.status, 200 | 304)),
            "{path}: a JWKS fetch failed"
        );
        for pair in fetches.windows(2) {
            let gap = pair[1].at.duration_since(pair[0].at);
            assert!(
                gap + Duration::from_millis(200) >= max_age,
                "{path} fetched the JWKS again after {gap:?}, within max-age {max_age:?}"
            );
        }
        // Every kid that signed reached it through an expiry-driven fetch.
        for kid in &stats.order {
            assert!(
                fetches.iter().any(|f| f.kids.contains(kid)),
                "{path} never fetched a key set with {kid}"
            );
        }
    }
}
