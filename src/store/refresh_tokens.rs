//! Refresh-token families and their tokens (stored as SHA-256 hashes only).
//!
//! Creating a family and rotating a token are claims that must not overtake a revocation (DESIGN.md §18): each is
//! conditional, in the statement that makes it, on the family being live, its user enabled and the signing key not
//! revoked. The rotation starts by updating (and so locking) the family row, which every revocation of that family
//! also updates: on PostgreSQL the two serialise on the row lock; on SQLite all writes are serial anyway. A claim
//! that commits first is revoked with the family; one that comes second fails.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::clients::ClientRow;
use super::schema::{
    clients, refresh_token_families as families, refresh_tokens as tokens, signing_keys as keys,
    users,
};
use super::sqlite_rotation::{ClaimFamily, ClaimToken, InsertToken};
use super::types::KeyState;
use super::users::UserRow;
use super::{Pool, Store, StoreError, read_one, sqlite_write_tx, with_conn, write_tx};
use crate::values::ids::ClientId;
use crate::values::ids::Kid;
use crate::values::ids::UserId;
use crate::values::scope::Scope;
use crate::values::secret::TokenHash;

/// The statement that revokes a family unless it already is (the first reason is kept).
macro_rules! revoke_family_stmt {
    ($family_id:expr, $reason:expr, $now:expr) => {
        diesel::update(
            families::table.filter(
                families::id
                    .eq($family_id)
                    .and(families::revoked_at.is_null()),
            ),
        )
        .set((
            families::revoked_at.eq(Some($now)),
            families::revoked_reason.eq(Some($reason)),
        ))
    };
}

/// Whether the key with `$kid` has been revoked (in the caller's transaction; a macro so that it compiles for the
/// connection type of either backend).
macro_rules! signer_revoked {
    ($conn:expr, $kid:expr) => {
        keys::table
            .find($kid)
            .filter(keys::state.eq(KeyState::Revoked))
            .count()
            .get_result::<i64>($conn)
            .await?
            > 0
    };
}

/// After a claim matched nothing: a token already used means reuse, and the family is revoked; anything else
/// (revoked or expired family, idle-expired token, disabled user, another client) is dead and changes nothing.
///
/// Except a repeat within the grace window (issue 17: two tabs or two threads refreshing at once): the token was
/// rotated fewer than `grace` seconds ago, its successor `next` (derived from it, so the same hash) is still unused
/// and live, and the family is still live for this client with its user enabled. Then nothing is revoked and the
/// same successor is handed out again; the family row is updated first, as in a claim, so a concurrent revocation
/// is either seen or waits.
macro_rules! judge_failed_claim {
    ($conn:expr, $old:expr, $next:expr, $client_id:expr, $grace:expr, $now:expr) => {{
        let used: Option<Option<i64>> = tokens::table
            .find($old)
            .select(tokens::used_at)
            .get_result($conn)
            .await
            .optional()?;
        match used {
            Some(Some(used_at)) => {
                if $now - used_at < $grace {
                    let live_user = users::table
                        .filter(users::id.eq(families::user_id))
                        .filter(users::disabled.eq(false));
                    let family = diesel::update(
                        families::table
                            .find(&$next.family_id)
                            .filter(families::client_id.eq($client_id))
                            .filter(families::revoked_at.is_null())
                            .filter(families::expires_at.gt($now))
                            .filter(diesel::dsl::exists(live_user)),
                    )
                    .set(families::last_used_at.eq(Some($now)))
                    .execute($conn)
                    .await?;
                    let successor_live = family == 1
                        && tokens::table
                            .find($next.token_hash)
                            .filter(tokens::family_id.eq(&$next.family_id))
                            .filter(tokens::used_at.is_null())
                            .filter(tokens::idle_expires_at.gt($now))
                            .count()
                            .get_result::<i64>($conn)
                            .await?
                            == 1;
                    if successor_live {
                        return Ok(Claim::Repeated);
                    }
                }
                revoke_family_stmt!(&$next.family_id, "refresh token reused", $now)
                    .execute($conn)
                    .await?;
                Ok(Claim::Reused)
            }
            _ => Ok(Claim::Dead),
        }
    }};
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = families)]
pub struct FamilyRow {
    pub id: String,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub scope: Scope,
    pub created_at: i64,
    /// Absolute end of the family, whatever the rotations.
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    /// When a token of the family was last rotated.
    pub last_used_at: Option<i64>,
    /// The hosted session the family came from (authorization code flow), ended with it.
    pub session_id: Option<String>,
    /// The authentication methods of the sign-in the family came from (RFC 8176 values, space-separated): every
    /// access token of the family carries them. The PostgreSQL `latchkey_create_family` leaves the column's default
    /// (`pwd`): it starts only password-grant families.
    pub amr: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tokens)]
pub struct TokenRow {
    pub token_hash: TokenHash,
    pub family_id: String,
    pub issued_at: i64,
    pub idle_expires_at: i64,
    /// Set when the token was rotated; presenting it again is reuse.
    pub used_at: Option<i64>,
    /// `kid` of the access token issued with this refresh token.
    pub access_token_kid: Kid,
}

/// A client's row with a presented token's beside it (when one has that hash): `clients LEFT JOIN tokens ...`, one
/// statement for both backends.
macro_rules! client_with_token {
    ($client_id:expr, $hash:expr) => {
        clients::table
            .left_join(tokens::table.on(tokens::token_hash.eq($hash)))
            .left_join(families::table.on(families::id.eq(tokens::family_id)))
            .left_join(users::table.on(users::id.eq(families::user_id)))
            .left_join(keys::table.on(keys::kid.eq(tokens::access_token_kid)))
            .filter(clients::id.eq($client_id))
            .select((
                ClientRow::as_select(),
                Option::<TokenRow>::as_select(),
                Option::<FamilyRow>::as_select(),
                Option::<UserRow>::as_select(),
                keys::state.nullable(),
            ))
    };
}

/// A presented token's row with its family's, its user's and its signing key's state.
type PresentedRow = (TokenRow, FamilyRow, UserRow, Option<KeyState>);

/// A presented refresh token with what is needed to judge it, read before the claim.
#[derive(Debug)]
pub struct PresentedToken {
    pub token: TokenRow,
    pub family: FamilyRow,
    pub user: UserRow,
    /// The key that signed the access token issued with this refresh token has been revoked since.
    pub signing_key_revoked: bool,
}

impl From<PresentedRow> for PresentedToken {
    fn from((token, family, user, key_state): PresentedRow) -> Self {
        Self {
            token,
            family,
            user,
            signing_key_revoked: key_state == Some(KeyState::Revoked),
        }
    }
}

// The PostgreSQL claim functions (migration 2026-12-02-000002_claim_functions), each returning 1 when it changed
// something. Called as typed expressions rather than `sql_query` text: diesel caches a typed query's prepared
// statement per connection, whereas a text query is prepared anew on every call, which costs tokio-postgres a
// second round trip (Parse/Describe, then Bind/Execute).
#[expect(
    clippy::too_many_arguments,
    reason = "the generated function mirrors the SQL function's parameters"
)]
mod claim_functions {
    use diesel::sql_types::{BigInt, Binary, Text};

    diesel::define_sql_function! {
        fn latchkey_create_family(
            p_family: Text, p_client: Text, p_user: Text, p_scope: Text, p_now: BigInt, p_expires: BigInt,
            p_hash: Binary, p_idle_expires: BigInt, p_kid: Text
        ) -> Integer;
    }
    diesel::define_sql_function! {
        fn latchkey_rotate_refresh_token(
            p_old: Binary, p_family: Text, p_now: BigInt, p_client: Text, p_kid: Text, p_new: Binary,
            p_idle_expires: BigInt
        ) -> Integer;
    }
}
use claim_functions::{latchkey_create_family, latchkey_rotate_refresh_token};

/// Outcome of a claim: starting a family, or rotating a token into its successor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Stored: the tokens may be handed out.
    Done,
    /// The token was rotated moments ago (within the grace window) into the very successor asked for, which is
    /// still live: hand out that successor again; nothing was stored or revoked.
    Repeated,
    /// The token was used before (a replay or a concurrent request that won): the family is now revoked
    /// (RFC 9700 §4.14.2).
    Reused,
    /// The family is revoked or expired, the token idle-expired, or the user disabled: nothing changed.
    Dead,
    /// The key this replica signs with was revoked meanwhile (its key ring is stale): nothing changed.
    SignerRevoked,
}

impl Store {
    /// Starts a family with its first token, unless the user is disabled or `first`'s signing key revoked.
    pub async fn create_family(
        &self,
        family: FamilyRow,
        first: TokenRow,
    ) -> Result<Claim, StoreError> {
        if let Pool::Postgres(pool) = &self.pool {
            let mut conn = pool.get().await.map_err(|e| self.pool_failed(e))?;
            // One round trip, a statement prepared once per connection; so are the function's own plans.
            let inserted: i32 = diesel::select(latchkey_create_family(
                &family.id,
                &family.client_id,
                &family.user_id,
                &family.scope,
                family.created_at,
                family.expires_at,
                first.token_hash,
                first.idle_expires_at,
                &first.access_token_kid,
            ))
            .get_result(&mut *conn)
            .await?;
            if inserted == 1 {
                return Ok(Claim::Done);
            }
            return self.signer_or_dead(&first.access_token_kid).await;
        }
        write_tx!(self, StoreError, conn => {
            if signer_revoked!(conn, &first.access_token_kid) {
                return Ok(Claim::SignerRevoked);
            }
            let enabled = users::table
                .find(&family.user_id)
                .filter(users::disabled.eq(false))
                .count()
                .get_result::<i64>(conn)
                .await?;
            if enabled == 0 {
                return Ok(Claim::Dead);
            }
            diesel::insert_into(families::table).values(&family).execute(conn).await?;
            diesel::insert_into(tokens::table).values(&first).execute(conn).await?;
            Ok(Claim::Done)
        })
    }

    /// Reads a presented token with its family, user and the state of the key that signed its access token.
    pub async fn find_refresh_token(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<PresentedToken>, StoreError> {
        let hash = *hash;
        let row = read_one!(
            self,
            PresentedRow,
            tokens::table
                .inner_join(families::table.inner_join(users::table))
                .left_join(keys::table.on(keys::kid.eq(tokens::access_token_kid)))
                .filter(tokens::token_hash.eq(&hash))
                .select((
                    TokenRow::as_select(),
                    FamilyRow::as_select(),
                    UserRow::as_select(),
                    keys::state.nullable(),
                ))
        )?;
        Ok(row.map(PresentedToken::from))
    }

    /// [`Store::find_client`] and [`Store::find_refresh_token`] in one statement: what a refresh grant reads
    /// before it judges the token. One round trip and one statement instead of two on PostgreSQL (each statement
    /// costs the backend its executor set-up, a large share of a refresh's database CPU); one reader on SQLite.
    pub async fn find_client_and_refresh_token(
        &self,
        client_id: &ClientId,
        hash: &TokenHash,
    ) -> Result<(Option<ClientRow>, Option<PresentedToken>), StoreError> {
        let (client_id, hash) = (client_id.clone(), *hash);
        let row = read_one!(
            self,
            (
                ClientRow,
                Option<TokenRow>,
                Option<FamilyRow>,
                Option<UserRow>,
                Option<KeyState>
            ),
            client_with_token!(client_id, hash)
        )?;
        Ok(match row {
            None => (None, None),
            Some((client, Some(token), Some(family), Some(user), key_state)) => {
                (Some(client), Some((token, family, user, key_state).into()))
            }
            // No token by that hash (a family and a user always exist for a token: foreign keys).
            Some((client, ..)) => (Some(client), None),
        })
    }

    /// Retires `old` in favour of `next` (same family), exactly once and only while the family is live for
    /// `client_id`, its user enabled and `next`'s signing key not revoked, all checked in the claim itself. Of N
    /// concurrent callers one rotates; the others find the token used and the family is revoked (RFC 9700
    /// §4.14.2: a refresh token used twice is a breach signal), unless they come within `grace` seconds of the
    /// rotation for the same successor (see `judge_failed_claim`): then the answer is [`Claim::Repeated`].
    pub async fn rotate_refresh_token(
        &self,
        old: TokenHash,
        client_id: &ClientId,
        next: TokenRow,
        grace: i64,
        now: i64,
    ) -> Result<Claim, StoreError> {
        let writer = match &self.pool {
            Pool::Sqlite { writer, .. } => writer,
            Pool::Postgres(pool) => {
                let mut conn = pool.get().await.map_err(|e| self.pool_failed(e))?;
                // One round trip for the whole claim; the function updates (and so locks) the family row first, so a
                // concurrent revocation either committed before (the row no longer matches) or waits for it. A claim
                // that succeeds commits without waiting for its WAL flush (migration 2026-12-07-000001 says what
                // that risks; `latchkey.durable_rotations = on` in the database turns it off).
                let rotated: i32 = diesel::select(latchkey_rotate_refresh_token(
                    old,
                    &next.family_id,
                    now,
                    client_id,
                    &next.access_token_kid,
                    next.token_hash,
                    next.idle_expires_at,
                ))
                .get_result(&mut *conn)
                .await?;
                drop(conn);
                if rotated == 1 {
                    return Ok(Claim::Done);
                }
                // Why it failed, and the revocation a reuse calls for, in a transaction of its own (rare path).
                let client_id = client_id.to_owned();
                return write_tx!(self, StoreError, conn => {
                    if signer_revoked!(conn, &next.access_token_kid) {
                        return Ok(Claim::SignerRevoked);
                    }
                    judge_failed_claim!(conn, old, next, &client_id, grace, now)
                });
            }
        };
        let client_id = client_id.to_owned();
        sqlite_write_tx!(writer, StoreError, conn => {
            // The statements are written out (`sqlite_rotation`) so that diesel prepares them once per connection.
            let family = ClaimFamily {
                family_id: &next.family_id,
                client_id: client_id.as_str(),
                kid: &next.access_token_kid,
                now,
            }
            .execute(conn)
            .await?;
            if family == 1 {
                let claimed = ClaimToken {
                    token_hash: &old,
                    family_id: &next.family_id,
                    now,
                }
                .execute(conn)
                .await?;
                if claimed == 1 {
                    InsertToken {
                        token_hash: &next.token_hash,
                        family_id: &next.family_id,
                        issued_at: next.issued_at,
                        idle_expires_at: next.idle_expires_at,
                        used_at: next.used_at,
                        access_token_kid: &next.access_token_kid,
                    }
                    .execute(conn)
                    .await?;
                    return Ok(Claim::Done);
                }
            } else if signer_revoked!(conn, &next.access_token_kid) {
                return Ok(Claim::SignerRevoked);
            }
            judge_failed_claim!(conn, old, next, &client_id, grace, now)
        })
    }

    pub async fn revoke_family(
        &self,
        family_id: &str,
        reason: &'static str,
        now: i64,
    ) -> Result<(), StoreError> {
        let family_id = family_id.to_owned();
        write_tx!(self, StoreError, conn => {
            revoke_family_stmt!(&family_id, reason, now).execute(conn).await?;
            Ok(())
        })
    }

    /// Live families (not revoked, not expired, current token not idle-expired) counted by the kid that signed the
    /// access token issued with their current token: the families that still "carry" that key. A live family has
    /// exactly one unused token, the current one.
    pub async fn live_families_by_kid(
        &self,
        now: i64,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let counts: Vec<(String, i64)> = with_conn!(self, conn => {
            tokens::table
                .inner_join(families::table)
                .filter(tokens::used_at.is_null())
                .filter(tokens::idle_expires_at.gt(now))
                .filter(families::revoked_at.is_null())
                .filter(families::expires_at.gt(now))
                .group_by(tokens::access_token_kid)
                .select((tokens::access_token_kid, diesel::dsl::count(tokens::family_id)))
                .load(conn)
                .await?
        });
        Ok(counts.into_iter().collect())
    }

    async fn signer_or_dead(&self, kid: &Kid) -> Result<Claim, StoreError> {
        let revoked = with_conn!(self, conn => {
            keys::table
                .find(kid)
                .filter(keys::state.eq(KeyState::Revoked))
                .count()
                .get_result::<i64>(conn)
                .await?
        });
        Ok(if revoked > 0 {
            Claim::SignerRevoked
        } else {
            Claim::Dead
        })
    }
}
