//! `latchkey keys list|rotate [--now]|revoke|rewrap`, run as the real binary against the database of a running
//! server, which picks the changes up without a restart (issue 3, operator commands).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use latchkey::app::Application;
use latchkey::domain::signing::MasterKey;
use latchkey::domain::signing::lifecycle::VERIFIER_LEEWAY;
use latchkey::values::secret::SecretString;

use crate::helpers::{TestApp, eventually, expect_error, random_master_key};
use crate::key_helpers::{
    KeyCli, SLACK, Windows, jwks_until, key_revocations_audited, key_rows, kid_of, listed, policy,
    spawn_with_windows,
};

#[tokio::test]
async fn keys_rotate_publishes_a_next_key_the_running_server_serves_and_rotate_now_waits_for_the_window()
 {
    // 12 s window: max-age 4 s, poll 2 s, safe publication 8 s; `--now` has [8 s, 12 s) to act before the schedule.
    let windows = Windows {
        publish_ahead: 12,
        rotation_interval: 3_600,
        access_token_ttl: 60,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let policy = policy(&app);
    let (user, client) = app.user_and_client().await;
    let cli = KeyCli::for_app(&app);

    let keys = cli.list().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let first = keys[0]["kid"].as_str().expect("a kid").to_owned();
    assert_eq!(keys[0]["state"], "active");
    assert!(keys[0]["activated_at"].is_i64());
    assert!(keys[0]["leaves_jwks_at"].is_null());

    cli.run(&["keys", "rotate", "--now"])
        .await
        .assert_failed_saying(&["no key is published as `next`", "latchkey keys rotate"]);

    let rotated = cli.run(&["keys", "rotate", "--json"]).await.json();
    let published_at = Instant::now();
    assert_eq!(rotated["outcome"], "scheduled", "{rotated}");
    let next = rotated["kid"].as_str().expect("the new kid").to_owned();
    assert_ne!(next, first);

    // The running server serves it within its poll interval, and does not sign with it.
    jwks_until(
        &app,
        "the CLI's next key in the server's JWKS",
        policy.poll_interval + SLACK,
        |jwks| jwks.has(&next) && jwks.has(&first),
    )
    .await;
    let tokens = app.login(&client, &user).await;
    assert_eq!(
        kid_of(&tokens.access_token),
        first,
        "a next key does not sign"
    );

    let keys = cli.list().await;
    let row = listed(&keys, &next);
    assert_eq!(row["state"], "next");
    let created_at = row["created_at"].as_i64().expect("created_at");
    assert_eq!(row["activates_at"], rotated["activates_at"]);
    assert_eq!(
        row["activates_at"].as_i64(),
        Some(created_at + windows.publish_ahead as i64)
    );
    let again = cli.run(&["keys", "rotate", "--json"]).await.json();
    assert_eq!(again["outcome"], "already_scheduled", "{again}");
    assert_eq!(again["kid"], next.as_str());

    // Too early for --now: refused with the reason and the time left; nothing changes.
    let refused = cli.run(&["keys", "rotate", "--now"]).await;
    refused.assert_failed_saying(&[&next, "verifiers may cache the jwks for 4s", "can sign in"]);
    assert_eq!(
        key_rows(&app)
            .await
            .iter()
            .find(|r| r.kid == next)
            .map(|r| r.state.as_str().to_owned()),
        Some("next".to_owned())
    );

    // Once the safe publication (8 s) has passed, --now promotes it, ahead of its 12 s schedule.
    let safe_at = created_at + policy.safe_publication().as_secs() as i64;
    while crate::helpers::now() < safe_at {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let promoted = cli.run(&["keys", "rotate", "--now", "--json"]).await.json();
    assert_eq!(promoted["outcome"], "promoted", "{promoted}");
    assert_eq!(promoted["kid"], next.as_str());
    assert!(
        published_at.elapsed() < Duration::from_secs(windows.publish_ahead),
        "--now acted before the schedule would have"
    );
    eventually(
        &format!("the server signs with {next} instead of {first}"),
        policy.poll_interval + SLACK,
        async || (kid_of(&app.login(&client, &user).await.access_token) == next).then_some(()),
    )
    .await;

    // The old key is retired, still published, and listed with when it leaves.
    let jwks = crate::key_helpers::fetch_jwks(&app, None).await;
    assert!(jwks.has(&first) && jwks.has(&next), "{:?}", jwks.kids);
    let keys = cli.list().await;
    let old = listed(&keys, &first);
    assert_eq!(old["state"], "retired");
    let retired_at = old["retired_at"].as_i64().expect("retired_at");
    assert_eq!(
        old["leaves_jwks_at"].as_i64(),
        Some(
            retired_at
                + windows.access_token_ttl as i64
                + VERIFIER_LEEWAY.as_secs() as i64
                + policy.jwks_max_age.as_secs() as i64
        )
    );
    assert_eq!(listed(&keys, &next)["state"], "active");
}

#[tokio::test]
async fn keys_revoke_pulls_a_key_from_the_running_servers_jwks_switches_signing_and_writes_an_audit_record()
 {
    let windows = Windows {
        publish_ahead: 6,
        rotation_interval: 3_600,
        access_token_ttl: 60,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let policy = policy(&app);
    let (user, client) = app.user_and_client().await;
    let cli = KeyCli::for_app(&app);
    let tokens = app.login(&client, &user).await;
    let revoked = kid_of(&tokens.access_token);

    // The reason is mandatory, and must say something.
    cli.run(&["keys", "revoke", &revoked])
        .await
        .assert_failed_saying(&["--reason"]);
    cli.run(&["keys", "revoke", &revoked, "--reason", "  "])
        .await
        .assert_failed_saying(&["--reason must say why"]);
    cli.run(&["keys", "revoke", "no-such-kid", "--reason", "test"])
        .await
        .assert_failed_saying(&["not found"]);
    // A kid is base64url, so one in 64 begins with `-`: it is a kid, never an option.
    cli.run(&["keys", "revoke", "-q-no-such-kid", "--reason", "test"])
        .await
        .assert_failed_saying(&["not found"]);
    assert_eq!(
        key_rows(&app).await.len(),
        1,
        "failed revocations change nothing"
    );
    assert!(key_revocations_audited(&app).await.is_empty());

    let reason = "private key leaked into a build log";
    let done = cli
        .run(&["keys", "revoke", &revoked, "--reason", reason, "--json"])
        .await
        .json();
    assert_eq!(done["revoked"], true);
    assert_eq!(done["kid"], revoked.as_str());
    assert_eq!(done["families_revoked"], 1);
    let successor = done["new_active"]
        .as_str()
        .expect("a new signer")
        .to_owned();
    assert_ne!(successor, revoked);

    // Out of the running server's JWKS within its poll interval; the successor signs.
    jwks_until(
        &app,
        "the revoked key leaves the JWKS",
        policy.poll_interval + SLACK,
        |jwks| !jwks.has(&revoked) && jwks.has(&successor),
    )
    .await;
    let fresh = app.login(&client, &user).await;
    assert_eq!(kid_of(&fresh.access_token), successor);
    app.verify_access_token(&fresh.access_token, &client.id)
        .await;
    expect_error(
        app.refresh_grant(&client, tokens.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;

    let audit = key_revocations_audited(&app).await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    let record = &audit[0];
    assert_eq!(record.subject, format!("key:{revoked}"));
    assert!(record.actor.starts_with("cli:"), "{record:?}");
    assert!((crate::helpers::now() - record.at).abs() < 30);
    let detail = &record.detail;
    assert_eq!(detail["reason"], reason);
    assert_eq!(detail["previous_state"], "active");
    assert_eq!(detail["new_active"], successor.as_str());
    assert_eq!(detail["families_revoked"], 1);

    let keys = cli.list().await;
    assert_eq!(listed(&keys, &revoked)["state"], "revoked");
    assert_eq!(listed(&keys, &revoked)["revoked_reason"], reason);
    assert!(listed(&keys, &revoked)["leaves_jwks_at"].is_i64());
    assert_eq!(listed(&keys, &successor)["state"], "active");
    cli.run(&["keys", "revoke", &revoked, "--reason", "again"])
        .await
        .assert_failed_saying(&["already revoked"]);
}

#[tokio::test]
async fn keys_rewrap_reseals_every_key_under_a_new_master_key_and_a_server_then_needs_only_that_key()
 {
    // A long window: the `next` key made below must not be promoted during the test.
    let windows = Windows {
        publish_ahead: 60,
        rotation_interval: 3_600,
        access_token_ttl: 60,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let (user, client) = app.user_and_client().await;
    let old_master = app.config.master_key.clone().expect("a master key");
    let old_id = app.state.master.id().to_owned();
    let cli = KeyCli::for_app(&app);
    let next = cli.run(&["keys", "rotate", "--json"]).await.json()["kid"]
        .as_str()
        .expect("a kid")
        .to_owned();
    let before = key_rows(&app).await;
    assert_eq!(before.len(), 2);
    let plain: Vec<Vec<u8>> = before
        .iter()
        .map(|r| {
            app.state
                .master
                .open(r.kid.as_str(), &r.master_key_id, &r.private_key_ciphertext)
                .expect("the old master key opens its keys")
        })
        .collect();

    let new_master = random_master_key();
    let new_id = MasterKey::from_base64(&new_master, "test")
        .expect("a key")
        .id()
        .to_owned();
    let with_new = KeyCli::for_app(&app).with_env("LATCHKEY_MASTER_KEY", &new_master);

    // Without the previous key the new one can't open anything: refused, nothing touched.
    with_new
        .run(&["keys", "rewrap"])
        .await
        .assert_failed_saying(&["LATCHKEY_MASTER_KEY_PREVIOUS", &old_id, &new_id]);
    let unchanged = key_rows(&app).await;
    assert!(unchanged.iter().all(|r| r.master_key_id == old_id));

    let rewrapped = with_new
        .with_env("LATCHKEY_MASTER_KEY_PREVIOUS", old_master.expose())
        .run(&["keys", "rewrap", "--json"])
        .await
        .json();
    assert_eq!(rewrapped["master_key_id"], new_id.as_str());
    let mut kids: Vec<&str> = rewrapped["rewrapped"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|k| k.as_str().expect("a kid"))
        .collect();
    kids.sort_unstable();
    let mut expected: Vec<&str> = before.iter().map(|r| r.kid.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(kids, expected, "every key is re-sealed");

    let new_key = MasterKey::from_base64(&new_master, "test").expect("a key");
    let after = key_rows(&app).await;
    for (old_row, old_plain) in before.iter().zip(&plain) {
        let row = after
            .iter()
            .find(|r| r.kid == old_row.kid)
            .expect("still there");
        assert_eq!(row.master_key_id, new_id);
        assert_ne!(row.private_key_ciphertext, old_row.private_key_ciphertext);
        assert_eq!(row.state, old_row.state);
        assert_eq!(
            &new_key
                .open(
                    row.kid.as_str(),
                    &row.master_key_id,
                    &row.private_key_ciphertext
                )
                .expect("the new master key opens it"),
            old_plain,
            "the same private key, re-sealed"
        );
    }
    // Idempotent: nothing left to move.
    let again = KeyCli::for_app(&app)
        .with_env("LATCHKEY_MASTER_KEY", &new_master)
        .run(&["keys", "rewrap", "--json"])
        .await
        .json();
    assert_eq!(again["rewrapped"], serde_json::json!([]));

    // A server with only the old master key no longer starts; one with only the new key serves and signs.
    let mut old_only = app.config.clone();
    old_only.master_key = Some(old_master.clone());
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let error = match Application::build_with_listener(old_only, listener).await {
        Ok(_) => panic!("a server started with the master key the keys were moved away from"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        error.contains(&new_id) && error.contains(&old_id),
        "{error}"
    );

    let mut new_only = app.config.clone();
    new_only.master_key = Some(SecretString::from(new_master));
    new_only.master_key_previous = None;
    let restarted = TestApp::spawn_on(app.database.clone(), new_only).await;
    let jwks = crate::key_helpers::fetch_jwks(&restarted, None).await;
    assert_eq!(jwks.kids.len(), 2);
    assert!(jwks.has(&next));
    let tokens = restarted.login(&client, &user).await;
    assert_eq!(
        kid_of(&tokens.access_token),
        app.state.keys.snapshot().active.kid(),
        "the same signing key, opened with the new master key"
    );
    restarted
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
}
