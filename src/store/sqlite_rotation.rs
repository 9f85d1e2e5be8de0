//! The three statements of a refresh-token rotation on SQLite, written out so that diesel caches them.
//!
//! diesel prepares a statement once per connection and reuses it only when the query says it is safe to: its
//! `UPDATE` never does (`UpdateStatement::walk_ast` marks itself unsafe to cache) nor does an `INSERT` with an
//! optional column on SQLite. Built with the DSL, each rotation made the writer thread build and parse all three
//! statements again: 6% of a refresh grant's server CPU in `perf` (`sqlite3RunParser` under the writer), plus the
//! SQL text built for them. These types have a static query id and bind every value, so diesel prepares each once
//! per connection (the test below counts the preparations). They say what the DSL said; the API suite's rotation,
//! reuse, revocation, disabled-user and revoked-key tests run them on SQLite.

use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Binary, Bool, Nullable, Text};
use diesel::sqlite::Sqlite;

use super::types::KeyState;
use crate::values::ids::Kid;
use crate::values::secret::TokenHash;

/// A static query id for each statement: diesel caches its prepared statement by this type (the bound values vary,
/// never the SQL). (`#[derive(QueryId)]` would need the types to be `'static`.)
macro_rules! static_query_id {
    ($($name:ident),*) => {$(
        impl QueryId for $name<'_> {
            type QueryId = $name<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }
    )*};
}

static_query_id!(ClaimFamily, ClaimToken, InsertToken);

/// Marks the family used, only while it is live for `client_id`, its user enabled and the key `kid` (which signs
/// the successor's access token) not revoked: the claim's first statement, which every revocation of the family
/// contends with (see the `refresh_tokens` module).
pub(super) struct ClaimFamily<'a> {
    pub family_id: &'a str,
    pub client_id: &'a str,
    pub kid: &'a Kid,
    pub now: i64,
}

impl QueryFragment<Sqlite> for ClaimFamily<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> diesel::QueryResult<()> {
        out.push_sql("UPDATE refresh_token_families SET last_used_at = ");
        out.push_bind_param::<BigInt, _>(&self.now)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(self.family_id)?;
        out.push_sql(" AND client_id = ");
        out.push_bind_param::<Text, _>(self.client_id)?;
        out.push_sql(" AND revoked_at IS NULL AND expires_at > ");
        out.push_bind_param::<BigInt, _>(&self.now)?;
        // Correlated on the family's user (a primary-key lookup), as the DSL's `exists` was.
        out.push_sql(
            " AND EXISTS (SELECT 1 FROM users WHERE users.id = refresh_token_families.user_id \
             AND users.disabled = ",
        );
        out.push_bind_param::<Bool, _>(&false)?;
        out.push_sql(") AND NOT EXISTS (SELECT 1 FROM signing_keys WHERE signing_keys.kid = ");
        out.push_bind_param::<Text, _>(self.kid)?;
        out.push_sql(" AND signing_keys.state = ");
        out.push_bind_param::<Text, _>(&KeyState::Revoked)?;
        out.push_sql(")");
        Ok(())
    }
}

/// Marks the presented token used, only if it is the family's, unused and not idle-expired.
pub(super) struct ClaimToken<'a> {
    pub token_hash: &'a TokenHash,
    pub family_id: &'a str,
    pub now: i64,
}

impl QueryFragment<Sqlite> for ClaimToken<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> diesel::QueryResult<()> {
        out.push_sql("UPDATE refresh_tokens SET used_at = ");
        out.push_bind_param::<BigInt, _>(&self.now)?;
        out.push_sql(" WHERE token_hash = ");
        out.push_bind_param::<Binary, _>(self.token_hash)?;
        out.push_sql(" AND family_id = ");
        out.push_bind_param::<Text, _>(self.family_id)?;
        out.push_sql(" AND used_at IS NULL AND idle_expires_at > ");
        out.push_bind_param::<BigInt, _>(&self.now)?;
        Ok(())
    }
}

/// Stores the successor token (a `TokenRow`'s columns).
pub(super) struct InsertToken<'a> {
    pub token_hash: &'a TokenHash,
    pub family_id: &'a str,
    pub issued_at: i64,
    pub idle_expires_at: i64,
    pub used_at: Option<i64>,
    pub access_token_kid: &'a Kid,
}

impl QueryFragment<Sqlite> for InsertToken<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> diesel::QueryResult<()> {
        let row = self;
        out.push_sql(
            "INSERT INTO refresh_tokens (token_hash, family_id, issued_at, idle_expires_at, used_at, \
             access_token_kid) VALUES (",
        );
        out.push_bind_param::<Binary, _>(row.token_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.family_id)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&row.issued_at)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&row.idle_expires_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&row.used_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.access_token_kid)?;
        out.push_sql(")");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection as _};
    use diesel::query_dsl::methods::ExecuteDsl;
    use diesel::{Connection as _, SqliteConnection};
    use diesel_migrations::MigrationHarness as _;

    use super::*;

    /// Counts the statements diesel prepares for its cache, by their first words.
    #[derive(Default, Clone)]
    struct Prepared(Arc<Mutex<Vec<String>>>);

    impl Instrumentation for Prepared {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                self.0.lock().unwrap().push(sql.chars().take(30).collect());
            }
        }
    }

    #[test]
    fn each_statement_is_prepared_once_per_connection() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.run_pending_migrations(super::super::SQLITE_MIGRATIONS)
            .unwrap();
        conn.batch_execute("PRAGMA foreign_keys = OFF").unwrap();
        let prepared = Prepared::default();
        conn.set_instrumentation(prepared.clone());
        let kid = Kid::new("k1");
        for round in 0..3_i64 {
            let hash = TokenHash::of(format!("token {round}").as_bytes());
            let inserted = ExecuteDsl::execute(
                InsertToken {
                    token_hash: &hash,
                    family_id: "f1",
                    issued_at: 10,
                    idle_expires_at: 100,
                    used_at: None,
                    access_token_kid: &kid,
                },
                &mut conn,
            )
            .unwrap();
            assert_eq!(inserted, 1);
            let claimed = ExecuteDsl::execute(
                ClaimToken {
                    token_hash: &hash,
                    family_id: "f1",
                    now: 20 + round,
                },
                &mut conn,
            )
            .unwrap();
            assert_eq!(
                claimed, 1,
                "an unused, unexpired token of its family is claimed"
            );
            let again = ExecuteDsl::execute(
                ClaimToken {
                    token_hash: &hash,
                    family_id: "f1",
                    now: 21 + round,
                },
                &mut conn,
            )
            .unwrap();
            assert_eq!(again, 0, "a used token is never claimed twice");
            let family = ExecuteDsl::execute(
                ClaimFamily {
                    family_id: "no such family",
                    client_id: "c1",
                    kid: &kid,
                    now: 20,
                },
                &mut conn,
            )
            .unwrap();
            assert_eq!(family, 0);
        }
        let prepared = prepared.0.lock().unwrap().clone();
        assert_eq!(prepared.len(), 3, "prepared: {prepared:?}");
    }
}
