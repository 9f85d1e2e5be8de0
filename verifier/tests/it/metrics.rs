//! The `metrics` feature: verifications counted per kid and outcome, JWKS fetches per outcome, recorded through the
//! `metrics` facade. The test records into a recorder of its own (thread-local, on a current-thread runtime it
//! drives), so the other tests running in this binary at the same time can't change its counts.

use std::collections::BTreeMap;
use std::time::Duration;

use latchkey_verifier::metric_names::{JWKS_FETCHES, VERIFICATIONS};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

use crate::support::{self, MockIdp, builder, claims, header, key_a, key_b, unreachable_jwks_uri};

#[test]
fn verifications_are_counted_per_published_kid_and_outcome_and_jwks_fetches_per_outcome() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let idp = MockIdp::start(&[key_a()]).await;
            idp.set_cache_control(Some("no-cache"));
            let (verifier, clock) = support::clocked(&idp);
            verifier
                .verify(&key_a().token())
                .await
                .expect("a valid token");
            verifier
                .verify(&key_a().token())
                .await
                .expect("a valid token");
            let mut expired = claims();
            expired["exp"] = (support::now() - 3_600).into();
            let token = key_a().sign(&header(&key_a().kid), &expired);
            verifier.verify(&token).await.expect_err("an expired token");
            // A kid the issuer never published is labelled `unknown`, whatever it says.
            verifier
                .verify(&key_b().token())
                .await
                .expect_err("an unknown kid");

            // `no-cache`: after the least refetch interval the set is revalidated, and the ETag answers 304.
            clock.advance(Duration::from_millis(300));
            verifier
                .verify(&key_a().token())
                .await
                .expect("a valid token");

            let unreachable = builder()
                .jwks_uri(unreachable_jwks_uri())
                .expect("a verifier");
            unreachable
                .verify(&key_a().token())
                .await
                .expect_err("no keys");
            idp.stop().await;
        });
    });

    let mut counters = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        if let DebugValue::Counter(count) = value {
            let key = key.key();
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            counters.insert(format!("{}{{{}}}", key.name(), labels.join(",")), count);
        }
    }
    let count = |series: &str| counters.get(series).copied().unwrap_or(0);
    assert_eq!(
        count(&format!("{VERIFICATIONS}{{kid=key-a,outcome=ok}}")),
        3,
        "{counters:?}"
    );
    assert_eq!(
        count(&format!("{VERIFICATIONS}{{kid=key-a,outcome=expired}}")),
        1,
        "{counters:?}"
    );
    assert_eq!(
        count(&format!(
            "{VERIFICATIONS}{{kid=unknown,outcome=unknown_kid}}"
        )),
        1,
        "{counters:?}"
    );
    assert_eq!(
        count(&format!(
            "{VERIFICATIONS}{{kid=unknown,outcome=keys_unavailable}}"
        )),
        1,
        "{counters:?}"
    );
    // The set never changed: one full fetch, every later one a 304.
    assert_eq!(
        count(&format!("{JWKS_FETCHES}{{outcome=ok}}")),
        1,
        "{counters:?}"
    );
    // At least the one after the clock moved: on a slow machine an earlier verification may also have revalidated.
    assert!(
        count(&format!("{JWKS_FETCHES}{{outcome=not_modified}}")) >= 1,
        "{counters:?}"
    );
    assert_eq!(
        count(&format!("{JWKS_FETCHES}{{outcome=error}}")),
        1,
        "{counters:?}"
    );
}
