//! The operator's command line, driven as the real binary with `LATCHKEY_*` configuration, against a database that
//! a server then uses.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Cli, eventually, expect_error, expect_tokens, tag};

#[tokio::test]
async fn the_cli_sets_up_a_user_and_a_client_that_get_tokens_from_the_server() {
    let cli = Cli::new().await;
    let migrated = cli.run(&["migrate"]).await;
    assert!(migrated.success, "{migrated:?}");
    let email = format!("ada-{}@example.org", tag());
    let password = format!("cli password {}", tag());

    let user = cli
        .create_user(
            &email,
            &password,
            &[
                "--username",
                "ada",
                "--role",
                "admin",
                "--role",
                "reader",
                "--tenant",
                "acme",
            ],
        )
        .await;
    let client = cli.create_client("cli-app").await;

    assert_eq!(user["email"], email.as_str());
    let user_id = user["id"].as_str().expect("an id");
    let app = cli.server().await;
    let tokens = expect_tokens(app.password_grant_as(&client, "ada", &password, None).await).await;
    let claims = app
        .verify_access_token(&tokens.access_token, "cli-app")
        .await;
    assert_eq!(claims.sub, user_id);
    assert_eq!(
        claims.roles,
        Some(vec!["admin".to_owned(), "reader".to_owned()])
    );
    assert_eq!(claims.tenant.as_deref(), Some("acme"));
    assert_eq!(claims.scope, "read write");
    app.refresh(&client, tokens.refresh_token()).await;
}

#[tokio::test]
async fn users_create_takes_the_password_from_stdin_only() {
    let cli = Cli::new().await;

    let on_argv = cli
        .run(&[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--password",
            "hunter2hunter2",
        ])
        .await;
    assert!(
        !on_argv.success,
        "a password flag must not exist: {on_argv:?}"
    );
    let without_stdin_flag = cli
        .run(&["users", "create", "--email", "a@example.org"])
        .await;
    assert!(!without_stdin_flag.success, "{without_stdin_flag:?}");
    let too_short = cli
        .run_with_stdin(
            &[
                "users",
                "create",
                "--email",
                "a@example.org",
                "--password-stdin",
            ],
            "short\n",
        )
        .await;
    too_short.assert_failed_saying(&["at least"]);

    let listed = cli.run(&["users", "list", "--json"]).await.json();
    assert_eq!(
        listed,
        serde_json::json!([]),
        "no user was created by the failed attempts"
    );
}

#[tokio::test]
async fn users_list_shows_users_without_secrets_and_users_disable_locks_one_out() {
    let cli = Cli::new().await;
    let (first, second) = (
        format!("first-{}@example.org", tag()),
        format!("second-{}@example.org", tag()),
    );
    let password = "a long enough password";
    cli.create_user(&first, password, &[]).await;
    cli.create_user(&second, password, &["--username", "second"])
        .await;
    let client = cli.create_client("ops-app").await;
    let app = cli.server().await;
    let before = expect_tokens(app.password_grant_as(&client, &first, password, None).await).await;

    let listed = cli.run(&["users", "list", "--json"]).await;
    let users = listed.json();
    let mut emails: Vec<&str> = users
        .as_array()
        .expect("an array")
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    emails.sort_unstable(); // listed oldest first, but two users made in one second may come either way
    assert_eq!(emails, [first.as_str(), second.as_str()]);
    assert!(
        !listed.stdout.contains("argon2"),
        "no password hash in the listing: {}",
        listed.stdout
    );

    let disabled = cli
        .run(&["users", "disable", &first, "--json"])
        .await
        .json();
    assert_eq!(disabled["disabled"], true);
    let users = cli.run(&["users", "list", "--json"]).await.json();
    let disabled_of = |email: &str| {
        let user = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email);
        user.expect(email)["disabled"].clone()
    };
    assert_eq!(disabled_of(&first), true);
    assert_eq!(disabled_of(&second), false);

    let login = app.password_grant_as(&client, &first, password, None).await;
    expect_error(login, 400, "invalid_grant").await;
    let refresh = app
        .refresh_grant(&client, before.refresh_token(), None)
        .await;
    expect_error(refresh, 400, "invalid_grant").await;
    expect_tokens(
        app.password_grant_as(&client, "second", password, None)
            .await,
    )
    .await;

    cli.run(&["users", "disable", "nobody@example.org"])
        .await
        .assert_failed_saying(&["not found"]);
}

#[tokio::test]
async fn clients_list_shows_clients_and_clients_delete_removes_one() {
    let cli = Cli::new().await;
    let confidential = cli.create_client("web-app").await;
    let public = cli
        .run(&[
            "clients",
            "create",
            "--id",
            "mobile-app",
            "--public",
            "--grant",
            "password",
        ])
        .await;
    // RFC 9700 §2.4: the password grant is for confidential first-party clients only.
    public.assert_failed_saying(&["public client", "password grant"]);
    let public = cli
        .run(&[
            "clients",
            "create",
            "--id",
            "mobile-app",
            "--public",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "http://127.0.0.1/callback",
            "--json",
        ])
        .await;
    assert_eq!(
        public.json()["client_secret"],
        Value::Null,
        "a public client has no secret"
    );

    let listed = cli.run(&["clients", "list", "--json"]).await;
    assert!(
        !listed.stdout.contains(confidential.secret()),
        "the secret is shown once only"
    );
    let clients = listed.json();
    let by_id = |id: &str| {
        clients
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["client_id"] == id)
            .cloned()
            .expect(id)
    };
    assert_eq!(by_id("web-app")["public"], false);
    assert_eq!(
        by_id("web-app")["grant_types"],
        serde_json::json!(["password", "refresh_token"])
    );
    assert_eq!(by_id("web-app")["scope"], "read write");
    assert_eq!(by_id("mobile-app")["public"], true);

    let deleted = cli
        .run(&["clients", "delete", "web-app", "--json"])
        .await
        .json();
    assert_eq!(deleted["deleted"], true);
    let ids: Vec<Value> = cli
        .run(&["clients", "list", "--json"])
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].clone())
        .collect();
    assert_eq!(ids, [Value::from("mobile-app")]);

    let app = cli.server().await;
    let user = app.create_user(crate::helpers::UserSpec::default()).await;
    expect_error(
        app.password_grant(&confidential, &user).await,
        401,
        "invalid_client",
    )
    .await;
    cli.run(&["clients", "delete", "web-app"])
        .await
        .assert_failed_saying(&["not found"]);
}

#[tokio::test]
async fn a_duplicate_user_or_client_is_a_clear_error() {
    let cli = Cli::new().await;
    let email = format!("dup-{}@example.org", tag());
    cli.create_user(&email, "first password", &[]).await;
    cli.create_client("dup-app").await;

    let again = cli
        .run_with_stdin(
            &[
                "users",
                "create",
                "--email",
                &email.to_uppercase(),
                "--password-stdin",
            ],
            "second password\n",
        )
        .await;
    again.assert_failed_saying(&["already exists"]);
    let again = cli
        .run(&[
            "clients", "create", "--id", "dup-app", "--grant", "password",
        ])
        .await;
    again.assert_failed_saying(&["already exists"]);
}

#[tokio::test]
async fn a_bad_configuration_value_stops_the_binary_with_a_message_naming_the_setting() {
    let cli = Cli::new().await;

    let mut command = cli.command(&["users", "list"]);
    command.env("LATCHKEY_ACCESS_TOKEN_TTL", "soon");
    cli.run_with(command, None)
        .await
        .assert_failed_saying(&["access_token_ttl"]);

    let mut command = cli.command(&["migrate"]);
    command.env("LATCHKEY_ACCES_TOKEN_TTL", "15m");
    cli.run_with(command, None)
        .await
        .assert_failed_saying(&["acces_token_ttl"]);

    let mut command = cli.command(&["users", "list"]);
    command.env("LATCHKEY_DATABASE_URL", "mysql://localhost/latchkey");
    cli.run_with(command, None)
        .await
        .assert_failed_saying(&["database_url"]);

    let mut command = cli.command(&["users", "list"]);
    command.env("LATCHKEY_ISSUER", "ftp://auth.example.org");
    cli.run_with(command, None)
        .await
        .assert_failed_saying(&["issuer"]);

    let mut command = cli.command(&["users", "list"]);
    command
        .env("LATCHKEY_REFRESH_TOKEN_TTL", "7d")
        .env("LATCHKEY_REFRESH_TOKEN_MAX_LIFETIME", "1d");
    cli.run_with(command, None)
        .await
        .assert_failed_saying(&["refresh_token_max_lifetime"]);
}

#[tokio::test]
async fn serve_starts_on_a_fresh_folder_and_a_restart_reuses_the_data_and_the_key() {
    let cli = Cli::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .unwrap()
        .port();
    let serve = || {
        let mut command = cli.command(&["serve"]);
        command
            .env("LATCHKEY_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info");
        if !cli.database.is_postgres() {
            // The fresh-machine default: data/latchkey.db and keys/master.key, both created in the working folder.
            command
                .env_remove("LATCHKEY_DATABASE_URL")
                .env_remove("LATCHKEY_MASTER_KEY");
        }
        command.spawn().expect("cannot start latchkey serve")
    };
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");

    let mut first = serve();
    let kid = wait_for_kid(&http, &base, &mut first).await;
    let metadata: Value = http
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata["issuer"],
        base.as_str(),
        "the issuer defaults to the bind address"
    );
    first.kill().await.expect("stopping the server");
    let output = first
        .wait_with_output()
        .await
        .expect("the first server's output");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains(&format!("127.0.0.1:{port}")),
        "the log says where it listens: {log}"
    );

    if !cli.database.is_postgres() {
        assert!(
            cli.cwd.path().join("data/latchkey.db").exists(),
            "the default database was created"
        );
        let key_file = cli.cwd.path().join("keys/master.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_file)
                .expect("the master key file was created")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the master key file is private");
        }
    }

    let mut second = serve();
    assert_eq!(
        wait_for_kid(&http, &base, &mut second).await,
        kid,
        "a restart reuses the signing key"
    );
    second.kill().await.expect("stopping the server");
}

/// Polls the JWKS until the server answers (or exits), and returns the first kid.
async fn wait_for_kid(
    http: &reqwest::Client,
    base: &str,
    server: &mut tokio::process::Child,
) -> String {
    eventually(
        "latchkey serve answers",
        Duration::from_secs(30),
        async || {
            if let Some(status) = server.try_wait().expect("checking the server") {
                panic!("latchkey serve exited with {status}");
            }
            let response = http
                .get(format!("{base}/.well-known/jwks.json"))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let jwks: Value = response.json().await.expect("a JSON key set");
            Ok::<_, String>(jwks["keys"][0]["kid"].as_str().expect("a kid").to_owned())
        },
    )
    .await
}

/// Only `migrate` (and `serve`) change the schema of a shared database: an operator command on `PostgreSQL` with
/// pending migrations stops and says what to run, and leaves the schema alone. The embedded `SQLite` default keeps
/// migrating implicitly, so the first command on a new machine just works.
#[tokio::test]
async fn operator_commands_migrate_only_the_embedded_database() {
    let cli = Cli::unmigrated().await;
    let email = format!("ops-{}@example.org", tag());
    let run = cli
        .run_with_stdin(
            &[
                "users",
                "create",
                "--email",
                &email,
                "--password-stdin",
                "--json",
            ],
            "a long enough password\n",
        )
        .await;
    if cli.database.is_postgres() {
        run.assert_failed_saying(&["pending migration", "latchkey migrate"]);
        // Nothing was applied: `migrate` still has every migration to do.
        let migrated = cli.run(&["migrate"]).await;
        migrated.assert_succeeded();
        assert!(
            !migrated.stdout.starts_with("0 "),
            "the refused command migrated anyway: {migrated:?}"
        );
        cli.create_user(&email, "a long enough password", &[]).await;
    } else {
        run.assert_succeeded();
        assert_eq!(run.json()["email"], email.as_str());
    }
}

/// `--grant` and `--auth-method` are parsed by the same functions as the admin API's `grant_types` and
/// `token_endpoint_auth_method`: an unknown name is refused before anything is written, naming what is allowed.
#[tokio::test]
async fn unknown_grants_and_auth_methods_are_refused_by_name() {
    let cli = Cli::new().await;
    cli.run(&["clients", "create", "--id", "app", "--grant", "implicit"])
        .await
        .assert_failed_saying(&["unknown grant \"implicit\"", "authorization_code"]);
    cli.run(&[
        "clients",
        "create",
        "--id",
        "app",
        "--grant",
        "password",
        "--auth-method",
        "private_key_jwt",
    ])
    .await
    .assert_failed_saying(&["private_key_jwt", "client_secret_post"]);
    let listed = cli.run(&["clients", "list", "--json"]).await.json();
    assert_eq!(listed, serde_json::json!([]), "nothing was written");
}
