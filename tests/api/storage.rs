//! What the database holds: the signing key sealed under the master key (DESIGN.md §8), refresh tokens and client
//! secrets only as SHA-256 hashes (§5, §7), and data that a second server picks up as it is.

use std::collections::HashSet;
use std::net::TcpListener;

use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey::app::Application;
use latchkey::domain::signing::MasterKey;
use latchkey::values::secret::SecretString;

use crate::helpers::{TestApp, expect_tokens, random_master_key, sha256};

/// Whether any `window`-byte run of `needle` occurs in `haystack`.
fn shares_a_run(haystack: &[u8], needle: &[u8], window: usize) -> bool {
    let runs: HashSet<&[u8]> = needle.windows(window).collect();
    haystack.windows(window).any(|w| runs.contains(w))
}

/// The `SQLite` file and its write-ahead log, as bytes on disk.
fn sqlite_bytes(app: &TestApp) -> Option<Vec<u8>> {
    let file = app.database.sqlite_file()?;
    let mut bytes = std::fs::read(&file).expect("reading the SQLite file");
    bytes.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
    Some(bytes)
}

#[tokio::test]
async fn the_private_signing_key_is_stored_only_sealed_under_the_master_key() {
    let app = TestApp::spawn().await;
    let rows = app
        .state
        .store
        .list_signing_keys()
        .await
        .expect("listing signing keys");
    let active = app.state.keys.snapshot().active.kid().to_owned();
    let row = rows
        .iter()
        .find(|r| r.kid == active)
        .expect("the active key has a row");

    let pkcs8 = app
        .state
        .master
        .open(
            row.kid.as_str(),
            &row.master_key_id,
            &row.private_key_ciphertext,
        )
        .expect("the configured master key opens the sealed key");

    // What was sealed is the private half of the published key...
    let pair = KeyPair::from_pkcs8(&pkcs8).expect("a PKCS#8 RSA key");
    let n = URL_SAFE_NO_PAD.encode(
        pair.public_key()
            .modulus()
            .big_endian_without_leading_zero(),
    );
    assert_eq!(n, row.public_n);
    // ...and no 16-byte run of it is readable in the row or, on SQLite, anywhere in the file.
    assert!(
        !shares_a_run(&row.private_key_ciphertext, &pkcs8, 16),
        "the ciphertext contains the plain key"
    );
    if let Some(bytes) = sqlite_bytes(&app) {
        assert!(
            !shares_a_run(&bytes, &pkcs8, 16),
            "the database file contains the plain key"
        );
    }
    // Another master key can't open it, and the row names its master key without revealing it.
    let other = MasterKey::from_base64(&random_master_key(), "test").expect("a master key");
    assert!(
        other
            .open(
                row.kid.as_str(),
                &row.master_key_id,
                &row.private_key_ciphertext
            )
            .is_err()
    );
    let configured = app
        .config
        .master_key
        .as_ref()
        .expect("configured")
        .expose()
        .to_owned();
    assert!(!row.master_key_id.contains(&configured));
}

#[tokio::test]
async fn refresh_tokens_client_secrets_and_passwords_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let login = app.login(&client, &user).await;
    let rotated = app.refresh(&client, login.refresh_token()).await;
    let plaintexts = [
        login.refresh_token(),
        rotated.refresh_token(),
        client.secret(),
        &user.password,
    ];

    let token_rows = app.database.refresh_token_rows().await;
    assert_eq!(token_rows.len(), 2);
    assert!(
        token_rows
            .iter()
            .all(|r| r.token_hash.as_bytes().len() == 32),
        "SHA-256 hashes only"
    );
    let hashes: HashSet<Vec<u8>> = token_rows
        .iter()
        .map(|r| r.token_hash.as_bytes().to_vec())
        .collect();
    assert!(hashes.contains(&sha256(login.refresh_token().as_bytes())));
    assert!(hashes.contains(&sha256(rotated.refresh_token().as_bytes())));

    let client_row = app
        .state
        .store
        .find_client(&latchkey::values::ids::ClientId::new(client.id.as_str()))
        .await
        .expect("reading the client")
        .expect("the client has a row");
    assert_eq!(
        client_row.secret_hash.map(|h| h.as_bytes().to_vec()),
        Some(sha256(client.secret().as_bytes()))
    );
    // DESIGN.md §5: at least 256 bits, i.e. 43 base64url characters after the `lk_cs_` prefix.
    assert!(
        client.secret().len() >= "lk_cs_".len() + 43,
        "{}",
        client.secret()
    );

    let user_row = app
        .state
        .store
        .find_user(&latchkey::values::ids::UserId::new(user.id.as_str()))
        .await
        .expect("reading the user")
        .expect("a row");
    assert!(
        user_row.password_hash.starts_with("$argon2id$"),
        "DESIGN.md §4: argon2id PHC string"
    );

    let rows_as_text = format!(
        "{token_rows:?} {:?} {client_row:?} {user_row:?}",
        app.database.family_rows().await
    );
    for plain in plaintexts {
        assert!(
            !rows_as_text.contains(plain),
            "a stored row holds a plaintext secret"
        );
    }
    if let Some(bytes) = sqlite_bytes(&app) {
        for plain in plaintexts {
            assert!(
                !shares_a_run(&bytes, plain.as_bytes(), plain.len()),
                "the database file holds a plaintext secret"
            );
        }
    }
}

#[tokio::test]
async fn a_second_server_on_the_same_database_reuses_the_key_and_the_data() {
    let first = TestApp::spawn().await;
    let (user, client) = first.user_and_client().await;
    let login = first.login(&client, &user).await;
    let kid = first.state.keys.snapshot().active.kid().to_owned();

    let second = first.spawn_another().await;

    assert_eq!(second.state.keys.snapshot().active.kid(), kid);
    assert!(second.jwks().await.find(&kid).is_some());
    // Users, clients and refresh tokens carry over: any replica serves any request.
    let tokens = expect_tokens(
        second
            .refresh_grant(&client, login.refresh_token(), None)
            .await,
    )
    .await;
    let header = jsonwebtoken::decode_header(&tokens.access_token).expect("a JWT");
    assert_eq!(header.kid.as_deref(), Some(kid.as_str()));
    second
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
}

#[tokio::test]
async fn a_server_with_another_master_key_refuses_to_start_rather_than_replace_the_key() {
    let first = TestApp::spawn().await;
    let mut config = first.config.clone();
    config.master_key = Some(SecretString::from(random_master_key()));

    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let result = Application::build_with_listener(config, listener).await;

    let error = match result {
        Ok(_) => panic!("a server started with a master key that can't open the signing key"),
        Err(e) => format!("{e:#}"),
    };
    assert!(error.contains("master key"), "{error}");
    let rows = first
        .state
        .store
        .list_signing_keys()
        .await
        .expect("listing keys");
    assert_eq!(rows.len(), 1, "no key was added or replaced");
}

#[tokio::test]
async fn codes_session_cookies_and_reset_links_are_stored_only_as_hashes_and_mail_only_sealed() {
    use crate::helpers::{AuthRequest, Browser, ClientSpec, REDIRECT_URI, TempDir, UserSpec};
    use latchkey::values::secret::PlainToken;

    let mail = TempDir::new();
    let mail_path = mail.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(mail_path)).await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let redirect = browser.sign_in(&app, &request, &user).await;
    let code = redirect.param("code").expect("a code").to_owned();
    let cookie = browser.cookie(&app).expect("a session cookie");
    expect_tokens(
        app.code_grant(&client, &code, REDIRECT_URI, Some(&request.pkce.verifier))
            .await,
    )
    .await;
    let page = browser.get(&app.url("/password/forgot")).await;
    let mut form = crate::helpers::hidden_fields(&page.text().await.expect("the page"));
    form.push(("email".into(), user.email.clone()));
    browser
        .post_form(&app, "/password/forgot", &form, Some(&app.address))
        .await;
    let sent = crate::password_reset::wait_for_mails(mail.path(), 1).await;
    let link = crate::password_reset::reset_link(&sent[0]);
    let reset_token = link.split("token=").nth(1).expect("a token").to_owned();

    // Each is found under its SHA-256.
    let stored = app
        .state
        .store
        .find_code(&PlainToken::from_presented(&code).hash())
        .await
        .expect("reading codes");
    assert!(stored.is_some_and(|c| c.used_at.is_some()));
    assert!(
        app.state
            .store
            .find_live_session(
                &PlainToken::from_presented(&cookie).hash(),
                app.state.clock.now()
            )
            .await
            .expect("reading sessions")
            .is_some()
    );
    // ... and no plaintext is anywhere in the database file (the mail was sealed, then erased once sent).
    if let Some(bytes) = sqlite_bytes(&app) {
        for plain in [&code, &cookie, &reset_token, &user.password] {
            assert!(
                !shares_a_run(&bytes, plain.as_bytes(), plain.len()),
                "the database file holds a plaintext secret"
            );
        }
    }
}

#[tokio::test]
async fn codes_sessions_reset_tokens_and_sent_mail_are_pruned_a_day_after_they_stop_mattering() {
    use crate::helpers::{AuthRequest, Browser, ClientSpec, TempDir, UserSpec};

    let mail = TempDir::new();
    let mail_path = mail.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.mail_dir = Some(mail_path)).await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let browser = Browser::new(&app);
    browser
        .sign_in(&app, &AuthRequest::new(&client), &user)
        .await;
    let page = browser.get(&app.url("/password/forgot")).await;
    let mut form = crate::helpers::hidden_fields(&page.text().await.expect("the page"));
    form.push(("email".into(), user.email.clone()));
    browser
        .post_form(&app, "/password/forgot", &form, Some(&app.address))
        .await;
    crate::password_reset::wait_for_mails(mail.path(), 1).await;
    // The file is written before the outbox row is marked sent: wait for that too (the pruning below counts from it).
    crate::password_reset::wait_until_all_sent(&app).await;
    let store = &app.state.store;

    // Within the session's life and a day after, nothing goes.
    let nothing = store
        .prune_expired(app.state.clock.now())
        .await
        .expect("pruning");
    assert_eq!(nothing, latchkey::store::pruning::Pruned::default());

    app.clock
        .advance(std::time::Duration::from_secs(2 * 86_400));
    let pruned = store
        .prune_expired(app.state.clock.now())
        .await
        .expect("pruning");
    assert_eq!(
        (pruned.codes, pruned.sessions, pruned.reset_tokens),
        (1, 1, 1),
        "{pruned:?}"
    );
    // The sent mail's retention counts from its delivery.
    assert_eq!(pruned.sent_mail, 1, "{pruned:?}");
}

/// The census the dummy hashes of unknown logins follow (issue 16, finding 6a): one count per parameter set, read
/// in the database on both backends.
#[tokio::test]
async fn the_stored_password_hash_costs_are_counted_per_parameter_set() {
    use latchkey::store::users::HashCostCount;

    let app = TestApp::spawn().await;
    let before = app
        .state
        .store
        .password_hash_costs()
        .await
        .expect("the census");
    for _ in 0..3 {
        app.create_user(crate::helpers::UserSpec::default()).await;
    }
    // One hash made with other parameters, as before a parameter change.
    let older =
        latchkey::domain::passwords::PasswordHasher::new(2048, 2, 1, 1, 4).expect("a hasher");
    latchkey::domain::users::create_user(
        &app.state.store,
        &older,
        latchkey::domain::users::NewUser {
            email: format!("older-{}@example.org", crate::helpers::tag()),
            username: None,
            display_name: None,
            roles: Vec::new(),
            tenant: None,
            password: latchkey::domain::passwords::Password::new("an older passphrase".into())
                .expect("a password"),
            email_verified: false,
        },
        &crate::helpers::operator(),
        app.state.clock.now(),
    )
    .await
    .expect("a user hashed with older parameters");

    let count = |costs: &[HashCostCount], head: &str| {
        costs
            .iter()
            .find(|c| c.head == head)
            .map_or(0, |c| c.hashes)
    };
    let after = app
        .state
        .store
        .password_hash_costs()
        .await
        .expect("the census");
    let (current, old) = (
        "$argon2id$v=19$m=1024,t=1,p=1$",
        "$argon2id$v=19$m=2048,t=2,p=1$",
    );
    assert_eq!(
        count(&after, current) - count(&before, current),
        3,
        "{after:?}"
    );
    assert_eq!(count(&after, old) - count(&before, old), 1, "{after:?}");
}

/// Diesel orders migrations by the version before the first `_` and keeps one per version: two folders sharing a
/// version would silently skip one of them on a database that has the other. Both backends have the same set.
#[test]
fn every_migration_has_its_own_version_and_both_backends_have_the_same_ones() {
    let folders = |backend: &str| -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                entry
                    .expect("a folder entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    };
    let (sqlite, postgres) = (folders("sqlite"), folders("postgres"));
    assert_eq!(sqlite, postgres, "the same migrations on both backends");
    let versions: HashSet<&str> = sqlite
        .iter()
        .map(|name| {
            name.split_once('_')
                .map_or(name.as_str(), |(version, _)| version)
        })
        .collect();
    assert_eq!(
        versions.len(),
        sqlite.len(),
        "a version shared by two migrations: {sqlite:?}"
    );
}

/// What `latchkey_rotate_refresh_token` returns and the `synchronous_commit` its transaction then commits with,
/// read inside that transaction and rolled back (nothing is claimed).
async fn claim_commit_mode(
    conn: &mut diesel_async::AsyncPgConnection,
    durable_rotations: bool,
    presented: &[u8],
    token: &latchkey::store::refresh_tokens::TokenRow,
    family: &latchkey::store::refresh_tokens::FamilyRow,
) -> (i32, String) {
    use diesel::sql_types::{BigInt, Binary, Integer, Text};
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Rotated {
        #[diesel(sql_type = Integer)]
        rotated: i32,
    }
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        value: String,
    }
    let run = async |sql: &str, conn: &mut diesel_async::AsyncPgConnection| {
        diesel::sql_query(sql)
            .execute(conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    };
    run("BEGIN", conn).await;
    if durable_rotations {
        run("SET LOCAL latchkey.durable_rotations = on", conn).await;
    }
    let now = token.issued_at + 1;
    let claimed: Rotated = diesel::sql_query(
        "SELECT latchkey_rotate_refresh_token($1, $2, $3, $4, $5, $6, $7) AS rotated",
    )
    .bind::<Binary, _>(presented)
    .bind::<Text, _>(&family.id)
    .bind::<BigInt, _>(now)
    .bind::<Text, _>(family.client_id.as_str())
    .bind::<Text, _>(token.access_token_kid.as_str())
    .bind::<Binary, _>(sha256(b"a successor"))
    .bind::<BigInt, _>(now + 3600)
    .get_result(conn)
    .await
    .expect("calling the claim function");
    let commit: Setting =
        diesel::sql_query("SELECT current_setting('synchronous_commit') AS value")
            .get_result(conn)
            .await
            .expect("reading synchronous_commit");
    run("ROLLBACK", conn).await;
    (claimed.rotated, commit.value)
}

/// PostgreSQL: a rotation's transaction commits without waiting for its WAL flush (the migration
/// `2026-12-07-000001_rotation_commit` says what that risks and why), unless the database asks for durable rotations
/// (`latchkey.durable_rotations = on`); a claim that fails changes nothing (the reuse revocation that may follow
/// commits durably, and with it all WAL before it).
#[tokio::test]
async fn a_rotation_commits_without_waiting_for_its_flush_unless_the_database_asks_for_durable_rotations()
 {
    use diesel_async::AsyncConnection as _;

    let app = TestApp::spawn().await;
    if !crate::helpers::service_available(
        "PostgreSQL (TEST_DATABASE_URL)",
        app.database.is_postgres(),
        "the rotation commit test",
    ) {
        return;
    }
    let (user, client) = app.user_and_client().await;
    app.login(&client, &user).await;
    let token = app
        .database
        .refresh_token_rows()
        .await
        .pop()
        .expect("the login's refresh token");
    let family = app.database.family_rows().await.pop().expect("its family");
    let mut conn = diesel_async::AsyncPgConnection::establish(app.database.url())
        .await
        .expect("connecting to the test database");
    let presented = token.token_hash.as_bytes();

    let default = claim_commit_mode(&mut conn, false, presented, &token, &family).await;
    assert_eq!(default, (1, "off".to_owned()), "a rotation, by default");
    let durable = claim_commit_mode(&mut conn, true, presented, &token, &family).await;
    assert_eq!(
        durable,
        (1, "on".to_owned()),
        "a rotation with durable rotations asked for"
    );
    let unknown = sha256(b"no such token");
    let failed = claim_commit_mode(&mut conn, false, &unknown, &token, &family).await;
    assert_eq!(failed, (0, "on".to_owned()), "a claim that fails");
}
