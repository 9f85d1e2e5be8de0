//! A fresh database per test: a SQLite file in its own temporary folder, or, when `TEST_DATABASE_URL` names a
//! PostgreSQL server, a new database `latchkey_test_<uuid>` created through that maintenance connection.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey::store::refresh_tokens::{FamilyRow, TokenRow};
use latchkey::store::schema::{refresh_token_families, refresh_tokens};

/// Names the PostgreSQL server the suite runs against. Deliberately not `LATCHKEY_*`: the binary's configuration
/// loader reads that prefix and rejects unknown names.
pub const POSTGRES_ENV: &str = "TEST_DATABASE_URL";

/// Prefix of every database the suite creates, so CI can drop leftovers.
pub const POSTGRES_PREFIX: &str = "latchkey_test_";

/// A folder under the system temp dir, removed on drop (kept, and named, when the test failed).
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("latchkey-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("cannot create a temporary folder");
        Self(path)
    }

    pub fn path(&self) -> &Path {
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
pub enum TestDatabase {
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
    /// PostgreSQL when `TEST_DATABASE_URL` is set (panicking if it can't be reached: CI must fail, not skip),
    /// SQLite otherwise.
    pub async fn fresh() -> Arc<Self> {
        let database = match std::env::var(POSTGRES_ENV) {
            Ok(url) if !url.trim().is_empty() => Self::postgres(url.trim()).await,
            _ => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Self::Sqlite { dir, url }
            }
        };
        Arc::new(database)
    }

    async fn postgres(maintenance_url: &str) -> Self {
        let name = format!("{POSTGRES_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut conn = connect_postgres(maintenance_url).await;
        diesel::sql_query(format!("CREATE DATABASE {name}"))
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
    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// The SQLite database file (and its `-wal` beside it); `None` on PostgreSQL.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self {
            Self::Sqlite { dir, .. } => Some(dir.path().join("test.db")),
            Self::Postgres { .. } => None,
        }
    }

    /// Every stored refresh token row, read behind the server's back.
    pub async fn refresh_token_rows(&self) -> Vec<TokenRow> {
        with_raw_conn!(self, conn => {
            refresh_tokens::table.select(TokenRow::as_select()).load(conn).await.expect("reading refresh_tokens")
        })
    }

    /// Every stored refresh-token family row, read behind the server's back.
    pub async fn family_rows(&self) -> Vec<FamilyRow> {
        with_raw_conn!(self, conn => {
            refresh_token_families::table.select(FamilyRow::as_select()).load(conn).await.expect("reading families")
        })
    }
}

async fn connect_postgres(url: &str) -> AsyncPgConnection {
    let place = url::Url::parse(url)
        .map(|u| {
            format!(
                "{}:{}{}",
                u.host_str().unwrap_or("?"),
                u.port().unwrap_or(5432),
                u.path()
            )
        })
        .unwrap_or_else(|_| "an unparsable URL".into());
    match tokio::time::timeout(Duration::from_secs(10), AsyncPgConnection::establish(url)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            panic!("{POSTGRES_ENV} is set but PostgreSQL at {place} cannot be reached: {e}")
        }
        Err(_) => {
            panic!("{POSTGRES_ENV} is set but PostgreSQL at {place} did not answer within 10s")
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
