//! What an emergency revocation does (issue 3): the key's refresh-token families end, its tokens stop verifying at a
//! verifier as soon as that verifier's cache expires, fresh logins get a new key, and other keys' families live on.

use std::time::{Duration, Instant};

use latchkey::domain::signing::admin;
use latchkey_verifier::VerifyError;

use crate::helpers::{eventually, expect_error, now, operator};
use crate::key_helpers::{
    KeyCli, SLACK, Windows, jwks_until, key_revocations_audited, key_rows, kid_of, policy,
    spawn_with_windows, verifier,
};

#[tokio::test]
async fn after_revoking_the_active_key_its_families_end_its_tokens_fail_and_fresh_logins_get_a_new_key()
 {
    // Access tokens live 5 min, so a refused token is refused for its key, not for its age.
    let windows = Windows {
        publish_ahead: 6,
        rotation_interval: 3_600,
        access_token_ttl: 300,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let policy = policy(&app);
    let (user, client) = app.user_and_client().await;
    // Two families under the key: one fresh, one whose refresh token was already rotated once.
    let first = app.login(&client, &user).await;
    let second = app.login(&client, &user).await;
    let second = app.refresh(&client, second.refresh_token()).await;
    let revoked = kid_of(&first.access_token);
    assert_eq!(kid_of(&second.access_token), revoked);

    // A resource server that follows the JWKS cache headers and may refetch once a second.
    let resource_server = verifier(&app, &client.id, Duration::from_secs(1), None);
    resource_server
        .verify(&first.access_token)
        .await
        .expect("a valid token verifies before the revocation");
    let cached_at = Instant::now();

    let done = KeyCli::for_app(&app)
        .run(&[
            "keys",
            "revoke",
            &revoked,
            "--reason",
            "compromised",
            "--json",
        ])
        .await
        .json();
    assert_eq!(done["families_revoked"], 2, "{done}");
    let successor = done["new_active"]
        .as_str()
        .expect("a new signer")
        .to_owned();

    // (a) every family whose access tokens that key signed is over.
    for tokens in [&first, &second] {
        expect_error(
            app.refresh_grant(&client, tokens.refresh_token(), None)
                .await,
            400,
            "invalid_grant",
        )
        .await;
    }
    let families = app.database.family_rows().await;
    assert_eq!(families.len(), 2);
    assert!(
        families
            .iter()
            .all(|f| f.revoked_reason.as_deref() == Some("signing key revoked")),
        "{families:?}"
    );

    // The server drops the key within its poll interval...
    jwks_until(
        &app,
        "the revoked key leaves the JWKS",
        policy.poll_interval + SLACK,
        |jwks| !jwks.has(&revoked),
    )
    .await;
    // (b) ...and fresh logins work, signed by another key, with a refresh token that works.
    let fresh = app.login(&client, &user).await;
    assert_eq!(kid_of(&fresh.access_token), successor);
    assert_ne!(successor, revoked);
    let refreshed = app.refresh(&client, fresh.refresh_token()).await;

    // (c) once the verifier's cached key set has expired (max-age, no sooner than its refetch interval), the
    // revoked key's tokens fail for their key, and the new key's tokens verify.
    let expiry = policy.jwks_max_age.max(Duration::from_secs(1));
    let wait =
        (cached_at + expiry + Duration::from_millis(200)).saturating_duration_since(Instant::now());
    tokio::time::sleep(wait).await;
    match resource_server.verify(&first.access_token).await {
        Err(VerifyError::UnknownKid(kid)) => assert_eq!(kid, revoked),
        other => panic!("a token of the revoked key: {other:?}"),
    }
    assert!(matches!(
        resource_server.verify(&second.access_token).await,
        Err(VerifyError::UnknownKid(_))
    ));
    for token in [&fresh.access_token, &refreshed.access_token] {
        let claims = resource_server
            .verify(token)
            .await
            .expect("a token of the new key verifies");
        assert_eq!(claims.sub, user.id);
    }
}

#[tokio::test]
async fn revoking_a_retired_or_next_key_ends_only_its_own_families_and_leaves_signing_alone() {
    let windows = Windows {
        publish_ahead: 6,
        rotation_interval: 3_600,
        access_token_ttl: 300,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let policy = policy(&app);
    let (store, master, bits) = (&app.state.store, &app.state.master, app.config.key_bits);
    let (user, client) = app.user_and_client().await;
    let under_old = app.login(&client, &user).await;
    let old = kid_of(&under_old.access_token);

    // Rotate by hand (in-process, as the CLI does): publish, wait out the safe window, promote.
    let admin::RotateOutcome::Scheduled { kid: new, .. } =
        admin::rotate(store, master, &policy, bits, &operator(), now())
            .await
            .expect("rotate")
    else {
        panic!("a rotation was already under way");
    };
    let created = key_rows(&app)
        .await
        .iter()
        .find(|r| r.kid == new)
        .expect("row")
        .created_at;
    while now() < created + policy.safe_publication().as_secs() as i64 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    admin::rotate_now(store, &policy, &operator(), now())
        .await
        .expect("rotate --now");
    // Logins before the server reloads its ring are still signed by the old key: their families are its too.
    let mut families_under_old = 1;
    let under_new = eventually(
        &format!("the server signs with {new} instead of {old}"),
        policy.poll_interval + SLACK,
        async || {
            let tokens = app.login(&client, &user).await;
            if kid_of(&tokens.access_token) == new {
                return Some(tokens);
            }
            families_under_old += 1;
            None
        },
    )
    .await;

    // Revoke the retired key: it leaves the JWKS, its family ends, signing stays with the new key.
    let revocation = admin::revoke(
        store,
        master,
        bits,
        &old,
        "retired key found on a laptop",
        &operator(),
        now(),
    )
    .await
    .expect("revoke");
    assert_eq!(revocation.new_active, None, "the signer did not change");
    assert_eq!(revocation.families_revoked, families_under_old);
    jwks_until(
        &app,
        "the revoked retired key leaves the JWKS",
        policy.poll_interval + SLACK,
        |jwks| !jwks.has(&old) && jwks.has(&new),
    )
    .await;
    expect_error(
        app.refresh_grant(&client, under_old.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
    let refreshed = app.refresh(&client, under_new.refresh_token()).await;
    assert_eq!(kid_of(&refreshed.access_token), new);

    // Revoke a published next key: it leaves the JWKS and never signs.
    let admin::RotateOutcome::Scheduled { kid: next, .. } =
        admin::rotate(store, master, &policy, bits, &operator(), now())
            .await
            .expect("rotate")
    else {
        panic!("a rotation was already under way");
    };
    jwks_until(
        &app,
        "the next key is published",
        policy.poll_interval + SLACK,
        |jwks| jwks.has(&next),
    )
    .await;
    let revocation = admin::revoke(
        store,
        master,
        bits,
        &next,
        "generated on a bad host",
        &operator(),
        now(),
    )
    .await
    .expect("revoke");
    assert_eq!(
        revocation,
        latchkey::store::signing_keys::Revocation {
            new_active: None,
            families_revoked: 0
        }
    );
    jwks_until(
        &app,
        "the revoked next key leaves the JWKS",
        policy.poll_interval + SLACK,
        |jwks| !jwks.has(&next),
    )
    .await;
    assert!(
        matches!(
            admin::rotate_now(store, &policy, &operator(), now()).await,
            Err(latchkey::domain::signing::admin::AdminError::Invalid(_))
        ),
        "a revoked next key can't be promoted"
    );
    let tokens = app.login(&client, &user).await;
    assert_eq!(kid_of(&tokens.access_token), new);
    app.refresh(&client, refreshed.refresh_token()).await;
    let audit = key_revocations_audited(&app).await;
    let subjects: Vec<&str> = audit.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(subjects.contains(&format!("key:{old}").as_str()));
    assert!(subjects.contains(&format!("key:{next}").as_str()));
}

/// A replica whose key ring is stale (no Redis here; it re-reads the key table every 10 s) must not hand out tokens
/// from a key another process revoked: the claim checks the signing key, and the stale ring is reloaded on the spot.
#[tokio::test]
async fn a_login_between_a_revocation_and_the_servers_reload_does_not_escape_the_revocation() {
    // A 60 s window: the server re-reads the key table every 10 s, so right after `keys revoke` it still signs
    // with the revoked key for a while (no Redis here).
    let windows = Windows {
        publish_ahead: 60,
        rotation_interval: 3_600,
        access_token_ttl: 300,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let (user, client) = app.user_and_client().await;
    let revoked = app.state.keys.snapshot().active.kid().to_owned();
    KeyCli::for_app(&app)
        .run(&["keys", "revoke", &revoked, "--reason", "compromised"])
        .await
        .assert_succeeded();
    let late = app.login(&client, &user).await;
    // The login's claim is conditional on its signing key (DESIGN.md §18): the store refuses the revoked kid, the
    // server reloads its ring at once and signs with the successor, well before its 10 s poll.
    assert_ne!(
        kid_of(&late.access_token),
        revoked,
        "a login after the revocation got a token from the revoked key"
    );
    // And the family it started lives: its refresh works.
    app.refresh(&client, late.refresh_token()).await;
}
