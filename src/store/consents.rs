//! Consents: what a user allowed a third-party client (the scopes granted so far), and the end of that client's
//! access for the user when the consent is withdrawn.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{
    authorization_codes as codes, clients, consents, refresh_token_families as families,
};
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::{ClientId, UserId};
use crate::values::scope::Scope;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
pub struct ConsentRow {
    pub user_id: UserId,
    pub client_id: ClientId,
    /// Every scope granted so far (the union of the user's consents to the client).
    pub scope: Scope,
    pub granted_at: i64,
    pub updated_at: i64,
}

impl Store {
    /// The user's consent to the client, if any.
    pub async fn find_consent(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
    ) -> Result<Option<ConsentRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(consents::table
                .find((user_id, client_id))
                .select(ConsentRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    /// Adds `scope` to what the user granted the client (a first consent creates the record); answers every scope
    /// granted now.
    pub async fn grant_consent(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        scope: &Scope,
        now: i64,
    ) -> Result<Scope, StoreError> {
        let (user_id, client_id, scope) = (user_id.clone(), client_id.clone(), scope.clone());
        write_tx!(self, StoreError, conn => {
            let existing: Option<Scope> = consents::table
                .find((&user_id, &client_id))
                .select(consents::scope)
                .get_result(conn)
                .await
                .optional()?;
            if let Some(granted) = existing {
                let all = granted.union(&scope);
                diesel::update(consents::table.find((&user_id, &client_id)))
                    .set((consents::scope.eq(&all), consents::updated_at.eq(now)))
                    .execute(conn)
                    .await?;
                return Ok(all);
            }
            diesel::insert_into(consents::table)
                .values(&ConsentRow {
                    user_id: user_id.clone(),
                    client_id: client_id.clone(),
                    scope: scope.clone(),
                    granted_at: now,
                    updated_at: now,
                })
                .execute(conn)
                .await?;
            Ok(scope)
        })
    }

    /// The user's consents, newest first, with the display metadata of each client (its JSON object).
    pub async fn consents_of(
        &self,
        user_id: &UserId,
    ) -> Result<Vec<(ConsentRow, String)>, StoreError> {
        with_conn!(self, conn => {
            Ok(consents::table
                .inner_join(clients::table)
                .filter(consents::user_id.eq(user_id))
                .order((consents::updated_at.desc(), consents::client_id.asc()))
                .select((ConsentRow::as_select(), clients::display))
                .load(conn)
                .await?)
        })
    }

    /// Forgets the user's consent to the client; false when there was none.
    pub async fn delete_consent(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
    ) -> Result<bool, StoreError> {
        let (user_id, client_id) = (user_id.clone(), client_id.clone());
        write_tx!(self, StoreError, conn => {
            Ok(diesel::delete(consents::table.find((&user_id, &client_id))).execute(conn).await? == 1)
        })
    }

    /// Ends what the client holds for the user, in one transaction: its unredeemed authorization codes expire and
    /// its refresh-token families are revoked (the family trigger puts them on the revocation log, which refuses
    /// their access tokens). The codes go first: a redemption that commits meanwhile has created its family by
    /// the time the families are revoked. Answers the number of families ended.
    pub async fn end_client_access(
        &self,
        user_id: &UserId,
        client_id: &ClientId,
        reason: &'static str,
        now: i64,
    ) -> Result<usize, StoreError> {
        let (user_id, client_id) = (user_id.clone(), client_id.clone());
        write_tx!(self, StoreError, conn => {
            diesel::update(
                codes::table
                    .filter(codes::user_id.eq(&user_id))
                    .filter(codes::client_id.eq(&client_id))
                    .filter(codes::used_at.is_null())
                    .filter(codes::expires_at.gt(now)),
            )
            .set(codes::expires_at.eq(now))
            .execute(conn)
            .await?;
            Ok(diesel::update(
                families::table
                    .filter(families::user_id.eq(&user_id))
                    .filter(families::client_id.eq(&client_id))
                    .filter(families::revoked_at.is_null()),
            )
            .set((families::revoked_at.eq(Some(now)), families::revoked_reason.eq(Some(reason))))
            .execute(conn)
            .await?)
        })
    }
}
