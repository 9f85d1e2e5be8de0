//! `/admin/v1/keys`: a rotation driven over HTTP (publish, refuse an early promotion, promote), and an emergency
//! revocation that takes the admin API's own tokens signed by the key with it.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{ADMIN, TestApp, expect_problem};
use crate::key_helpers::{Windows, kid_of, spawn_with_windows};

const KEYS: &str = "/admin/v1/keys";

/// Publication windows of seconds: a `next` key may sign 8 s after it is published (JWKS max-age 4 s + poll 2 s +
/// 2 s margin) and the schedule promotes it at 12 s.
async fn spawn() -> TestApp {
    spawn_with_windows(
        Windows {
            publish_ahead: 12,
            rotation_interval: 3_600,
            access_token_ttl: 300,
        },
        |_| {},
    )
    .await
}

#[tokio::test]
async fn a_rotation_is_published_refused_too_early_and_promoted_once_verifiers_can_know_the_key() {
    let app = spawn().await;
    let api = app.admin_api(ADMIN).await;
    let first = kid_of(&api.token);
    let (keys, _) = api.expect(api.get(KEYS), 200).await;
    assert_eq!(keys["items"].as_array().unwrap().len(), 1);
    assert_eq!(keys["items"][0]["kid"], first.as_str());
    assert_eq!(keys["items"][0]["state"], "active");

    let (scheduled, _) = api
        .expect(api.post(&format!("{KEYS}/rotate"), &json!({})), 200)
        .await;
    assert_eq!(scheduled["outcome"], "scheduled", "{scheduled}");
    let next = scheduled["kid"].as_str().unwrap().to_owned();
    assert!(
        app.jwks()
            .await
            .keys
            .iter()
            .any(|k| k.common.key_id.as_deref() == Some(&next)),
        "published at once"
    );
    let (again, _) = api
        .expect(
            api.request(reqwest::Method::POST, &format!("{KEYS}/rotate")),
            200,
        )
        .await;
    assert_eq!(again["outcome"], "already_scheduled");
    assert_eq!(again["kid"], next.as_str());

    let (problem, _) = expect_problem(
        api.post(&format!("{KEYS}/rotate"), &json!({ "now": true }))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("cache the JWKS"),
        "{problem}"
    );

    // Past the safe publication window (8 s), before the schedule's own promotion (12 s).
    app.clock.advance(Duration::from_secs(9));
    let (promoted, _) = api
        .expect(
            api.post(&format!("{KEYS}/rotate"), &json!({ "now": true })),
            200,
        )
        .await;
    assert_eq!(promoted["outcome"], "promoted");
    let (keys, _) = api.expect(api.get(KEYS), 200).await;
    let state_of = |kid: &str| {
        keys["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state_of(&next), "active");
    assert_eq!(state_of(&first), "retired");
    // This replica signs with the new key at once; the old key's tokens still work until they expire.
    let fresh = app.admin_api(ADMIN).await;
    assert_eq!(kid_of(&fresh.token), next);
    api.expect(api.get(KEYS), 200).await;
    // The admin API's verifier fetches the JWKS again for the new kid (at most once a second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fresh.expect(fresh.get(KEYS), 200).await;

    let (audit, _) = api.expect(api.get("/admin/v1/audit"), 200).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .filter(|a| a.starts_with("key."))
        .collect();
    assert_eq!(actions, ["key.promote", "key.rotate"]);
}

#[tokio::test]
async fn an_emergency_revocation_over_the_api_refuses_the_keys_tokens_at_once_even_the_callers() {
    let app = spawn().await;
    let api = app.admin_api(ADMIN).await;
    let kid = kid_of(&api.token);
    for (body, status) in [
        (json!({}), 400),
        (json!({ "reason": "  " }), 400),
        (json!({ "reason": "x", "y": 1 }), 400),
    ] {
        expect_problem(
            api.post(&format!("{KEYS}/{kid}/revoke"), &body)
                .send()
                .await
                .unwrap(),
            status,
        )
        .await;
    }
    expect_problem(
        api.post(
            &format!("{KEYS}/no-such-kid/revoke"),
            &json!({ "reason": "test" }),
        )
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;

    let (revoked, _) = api
        .expect(
            api.post(
                &format!("{KEYS}/{kid}/revoke"),
                &json!({ "reason": "private key found on a laptop" }),
            ),
            200,
        )
        .await;
    assert_eq!(revoked["kid"], kid.as_str());
    let successor = revoked["new_active"]
        .as_str()
        .expect("a new signer")
        .to_owned();
    assert!(
        !app.jwks()
            .await
            .keys
            .iter()
            .any(|k| k.common.key_id.as_deref() == Some(&kid))
    );

    // The caller's own token was signed by the revoked key: refused, though the verifier's cache still has the key.
    let (problem, _) = expect_problem(api.get(KEYS).send().await.unwrap(), 401).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no longer published"),
        "{problem}"
    );
    let fresh = app.admin_api(ADMIN).await;
    assert_eq!(kid_of(&fresh.token), successor);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (keys, _) = fresh.expect(fresh.get(KEYS), 200).await;
    let revoked_key = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap()
        .clone();
    assert_eq!(revoked_key["state"], "revoked");
    assert_eq!(
        revoked_key["revoked_reason"],
        "private key found on a laptop"
    );
    expect_problem(
        fresh
            .post(
                &format!("{KEYS}/{kid}/revoke"),
                &json!({ "reason": "again" }),
            )
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    let (audit, _) = fresh.expect(fresh.get("/admin/v1/audit"), 200).await;
    let record = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "key.revoke")
        .unwrap();
    assert_eq!(record["subject"], format!("key:{kid}"));
    assert_eq!(record["actor"], format!("client:{}", api.client.id));
    assert_eq!(record["source"], "127.0.0.1");
    assert_eq!(record["detail"]["reason"], "private key found on a laptop");
}
