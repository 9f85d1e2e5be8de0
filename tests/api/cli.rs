//! The operator's command line, driven as the real binary with `LATCHKEY_*` configuration, against a database that
//! a server then uses.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::helpers::{
    TempDir, TestApp, TestClient, TestDatabase, expect_error, random_master_key, tag, test_config,
};

const BINARY: &str = env!("CARGO_BIN_EXE_latchkey");

/// One run of the binary.
#[derive(Debug)]
struct Run {
    success: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        assert!(self.success, "the command failed: {self:?}");
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("--json printed no JSON ({e}): {self:?}"))
    }

    fn assert_failed_saying(&self, words: &str) {
        assert!(!self.success, "the command should have failed: {self:?}");
        assert!(
            self.code.is_some_and(|c| c != 0),
            "a non-zero exit code: {self:?}"
        );
        assert!(
            self.stderr.to_lowercase().contains(words),
            "stderr should say {words:?}: {self:?}"
        );
    }
}

/// The binary configured for one database and master key, run from an empty folder so that no
/// `config/latchkey.toml` of the developer's is read.
struct Cli {
    database: Arc<TestDatabase>,
    master_key: String,
    cwd: TempDir,
}

impl Cli {
    async fn new() -> Self {
        Self {
            database: TestDatabase::fresh().await,
            master_key: random_master_key(),
            cwd: TempDir::new(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BINARY);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("LATCHKEY_") {
                command.env_remove(name);
            }
        }
        command
            .current_dir(self.cwd.path())
            .env("LATCHKEY_DATABASE_URL", self.database.url())
            .env("LATCHKEY_MASTER_KEY", &self.master_key)
            .env("LATCHKEY_PASSWORD_HASH_MEMORY_KIB", "1024")
            .env("LATCHKEY_PASSWORD_HASH_ITERATIONS", "1")
            .env("RUST_LOG", "warn")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(args), None).await
    }

    async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with(self.command(args), Some(stdin)).await
    }

    async fn run_with(&self, mut command: Command, stdin: Option<&str>) -> Run {
        let mut child = command.spawn().expect("cannot start the latchkey binary");
        let mut pipe = child.stdin.take().expect("stdin is piped");
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes())
                .await
                .expect("writing stdin");
        }
        drop(pipe);
        let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("the command did not finish within 60 s")
            .expect("waiting for the command");
        Run {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `users create … --password-stdin --json`, asserting the password travels only on stdin.
    async fn create_user(&self, email: &str, password: &str, extra: &[&str]) -> Value {
        let mut args = vec![
            "users",
            "create",
            "--email",
            email,
            "--password-stdin",
            "--json",
        ];
        args.extend_from_slice(extra);
        assert!(args.iter().all(|a| !a.contains(password)));
        let run = self.run_with_stdin(&args, &format!("{password}\n")).await;
        assert!(
            !run.stdout.contains(password) && !run.stderr.contains(password),
            "the password was printed: {run:?}"
        );
        run.json()
    }

    async fn create_client(&self, id: &str) -> TestClient {
        let args = [
            "clients",
            "create",
            "--id",
            id,
            "--grant",
            "password",
            "--grant",
            "refresh_token",
        ];
        let created = self
            .run(
                &[
                    &args[..],
                    &["--scope", "read", "--scope", "write", "--json"],
                ]
                .concat(),
            )
            .await
            .json();
        assert_eq!(created["client_id"], id);
        let secret = created["client_secret"]
            .as_str()
            .expect("a confidential client gets a secret")
            .to_owned();
        TestClient {
            id: id.to_owned(),
            secret: Some(secret),
        }
    }

    /// A server on the CLI's database, with its master key.
    async fn server(&self) -> TestApp {
        let mut config = test_config(self.database.url());
        config.master_key = Some(self.master_key.clone().into());
        TestApp::spawn_on(self.database.clone(), config).await
    }
}

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
    let tokens =
        crate::helpers::expect_tokens(app.password_grant_as(&client, "ada", &password, None).await)
            .await;
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
    too_short.assert_failed_saying("at least");

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
    let before =
        crate::helpers::expect_tokens(app.password_grant_as(&client, &first, password, None).await)
            .await;

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
    crate::helpers::expect_tokens(
        app.password_grant_as(&client, "second", password, None)
            .await,
    )
    .await;

    cli.run(&["users", "disable", "nobody@example.org"])
        .await
        .assert_failed_saying("not found");
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
        by_id("web-app")["grants"],
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
    let user = app.create_user(Default::default()).await;
    expect_error(
        app.password_grant(&confidential, &user).await,
        401,
        "invalid_client",
    )
    .await;
    cli.run(&["clients", "delete", "web-app"])
        .await
        .assert_failed_saying("not found");
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
    again.assert_failed_saying("already exists");
    let again = cli
        .run(&[
            "clients", "create", "--id", "dup-app", "--grant", "password",
        ])
        .await;
    again.assert_failed_saying("already exists");
}

#[tokio::test]
async fn a_bad_configuration_value_stops_the_binary_with_a_message_naming_the_setting() {
    let cli = Cli::new().await;

    let mut command = cli.command(&["users", "list"]);
    command.env("LATCHKEY_ACCESS_TOKEN_TTL", "soon");
    cli.run_with(command, None)
        .await
        .assert_failed_saying("access_token_ttl");

    let mut command = cli.command(&["migrate"]);
    command.env("LATCHKEY_ACCES_TOKEN_TTL", "15m");
    cli.run_with(command, None)
        .await
        .assert_failed_saying("acces_token_ttl");

    let mut command = cli.command(&["users", "list"]);
    command.env("LATCHKEY_DATABASE_URL", "mysql://localhost/latchkey");
    cli.run_with(command, None)
        .await
        .assert_failed_saying("database_url");

    let mut command = cli.command(&["users", "list"]);
    command.env("LATCHKEY_ISSUER", "ftp://auth.example.org");
    cli.run_with(command, None)
        .await
        .assert_failed_saying("issuer");

    let mut command = cli.command(&["users", "list"]);
    command
        .env("LATCHKEY_REFRESH_TOKEN_TTL", "7d")
        .env("LATCHKEY_REFRESH_TOKEN_MAX_LIFETIME", "1d");
    cli.run_with(command, None)
        .await
        .assert_failed_saying("refresh_token_max_lifetime");
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
    for _ in 0..300 {
        if let Some(status) = server.try_wait().expect("checking the server") {
            panic!("latchkey serve exited with {status}");
        }
        if let Ok(response) = http
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
        {
            let jwks: Value = response.json().await.expect("a JSON key set");
            return jwks["keys"][0]["kid"].as_str().expect("a kid").to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("latchkey serve did not answer within 30 s");
}
