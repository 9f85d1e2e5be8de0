//! The JWKS cache: HTTP caching (RFC 9111), conditional requests (RFC 9110 §13.1.2), the unknown-kid rate limit,
//! key rotation, and an issuer that is down or broken.

use std::time::Duration;

use latchkey_verifier::{BuildError, Verifier, VerifyError};
use tokio::task::JoinSet;

use crate::support::{self, AUDIENCE, Jwks, MockIdp, TestClock, claims, header, key_a, key_b};

#[tokio::test]
async fn keys_are_not_refetched_within_max_age_and_are_after_it_rfc9111_section_4_2() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_cache_control(Some("public, max-age=1"));
    let (verifier, clock) = support::clocked(&idp);
    for _ in 0..20 {
        verifier.verify(&key_a().token()).await.unwrap();
    }
    assert_eq!(idp.jwks_requests(), 1);

    clock.advance(Duration::from_millis(1100));
    verifier.verify(&key_a().token()).await.unwrap();
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!(idp.jwks_requests(), 2);
}

#[tokio::test]
async fn a_stale_set_is_revalidated_with_if_none_match_and_a_304_keeps_it_rfc9110_section_13_1_2() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_cache_control(Some("max-age=1"));
    let (verifier, clock) = support::clocked(&idp);
    verifier.verify(&key_a().token()).await.unwrap();

    clock.advance(Duration::from_millis(1100));
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!((idp.jwks_requests(), idp.not_modified()), (2, 1));
    // The 304 restated max-age=1: the set is fresh again, so no request now.
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!(idp.jwks_requests(), 2);

    // A changed set no longer matches the ETag and comes back in full.
    idp.publish(&[key_b()]);
    clock.advance(Duration::from_millis(1100));
    verifier.verify(&key_b().token()).await.unwrap();
    assert_eq!((idp.jwks_requests(), idp.not_modified()), (3, 1));
}

#[tokio::test]
async fn no_store_means_revalidate_but_never_more_often_than_the_refetch_interval() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_cache_control(Some("no-store"));
    idp.set_etags(false);
    let clock = TestClock::new();
    let verifier = support::builder()
        .clock(clock.clone())
        .min_refetch_interval(Duration::from_secs(1))
        .jwks_uri(idp.jwks_uri())
        .unwrap();
    for _ in 0..10 {
        verifier.verify(&key_a().token()).await.unwrap();
    }
    assert_eq!(idp.jwks_requests(), 1);
    clock.advance(Duration::from_millis(1100));
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!(idp.jwks_requests(), 2);
}

#[tokio::test]
async fn without_cache_control_the_fallback_max_age_applies() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_cache_control(None);
    let clock = TestClock::new();
    let verifier = support::builder()
        .clock(clock.clone())
        .fallback_max_age(Duration::from_millis(500))
        .jwks_uri(idp.jwks_uri())
        .unwrap();
    verifier.verify(&key_a().token()).await.unwrap();
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!(idp.jwks_requests(), 1);
    clock.advance(Duration::from_millis(600));
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!(idp.jwks_requests(), 2);
}

#[tokio::test]
async fn a_flood_of_unknown_kids_costs_the_issuer_at_most_one_fetch() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = Verifier::builder()
        .issuer(support::ISSUER)
        .audience(AUDIENCE)
        .jwks_uri(idp.jwks_uri()) // default refetch interval: 30 s
        .unwrap();
    let mut flood = JoinSet::new();
    for i in 0..100 {
        let verifier = verifier.clone();
        let token = key_a().sign(&header(&format!("forged-{i}")), &claims());
        flood.spawn(async move { verifier.verify(&token).await });
    }
    while let Some(result) = flood.join_next().await {
        assert!(matches!(result.unwrap(), Err(VerifyError::UnknownKid(_))));
    }
    assert_eq!(idp.jwks_requests(), 1);
    // The genuine key still verifies, from the cache.
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!(idp.jwks_requests(), 1);
}

#[tokio::test]
async fn an_unknown_kid_triggers_one_refetch_per_interval() {
    let idp = MockIdp::start(&[key_a()]).await;
    let clock = TestClock::new();
    let verifier = support::builder()
        .clock(clock.clone())
        .min_refetch_interval(Duration::from_secs(1))
        .jwks_uri(idp.jwks_uri())
        .unwrap(); // the set itself stays fresh: max-age=300
    verifier.verify(&key_a().token()).await.unwrap();
    clock.advance(Duration::from_millis(1100));
    for i in 0..100 {
        let token = key_a().sign(&header(&format!("forged-{i}")), &claims());
        assert!(verifier.verify(&token).await.is_err());
    }
    assert_eq!(idp.jwks_requests(), 2);
}

#[tokio::test]
async fn a_rotated_in_key_verifies_after_the_unknown_kid_refetch() {
    let idp = MockIdp::start(&[key_a()]).await;
    let (verifier, clock) = support::clocked(&idp);
    verifier.verify(&key_a().token()).await.unwrap();

    // Latchkey publishes the next key before signing with it; a cached set (max-age=300) doesn't have it yet.
    idp.publish(&[key_a(), key_b()]);
    clock.advance(Duration::from_millis(250));
    let accepted = verifier.verify(&key_b().token()).await.unwrap();
    assert_eq!(accepted.sub, "user-1");
    assert_eq!(idp.jwks_requests(), 2);
    verifier.verify(&key_a().token()).await.unwrap();

    // The old key leaves the set: after the next refetch (here, for another unknown kid), its tokens are refused.
    idp.publish(&[key_b()]);
    clock.advance(Duration::from_millis(250));
    let unknown = key_b().sign(&header("key-c"), &claims());
    assert!(verifier.verify(&unknown).await.is_err());
    assert_eq!(idp.jwks_requests(), 3);
    verifier.verify(&key_b().token()).await.unwrap();
    assert!(matches!(
        verifier.verify(&key_a().token()).await,
        Err(VerifyError::UnknownKid(_))
    ));
}

#[tokio::test]
async fn when_the_issuer_is_down_cached_keys_keep_verifying() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_cache_control(Some("max-age=1"));
    let (verifier, clock) = support::clocked(&idp);
    verifier.verify(&key_a().token()).await.unwrap();

    idp.stop().await;
    clock.advance(Duration::from_millis(1100));
    for _ in 0..3 {
        verifier.verify(&key_a().token()).await.unwrap();
        clock.advance(Duration::from_millis(250));
    }
    // An unknown kid while the issuer is unreachable may be a real new key: retryable, not "invalid".
    let token = key_b().token();
    let error = verifier.verify(&token).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
}

#[tokio::test]
async fn when_the_issuer_sends_garbage_or_errors_cached_keys_keep_verifying() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_cache_control(Some("max-age=1"));
    let (verifier, clock) = support::clocked(&idp);
    verifier.verify(&key_a().token()).await.unwrap();

    for answer in [Jwks::Garbage, Jwks::ServerError] {
        idp.answer_jwks_with(answer);
        clock.advance(Duration::from_millis(1100));
        verifier.verify(&key_a().token()).await.unwrap();
    }
    idp.publish(&[]);
    idp.answer_jwks_with(Jwks::Serve);
    clock.advance(Duration::from_millis(250));
    verifier.verify(&key_a().token()).await.unwrap();
    assert_eq!(idp.jwks_requests(), 4, "each stale period asked once");
}

#[tokio::test]
async fn without_any_keys_an_unreachable_issuer_is_a_retryable_error() {
    let verifier = support::builder()
        .jwks_uri(support::unreachable_jwks_uri())
        .unwrap();
    let error = verifier.verify(&key_a().token()).await.unwrap_err();
    assert!(
        matches!(error, VerifyError::KeysUnavailable(_)),
        "{error:?}"
    );
    assert!(error.is_retryable());
    // Still refused without a new attempt within the interval, and with the same retryable reason.
    assert!(
        verifier
            .verify(&key_a().token())
            .await
            .unwrap_err()
            .is_retryable()
    );
}

#[tokio::test]
async fn discovery_finds_the_jwks_uri_in_the_issuer_metadata_rfc8414() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = Verifier::builder()
        .issuer(&idp.url)
        .audience(AUDIENCE)
        .discover()
        .await
        .unwrap();
    assert_eq!(verifier.jwks_uri(), idp.jwks_uri());
    let mut claims = claims();
    claims["iss"] = idp.url.clone().into();
    let token = key_a().sign(&header(&key_a().kid), &claims);
    verifier.verify(&token).await.unwrap();
}

#[tokio::test]
async fn discovery_refuses_metadata_naming_another_issuer_rfc8414_section_3_3() {
    let idp = MockIdp::start(&[key_a()]).await;
    idp.set_metadata_issuer("https://evil.test");
    let result = Verifier::builder()
        .issuer(&idp.url)
        .audience(AUDIENCE)
        .discover()
        .await;
    assert!(
        matches!(result, Err(BuildError::IssuerMismatch { .. })),
        "{result:?}"
    );
}
