//! The SQLite connection type: statements run inline on the calling task's thread.

use diesel::sqlite::SqliteConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use futures_util::FutureExt;

/// SQLite connections run each statement inline on the calling task's thread (see [`Inline`]).
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, Inline>;

/// Runs SQLite work inline instead of on tokio's blocking pool. An embedded SQLite read takes microseconds (WAL:
/// readers never wait for the writer), far less than the two thread hand-offs a `spawn_blocking` costs per statement,
/// which halved refresh-grant throughput in the benchmark. Writes run on the writer thread ([`writer`]).
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
