//! OAuth client rows.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::clients;
use super::types::{GrantTypes, TokenEndpointAuthMethod};
use super::{Store, StoreError, read_one, with_conn, write_tx};
use crate::values::ids::ClientId;
use crate::values::scope::Scope;
use crate::values::secret::TokenHash;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
pub struct ClientRow {
    pub id: ClientId,
    /// SHA-256 of the secret; `None` for a public client.
    pub secret_hash: Option<TokenHash>,
    pub grant_types: GrantTypes,
    /// Space-separated scopes the client may request.
    pub scopes: Scope,
    /// JSON array of audiences.
    pub audiences: String,
    pub created_at: i64,
    /// JSON array of redirection URIs (authorization code flow), compared as exact strings.
    pub redirect_uris: String,
    /// JSON array of URIs a logout may return to.
    pub post_logout_redirect_uris: String,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Authorization codes need PKCE (RFC 7636); on unless an operator turns it off for a confidential client.
    pub require_pkce: bool,
    /// May call the introspection endpoint (RFC 7662 §2.1).
    pub can_introspect: bool,
    /// Bumped by every change (the admin API's entity tags are built from it).
    pub version: i64,
    /// JSON array of browser origins allowed to call across origins (CORS); empty: the redirect URIs' origins.
    pub web_origins: String,
    /// JSON object of display metadata (RFC 7591 §2 names), shown on the hosted pages.
    pub display: String,
    /// The operator's own app: no consent page. A third-party client asks consent and never uses the password
    /// grant.
    pub first_party: bool,
    /// JSON object of the client's MFA policy (`require_mfa`, `allow_password_grant_without_mfa`; issue 20).
    pub mfa_policy: String,
}

/// What an update of a client may change: its grants, scopes, audiences, URIs and web origins (JSON arrays, as
/// stored), its display metadata and whether it is first-party.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = clients)]
pub struct ClientSettingsRow {
    pub grant_types: GrantTypes,
    pub scopes: Scope,
    pub audiences: String,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub web_origins: String,
    pub display: String,
    pub first_party: bool,
    pub mfa_policy: String,
}

impl Store {
    pub async fn insert_client(&self, row: &ClientRow) -> Result<(), StoreError> {
        let row = row.clone();
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(clients::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    pub async fn find_client(&self, id: &ClientId) -> Result<Option<ClientRow>, StoreError> {
        // Every token request reads its client: the hot read (see `read_one!`).
        let id = id.clone();
        Ok(read_one!(
            self,
            ClientRow,
            clients::table.find(&id).select(ClientRow::as_select())
        )?)
    }

    pub async fn list_clients(&self) -> Result<Vec<ClientRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(clients::table.order(clients::id.asc()).select(ClientRow::as_select()).load(conn).await?)
        })
    }

    /// Up to `limit` clients with an id after `after`, by id.
    pub async fn clients_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ClientRow>, StoreError> {
        with_conn!(self, conn => {
            let mut query = clients::table
                .order(clients::id.asc())
                .limit(limit)
                .select(ClientRow::as_select())
                .into_boxed();
            if let Some(after) = after {
                query = query.filter(clients::id.gt(after.to_owned()));
            }
            Ok(query.load(conn).await?)
        })
    }

    /// Replaces a client's settings if it is still at `version`; bumps the version. False when it changed
    /// meanwhile or is gone.
    pub async fn update_client_settings(
        &self,
        id: &ClientId,
        version: i64,
        settings: ClientSettingsRow,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            let n = diesel::update(clients::table.find(&id).filter(clients::version.eq(version)))
                .set((&settings, clients::version.eq(version + 1)))
                .execute(conn)
                .await?;
            Ok(n == 1)
        })
    }

    /// Replaces a confidential client's secret hash if it is still at `version`; bumps the version. The old secret
    /// stops working with this commit.
    pub async fn replace_client_secret(
        &self,
        id: &ClientId,
        version: i64,
        secret_hash: TokenHash,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            let n = diesel::update(
                clients::table
                    .find(&id)
                    .filter(clients::version.eq(version))
                    .filter(clients::secret_hash.is_not_null()),
            )
            .set((clients::secret_hash.eq(Some(secret_hash)), clients::version.eq(version + 1)))
            .execute(conn)
            .await?;
            Ok(n == 1)
        })
    }

    /// Deletes a client; its refresh-token families go with it (ON DELETE CASCADE).
    pub async fn delete_client(&self, id: &ClientId) -> Result<bool, StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            Ok(diesel::delete(clients::table.find(&id)).execute(conn).await? == 1)
        })
    }

    /// Every scope some client may request, for discovery's `scopes_supported`.
    pub async fn all_client_scopes(&self) -> Result<Vec<String>, StoreError> {
        with_conn!(self, conn => {
            Ok(clients::table.select(clients::scopes).load::<String>(conn).await?)
        })
    }
}
