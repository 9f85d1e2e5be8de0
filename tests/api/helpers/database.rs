//! A fresh database per test: a `SQLite` file in its own temporary folder, or, when `TEST_DATABASE_URL` names a
//! `PostgreSQL` server, a new database `latchkey_test_<uuid>` created through that maintenance connection.
//!
//! Each is a copy of a template made once per test process (as crates.io's `crates_io_test_db` does): migrated,
//! and holding a first signing key sealed under [`TEST_MASTER_KEY`], so that no test runs the migrations or
//! generates an RSA key just to start. The copy is what a first start would have made: one active key, created
//! when the test begins. Tests that need keys of their own rotate.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey::domain::signing::KeyState;
use latchkey::domain::signing::keyring::generate_row;
use latchkey::domain::signing::master_key::MasterKey;
use latchkey::store::refresh_tokens::{FamilyRow, TokenRow};
use latchkey::store::schema::{mail_outbox, refresh_token_families, refresh_tokens, signing_keys};
use latchkey::store::{DatabaseUrl, Store};

/// Names the `PostgreSQL` server the suite runs against. Deliberately not `LATCHKEY_*`: the binary's configuration
/// loader reads that prefix and rejects unknown names.
pub(super) const POSTGRES_ENV: &str = "TEST_DATABASE_URL";

/// Prefix of every database the suite creates, so CI can drop leftovers.
pub(super) const POSTGRES_PREFIX: &str = "latchkey_test_";

/// The master key of every test's configuration ([`super::test_config`]): the template's signing key is sealed
/// under it. Tests of other master keys configure their own.
pub(crate) const TEST_MASTER_KEY: &str = "TtTV740gf+pjxvxkBRuZ5Y0kbfON2Wykoknrlkvs8+c=";

/// The template of this process, made by the first test that asks: a `SQLite` file or a `PostgreSQL` database name.
static SQLITE_TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
static POSTGRES_TEMPLATE: OnceLock<String> = OnceLock::new();

/// A folder under the system temp dir, removed on drop (kept, and named, when the test failed).
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("latchkey-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("cannot create a temporary folder");
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept {} of the failed test", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs `$body` with `$conn` bound to a direct connection (not the server's pool) of the test database.
macro_rules! with_raw_conn {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            TestDatabase::Sqlite { dir, .. } => {
                let path = dir.path().join("test.db");
                let mut raw =
                    SyncConnectionWrapper::<SqliteConnection>::establish(&path.to_string_lossy())
                        .await
                        .expect("opening the SQLite test database");
                let $conn = &mut raw;
                $body
            }
            TestDatabase::Postgres { url, .. } => {
                let mut raw = connect_postgres(url).await;
                let $conn = &mut raw;
                $body
            }
        }
    };
}

#[derive(Debug)]
pub(crate) enum TestDatabase {
    Sqlite {
        dir: TempDir,
        url: String,
    },
    Postgres {
        maintenance_url: String,
        name: String,
        url: String,
    },
}

impl TestDatabase {
    /// A copy of the template (migrated, one active signing key created now): `PostgreSQL` when
    /// `TEST_DATABASE_URL` is set (panicking if it can't be reached: CI must fail, not skip), `SQLite` otherwise.
    pub(crate) async fn fresh() -> Arc<Self> {
        let database = if let Some(url) = postgres_url() {
            let template = POSTGRES_TEMPLATE.get_or_init(|| {
                let url = url.clone();
                on_own_runtime(async move { postgres_template(&url).await })
            });
            Self::postgres(&url, Some(template)).await
        } else {
            let template = SQLITE_TEMPLATE.get_or_init(|| on_own_runtime(sqlite_template()));
            let dir = TempDir::new();
            std::fs::copy(template, dir.path().join("test.db"))
                .expect("copying the SQLite template");
            Self::sqlite(dir)
        };
        // The first key is as old as this test, as if its first start had just made it.
        let now = super::now();
        with_raw_conn!(&database, conn => {
            diesel::update(signing_keys::table)
                .set((signing_keys::created_at.eq(now), signing_keys::activated_at.eq(Some(now))))
                .execute(conn)
                .await
                .expect("dating the template's signing key")
        });
        Arc::new(database)
    }

    /// A database nobody has migrated (for the operator's first `latchkey migrate`).
    pub(crate) async fn empty() -> Arc<Self> {
        let database = match postgres_url() {
            Some(url) => Self::postgres(&url, None).await,
            None => Self::sqlite(TempDir::new()),
        };
        Arc::new(database)
    }

    fn sqlite(dir: TempDir) -> Self {
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self::Sqlite { dir, url }
    }

    /// A new database, copied from `template` if given.
    async fn postgres(maintenance_url: &str, template: Option<&str>) -> Self {
        let name = format!("{POSTGRES_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut conn = connect_postgres(maintenance_url).await;
        let from = template
            .map(|t| format!(" TEMPLATE {t}"))
            .unwrap_or_default();
        diesel::sql_query(format!("CREATE DATABASE {name}{from}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        let mut url = url::Url::parse(maintenance_url).expect("TEST_DATABASE_URL is not a URL");
        url.set_path(&format!("/{name}"));
        Self::Postgres {
            maintenance_url: maintenance_url.to_owned(),
            name,
            url: url.to_string(),
        }
    }

    /// The `database_url` a server or the CLI is configured with.
    pub(crate) fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// The `SQLite` database file (and its `-wal` beside it); `None` on `PostgreSQL`.
    pub(crate) fn sqlite_file(&self) -> Option<PathBuf> {
        match self {
            Self::Sqlite { dir, .. } => Some(dir.path().join("test.db")),
            Self::Postgres { .. } => None,
        }
    }

    /// Every stored refresh token row, read behind the server's back.
    pub(crate) async fn refresh_token_rows(&self) -> Vec<TokenRow> {
        with_raw_conn!(self, conn => {
            refresh_tokens::table.select(TokenRow::as_select()).load(conn).await.expect("reading refresh_tokens")
        })
    }

    /// The recipients of every message in the outbox (queued or sent), read behind the server's back. Mail is
    /// written in the transaction of the event that causes it (DESIGN.md §17): once a response is received, what
    /// it queued is here.
    pub(crate) async fn outbox_recipients(&self) -> Vec<String> {
        with_raw_conn!(self, conn => {
            mail_outbox::table.select(mail_outbox::recipient).load(conn).await.expect("reading mail_outbox")
        })
    }

    /// Every stored refresh-token family row, read behind the server's back.
    pub(crate) async fn family_rows(&self) -> Vec<FamilyRow> {
        with_raw_conn!(self, conn => {
            refresh_token_families::table.select(FamilyRow::as_select()).load(conn).await.expect("reading families")
        })
    }
}

fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .map(|url| url.trim().to_owned())
        .filter(|url| !url.is_empty())
}

/// Runs `work` to completion on a runtime of its own (on a thread of its own): the template outlives the test
/// whose runtime happened to make it, and no connection of it may stay open.
fn on_own_runtime<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the template")
            .block_on(work)
    })
    .join()
    .unwrap_or_else(|_| panic!("making the test database template failed (see above)"))
}

/// Migrates the database at `url` and stores the first signing key, sealed under [`TEST_MASTER_KEY`]. Every
/// connection is closed when this returns.
async fn fill_template(url: &str) {
    let url = DatabaseUrl::parse(url).expect("a template URL");
    let store = Store::connect(&url, 1, Duration::from_secs(10), true)
        .await
        .unwrap_or_else(|e| panic!("migrating the template: {e:#}"));
    let master = MasterKey::from_base64(TEST_MASTER_KEY, "test").expect("the test master key");
    let row = generate_row(&master, 2048, KeyState::Active, super::now())
        .await
        .expect("generating the fixture signing key");
    store
        .insert_signing_key(&row)
        .await
        .expect("storing the fixture signing key");
}

/// `<CARGO_TARGET_TMPDIR>/latchkey-template-<pid>.db`, after removing the templates of processes that are gone.
async fn sqlite_template() -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix("latchkey-template-")
            .and_then(|rest| rest.split('.').next())
            && process_is_gone(pid)
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let path = folder.join(format!("latchkey-template-{}.db", std::process::id()));
    for stale in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{stale}", path.display()));
    }
    fill_template(&format!("sqlite://{}", path.display())).await;
    // Everything into the main file, which is all a test copies. The store's writer thread may still be closing
    // its connection: wait for it rather than fail.
    let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(&path.to_string_lossy())
        .await
        .expect("opening the SQLite template");
    diesel::sql_query("PRAGMA busy_timeout = 10000")
        .execute(&mut conn)
        .await
        .expect("setting a busy timeout");
    diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .expect("checkpointing the SQLite template");
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the SQLite template's WAL was not checkpointed");
    path
}

/// `latchkey_test_template_<pid>`, after dropping the templates of processes that are gone. Its name starts with
/// [`POSTGRES_PREFIX`], so CI's clean-up drops it with the rest.
async fn postgres_template(maintenance_url: &str) -> String {
    let prefix = format!("{POSTGRES_PREFIX}template_");
    let mut conn = connect_postgres(maintenance_url).await;
    diesel::table! {
        pg_database (datname) {
            datname -> Text,
        }
    }
    let templates: Vec<String> = pg_database::table
        .select(pg_database::datname)
        .filter(pg_database::datname.like(format!("{prefix}%")))
        .load(&mut conn)
        .await
        .expect("listing test templates");
    let name = format!("{prefix}{}", std::process::id());
    for old in templates {
        if old == name || old.strip_prefix(&prefix).is_some_and(process_is_gone) {
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("dropping the old template {old}: {e}"));
        }
    }
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create the template database {name}: {e}"));
    let mut url = url::Url::parse(maintenance_url).expect("TEST_DATABASE_URL is not a URL");
    url.set_path(&format!("/{name}"));
    fill_template(url.as_str()).await;
    name
}

/// Whether the test process `pid` (from a template's name) has ended; never for a name that is not a pid, nor
/// where `/proc` can't tell.
fn process_is_gone(pid: &str) -> bool {
    pid.parse::<u32>().is_ok()
        && Path::new("/proc/self").exists()
        && !Path::new("/proc").join(pid).exists()
}

async fn connect_postgres(url: &str) -> AsyncPgConnection {
    let place = url::Url::parse(url).map_or_else(
        |_| "an unparsable URL".into(),
        |u| {
            format!(
                "{}:{}{}",
                u.host_str().unwrap_or("?"),
                u.port().unwrap_or(5432),
                u.path()
            )
        },
    );
    match tokio::time::timeout(Duration::from_secs(10), AsyncPgConnection::establish(url)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            panic!("{POSTGRES_ENV} is set but PostgreSQL at {place} cannot be reached: {e}")
        }
        Err(elapsed) => {
            panic!(
                "{POSTGRES_ENV} is set but PostgreSQL at {place} did not answer: {elapsed} (10s)"
            )
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Self::Postgres {
            maintenance_url,
            name,
            ..
        } = self
        else {
            return;
        };
        if std::thread::panicking() {
            eprintln!("kept database {name} of the failed test");
            return;
        }
        // Best effort on a thread of its own: Drop can't await, and the server may still hold connections.
        let (url, name) = (maintenance_url.clone(), name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = AsyncPgConnection::establish(&url).await.ok()?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}
