//! Signing keys at rest (issue 3, DESIGN.md §8): every key, whatever its state, is stored only sealed under the
//! master key; a wrong, lost or malformed master key stops start-up with a message saying which key is needed, and
//! nothing is regenerated.

use std::collections::HashSet;
use std::net::TcpListener;

use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey::app::Application;
use latchkey::config::Config;
use latchkey::domain::signing::{MasterKey, admin};
use latchkey::values::secret::SecretString;

use crate::helpers::{TempDir, TestApp, now, operator, random_master_key};
use crate::key_helpers::{Windows, key_rows, policy, spawn_with_windows};

const NONCE: usize = 12;
const TAG: usize = 16;

fn shares_a_run(haystack: &[u8], needle: &[u8], window: usize) -> bool {
    let runs: HashSet<&[u8]> = needle.windows(window).collect();
    haystack.windows(window).any(|w| runs.contains(w))
}

/// A server with three keys, one per state that holds a private key: revoked, active and next.
async fn server_with_three_keys() -> TestApp {
    let windows = Windows {
        publish_ahead: 60,
        rotation_interval: 3_600,
        access_token_ttl: 60,
    };
    let app = spawn_with_windows(windows, |_| {}).await;
    let (store, master, bits) = (&app.state.store, &app.state.master, app.config.key_bits);
    let policy = policy(&app);
    let first = app.state.keys.snapshot().active.kid().to_owned();
    admin::rotate(store, master, &policy, bits, &operator(), now())
        .await
        .expect("rotate");
    // Revoking the signer promotes the published next key at once.
    admin::revoke(store, master, bits, &first, "test", &operator(), now())
        .await
        .expect("revoke");
    admin::rotate(store, master, &policy, bits, &operator(), now())
        .await
        .expect("rotate");
    let mut states: Vec<String> = key_rows(&app)
        .await
        .into_iter()
        .map(|r| r.state.as_str().to_owned())
        .collect();
    states.sort();
    assert_eq!(states, ["active", "next", "revoked"]);
    app
}

/// Everything in the key table that a restart could change, for before/after comparison.
async fn table(app: &TestApp) -> Vec<String> {
    key_rows(app)
        .await
        .iter()
        .map(|r| format!("{r:?}"))
        .collect()
}

async fn start_error(config: Config) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    match Application::build_with_listener(config, listener).await {
        Ok(_) => panic!("the server started"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn no_private_key_is_readable_in_the_database_in_any_key_state() {
    let app = server_with_three_keys().await;
    let sqlite_bytes = app.database.sqlite_file().map(|file| {
        let mut bytes = std::fs::read(&file).expect("reading the SQLite file");
        bytes.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
        bytes
    });
    let stranger = MasterKey::from_base64(&random_master_key(), "test").expect("a key");
    for row in key_rows(&app).await {
        let sealed = &row.private_key_ciphertext;
        // Neither the stored bytes nor anything after a nonce parse as a private key, in PKCS#8 or PKCS#1.
        for candidate in [&sealed[..], &sealed[NONCE..]] {
            assert!(
                KeyPair::from_pkcs8(candidate).is_err(),
                "{}: PKCS#8 in clear",
                row.kid
            );
            assert!(
                KeyPair::from_der(candidate).is_err(),
                "{}: PKCS#1 in clear",
                row.kid
            );
        }
        // Only the master key that sealed it opens it, and what it opens is the published key's private half.
        let plain = app
            .state
            .master
            .open(row.kid.as_str(), &row.master_key_id, sealed)
            .expect("the configured master key opens it");
        let pair = KeyPair::from_pkcs8(&plain).expect("a PKCS#8 RSA key");
        assert_eq!(
            URL_SAFE_NO_PAD.encode(
                pair.public_key()
                    .modulus()
                    .big_endian_without_leading_zero()
            ),
            row.public_n
        );
        assert_eq!(
            sealed.len(),
            NONCE + plain.len() + TAG,
            "AES-256-GCM: nonce ‖ ciphertext ‖ tag"
        );
        assert!(
            !shares_a_run(sealed, &plain, 16),
            "{}: plain key bytes stored",
            row.kid
        );
        if let Some(bytes) = &sqlite_bytes {
            assert!(
                !shares_a_run(bytes, &plain, 16),
                "{}: plain key bytes in the file",
                row.kid
            );
        }
        assert!(
            stranger
                .open(row.kid.as_str(), &row.master_key_id, sealed)
                .is_err()
        );
        // The sealed key is bound to its row: it can't be moved to another kid.
        assert!(
            app.state
                .master
                .open("another-kid", &row.master_key_id, sealed)
                .is_err()
        );
        assert_eq!(row.master_key_id, app.state.master.id());
    }
}

#[tokio::test]
async fn a_wrong_lost_or_malformed_master_key_stops_start_up_and_nothing_is_regenerated() {
    let app = server_with_three_keys().await;
    let before = table(&app).await;
    let configured = app.state.master.id().to_owned();

    // Another master key: the message names the fingerprint that sealed the keys and the one configured.
    let wrong_key = random_master_key();
    let wrong_id = MasterKey::from_base64(&wrong_key, "test")
        .expect("a key")
        .id()
        .to_owned();
    let mut wrong = app.config.clone();
    wrong.master_key = Some(SecretString::from(wrong_key.clone()));
    let error = start_error(wrong).await;
    assert!(error.contains("master key"), "{error}");
    assert!(
        error.contains(&configured) && error.contains(&wrong_id),
        "{error}"
    );
    assert!(
        !error.contains(&wrong_key),
        "the message leaks the key: {error}"
    );

    // The same wrong key as "previous" doesn't help either.
    let mut wrong_previous = app.config.clone();
    wrong_previous.master_key = Some(SecretString::from(random_master_key()));
    wrong_previous.master_key_previous = Some(SecretString::from(wrong_key));
    assert!(start_error(wrong_previous).await.contains(&configured));

    // No master key configured and its file gone: refused, and no new file is made.
    let dir = TempDir::new();
    let key_file = dir.path().join("keys/master.key");
    let mut lost = app.config.clone();
    lost.master_key = None;
    lost.master_key_file = key_file.clone();
    let error = start_error(lost).await;
    assert!(
        error.contains("does not exist") && error.contains("nothing is regenerated"),
        "{error}"
    );
    assert!(!key_file.exists(), "a new master key file was created");

    let mut malformed = app.config.clone();
    malformed.master_key = Some(SecretString::from("c2hvcnQ="));
    let error = start_error(malformed).await;
    assert!(error.contains("must be 32 bytes"), "{error}");

    assert_eq!(table(&app).await, before, "the key table changed");
    // And the right key still works, with the same signer.
    let again = app.spawn_another().await;
    let active = key_rows(&app)
        .await
        .into_iter()
        .find(|r| r.state.as_str() == "active")
        .expect("an active key");
    assert_eq!(
        again.state.keys.snapshot().active.kid(),
        active.kid.as_str()
    );
}
