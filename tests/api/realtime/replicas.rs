//! Two replicas on one database (`PostgreSQL` with `TEST_DATABASE_URL`, else one `SQLite` file): one of them performs
//! each rotation step (the lease), both serve the same JWKS after each step, tokens from either verify at resource
//! servers reading either JWKS, and with Redis (`TEST_REDIS_URL`) an emergency revocation reaches both at once.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use latchkey::values::secret::SecretString;

use crate::helpers::{TestApp, eventually};
use crate::key_helpers::{
    KeyCli, REDIS_ENV, SLACK, Windows, fetch_jwks, key_rows, kid_of, kids_in_state, policy,
    spawn_with_windows, verifier,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_take_each_rotation_step_once_and_serve_identical_jwks_after_it() {
    let windows = Windows {
        publish_ahead: 6,
        rotation_interval: 8,
        access_token_ttl: 30,
    };
    // Replicas behind one name share their issuer.
    let first = spawn_with_windows(windows, |config| {
        config.issuer = Some("https://login.example.test".into());
    })
    .await;
    let second = first.spawn_another().await;
    let replicas: [&TestApp; 2] = [&first, &second];
    let policy = policy(&first);
    let (user, client) = first.user_and_client().await;
    // A resource server per replica's JWKS, refreshing only when max-age says so.
    let resource_servers = [
        verifier(&first, &client.id, policy.jwks_max_age, None),
        verifier(&second, &client.id, policy.jwks_max_age, None),
    ];
    let backend = if first.database.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    let start = Instant::now();
    let mut most_next_keys = 0;
    let mut kids_created = BTreeSet::new();
    let mut signers: Vec<String> = Vec::new();
    let mut agreed_versions: HashSet<Vec<u8>> = HashSet::new();
    let mut disagreeing_since: Option<Instant> = None;
    let mut longest_disagreement = Duration::ZERO;
    let mut tokens_checked = 0;
    let mut round = 0_usize;
    while start.elapsed() < Duration::from_secs(21) {
        let rows = key_rows(&first).await;
        let next = kids_in_state(&rows, "next");
        most_next_keys = most_next_keys.max(next.len());
        assert!(next.len() <= 1, "two next keys at once: {next:?}");
        assert_eq!(kids_in_state(&rows, "active").len(), 1);
        kids_created.extend(rows.iter().map(|r| r.kid.clone()));

        let jwks = [
            fetch_jwks(&first, None).await,
            fetch_jwks(&second, None).await,
        ];
        if jwks[0].body == jwks[1].body {
            agreed_versions.insert(jwks[0].body.clone());
            disagreeing_since = None;
        } else {
            let since = *disagreeing_since.get_or_insert_with(Instant::now);
            longest_disagreement = longest_disagreement.max(since.elapsed());
            assert!(
                since.elapsed() <= policy.poll_interval + SLACK,
                "the replicas' JWKS differ for {:?}: {:?} vs {:?}",
                since.elapsed(),
                jwks[0].kids,
                jwks[1].kids
            );
        }

        // A token from each replica in turn: published by the replica that signed it, verified through both JWKS.
        let issuer = round % 2;
        round += 1;
        let tokens = replicas[issuer].login(&client, &user).await;
        let kid = kid_of(&tokens.access_token);
        assert!(
            jwks[issuer].has(&kid),
            "replica {issuer} signed with {kid}, which its JWKS did not publish: {:?}",
            jwks[issuer].kids
        );
        // (Around a promotion the replicas may briefly sign with the old and the new key: both are published.)
        if !signers.contains(&kid) {
            signers.push(kid.clone());
        }
        for (reader, resource_server) in resource_servers.iter().enumerate() {
            if let Err(e) = resource_server.verify(&tokens.access_token).await {
                panic!(
                    "a token of replica {issuer} (kid {kid}) failed at the resource server reading replica {reader}'s \
                     JWKS after {:?}: {e:?}",
                    start.elapsed()
                );
            }
        }
        tokens_checked += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let rows = key_rows(&first).await;
    let pending = kids_in_state(&rows, "next").len();
    println!(
        "two replicas on {backend}: {} keys created, signers {signers:?}, {} agreed JWKS versions, longest \
         disagreement {longest_disagreement:?}, {tokens_checked} tokens verified at both resource servers",
        kids_created.len(),
        agreed_versions.len()
    );
    assert!(
        signers.len() >= 3,
        "at least two rotations in 21 s: {signers:?}"
    );
    // Exactly one key per rotation: every key created either signed or is the one pending now.
    assert_eq!(
        kids_created.len(),
        signers.len() + pending,
        "keys created {kids_created:?}, signers {signers:?}, pending {pending}"
    );
    assert!(most_next_keys <= 1);
    // Both replicas were seen agreeing on the key set after each step: the initial set, then for every rotation
    // the published next key and its promotion.
    assert!(
        agreed_versions.len() > 2 * (signers.len() - 1),
        "{} agreed versions for {} signers",
        agreed_versions.len(),
        signers.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_a_cli_revocation_reaches_both_replicas_well_before_their_poll() {
    let redis_url = std::env::var(REDIS_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty());
    if !crate::helpers::service_available(
        "Redis (TEST_REDIS_URL)",
        redis_url.is_some(),
        "the key-change notice test",
    ) {
        return;
    }
    let redis_url = redis_url.unwrap_or_default();
    // A 60 s window: max-age 20 s, poll 10 s. Without a notice a replica would take up to 10 s to notice.
    let windows = Windows {
        publish_ahead: 60,
        rotation_interval: 3_600,
        access_token_ttl: 60,
    };
    let first = spawn_with_windows(windows, |config| {
        config.issuer = Some("https://login.example.test".into());
        config.redis_url = Some(SecretString::from(redis_url.trim()));
    })
    .await;
    let second = first.spawn_another().await;
    assert_eq!(policy(&first).poll_interval, Duration::from_secs(10));
    let (user, client) = first.user_and_client().await;
    let cli = KeyCli::for_app(&first);
    // Wait until both replicas have subscribed (under load that can take longer than a fixed sleep).
    wait_for_subscribers(redis_url.trim(), &first.config.redis_prefix, 2).await;

    // Twice, so that a poll tick falling in the window by chance can't pass the test for both replicas twice.
    for _ in 0..2 {
        let revoked = kid_of(&second.login(&client, &user).await.access_token);
        let done = cli
            .run(&[
                "keys",
                "revoke",
                &revoked,
                "--reason",
                "notice test",
                "--json",
            ])
            .await
            .json();
        let sent = Instant::now();
        let successor = done["new_active"]
            .as_str()
            .expect("a new signer")
            .to_owned();
        let reached = eventually(
            "both replicas drop the revoked key",
            Duration::from_secs(3),
            async || {
                let a = fetch_jwks(&first, None).await;
                let b = fetch_jwks(&second, None).await;
                let done = [a, b].iter().all(|j| !j.has(&revoked) && j.has(&successor));
                done.then(|| sent.elapsed())
            },
        )
        .await;
        println!("revocation of {revoked} reached both replicas {reached:?} after the CLI exited");
        for replica in [&first, &second] {
            let tokens = replica.login(&client, &user).await;
            assert_eq!(kid_of(&tokens.access_token), successor);
        }
    }
}

/// Polls `PUBSUB NUMSUB` until the key-change channel has at least `n` subscribers (other tests' servers may add
/// more; never fewer than ours once they are up).
async fn wait_for_subscribers(redis_url: &str, prefix: &str, n: i64) {
    let client = redis::Client::open(redis_url).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis reachable");
    eventually(
        "the replicas subscribe to key-change notices",
        Duration::from_secs(20),
        async || {
            let (_, count): (String, i64) = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(format!("{prefix}:keys-changed"))
                .query_async(&mut conn)
                .await
                .expect("PUBSUB NUMSUB");
            if count >= n {
                Ok(())
            } else {
                Err(format!("{count} of {n} subscribed"))
            }
        },
    )
    .await;
}
