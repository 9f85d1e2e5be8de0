//! Storage: diesel queries over an embedded SQLite file or PostgreSQL, chosen by the database URL's scheme.
//!
//! Query code is written once and compiled for each backend by [`with_conn!`] and [`write_tx!`]. Every state change
//! that must be atomic is one transaction or one conditional `UPDATE`.

pub mod clients;
pub mod refresh_tokens;
pub mod schema;
pub mod signing_keys;
pub mod users;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use diesel::result::DatabaseErrorKind;
use diesel::sqlite::SqliteConnection;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::{Pool as DeadPool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;

/// SQLite connections run each statement inline on the calling task's thread (see [`Inline`]).
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, Inline>;

/// Runs SQLite work inline instead of on tokio's blocking pool. An embedded SQLite statement takes microseconds
/// (WAL: readers never wait; writers queue on [`Pool::Sqlite`]'s async mutex first), far less than the two thread
/// hand-offs a `spawn_blocking` costs per statement, which halved refresh-grant throughput in the benchmark.
pub struct Inline;

impl diesel_async::sync_connection_wrapper::SpawnBlocking for Inline {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>,
    >
    where
        R: Send + 'static,
    {
        futures_util::future::ready(Ok(task())).boxed()
    }

    fn get_runtime() -> Self {
        Inline
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where the data lives, parsed from `database_url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// Path of the SQLite file (its folder is created when missing).
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.contains(":memory:") {
                return Err(
                    "a sqlite URL needs a file path, e.g. sqlite://data/latchkey.db".into(),
                );
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err("the scheme must be sqlite:// or postgres://".into())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database can't be reached or is overloaded: the caller should answer 503 and try again later.
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database query failed")]
    Query(#[source] diesel::result::Error),
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::Error as E;
        match error {
            E::NotFound => Self::NotFound,
            E::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Conflict(info.message().to_owned())
            }
            E::DatabaseError(
                DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand
                | DatabaseErrorKind::SerializationFailure,
                _,
            ) => Self::Unavailable(anyhow::Error::new(error)),
            E::DatabaseError(_, ref info)
                if [
                    "database is locked",
                    "database is busy",
                    "terminating connection",
                    "shutting down",
                ]
                .iter()
                .any(|m| info.message().contains(m)) =>
            {
                Self::Unavailable(anyhow::Error::new(error))
            }
            other => Self::Query(other),
        }
    }
}

impl From<PoolError> for StoreError {
    fn from(error: PoolError) -> Self {
        Self::Unavailable(anyhow::Error::new(error))
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    Postgres(DeadPool<AsyncPgConnection>),
    /// SQLite allows one writer: write transactions queue on `writer` instead of failing with SQLITE_BUSY.
    ///
    /// The lock is deliberately *unfair* (`futures_util`'s mutex lets a running task take a free lock before a woken
    /// waiter). A transaction runs inline in ~0.1 ms, but a FIFO lock (`tokio::sync::Mutex`) hands it to the next
    /// waiter, which may sit on the other actix worker behind a 0.3 ms RSA signature before it is polled: the
    /// database then idles while every writer waits. Measured with 8 refresh chains: 3,000 grants/s and a 1.4 ms
    /// mean lock wait with the FIFO lock, 4,600/s and 0.25 ms with this one. One waiter is woken on every release, so
    /// it gets its turn as soon as its worker is free; transactions never hold the lock across real I/O waits.
    Sqlite {
        pool: DeadPool<SqliteConn>,
        writer: Arc<futures_util::lock::Mutex<()>>,
    },
}

/// Handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

/// Runs `$body` with `$conn` bound to a pooled connection of whichever backend is configured.
macro_rules! with_conn {
    ($store:expr, $conn:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Postgres(pool) => {
                let mut guard = pool.get().await?;
                let $conn: &mut diesel_async::AsyncPgConnection = &mut guard;
                $body
            }
            $crate::store::Pool::Sqlite { pool, .. } => {
                let mut guard = pool.get().await?;
                let $conn: &mut $crate::store::SqliteConn = &mut guard;
                $body
            }
        }
    };
}

/// Runs `$body` (an expression returning `Result<_, E>` with `E: From<StoreError>`) in one write transaction.
macro_rules! write_tx {
    ($store:expr, $err:ty, $conn:ident => $body:expr) => {{
        use diesel_async::AsyncConnection as _;
        match &$store.pool {
            $crate::store::Pool::Postgres(pool) => {
                let mut guard = pool.get().await.map_err($crate::store::StoreError::from)?;
                let conn: &mut diesel_async::AsyncPgConnection = &mut guard;
                conn.transaction::<_, $err, _>(async |$conn| $body).await
            }
            $crate::store::Pool::Sqlite { pool, writer } => {
                let _one_writer = writer.lock().await;
                let mut guard = pool.get().await.map_err($crate::store::StoreError::from)?;
                let conn: &mut $crate::store::SqliteConn = &mut guard;
                conn.transaction::<_, $err, _>(async |$conn| $body).await
            }
        }
    }};
}

pub(crate) use {with_conn, write_tx};

impl Store {
    /// Opens a pool; with `migrate` also applies pending migrations first.
    pub async fn connect(
        url: &str,
        pool_size: usize,
        timeout: Duration,
        migrate: bool,
    ) -> anyhow::Result<Self> {
        let parsed = DatabaseUrl::parse(url).map_err(|e| anyhow::anyhow!("database_url: {e}"))?;
        if migrate {
            run_migrations(&parsed).await?;
        }
        let timeouts = deadpool::managed::Timeouts {
            wait: Some(timeout),
            create: Some(timeout),
            recycle: Some(timeout),
        };
        let pool = match parsed {
            DatabaseUrl::Postgres(url) => {
                // `Fast` recycling: no ping before every checkout (a round trip per query); a connection that broke
                // is discarded by its broken flag, and the failed request answers 503.
                let mut config = ManagerConfig::<AsyncPgConnection>::default();
                config.recycling_method = RecyclingMethod::Fast;
                let manager =
                    AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
                let pool = DeadPool::builder(manager)
                    .max_size(pool_size)
                    .timeouts(timeouts)
                    .runtime(deadpool::Runtime::Tokio1)
                    .build()?;
                Pool::Postgres(pool)
            }
            DatabaseUrl::Sqlite(path) => {
                ensure_parent_dir(&path)?;
                let mut config = ManagerConfig::<SqliteConn>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(|url| {
                    let url = url.to_owned();
                    async move {
                        tokio::task::spawn_blocking(move || open_sqlite(&url))
                            .await
                            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?
                            .map(|conn| SyncConnectionWrapper::with_runtime(conn, Inline))
                    }
                    .boxed()
                });
                let manager = AsyncDieselConnectionManager::<SqliteConn>::new_with_config(
                    path.to_string_lossy().into_owned(),
                    config,
                );
                let pool = DeadPool::builder(manager)
                    .max_size(pool_size)
                    .timeouts(timeouts)
                    .runtime(deadpool::Runtime::Tokio1)
                    .build()?;
                Pool::Sqlite {
                    pool,
                    writer: Arc::new(futures_util::lock::Mutex::new(())),
                }
            }
        };
        Ok(Self { pool })
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Postgres(_) => "postgres",
            Pool::Sqlite { .. } => "sqlite",
        }
    }

    /// For a long-running server on SQLite: checkpoints the WAL periodically off the request path (see
    /// [`checkpoint_in_background`]). A no-op on PostgreSQL.
    pub fn start_background_checkpoints(&self, url: &DatabaseUrl) {
        if let (Pool::Sqlite { .. }, DatabaseUrl::Sqlite(path)) = (&self.pool, url) {
            checkpoint_in_background(path.to_string_lossy().into_owned());
        }
    }

    /// One round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_conn!(self, conn => {
            diesel::sql_query("SELECT 1").execute(conn).await?;
        });
        Ok(())
    }
}

fn ensure_parent_dir(path: &std::path::Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("cannot create the database folder {}: {e}", dir.display())
        })?;
    }
    Ok(())
}

/// Opens a SQLite connection with the pragmas every connection needs.
fn open_sqlite(path: &str) -> diesel::ConnectionResult<SqliteConnection> {
    use diesel::connection::SimpleConnection;
    let mut conn = <SqliteConnection as diesel::Connection>::establish(path)?;
    // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes in WAL mode.
    // Checkpoints (the only fsyncs) run in the background (`checkpoint_in_background`), not inside a request's
    // commit while every writer waits; the high autocheckpoint is only a backstop. No `mmap_size`: a connection
    // drops its whole mapping whenever another connection has written (pager_reset), so with a pool and a write
    // per request it cost an mmap, a munmap (a TLB shootdown on every core) and an fstat per read transaction.
    conn.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; \
         PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 10000;",
    )
    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

/// How often the WAL is checkpointed. Short enough that under sustained writes (~5 pages per refresh grant) the
/// WAL never reaches `wal_autocheckpoint` between two runs, which would make a request's commit copy thousands of
/// pages and fsync while holding the writer lock (measured with 8 refresh chains and a 1 s interval: fsyncs on the
/// request workers, lock holds up to 28 ms, p99 22 ms; with 200 ms: no fsync on a worker, p99 10 ms).
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

/// Moves the WAL into the database file every [`CHECKPOINT_INTERVAL`] on a connection of its own. PASSIVE never
/// blocks readers or writers; the task ends with the runtime that spawned it.
fn checkpoint_in_background(path: String) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(CHECKPOINT_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut conn = None;
        loop {
            interval.tick().await;
            let path = path.clone();
            let taken = conn.take();
            let result = tokio::task::spawn_blocking(move || {
                use diesel::connection::SimpleConnection;
                let mut c = match taken {
                    Some(c) => c,
                    None => open_sqlite(&path).map_err(|e| e.to_string())?,
                };
                c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);")
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(c)
            })
            .await;
            match result {
                Ok(Ok(c)) => conn = Some(c),
                Ok(Err(e)) => tracing::warn!(error = %e, "SQLite checkpoint failed"),
                Err(_) => return, // runtime shutting down
            }
        }
    });
}

/// Applies pending migrations. Runs on a blocking thread: the harness is synchronous.
pub async fn run_migrations(url: &DatabaseUrl) -> anyhow::Result<Vec<String>> {
    let url = url.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let applied = match &url {
            DatabaseUrl::Sqlite(path) => {
                ensure_parent_dir(path)?;
                let mut conn = open_sqlite(&path.to_string_lossy())?;
                conn.run_pending_migrations(SQLITE_MIGRATIONS)
                    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            }
            DatabaseUrl::Postgres(url) => {
                use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
                let mut conn: AsyncConnectionWrapper<AsyncPgConnection> =
                    diesel::Connection::establish(url)
                        .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))?;
                conn.run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            }
        };
        Ok(applied)
    })
    .await?
}

/// Seconds since the UNIX epoch: the unit of every stored timestamp.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db"),
            Ok(DatabaseUrl::Sqlite("data/x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///abs/x.db"),
            Ok(DatabaseUrl::Sqlite("/abs/x.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
    }
}
