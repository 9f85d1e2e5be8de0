//! OAuth clients: who may ask for tokens, with which grants, scopes, audiences and redirection URIs.

use crate::scope::Scope;
use crate::secret::{PlainToken, TokenHash};
use crate::store::clients::ClientRow;
use crate::store::{Store, StoreError};
use crate::validation::is_plain_identifier;

pub use crate::store::types::{GrantType, GrantTypes, TokenEndpointAuthMethod};

/// Prefix of generated client secrets, so secret scanners can recognise a leaked one.
pub const CLIENT_SECRET_PREFIX: &str = "lk_cs_";

/// The grants `/token` runs today: clients can be registered for these, and discovery advertises exactly these.
pub const SUPPORTED_GRANTS: [GrantType; 4] = [
    GrantType::AuthorizationCode,
    GrantType::ClientCredentials,
    GrantType::Password,
    GrantType::RefreshToken,
];

/// Why a change to clients was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Invalid(String),
    #[error("client {0:?} already exists")]
    Conflict(String),
    #[error("client {0:?} not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A registered client, parsed from its row.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    /// `None` for a public client, which authenticates by `client_id` alone.
    pub secret_hash: Option<TokenHash>,
    pub grants: GrantTypes,
    pub scope: Scope,
    pub audiences: Vec<String>,
    pub created_at: i64,
    /// Registered redirection URIs, matched as exact strings (RFC 9700 §2.1).
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    pub require_pkce: bool,
    /// May call `POST /introspect` (RFC 7662 §2.1), with or without grants of its own.
    pub can_introspect: bool,
}

impl Client {
    pub fn from_row(row: ClientRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("client {}: {what}", row.id));
        let scope = Scope::parse(&row.scopes).map_err(|_| corrupt("scope"))?;
        let audiences = serde_json::from_str(&row.audiences).map_err(|_| corrupt("audiences"))?;
        let redirect_uris =
            serde_json::from_str(&row.redirect_uris).map_err(|_| corrupt("redirect_uris"))?;
        let post_logout_redirect_uris = serde_json::from_str(&row.post_logout_redirect_uris)
            .map_err(|_| corrupt("post_logout_redirect_uris"))?;
        Ok(Self {
            id: row.id,
            secret_hash: row.secret_hash,
            grants: row.grant_types,
            scope,
            audiences,
            created_at: row.created_at,
            redirect_uris,
            post_logout_redirect_uris,
            token_endpoint_auth_method: row.token_endpoint_auth_method,
            require_pkce: row.require_pkce,
            can_introspect: row.can_introspect,
        })
    }

    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn allows(&self, grant: GrantType) -> bool {
        self.grants.contains(grant)
    }

    /// Whether `presented` is one of the registered redirection URIs: the same string (RFC 9700 §2.1, no
    /// normalisation), except that for `http` on a loopback host the port may differ (RFC 8252 §7.3: a native
    /// app listens on whatever port it gets).
    pub fn redirect_uri_matches(&self, presented: &str) -> bool {
        self.redirect_uris.iter().any(|registered| {
            registered == presented || same_but_loopback_port(registered, presented)
        })
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
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub id: String,
    pub public: bool,
    pub grants: Vec<String>,
    pub scopes: Vec<String>,
    pub audiences: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// `client_secret_basic` (the default for confidential clients) or `client_secret_post`; public clients are
    /// always `none`.
    pub auth_method: Option<String>,
    /// Lets a confidential client redeem authorization codes without PKCE (it must then use `nonce`).
    pub allow_no_pkce: bool,
    /// May call `POST /introspect`; such a client (a resource server) needs no grant.
    pub can_introspect: bool,
}

/// A redirection URI a client may register (RFC 6749 §3.1.2, RFC 9700 §2.1, RFC 8252 §7.3): absolute, no
/// fragment; `https`, or `http` only for a loopback host (native apps); or a private-use scheme (`com.example.app:`).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URI"))?;
    if parsed.fragment().is_some() {
        return Err(format!(
            "{uri:?} must not have a fragment (RFC 6749 §3.1.2)"
        ));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Domain("localhost")) => Ok(()),
            _ => Err(format!(
                "{uri:?}: http is allowed only for a loopback host (RFC 8252 §7.3)"
            )),
        },
        "javascript" | "data" | "file" | "vbscript" => Err(format!(
            "{uri:?}: the {} scheme is not allowed",
            parsed.scheme()
        )),
        // A private-use scheme of a native app (RFC 8252 §7.1) must contain a period.
        scheme if scheme.contains('.') => Ok(()),
        _ => Err(format!(
            "{uri:?}: use https, http on a loopback host, or a reverse-domain private-use scheme"
        )),
    }
}

fn same_but_loopback_port(registered: &str, presented: &str) -> bool {
    let presented_text = presented;
    let (Ok(mut registered), Ok(mut presented)) =
        (url::Url::parse(registered), url::Url::parse(presented))
    else {
        return false;
    };
    let loopback = |u: &url::Url| {
        u.scheme() == "http"
            && match u.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            }
    };
    if !loopback(&registered) || !loopback(&presented) || presented.fragment().is_some() {
        return false;
    }
    // Only the port may differ. The presented string must already be in the parser's canonical form, so no case,
    // dot-segment or escaping difference slips through the comparison of the parsed forms.
    if presented.as_str() != presented_text {
        return false;
    }
    let _ = registered.set_port(None);
    let _ = presented.set_port(None);
    registered.as_str() == presented.as_str()
}

/// Registers a client. A confidential client gets a generated 256-bit secret, returned once and stored as SHA-256
/// (DESIGN.md §5: high-entropy secrets need no slow KDF).
pub async fn create_client(
    store: &Store,
    new: NewClient,
    now: i64,
) -> Result<(Client, Option<PlainToken>), ClientError> {
    let invalid = |msg: String| ClientError::Invalid(msg);
    if !is_plain_identifier(&new.id, 128) {
        return Err(invalid(
            "client ids are 1-128 characters of A-Z a-z 0-9 . _ - ~".into(),
        ));
    }
    if new.grants.is_empty() && !new.can_introspect {
        return Err(invalid(
            "a client needs at least one --grant (or --can-introspect, for a resource server)"
                .into(),
        ));
    }
    if new.public && new.can_introspect {
        return Err(invalid(
            "a public client can't introspect: it has no secret to prove who it is".into(),
        ));
    }
    let grants = new
        .grants
        .iter()
        .map(|g| {
            GrantType::parse(g)
                .filter(|g| SUPPORTED_GRANTS.contains(g))
                .ok_or_else(|| {
                    invalid(format!(
                        "unknown grant {g:?}: use one of {}",
                        SUPPORTED_GRANTS.map(|g| g.as_str()).join(", ")
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let grants = GrantTypes::new(grants);
    if new.public && grants.contains(GrantType::ClientCredentials) {
        return Err(invalid(
            "a public client can't use client_credentials: it has no secret to prove who it is"
                .into(),
        ));
    }
    let scope = Scope::from_tokens(&new.scopes).map_err(|e| invalid(e.to_string()))?;
    for aud in &new.audiences {
        if aud.is_empty() || aud.len() > 256 || aud.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(format!(
                "audience {aud:?} must be 1-256 printable characters without spaces"
            )));
        }
    }
    for uri in new
        .redirect_uris
        .iter()
        .chain(&new.post_logout_redirect_uris)
    {
        check_redirect_uri(uri).map_err(invalid)?;
    }
    if grants.contains(GrantType::AuthorizationCode) && new.redirect_uris.is_empty() {
        return Err(invalid(
            "a client with the authorization_code grant needs at least one --redirect-uri".into(),
        ));
    }
    let auth_method = match (new.public, new.auth_method.as_deref()) {
        (true, None | Some("none")) => TokenEndpointAuthMethod::None,
        (true, Some(_)) => {
            return Err(invalid(
                "a public client has no secret: its auth method is none".into(),
            ));
        }
        (false, None) => TokenEndpointAuthMethod::ClientSecretBasic,
        (false, Some(text)) => match TokenEndpointAuthMethod::parse(text) {
            Some(TokenEndpointAuthMethod::None) | None => {
                return Err(invalid(format!(
                    "auth method {text:?}: use client_secret_basic or client_secret_post (or --public)"
                )));
            }
            Some(method) => method,
        },
    };
    if new.public && new.allow_no_pkce {
        return Err(invalid(
            "PKCE is what proves a public client: it can't be turned off".into(),
        ));
    }
    let secret = (!new.public).then(|| PlainToken::generate(CLIENT_SECRET_PREFIX));
    let row = ClientRow {
        id: new.id.clone(),
        secret_hash: secret.as_ref().map(PlainToken::hash),
        grant_types: grants,
        scopes: scope.to_string(),
        audiences: serde_json::Value::from(new.audiences).to_string(),
        created_at: now,
        redirect_uris: serde_json::Value::from(new.redirect_uris).to_string(),
        post_logout_redirect_uris: serde_json::Value::from(new.post_logout_redirect_uris)
            .to_string(),
        token_endpoint_auth_method: auth_method,
        require_pkce: !new.allow_no_pkce,
        can_introspect: new.can_introspect,
    };
    store.insert_client(&row).await.map_err(|e| match e {
        StoreError::Conflict(_) => ClientError::Conflict(new.id.clone()),
        other => other.into(),
    })?;
    Ok((Client::from_row(row)?, secret))
}

pub async fn list_clients(store: &Store) -> Result<Vec<Client>, ClientError> {
    Ok(store
        .list_clients()
        .await?
        .into_iter()
        .map(Client::from_row)
        .collect::<Result<_, _>>()?)
}

pub async fn delete_client(store: &Store, id: &str) -> Result<(), ClientError> {
    if store.delete_client(id).await? {
        Ok(())
    } else {
        Err(ClientError::NotFound(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn redirect_uris_follow_rfc_9700_and_rfc_8252() {
        for good in [
            "https://app.example.org/cb",
            "https://app.example.org/cb?x=1",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(check_redirect_uri(good).is_ok(), "{good}");
        }
        for bad in [
            "/relative",
            "https://app.example.org/cb#frag",
            "http://app.example.org/cb",
            "javascript:alert(1)",
            "myapp:/cb",
            "not a uri",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }
}
