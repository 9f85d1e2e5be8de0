//! What can go wrong in storage, in terms the domain can act on: unavailable (answer 503 and retry), a conflict,
//! nothing found, corrupt data, or a failed query.

use diesel::result::DatabaseErrorKind;
use diesel_async::pooled_connection::deadpool::PoolError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database can't be reached or is overloaded: the caller should answer 503 and try again later.
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A uniqueness rule refused the change (the row exists, or was changed concurrently). The database's own
    /// message is logged, never carried: it names tables and values no caller should see.
    #[error("already exists")]
    Conflict,
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
                tracing::debug!(database = info.message(), "unique violation");
                Self::Conflict
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
