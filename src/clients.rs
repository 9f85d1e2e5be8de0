//! OAuth clients: who may ask for tokens, with which grants, scopes and audiences.

use std::fmt;

use crate::admin::{AdminError, is_plain_identifier};
use crate::scope::Scope;
use crate::secret::{PlainToken, TokenHash};
use crate::store::clients::ClientRow;
use crate::store::{Store, StoreError};

/// Prefix of generated client secrets, so secret scanners can recognise a leaked one.
pub const CLIENT_SECRET_PREFIX: &str = "lk_cs_";

/// Grants a client may be allowed to use at `/token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
    RefreshToken,
}

impl GrantType {
    pub const ALL: [GrantType; 2] = [GrantType::Password, GrantType::RefreshToken];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "password" => Some(Self::Password),
            "refresh_token" => Some(Self::RefreshToken),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::RefreshToken => "refresh_token",
        }
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registered client, parsed from its row.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    /// `None` for a public client, which authenticates by `client_id` alone.
    pub secret_hash: Option<TokenHash>,
    pub grants: Vec<GrantType>,
    pub scope: Scope,
    pub audiences: Vec<String>,
    pub created_at: i64,
}

impl Client {
    pub fn from_row(row: ClientRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("client {}: {what}", row.id));
        let secret_hash = match &row.secret_hash {
            Some(bytes) => {
                Some(TokenHash::from_stored(bytes).ok_or_else(|| corrupt("secret hash"))?)
            }
            None => None,
        };
        let grants = row
            .grant_types
            .split(' ')
            .filter(|g| !g.is_empty())
            .map(|g| GrantType::parse(g).ok_or_else(|| corrupt("grant type")))
            .collect::<Result<Vec<_>, _>>()?;
        let scope = Scope::parse(&row.scopes).map_err(|_| corrupt("scope"))?;
        let audiences = serde_json::from_str(&row.audiences).map_err(|_| corrupt("audiences"))?;
        Ok(Self {
            id: row.id,
            secret_hash,
            grants,
            scope,
            audiences,
            created_at: row.created_at,
        })
    }

    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn allows(&self, grant: GrantType) -> bool {
        self.grants.contains(&grant)
    }

    /// `aud` of the client's access tokens: its audiences, or its own id when it has none (RFC 9068 §3).
    pub fn token_audiences(&self) -> Vec<String> {
        if self.audiences.is_empty() {
            vec![self.id.clone()]
        } else {
            self.audiences.clone()
        }
    }
}

/// What an operator asks for when registering a client.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub id: String,
    pub public: bool,
    pub grants: Vec<String>,
    pub scopes: Vec<String>,
    pub audiences: Vec<String>,
}

/// Registers a client. A confidential client gets a generated 256-bit secret, returned once and stored as SHA-256
/// (DESIGN.md §5: high-entropy secrets need no slow KDF).
pub async fn create_client(
    store: &Store,
    new: NewClient,
) -> Result<(Client, Option<PlainToken>), AdminError> {
    if !is_plain_identifier(&new.id, 128) {
        return Err(AdminError::Invalid(
            "client ids are 1-128 characters of A-Z a-z 0-9 . _ - ~".into(),
        ));
    }
    if new.grants.is_empty() {
        return Err(AdminError::Invalid(
            "a client needs at least one --grant".into(),
        ));
    }
    let mut grants = Vec::new();
    for g in &new.grants {
        let grant = GrantType::parse(g).ok_or_else(|| {
            AdminError::Invalid(format!(
                "unknown grant {g:?}: use one of {}",
                GrantType::ALL.map(|g| g.as_str()).join(", ")
            ))
        })?;
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    grants.sort();
    let scope = Scope::from_tokens(&new.scopes).map_err(|e| AdminError::Invalid(e.to_string()))?;
    for aud in &new.audiences {
        if aud.is_empty() || aud.len() > 256 || aud.chars().any(|c| c.is_control() || c == ' ') {
            return Err(AdminError::Invalid(format!(
                "audience {aud:?} must be 1-256 printable characters without spaces"
            )));
        }
    }
    let secret = (!new.public).then(|| PlainToken::generate(CLIENT_SECRET_PREFIX));
    let row = ClientRow {
        id: new.id.clone(),
        secret_hash: secret.as_ref().map(|s| s.hash().as_bytes().to_vec()),
        grant_types: grants
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        scopes: scope.to_string(),
        audiences: serde_json::to_string(&new.audiences).map_err(anyhow::Error::from)?,
        created_at: crate::store::now(),
    };
    store.insert_client(&row).await.map_err(|e| match e {
        StoreError::Conflict(_) => AdminError::Conflict(format!("client {:?}", new.id)),
        other => other.into(),
    })?;
    Ok((Client::from_row(row)?, secret))
}

pub async fn list_clients(store: &Store) -> Result<Vec<Client>, AdminError> {
    Ok(store
        .list_clients()
        .await?
        .into_iter()
        .map(Client::from_row)
        .collect::<Result<_, _>>()?)
}

pub async fn delete_client(store: &Store, id: &str) -> Result<(), AdminError> {
    if store.delete_client(id).await? {
        Ok(())
    } else {
        Err(AdminError::NotFound(format!("client {id:?}")))
    }
}
