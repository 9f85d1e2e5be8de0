//! The key lifecycle with windows of seconds (issue 3, DESIGN.md §8): `next` is published before it signs, for at
//! least the JWKS max-age; a retired key stays published until its tokens have expired; the JWKS carries a
//! `max-age` derived from the windows, and an `ETag` that changes exactly when the key set does.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use latchkey::config::{Config, HumanDuration};
use latchkey::domain::signing::lifecycle::VERIFIER_LEEWAY;

use crate::helpers::{eventually, now, test_config};
use crate::key_helpers::{
    KeyCli, Windows, fetch_jwks, key_rows, kid_of, policy, set_remove_after, spawn_with_windows,
    unix_now,
};

/// First and last time something was seen, relative to the start of the test.
#[derive(Clone, Copy, Debug)]
struct Seen {
    first: Duration,
    last: Duration,
}

fn see(map: &mut HashMap<String, Seen>, kid: &str, at: Duration) {
    map.entry(kid.to_owned())
        .and_modify(|s| s.last = at)
        .or_insert(Seen {
            first: at,
            last: at,
        });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_published_before_they_sign_and_stay_published_until_their_tokens_expire() {
    let windows = Windows {
        publish_ahead: 6,
        rotation_interval: 8,
        access_token_ttl: 3,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let policy = policy(&app);
    // Derived as documented: max-age a third of the window, poll a sixth (at least 1 s), safe = both + 2 s.
    assert_eq!(policy.jwks_max_age, Duration::from_secs(2));
    assert_eq!(policy.poll_interval, Duration::from_secs(1));
    assert_eq!(policy.safe_publication(), Duration::from_secs(5));
    let max_age = policy.jwks_max_age;
    let expected_cache_control = format!("public, max-age={}", max_age.as_secs());
    let (user, client) = app.user_and_client().await;

    // Watch the JWKS and the tokens side by side for long enough to see the first key replaced twice.
    let start = Instant::now();
    let mut published: HashMap<String, Seen> = HashMap::new();
    let mut signed: HashMap<String, Seen> = HashMap::new();
    let mut signing_order: Vec<String> = Vec::new();
    let mut etag_of_body: BTreeMap<Vec<u8>, String> = BTreeMap::new();
    let mut first_etag = None;
    let mut refresh_token: Option<String> = None;
    let mut round = 0_u64;
    while start.elapsed() < Duration::from_secs(21) {
        let jwks = fetch_jwks(&app, None).await;
        let at = start.elapsed();
        assert_eq!(jwks.status, 200);
        assert_eq!(
            jwks.cache_control.as_deref(),
            Some(expected_cache_control.as_str())
        );
        let etag = jwks.etag.clone().expect("the JWKS has an ETag");
        first_etag.get_or_insert_with(|| etag.clone());
        let known = etag_of_body
            .entry(jwks.body.clone())
            .or_insert(etag.clone());
        assert_eq!(*known, etag, "one key set, one ETag");
        for kid in &jwks.kids {
            see(&mut published, kid, at);
        }

        // Logins and refreshes alternate: both sign with the current key.
        let tokens = match refresh_token.take() {
            Some(token) => app.refresh(&client, &token).await,
            None => app.login(&client, &user).await,
        };
        round += 1;
        if round % 2 == 1 {
            refresh_token = tokens.refresh_token.clone();
        }
        let at = start.elapsed();
        let kid = kid_of(&tokens.access_token);
        assert!(
            jwks.has(&kid),
            "a token signed by {kid} at {at:?}, which the JWKS fetched just before did not publish: {:?}",
            jwks.kids
        );
        if !signed.contains_key(&kid) {
            signing_order.push(kid.clone());
        }
        see(&mut signed, &kid, at);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    println!("signing order: {signing_order:?}");
    assert!(
        signing_order.len() >= 3,
        "the first key was replaced at least twice in 21 s with an 8 s rotation: {signing_order:?}"
    );
    for kid in &signing_order[1..] {
        let (publication, signing) = (published[kid].first, signed[kid].first);
        println!(
            "{kid}: published at {publication:?}, first signed at {signing:?} (after {:?})",
            signing.saturating_sub(publication)
        );
        assert!(
            signing >= publication + max_age,
            "{kid} signed {:?} after it was first published, less than the JWKS max-age {max_age:?}",
            signing.saturating_sub(publication)
        );
    }
    // Each key stopped signing when its successor started, and is still published (its tokens expire 3 s after
    // its last one; the schedule keeps it for that + the 60 s verifier leeway + max-age).
    let end = start.elapsed();
    for pair in signing_order.windows(2) {
        let (old, new) = (&pair[0], &pair[1]);
        assert!(
            signed[old].last <= signed[new].first,
            "{old} signed after {new} took over"
        );
        assert!(
            published[old].last + Duration::from_millis(500) >= end,
            "retired key {old} left the JWKS at {:?}, though verifiers may hold its tokens until {:?}",
            published[old].last,
            signed[old].last
                + Duration::from_secs(windows.access_token_ttl)
                + VERIFIER_LEEWAY
                + max_age
        );
    }
    let rows = key_rows(&app).await;
    for row in rows.iter().filter(|r| r.state.as_str() == "retired") {
        let retired_at = row.retired_at.expect("a retired key has retired_at");
        assert_eq!(
            row.remove_after,
            Some(
                retired_at
                    + windows.access_token_ttl as i64
                    + VERIFIER_LEEWAY.as_secs() as i64
                    + max_age.as_secs() as i64
            ),
            "a retired key leaves once every token it signed has expired, plus leeway and max-age"
        );
    }

    // One ETag per key set; a distinct set for each step (publish, promote) seen.
    let distinct_etags: std::collections::HashSet<&String> = etag_of_body.values().collect();
    assert_eq!(
        distinct_etags.len(),
        etag_of_body.len(),
        "two key sets share an ETag"
    );
    assert!(
        etag_of_body.len() >= 4,
        "the JWKS changed at each step: {} versions",
        etag_of_body.len()
    );
    // Revalidation: the current ETag gives 304 with the caching headers; the first one, long replaced, a new body.
    let current = fetch_jwks(&app, None).await;
    let current_etag = current.etag.clone().expect("an ETag");
    let revalidated = fetch_jwks(&app, Some(&current_etag)).await;
    if revalidated.status == 200 {
        // The set changed between the two requests (a step fell due): then its ETag did too.
        assert_ne!(revalidated.etag.as_deref(), Some(current_etag.as_str()));
    } else {
        assert_eq!(revalidated.status, 304);
        assert!(revalidated.body.is_empty());
        assert_eq!(revalidated.etag.as_deref(), Some(current_etag.as_str()));
        assert_eq!(
            revalidated.cache_control.as_deref(),
            Some(expected_cache_control.as_str())
        );
    }
    let stale = fetch_jwks(&app, first_etag.as_deref()).await;
    assert_eq!(stale.status, 200, "an outdated ETag gets the new key set");
    assert_ne!(stale.etag, first_etag);

    // The end of a retired key's window: its `remove_after` is 60 s + away (the fixed verifier leeway), so move it
    // to two seconds from now; the key must stay published until then and leave within a poll interval after.
    let oldest = signing_order[0].clone();
    let remove_at = now() + 2;
    set_remove_after(&app.database, &oldest, remove_at).await;
    let left = eventually(
        "the retired key leaves the JWKS",
        Duration::from_secs(8),
        async || {
            let jwks = fetch_jwks(&app, None).await;
            let at = unix_now();
            (!jwks.has(&oldest)).then_some(at)
        },
    )
    .await;
    println!(
        "{oldest} left the JWKS {:.2}s after its remove_after",
        left - remove_at as f64
    );
    assert!(
        left >= remove_at as f64,
        "{oldest} left the JWKS at {left}, before its remove_after {remove_at}"
    );
    assert!(
        left <= (remove_at as f64) + (policy.poll_interval.as_secs_f64()) + 2.0,
        "{oldest} left the JWKS {}s after its remove_after",
        left - remove_at as f64
    );
    eventually(
        "the removed key's row is deleted",
        Duration::from_secs(3),
        async || (!key_rows(&app).await.iter().any(|r| r.kid == oldest)).then_some(()),
    )
    .await;
}

#[test]
fn the_jwks_max_age_and_poll_interval_follow_the_publication_window_and_a_too_short_window_is_refused()
 {
    let with = |publish_ahead: u64, rotation: u64| Config {
        key_publish_ahead: HumanDuration::from_secs(publish_ahead),
        key_rotation_interval: HumanDuration::from_secs(rotation),
        ..test_config("sqlite://unused.db")
    };
    let secs = Duration::from_secs;
    // (publish_ahead, max-age, poll interval, safe publication)
    for (publish_ahead, max_age, poll, safe) in [
        (3_600, 900, 10, 912), // the defaults: max-age capped at 15 min, poll at 10 s
        (60, 20, 10, 32),
        (12, 4, 2, 8),
        (6, 2, 1, 5),
    ] {
        let policy = with(publish_ahead, 30 * 86_400).key_policy();
        assert_eq!(policy.jwks_max_age, secs(max_age), "{publish_ahead}");
        assert_eq!(policy.poll_interval, secs(poll), "{publish_ahead}");
        assert_eq!(policy.safe_publication(), secs(safe), "{publish_ahead}");
        assert!(policy.jwks_max_age < secs(publish_ahead));
        with(publish_ahead, 30 * 86_400)
            .validate()
            .expect("a window at least the safe publication is accepted");
    }
    // 4 s: max-age 1.33 s + poll 1 s + 2 s margin = 5 s (rounded up) > 4 s.
    let error = with(4, 30)
        .validate()
        .expect_err("a 4 s window is too short")
        .to_string();
    assert!(
        error.contains("key_publish_ahead must be at least 5s"),
        "{error}"
    );
    let error = with(60, 30)
        .validate()
        .expect_err("rotation shorter than publication")
        .to_string();
    assert!(error.contains("key_rotation_interval"), "{error}");
}

#[tokio::test]
async fn the_binary_refuses_a_publication_window_shorter_than_the_jwks_max_age_plus_poll_and_margin()
 {
    let config = test_config("sqlite://unused.db");
    let run = KeyCli::for_config(&config)
        .with_env("LATCHKEY_KEY_PUBLISH_AHEAD", "4s")
        .with_env("LATCHKEY_KEY_ROTATION_INTERVAL", "1h")
        .run(&["keys", "list", "--json"])
        .await;
    run.assert_failed_saying(&["key_publish_ahead must be at least 5s", "max-age"]);
}
