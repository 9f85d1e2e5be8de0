//! The real `latchkey` binary, configured through `LATCHKEY_*` for one test database and master key.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::{TempDir, TestApp, TestClient, TestDatabase, random_master_key, test_config};

const BINARY: &str = env!("CARGO_BIN_EXE_latchkey");

/// One run of the binary.
#[derive(Debug)]
pub(crate) struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Value {
        assert!(self.success, "the command failed: {self:?}");
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("--json printed no JSON ({e}): {self:?}"))
    }

    pub(crate) fn assert_succeeded(&self) {
        assert!(self.success, "the command failed: {self:?}");
    }

    /// A non-zero exit whose message contains each of `words` (case-insensitive).
    pub(crate) fn assert_failed_saying(&self, words: &[&str]) {
        assert!(!self.success, "the command should have failed: {self:?}");
        assert!(
            self.code.is_some_and(|c| c != 0),
            "a non-zero exit code: {self:?}"
        );
        for word in words {
            assert!(
                self.stderr.to_lowercase().contains(&word.to_lowercase()),
                "stderr should say {word:?}: {self:?}"
            );
        }
    }
}

/// The binary, run in `cwd` with only the given `LATCHKEY_*` variables (the developer's own are removed), quiet logs,
/// and piped standard streams.
pub(crate) fn latchkey_command<'a>(
    cwd: &std::path::Path,
    env: impl IntoIterator<Item = (&'a str, &'a str)>,
    args: &[&str],
) -> Command {
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LATCHKEY_") {
            command.env_remove(name);
        }
    }
    command
        .current_dir(cwd)
        .envs(env)
        .env("RUST_LOG", "warn")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs `command` (from [`latchkey_command`]) to completion, writing `stdin` if given, within 60 s.
pub(crate) async fn run_command(mut command: Command, stdin: Option<&str>) -> Run {
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

/// The binary configured for one database and master key, run from an empty folder so that no
/// `config/latchkey.toml` of the developer's is read.
pub(crate) struct Cli {
    pub database: Arc<TestDatabase>,
    pub master_key: String,
    pub cwd: TempDir,
    /// Redis URL and key prefix, shared with [`Cli::server`] (`PostgreSQL` runs with `TEST_REDIS_URL`).
    pub redis: Option<(String, String)>,
}

impl Cli {
    /// A CLI on a fresh database that an operator has migrated (`latchkey migrate`, the documented first step).
    pub(crate) async fn new() -> Self {
        let cli = Self::unmigrated().await;
        cli.run(&["migrate"]).await.assert_succeeded();
        cli
    }

    /// A CLI on a fresh database nobody has migrated yet.
    pub(crate) async fn unmigrated() -> Self {
        let database = TestDatabase::empty().await;
        let config = test_config(database.url());
        Self {
            redis: config
                .redis_url
                .map(|url| (url.expose().to_owned(), config.redis_prefix)),
            database,
            master_key: random_master_key(),
            cwd: TempDir::new(),
        }
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut env = vec![
            ("LATCHKEY_DATABASE_URL", self.database.url()),
            ("LATCHKEY_MASTER_KEY", self.master_key.as_str()),
            ("LATCHKEY_PASSWORD_HASH_MEMORY_KIB", "1024"),
            ("LATCHKEY_PASSWORD_HASH_ITERATIONS", "1"),
        ];
        if let Some((url, prefix)) = &self.redis {
            env.push(("LATCHKEY_REDIS_URL", url.as_str()));
            env.push(("LATCHKEY_REDIS_PREFIX", prefix.as_str()));
        }
        latchkey_command(self.cwd.path(), env, args)
    }

    pub(crate) async fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(args), None).await
    }

    pub(crate) async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with(self.command(args), Some(stdin)).await
    }

    pub(crate) async fn run_with(&self, command: Command, stdin: Option<&str>) -> Run {
        run_command(command, stdin).await
    }

    /// `users create … --password-stdin --json`, asserting the password travels only on stdin.
    pub(crate) async fn create_user(&self, email: &str, password: &str, extra: &[&str]) -> Value {
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

    pub(crate) async fn create_client(&self, id: &str) -> TestClient {
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
    pub(crate) async fn server(&self) -> TestApp {
        let mut config = test_config(self.database.url());
        config.master_key = Some(self.master_key.clone().into());
        if let Some((_, prefix)) = &self.redis {
            config.redis_prefix = prefix.clone();
        }
        TestApp::spawn_on(self.database.clone(), config).await
    }
}
