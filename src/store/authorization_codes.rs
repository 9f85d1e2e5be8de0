//! Authorization codes (RFC 6749 §4.1): stored only as SHA-256 hashes, redeemed once by a conditional update.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::refresh_tokens::{Claim, FamilyRow, TokenRow};
use super::revocations::{NewRevocation, SerialRevocations};
use super::schema::{
    authorization_codes as codes, refresh_token_families as families, refresh_tokens as tokens,
    revocations, sessions, signing_keys as keys, users,
};
use super::types::{KeyState, RevocationKind};
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::ClientId;
use crate::values::ids::UserId;
use crate::values::scope::Scope;
use crate::values::secret::TokenHash;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = codes)]
pub struct CodeRow {
    pub code_hash: TokenHash,
    pub client_id: ClientId,
    pub user_id: UserId,
    /// The hosted session that approved the request.
    pub session_id: Option<String>,
    /// Exactly as the authorization request sent it; the token request must repeat it (§4.1.3).
    pub redirect_uri: String,
    pub scope: Scope,
    pub nonce: Option<String>,
    /// The S256 `code_challenge` (RFC 7636 §4.2), when the request carried one.
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The refresh-token family the redemption started, if any: revoked when the code is presented again.
    pub family_id: Option<String>,
    /// The access token the redemption issued (`jti`, `exp`): put on the denylist when the code is presented again.
    pub access_token_jti: Option<String>,
    pub access_token_expires_at: Option<i64>,
    /// The authentication methods of the sign-in that approved the request (RFC 8176 values, space-separated).
    pub amr: String,
}

/// What a redemption issued, stored with it: a family with its first refresh token (when the client refreshes) and
/// the access token's `jti` and `exp`.
#[derive(Debug)]
pub struct CodeIssue {
    pub family: Option<(FamilyRow, TokenRow)>,
    pub access_token_jti: String,
    pub access_token_expires_at: i64,
}

/// A used code's record: when it was used, the family and the access token its redemption issued.
type CodeReplay = (Option<i64>, Option<String>, Option<String>, Option<i64>);

impl Store {
    pub async fn insert_code(&self, row: CodeRow) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(codes::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    pub async fn find_code(&self, hash: &TokenHash) -> Result<Option<CodeRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(codes::table
                .find(hash)
                .select(CodeRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Redeems a code exactly once (DESIGN.md §18): only while it is unused and unexpired, presented by
    /// `client_id`, its user enabled, its session (if any) not ended and the signing key `kid` not revoked. On
    /// success `issued` is stored in the same transaction. A code already used is a replay: what its first
    /// redemption issued (the family, and the access token, also without a family) is revoked (RFC 6749 §4.1.2)
    /// and the answer is [`Claim::Reused`]. The caller presents a used code here only when the replay would
    /// otherwise have been a valid redemption (redirect URI and PKCE verifier checked).
    pub async fn redeem_code(
        &self,
        hash: TokenHash,
        client_id: &ClientId,
        issued: CodeIssue,
        kid: &str,
        now: i64,
    ) -> Result<Claim, StoreError> {
        let (client_id, kid) = (client_id.to_owned(), kid.to_owned());
        write_tx!(self, StoreError, conn => {
            let revoked_signer = keys::table
                .find(&kid)
                .filter(keys::state.eq(KeyState::Revoked))
                .count()
                .get_result::<i64>(conn)
                .await?;
            if revoked_signer > 0 {
                return Ok(Claim::SignerRevoked);
            }
            // Correlated on the code's user and session (primary-key lookups), not `IN (SELECT …)` lists of every
            // enabled user and live session, which SQLite builds in full on each redemption.
            let live_user = users::table
                .filter(users::id.eq(codes::user_id))
                .filter(users::disabled.eq(false));
            let live_session = sessions::table
                .filter(sessions::id.nullable().eq(codes::session_id))
                .filter(sessions::revoked_at.is_null());
            let claimed = diesel::update(
                codes::table
                    .find(hash)
                    .filter(codes::client_id.eq(&client_id))
                    .filter(codes::used_at.is_null())
                    .filter(codes::expires_at.gt(now))
                    .filter(diesel::dsl::exists(live_user))
                    .filter(codes::session_id.is_null().or(diesel::dsl::exists(live_session))),
            )
            .set(codes::used_at.eq(Some(now)))
            .execute(conn)
            .await?;
            if claimed == 1 {
                if let Some((family, first)) = &issued.family {
                    diesel::insert_into(families::table).values(family).execute(conn).await?;
                    diesel::insert_into(tokens::table).values(first).execute(conn).await?;
                }
                diesel::update(codes::table.find(hash))
                    .set((
                        codes::family_id.eq(issued.family.as_ref().map(|(family, _)| &family.id)),
                        codes::access_token_jti.eq(Some(&issued.access_token_jti)),
                        codes::access_token_expires_at.eq(Some(issued.access_token_expires_at)),
                    ))
                    .execute(conn)
                    .await?;
                return Ok(Claim::Done);
            }
            let row: Option<CodeReplay> = codes::table
                .find(hash)
                .filter(codes::client_id.eq(&client_id))
                .select((
                    codes::used_at,
                    codes::family_id,
                    codes::access_token_jti,
                    codes::access_token_expires_at,
                ))
                .get_result(conn)
                .await
                .optional()?;
            match row {
                Some((Some(_), family_id, jti, expires_at)) => {
                    // The access token, whether or not a family covers it too: a client without the
                    // refresh_token grant has no family, and its token must not outlive the replay either.
                    if let (Some(jti), Some(expires_at)) = (jti, expires_at)
                        && expires_at > now
                    {
                        conn.serialize_revocations().await?;
                        diesel::insert_into(revocations::table)
                            .values(&NewRevocation {
                                kind: RevocationKind::Token,
                                value: jti,
                                revoked_at: now,
                                expires_at,
                                // A token entry covers its token whenever it was issued.
                                revoked_at_ms: None,
                            })
                            .on_conflict_do_nothing()
                            .execute(conn)
                            .await?;
                    }
                    if let Some(family_id) = family_id {
                        diesel::update(
                            families::table
                                .find(&family_id)
                                .filter(families::revoked_at.is_null()),
                        )
                        .set((
                            families::revoked_at.eq(Some(now)),
                            families::revoked_reason.eq(Some("authorization code reused")),
                        ))
                        .execute(conn)
                        .await?;
                    }
                    Ok(Claim::Reused)
                }
                _ => Ok(Claim::Dead),
            }
        })
    }
}
