//! The revocation feed against the mock issuer: paging, the cursor, the first poll, failures, and the polling task's
//! end. (The server's own feed is exercised in the server's suite, `tests/api/verifier_feed.rs`.)

use std::time::Duration;

use latchkey_verifier::{BuildError, Verifier, VerifyError};
use serde_json::Value;
use tokio::time::sleep;

use crate::support::{self, ISSUER, MockIdp, TestClock, claims, eventually, header, key_a};

/// A verifier of `idp` polling its feed every `interval`.
fn feed_verifier(idp: &MockIdp, interval: Duration) -> Verifier {
    support::builder()
        .revocation_feed(interval)
        .revocation_feed_uri(idp.feed_uri())
        .jwks_uri(idp.jwks_uri())
        .expect("verifier")
}

/// A token with `change` applied to the usual claims.
fn token_with(change: impl FnOnce(&mut Value)) -> String {
    let mut claims = claims();
    change(&mut claims);
    key_a().sign(&header(&key_a().kid), &claims)
}

#[tokio::test]
async fn discovery_returns_a_verifier_that_has_read_every_page_of_the_feed() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_feed_page_size(2);
    for jti in ["j1", "j2", "j3", "j4", "0190-jti"] {
        idp.revoke("jti", jti);
    }
    let verifier = Verifier::builder()
        .issuer(&idp.url)
        .audience(support::AUDIENCE)
        .revocation_feed(Duration::from_secs(60))
        .discover()
        .await
        .unwrap();

    // Pages of 2, 2 and 1, each asked for with the cursor of the one before, at once.
    assert_eq!(idp.feed_cursors(), [0, 2, 4]);
    assert_eq!(
        verifier.revocation_feed_uri(),
        Some(idp.feed_uri().as_str())
    );
    assert!(verifier.revocations_read_at().is_some());
    let mut revoked = claims();
    revoked["iss"] = idp.url.clone().into();
    let token = key_a().sign(&header(&key_a().kid), &revoked);
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::Revoked)
    ));
}

#[tokio::test]
async fn discovery_fails_when_the_first_read_of_the_feed_fails() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.fail_feed(true);
    let result = Verifier::builder()
        .issuer(&idp.url)
        .audience(support::AUDIENCE)
        .revocation_feed(Duration::from_secs(60))
        .discover()
        .await;
    assert!(
        matches!(result, Err(BuildError::RevocationFeed(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_verifier_built_with_a_jwks_uri_waits_for_the_first_read_before_it_accepts_anything() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.revoke("jti", "0190-jti");
    let verifier = feed_verifier(&idp, Duration::from_secs(60));
    assert!(matches!(
        verifier.verify(&key_a().token()).await,
        Err(VerifyError::Revoked)
    ));
    verifier
        .verify(&token_with(|c| c["jti"] = "another".into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn entries_by_jti_sid_and_sub_refuse_what_they_cover_and_nothing_else() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = feed_verifier(&idp, Duration::from_millis(50));
    let now = support::now();
    let in_family = token_with(|c| c["sid"] = "family-1".into());
    let older = token_with(|c| c["iat"] = (now - 10).into());
    verifier.verify(&in_family).await.unwrap();
    verifier.verify(&older).await.unwrap();

    idp.revoke("sid", "family-1");
    idp.revoke_at("sub", "user-1", now - 5, now + 300);
    eventually(
        "the sid entry applies",
        Duration::from_secs(2),
        async || matches!(verifier.verify(&in_family).await, Err(VerifyError::Revoked)),
    )
    .await;
    assert!(matches!(
        verifier.verify(&older).await,
        Err(VerifyError::Revoked)
    ));
    // Issued after the user's revocation, outside the family: still good. So is a token without a `sid`.
    verifier.verify(&key_a().token()).await.unwrap();
    verifier
        .verify(&token_with(|c| c["sub"] = "user-2".into()))
        .await
        .unwrap();

    // Polls start at 0 and then from the cursor of the poll before.
    eventually("a poll from cursor 2", Duration::from_secs(2), async || {
        idp.feed_cursors().last() == Some(&2)
    })
    .await;
    let cursors = idp.feed_cursors();
    assert_eq!(cursors[0], 0);
    assert!(cursors.is_sorted(), "{cursors:?}");
}

#[tokio::test]
async fn a_user_entry_names_no_sub_and_refuses_the_users_tokens_up_to_its_millisecond() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = feed_verifier(&idp, Duration::from_millis(50));
    let now = support::now();
    let revoked_ms = now * 1000 + 400;
    let issued_at = |ms: i64| {
        token_with(|c| {
            c["jti"] = support::jti_at(ms).into();
            c["iat"] = ms.div_euclid(1000).into();
        })
    };
    let before = issued_at(revoked_ms - 1);
    let same_ms = issued_at(revoked_ms);
    let after = issued_at(revoked_ms + 1);
    let in_second_without_ms = token_with(|c| {
        c["jti"] = "0190-jti".into();
        c["iat"] = now.into();
    });

    idp.revoke_at_ms("sub", "user-1", revoked_ms, now + 300);
    eventually(
        "the user entry applies",
        Duration::from_secs(2),
        async || matches!(verifier.verify(&before).await, Err(VerifyError::Revoked)),
    )
    .await;
    for (token, what) in [
        (&same_ms, "the same millisecond"),
        (&in_second_without_ms, "no millisecond"),
    ] {
        assert!(
            matches!(verifier.verify(token).await, Err(VerifyError::Revoked)),
            "{what}"
        );
    }
    verifier.verify(&after).await.unwrap();
    verifier
        .verify(&token_with(|c| c["sub"] = "user-2".into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_user_entry_without_a_usable_key_stops_the_feed_rather_than_being_skipped() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = support::builder()
        .revocation_feed(Duration::from_millis(50))
        .revocation_feed_max_staleness(Duration::from_millis(400))
        .revocation_feed_uri(idp.feed_uri())
        .jwks_uri(idp.jwks_uri())
        .expect("verifier");
    let token = key_a().token();
    verifier.verify(&token).await.unwrap();

    // A page with a user entry but no key to match it with (a broken feed): unreadable, never skipped.
    idp.set_sub_key(None);
    idp.revoke("sub", "user-1");
    eventually("failing closed", Duration::from_secs(5), async || {
        matches!(
            verifier.verify(&token).await,
            Err(VerifyError::RevocationsStale { .. })
        )
    })
    .await;
}

#[tokio::test]
async fn a_feed_that_fails_for_longer_than_the_bound_fails_closed_and_recovers_by_itself() {
    let idp = MockIdp::start(&[key_a()]).await;
    let clock = TestClock::new();
    let verifier = support::builder()
        .clock(clock.clone())
        .revocation_feed(Duration::from_millis(50))
        .revocation_feed_max_staleness(Duration::from_millis(300))
        .revocation_feed_uri(idp.feed_uri())
        .jwks_uri(idp.jwks_uri())
        .unwrap();
    verifier.verify(&key_a().token()).await.unwrap();
    let last_read = verifier.revocations_read_at().unwrap();

    idp.fail_feed(true);
    let polls = idp.feed_cursors().len();
    eventually("a poll fails", Duration::from_secs(2), async || {
        idp.feed_cursors().len() > polls
    })
    .await;
    // Within the bound the list is still trusted; past it, every token is refused.
    clock.advance(Duration::from_millis(250));
    verifier.verify(&key_a().token()).await.unwrap();
    clock.advance(Duration::from_millis(100));
    match verifier.verify(&key_a().token()).await {
        Err(error @ VerifyError::RevocationsStale { .. }) => assert!(error.is_retryable()),
        other => panic!("{other:?}"),
    }
    assert_eq!(verifier.revocations_read_at(), Some(last_read));

    idp.fail_feed(false);
    eventually("recovers", Duration::from_secs(2), async || {
        verifier.verify(&key_a().token()).await.is_ok()
    })
    .await;
}

#[tokio::test]
async fn polling_stops_when_the_last_clone_of_the_verifier_is_dropped() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = feed_verifier(&idp, Duration::from_millis(20));
    let clone = verifier.clone();
    verifier.verify(&key_a().token()).await.unwrap();
    drop(verifier);
    eventually(
        "the clone keeps polling",
        Duration::from_secs(2),
        async || idp.feed_cursors().len() >= 3,
    )
    .await;

    drop(clone);
    let polls = idp.feed_cursors().len();
    sleep(Duration::from_millis(200)).await;
    assert_eq!(idp.feed_cursors().len(), polls, "no poll after the drop");
}

#[tokio::test]
async fn feed_settings_are_checked_when_building() {
    let idp = MockIdp::start(&[key_a()]).await;
    let build = |builder: latchkey_verifier::VerifierBuilder| builder.jwks_uri(idp.jwks_uri());
    let invalid = [
        support::builder().revocation_feed(Duration::ZERO),
        support::builder()
            .revocation_feed(Duration::from_secs(1))
            .revocation_feed_max_staleness(Duration::from_secs(1)),
        support::builder().revocation_feed_uri(idp.feed_uri()),
        support::builder().revocation_feed_max_staleness(Duration::from_secs(10)),
    ];
    for builder in invalid {
        let result = build(builder);
        assert!(
            matches!(result, Err(BuildError::InvalidRevocationFeed(_))),
            "{result:?}"
        );
    }
    let result = build(
        support::builder()
            .revocation_feed(Duration::from_secs(1))
            .revocation_feed_uri("ftp://idp.test/revocations"),
    );
    assert!(
        matches!(result, Err(BuildError::InvalidUrl { .. })),
        "{result:?}"
    );
    // By default the feed is the issuer's.
    let verifier = build(support::builder().revocation_feed(Duration::from_secs(1))).unwrap();
    assert_eq!(
        verifier.revocation_feed_uri(),
        Some(format!("{ISSUER}/revocations").as_str())
    );
}

#[test]
fn a_feed_needs_a_tokio_runtime() {
    let result = support::builder()
        .revocation_feed(Duration::from_secs(1))
        .jwks_uri("https://idp.test/.well-known/jwks.json");
    assert!(matches!(result, Err(BuildError::NoRuntime)), "{result:?}");
}
