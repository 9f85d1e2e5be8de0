//! OAuth clients: who may ask for tokens, with which grants, scopes, audiences and redirection URIs.

use crate::domain::audit::{self, Actor};
use crate::domain::preconditions::IfMatch;
use crate::domain::validation::is_plain_identifier;
use crate::store::clients::{ClientRow, ClientSettingsRow};

use crate::store::{Store, StoreError};
use crate::values::ids::ClientId;
use crate::values::origin::{origin_of_redirect_uri, parse_web_origins};
use crate::values::scope::Scope;
use crate::values::secret::{PlainToken, TokenHash};

pub use crate::store::types::{GrantType, GrantTypes, TokenEndpointAuthMethod};

/// OpenID Connect scopes every client with the authorization code grant may ask for: they concern the user's
/// identity, not an API (OIDC Core §5.4).
pub const IDENTITY_SCOPES: &[&str] = &["openid", "profile", "email"];

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
    /// Display metadata or the party of the client refused (RFC 7591 §3.2.2 `invalid_client_metadata`).
    #[error("{0}")]
    InvalidMetadata(String),
    #[error("client {0:?} already exists")]
    Conflict(String),
    #[error("client {0:?} not found")]
    NotFound(String),
    /// `If-Match` named a version that is no longer the current one.
    #[error("the client has changed since the version named in If-Match")]
    PreconditionFailed,
    /// Concurrent changes kept overtaking this one.
    #[error("the client is being changed concurrently; try again")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the hosted pages show of a client (RFC 7591 §2 names); `None`: not set. Stored as one JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientDisplay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
}

impl ClientDisplay {
    /// Parses the stored JSON object.
    pub fn from_stored(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }
}

/// A registered client, parsed from its row.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: ClientId,
    /// `None` for a public client, which authenticates by `client_id` alone.
    pub secret_hash: Option<TokenHash>,
    pub grants: GrantTypes,
    pub scope: Scope,
    pub audiences: Vec<String>,
    pub created_at: i64,
    /// Registered redirection URIs, matched as exact strings (RFC 9700 §2.1).
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Browser origins its app runs on, as set (normalized); empty: the origins of its redirection URIs
    /// ([`Client::cors_origins`]).
    pub web_origins: Vec<String>,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    pub require_pkce: bool,
    /// May call `POST /introspect` (RFC 7662 §2.1), with or without grants of its own.
    pub can_introspect: bool,
    /// Bumped by every change; see [`Client::entity_tag`].
    pub version: i64,
    /// Name, logo and links the hosted pages show (RFC 7591 §2).
    pub display: ClientDisplay,
    /// The operator's own app: signs users in without a consent page. A third-party client asks consent, and
    /// never uses the password grant.
    pub first_party: bool,
    /// Sign-ins to this client need a second factor.
    pub require_mfa: bool,
    /// The password grant may sign in users who have a second factor, or when `require_mfa` is set (it can't
    /// ask for a second factor, RFC 9700 §2.4): an explicit operator's choice.
    pub password_grant_without_mfa: bool,
}

/// A client's MFA policy as stored (`clients.mfa_policy`, a JSON object; absent members are `false`).
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct ClientMfaPolicy {
    require_mfa: bool,
    allow_password_grant_without_mfa: bool,
}

impl ClientMfaPolicy {
    fn stored(self) -> String {
        serde_json::to_string(&self).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// A client as operators see it (CLI and admin API): everything but the secret.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClientView {
    pub client_id: String,
    /// A public client has no secret and authenticates by PKCE alone.
    pub public: bool,
    /// `authorization_code`, `client_credentials`, `password`, `refresh_token` (RFC 7591 §2 names).
    pub grant_types: Vec<String>,
    /// The scopes the client may request, space-separated (RFC 7591 §2).
    pub scope: String,
    /// `aud` of its access tokens (the client id when empty).
    pub audiences: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Browser origins (`https://host[:port]`) whose apps may call `/token`, `/revoke` and `/userinfo` across
    /// origins (CORS). Empty: the origins of the https (or loopback http) `redirect_uris`.
    pub web_origins: Vec<String>,
    /// The origins actually allowed: `web_origins`, or the default from the redirect URIs when it is empty.
    pub effective_web_origins: Vec<String>,
    /// `client_secret_basic`, `client_secret_post`, or `none` for a public client.
    pub token_endpoint_auth_method: String,
    pub require_pkce: bool,
    pub can_introspect: bool,
    /// UNIX seconds.
    pub created_at: i64,
    /// The name the hosted pages show ("to continue to Acme Dashboard"); unset: the client id (RFC 7591 §2).
    pub client_name: Option<String>,
    /// An https URL of the app's logo, shown beside its name.
    pub logo_uri: Option<String>,
    /// The app's home page ("back to Acme").
    pub client_uri: Option<String>,
    /// The app's privacy policy.
    pub policy_uri: Option<String>,
    /// The app's terms of service.
    pub tos_uri: Option<String>,
    /// `false` for a third-party client: users are asked consent, and the password grant is refused.
    pub first_party: bool,
    /// Sign-ins to this client need a second factor (a user without one enrols right after the password).
    pub require_mfa: bool,
    /// The password grant may sign in users who have a second factor (or when `require_mfa` is set), although it
    /// can't ask for it (RFC 9700 §2.4). Off by default.
    pub allow_password_grant_without_mfa: bool,
}

impl Client {
    pub fn from_row(row: ClientRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("client {}: {what}", row.id));
        let scope = row.scopes;
        let audiences = serde_json::from_str(&row.audiences).map_err(|_| corrupt("audiences"))?;
        let redirect_uris =
            serde_json::from_str(&row.redirect_uris).map_err(|_| corrupt("redirect_uris"))?;
        let post_logout_redirect_uris = serde_json::from_str(&row.post_logout_redirect_uris)
            .map_err(|_| corrupt("post_logout_redirect_uris"))?;
        let web_origins =
            serde_json::from_str(&row.web_origins).map_err(|_| corrupt("web_origins"))?;
        let display = ClientDisplay::from_stored(&row.display).ok_or_else(|| corrupt("display"))?;
        let mfa_policy: ClientMfaPolicy =
            serde_json::from_str(&row.mfa_policy).map_err(|_| corrupt("mfa_policy"))?;
        Ok(Self {
            id: row.id,
            secret_hash: row.secret_hash,
            grants: row.grant_types,
            scope,
            audiences,
            created_at: row.created_at,
            redirect_uris,
            post_logout_redirect_uris,
            web_origins,
            token_endpoint_auth_method: row.token_endpoint_auth_method,
            require_pkce: row.require_pkce,
            can_introspect: row.can_introspect,
            version: row.version,
            display,
            first_party: row.first_party,
            require_mfa: mfa_policy.require_mfa,
            password_grant_without_mfa: mfa_policy.allow_password_grant_without_mfa,
        })
    }

    /// The strong entity tag of this version of the client (admin API `ETag`, `If-Match`).
    pub fn entity_tag(&self) -> String {
        crate::domain::preconditions::entity_tag(
            "client",
            self.id.as_str(),
            self.created_at,
            self.version,
        )
    }

    pub fn view(&self) -> ClientView {
        ClientView {
            client_id: self.id.to_string(),
            public: self.is_public(),
            grant_types: self.grants.iter().map(|g| g.as_str().to_owned()).collect(),
            scope: self.scope.to_string(),
            audiences: self.audiences.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            web_origins: self.web_origins.clone(),
            effective_web_origins: self.cors_origins(),
            token_endpoint_auth_method: self.token_endpoint_auth_method.as_str().to_owned(),
            require_pkce: self.require_pkce,
            can_introspect: self.can_introspect,
            created_at: self.created_at,
            client_name: self.display.client_name.clone(),
            logo_uri: self.display.logo_uri.clone(),
            client_uri: self.display.client_uri.clone(),
            policy_uri: self.display.policy_uri.clone(),
            tos_uri: self.display.tos_uri.clone(),
            first_party: self.first_party,
            require_mfa: self.require_mfa,
            allow_password_grant_without_mfa: self.password_grant_without_mfa,
        }
    }

    /// What the pages call the client: its `client_name`, or its id when it has none.
    pub fn display_name(&self) -> &str {
        self.display
            .client_name
            .as_deref()
            .unwrap_or(self.id.as_str())
    }

    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    /// Every scope the client may be granted: its registered scopes, and with the authorization code grant the
    /// OpenID Connect identity scopes.
    pub fn grantable_scope(&self) -> Scope {
        if self.allows(GrantType::AuthorizationCode) {
            let identity = Scope::from_tokens(IDENTITY_SCOPES).unwrap_or_default();
            self.scope.union(&identity)
        } else {
            self.scope.clone()
        }
    }

    /// Whether the client may use `grant`. The password grant is for first-party confidential clients only (RFC
    /// 9700 §2.4): never for a public client, nor for a third-party one, whose users would type their password
    /// into someone else's app; even one stored before registration refused these combinations.
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grants.contains(grant)
            && !(grant == GrantType::Password && (self.is_public() || !self.first_party))
    }

    /// Whether `presented` is one of the registered redirection URIs: the same string (RFC 9700 §2.1, no
    /// normalisation), except that for `http` on a loopback host the port may differ (RFC 8252 §7.3: a native
    /// app listens on whatever port it gets).
    pub fn redirect_uri_matches(&self, presented: &str) -> bool {
        // A value registered before registration refused control characters never matches: never a redirect to it.
        if !is_plain_uri_text(presented) {
            return false;
        }
        self.redirect_uris.iter().any(|registered| {
            registered == presented || same_but_loopback_port(registered, presented)
        })
    }

    /// The browser origins this client's app may call from (CORS): its web origins, or when it has none set, the
    /// origins of its https and loopback-http redirection URIs (where its app runs, in the usual SPA).
    pub fn cors_origins(&self) -> Vec<String> {
        if !self.web_origins.is_empty() {
            return self.web_origins.clone();
        }
        let mut origins: Vec<String> = Vec::new();
        for origin in self
            .redirect_uris
            .iter()
            .filter_map(|u| origin_of_redirect_uri(u))
        {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        origins
    }

    /// Whether a request to `/token` or `/revoke` that carries `origin` (a browser's `Origin` header) may act as
    /// this client. A public client, or one with web origins set, only from [`Client::cors_origins`]: otherwise a
    /// page on an origin allowed for another client could redeem this one's codes, which its app could never
    /// read. A confidential client without web origins set is a server-side client: its secret proves it, and some
    /// proxies and server HTTP stacks add an `Origin` of their own, so the header is not checked.
    pub fn accepts_origin(&self, origin: &str) -> bool {
        if !self.is_public() && self.web_origins.is_empty() {
            return true;
        }
        self.cors_origins().iter().any(|o| o == origin)
    }

    /// `aud` of the client's access tokens: its audiences, or its own id when it has none (RFC 9068 §3).
    pub fn token_audiences(&self) -> Vec<String> {
        if self.audiences.is_empty() {
            vec![self.id.to_string()]
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
    /// Parsed from RFC 7591 names with [`grant_types`].
    pub grants: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub audiences: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Browser origins of its app (CORS), parsed with [`crate::values::origin::parse_web_origin`]; empty: the redirect URIs' origins.
    pub web_origins: Vec<String>,
    /// `client_secret_basic` (the default for confidential clients) or `client_secret_post`; public clients are
    /// always `none`. Parsed with [`auth_method`].
    pub auth_method: Option<TokenEndpointAuthMethod>,
    /// Lets a confidential client redeem authorization codes without PKCE (it must then use `nonce`).
    pub allow_no_pkce: bool,
    /// May call `POST /introspect`; such a client (a resource server) needs no grant.
    pub can_introspect: bool,
    /// Name, logo and links for the hosted pages (checked with [`check_display`]).
    pub display: ClientDisplay,
    /// A client someone else runs: the consent page, no password grant. Operators' clients are first-party by
    /// default.
    pub third_party: bool,
    /// Sign-ins to this client need a second factor.
    pub require_mfa: bool,
    /// The password grant may sign in users with a second factor (RFC 9700 §2.4: it can't ask for one).
    pub allow_password_grant_without_mfa: bool,
}

/// A redirection URI a client may register (RFC 6749 §3.1.2, RFC 9700 §2.1, RFC 8252 §7.3): absolute, no
/// fragment; `https`, or `http` only for a loopback host (native apps); or a private-use scheme (`com.example.app:`).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    // The URL parser drops tabs and line breaks silently (WHATWG), so they would be stored and later sent in a
    // `Location` header; RFC 3986 §2 allows neither them nor spaces in a URI.
    if !is_plain_uri_text(uri) {
        return Err(format!(
            "{uri:?} must not contain spaces or control characters (RFC 3986 §2)"
        ));
    }
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

/// Whether `uri` is free of spaces and control characters: only such a URI may be registered or redirected to (a
/// line break in a `Location` header would split the response; actix refuses to send it).
pub fn is_plain_uri_text(uri: &str) -> bool {
    !uri.chars().any(|c| c.is_control() || c == ' ')
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

/// The grants `names` (RFC 7591 §2 `grant_types` values) name: each must be one `/token` runs.
pub fn grant_types(names: &[String]) -> Result<Vec<GrantType>, ClientError> {
    names.iter().map(|name| grant_type(name)).collect()
}

/// One grant by its RFC 7591 name (the CLI parses `--grant` with it).
pub fn grant_type(name: &str) -> Result<GrantType, ClientError> {
    GrantType::parse(name)
        .filter(|g| SUPPORTED_GRANTS.contains(g))
        .ok_or_else(|| {
            ClientError::Invalid(format!(
                "unknown grant {name:?}: use one of {}",
                SUPPORTED_GRANTS.map(|g| g.as_str()).join(", ")
            ))
        })
}

/// A token endpoint authentication method by its RFC 7591 name.
pub fn auth_method(name: &str) -> Result<TokenEndpointAuthMethod, ClientError> {
    TokenEndpointAuthMethod::parse(name).ok_or_else(|| {
        ClientError::Invalid(format!(
            "auth method {name:?}: use client_secret_basic or client_secret_post (or none for a public client)"
        ))
    })
}

/// Where a client's browser parts live: its redirection URIs, logout return URIs and web origins.
struct ClientUris<'a> {
    redirect: &'a [String],
    post_logout: &'a [String],
    web_origins: &'a [String],
}

/// How a client meets users: its display metadata, and whether it is the operator's own (no consent page).
#[derive(Clone, Copy)]
struct Face<'a> {
    display: &'a ClientDisplay,
    first_party: bool,
}

/// Checks what an operator asks a client to be allowed, on creation and on every update: grants, scopes, audiences
/// and URIs, together (they constrain each other).
fn check_settings(
    public: bool,
    can_introspect: bool,
    grants: &[GrantType],
    scopes: &[String],
    audiences: &[String],
    uris: &ClientUris<'_>,
    face: Face<'_>,
) -> Result<ClientSettingsRow, ClientError> {
    let Face {
        display,
        first_party,
    } = face;
    let ClientUris {
        redirect: redirect_uris,
        post_logout: post_logout_redirect_uris,
        web_origins,
    } = *uris;
    let invalid = |msg: String| ClientError::Invalid(msg);
    if grants.is_empty() && !can_introspect {
        return Err(invalid(
            "a client needs at least one grant (or to introspect, for a resource server)".into(),
        ));
    }
    let grants = GrantTypes::new(grants.iter().copied());
    if public && grants.contains(GrantType::ClientCredentials) {
        return Err(invalid(
            "a public client can't use client_credentials: it has no secret to prove who it is"
                .into(),
        ));
    }
    // RFC 9700 §2.4: the password grant is for first-party confidential clients only. A public client can't prove
    // that a request comes from the app it names, so anyone could run password guesses "as" it.
    if public && grants.contains(GrantType::Password) {
        return Err(invalid(
            "a public client can't use the password grant (RFC 9700 §2.4): use authorization_code with PKCE"
                .into(),
        ));
    }
    if !first_party && grants.contains(GrantType::Password) {
        return Err(ClientError::InvalidMetadata(
            "a third-party client can't use the password grant (RFC 9700 §2.4): its users would type their \
             password into its app; use authorization_code"
                .into(),
        ));
    }
    check_display(display).map_err(ClientError::InvalidMetadata)?;
    let scope = Scope::from_tokens(scopes).map_err(|e| invalid(e.to_string()))?;
    for aud in audiences {
        if aud.is_empty() || aud.len() > 256 || aud.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(format!(
                "audience {aud:?} must be 1-256 printable characters without spaces"
            )));
        }
    }
    for uri in redirect_uris.iter().chain(post_logout_redirect_uris) {
        check_redirect_uri(uri).map_err(invalid)?;
    }
    let web_origins = parse_web_origins(web_origins).map_err(invalid)?;
    if grants.contains(GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(invalid(
            "a client with the authorization_code grant needs at least one redirect URI".into(),
        ));
    }
    let json = |items: &[String]| serde_json::Value::from(items.to_vec()).to_string();
    Ok(ClientSettingsRow {
        grant_types: grants,
        scopes: scope,
        audiences: json(audiences),
        redirect_uris: json(redirect_uris),
        post_logout_redirect_uris: json(post_logout_redirect_uris),
        web_origins: json(&web_origins),
        display: serde_json::to_string(display).unwrap_or_else(|_| "{}".to_owned()),
        first_party,
        mfa_policy: "{}".to_owned(),
    })
}

/// Longest `client_name`, in characters.
pub const MAX_CLIENT_NAME_CHARS: usize = 100;
/// Longest display URI, in bytes.
pub const MAX_DISPLAY_URI_LEN: usize = 2048;

/// Checks display metadata (RFC 7591 §2): a name of 1-100 characters without control characters or bidirectional
/// overrides (which could make a name read as another one); `client_uri`, `policy_uri` and `tos_uri` absolute
/// https (http only on a loopback host, for development), without credentials; `logo_uri` https only, because
/// the pages' CSP loads images only over https (and an http image on an https page is mixed content).
pub fn check_display(display: &ClientDisplay) -> Result<(), String> {
    if let Some(name) = &display.client_name {
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_CLIENT_NAME_CHARS || name.trim().is_empty() {
            return Err(format!(
                "client_name must be 1-{MAX_CLIENT_NAME_CHARS} characters, not only spaces"
            ));
        }
        if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
            return Err(
                "client_name must not contain control characters or bidirectional overrides".into(),
            );
        }
    }
    let uris = [
        ("logo_uri", &display.logo_uri),
        ("client_uri", &display.client_uri),
        ("policy_uri", &display.policy_uri),
        ("tos_uri", &display.tos_uri),
    ];
    for (field, uri) in uris {
        if let Some(uri) = uri {
            check_display_uri(field, uri)?;
        }
    }
    Ok(())
}

/// Unicode's explicit directional formatting characters (UAX #9 §2): they can reorder what follows them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn check_display_uri(field: &str, uri: &str) -> Result<(), String> {
    if uri.len() > MAX_DISPLAY_URI_LEN {
        return Err(format!(
            "{field} must be at most {MAX_DISPLAY_URI_LEN} characters"
        ));
    }
    if !is_plain_uri_text(uri) {
        return Err(format!(
            "{field} must not contain spaces or control characters (RFC 3986 §2)"
        ));
    }
    let parsed =
        url::Url::parse(uri).map_err(|_| format!("{field} {uri:?} is not an absolute URI"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("{field} must not contain credentials"));
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" if field != "logo_uri" && is_loopback(&parsed) => Ok(()),
        _ if field == "logo_uri" => Err(format!(
            "{field} {uri:?} must be an https URL (the pages load images over https only)"
        )),
        _ => Err(format!(
            "{field} {uri:?} must be an https URL (http only on a loopback host)"
        )),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// Registers a client. A confidential client gets a generated 256-bit secret, returned once and stored as SHA-256
/// (DESIGN.md §5: high-entropy secrets need no slow KDF).
pub async fn create_client(
    store: &Store,
    new: NewClient,
    actor: &Actor,
    now: i64,
) -> Result<(Client, Option<PlainToken>), ClientError> {
    let invalid = |msg: String| ClientError::Invalid(msg);
    if !is_plain_identifier(&new.id, 128) {
        return Err(invalid(
            "client ids are 1-128 characters of A-Z a-z 0-9 . _ - ~".into(),
        ));
    }
    if new.public && new.can_introspect {
        return Err(invalid(
            "a public client can't introspect: it has no secret to prove who it is".into(),
        ));
    }
    let settings = check_settings(
        new.public,
        new.can_introspect,
        &new.grants,
        &new.scopes,
        &new.audiences,
        &ClientUris {
            redirect: &new.redirect_uris,
            post_logout: &new.post_logout_redirect_uris,
            web_origins: &new.web_origins,
        },
        Face {
            display: &new.display,
            first_party: !new.third_party,
        },
    )?;
    let auth_method = match (new.public, new.auth_method) {
        (true, None | Some(TokenEndpointAuthMethod::None)) => TokenEndpointAuthMethod::None,
        (true, Some(_)) => {
            return Err(invalid(
                "a public client has no secret: its auth method is none".into(),
            ));
        }
        (false, None) => TokenEndpointAuthMethod::ClientSecretBasic,
        (false, Some(TokenEndpointAuthMethod::None)) => {
            return Err(invalid(
                "auth method \"none\": use client_secret_basic or client_secret_post (or a public client)"
                    .into(),
            ));
        }
        (false, Some(method)) => method,
    };
    if new.public && new.allow_no_pkce {
        return Err(invalid(
            "PKCE is what proves a public client: it can't be turned off".into(),
        ));
    }
    let secret = (!new.public).then(|| PlainToken::generate(CLIENT_SECRET_PREFIX));
    let row = ClientRow {
        id: ClientId::new(new.id.clone()),
        secret_hash: secret.as_ref().map(PlainToken::hash),
        grant_types: settings.grant_types,
        scopes: settings.scopes,
        audiences: settings.audiences,
        created_at: now,
        redirect_uris: settings.redirect_uris,
        post_logout_redirect_uris: settings.post_logout_redirect_uris,
        token_endpoint_auth_method: auth_method,
        require_pkce: !new.allow_no_pkce,
        can_introspect: new.can_introspect,
        version: 0,
        web_origins: settings.web_origins,
        display: settings.display,
        first_party: settings.first_party,
        mfa_policy: ClientMfaPolicy {
            require_mfa: new.require_mfa,
            allow_password_grant_without_mfa: new.allow_password_grant_without_mfa,
        }
        .stored(),
    };
    store.insert_client(&row).await.map_err(|e| match e {
        StoreError::Conflict => ClientError::Conflict(new.id.clone()),
        other => other.into(),
    })?;
    let client = Client::from_row(row)?;
    audit::record(
        store,
        actor,
        audit::AuditAction::ClientCreate,
        &format!("client:{}", client.id),
        serde_json::to_value(client.view()).unwrap_or_default(),
        now,
    )
    .await;
    Ok((client, secret))
}

/// What an update may change; `None` leaves a field as it is. Lists replace the stored list.
#[derive(Debug, Clone, Default)]
pub struct ClientChanges {
    pub grants: Option<Vec<GrantType>>,
    pub scopes: Option<Vec<String>>,
    pub audiences: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// An empty list returns to the default (the redirect URIs' origins).
    pub web_origins: Option<Vec<String>>,
    /// Display metadata: `Some(None)` clears a field, `Some(Some(v))` sets it.
    pub client_name: Option<Option<String>>,
    pub logo_uri: Option<Option<String>>,
    pub client_uri: Option<Option<String>>,
    pub policy_uri: Option<Option<String>>,
    pub tos_uri: Option<Option<String>>,
    pub first_party: Option<bool>,
    pub require_mfa: Option<bool>,
    pub allow_password_grant_without_mfa: Option<bool>,
}

pub async fn get_client(store: &Store, id: &str) -> Result<Client, ClientError> {
    match store.find_client(&ClientId::new(id)).await? {
        Some(row) => Ok(Client::from_row(row)?),
        None => Err(ClientError::NotFound(id.to_owned())),
    }
}

/// Updates a client's grants, scopes, audiences, URIs, web origins, display metadata or party, checked as on
/// creation. With `if_match`, only
/// while the client is still at a tag it names (RFC 9110 §13.1.1); without, the change applies to the latest
/// version. Access tokens already issued keep what they were issued with until they expire; narrowed scopes reach
/// live logins at their next refresh, which grants only what the client may still have (the refresh grant
/// intersects).
pub async fn update_client(
    store: &Store,
    actor: &Actor,
    id: &str,
    changes: ClientChanges,
    if_match: Option<&IfMatch>,
    now: i64,
) -> Result<Client, ClientError> {
    // Without a precondition, a concurrent change is retried on the new version rather than lost or refused.
    for _ in 0..3 {
        let current = get_client(store, id).await?;
        if let Some(condition) = if_match
            && !condition.matches(&current.entity_tag())
        {
            return Err(ClientError::PreconditionFailed);
        }
        let view = current.view();
        let pick =
            |new: &Option<Vec<String>>, old: &Vec<String>| new.clone().unwrap_or(old.clone());
        let grants = changes
            .grants
            .clone()
            .unwrap_or_else(|| current.grants.iter().collect());
        let scopes = pick(
            &changes.scopes,
            &current.scope.iter().map(str::to_owned).collect(),
        );
        let audiences = pick(&changes.audiences, &view.audiences);
        let redirect_uris = pick(&changes.redirect_uris, &view.redirect_uris);
        let post_logout = pick(
            &changes.post_logout_redirect_uris,
            &view.post_logout_redirect_uris,
        );
        let web_origins = pick(&changes.web_origins, &view.web_origins);
        let field = |new: &Option<Option<String>>, old: &Option<String>| {
            new.clone().unwrap_or_else(|| old.clone())
        };
        let old = &current.display;
        let display = ClientDisplay {
            client_name: field(&changes.client_name, &old.client_name),
            logo_uri: field(&changes.logo_uri, &old.logo_uri),
            client_uri: field(&changes.client_uri, &old.client_uri),
            policy_uri: field(&changes.policy_uri, &old.policy_uri),
            tos_uri: field(&changes.tos_uri, &old.tos_uri),
        };
        let first_party = changes.first_party.unwrap_or(current.first_party);
        let mut settings = check_settings(
            current.is_public(),
            current.can_introspect,
            &grants,
            &scopes,
            &audiences,
            &ClientUris {
                redirect: &redirect_uris,
                post_logout: &post_logout,
                web_origins: &web_origins,
            },
            Face {
                display: &display,
                first_party,
            },
        )?;
        settings.mfa_policy = ClientMfaPolicy {
            require_mfa: changes.require_mfa.unwrap_or(current.require_mfa),
            allow_password_grant_without_mfa: changes
                .allow_password_grant_without_mfa
                .unwrap_or(current.password_grant_without_mfa),
        }
        .stored();
        if store
            .update_client_settings(&current.id, current.version, settings)
            .await?
        {
            let updated = get_client(store, id).await?;
            // What was asked to change, with its new value (the view's names).
            let changed = [
                ("grant_types", changes.grants.is_some()),
                ("scope", changes.scopes.is_some()),
                ("audiences", changes.audiences.is_some()),
                ("redirect_uris", changes.redirect_uris.is_some()),
                (
                    "post_logout_redirect_uris",
                    changes.post_logout_redirect_uris.is_some(),
                ),
                ("web_origins", changes.web_origins.is_some()),
                ("client_name", changes.client_name.is_some()),
                ("logo_uri", changes.logo_uri.is_some()),
                ("client_uri", changes.client_uri.is_some()),
                ("policy_uri", changes.policy_uri.is_some()),
                ("tos_uri", changes.tos_uri.is_some()),
                ("first_party", changes.first_party.is_some()),
                ("require_mfa", changes.require_mfa.is_some()),
                (
                    "allow_password_grant_without_mfa",
                    changes.allow_password_grant_without_mfa.is_some(),
                ),
            ];
            let view = serde_json::to_value(updated.view()).unwrap_or_default();
            let detail: serde_json::Map<_, _> = changed
                .iter()
                .filter(|(_, asked)| *asked)
                .map(|(name, _)| ((*name).to_owned(), view[*name].clone()))
                .collect();
            audit::record(
                store,
                actor,
                audit::AuditAction::ClientUpdate,
                &format!("client:{id}"),
                detail.into(),
                now,
            )
            .await;
            return Ok(updated);
        }
        if if_match.is_some() {
            return Err(ClientError::PreconditionFailed);
        }
    }
    Err(ClientError::Busy)
}

/// Gives a confidential client a new secret (returned once, stored as SHA-256); the old one stops working at once.
pub async fn rotate_secret(
    store: &Store,
    actor: &Actor,
    id: &str,
    if_match: Option<&IfMatch>,
    now: i64,
) -> Result<(Client, PlainToken), ClientError> {
    for _ in 0..3 {
        let current = get_client(store, id).await?;
        if current.is_public() {
            return Err(ClientError::Invalid(
                "a public client has no secret to rotate".into(),
            ));
        }
        if let Some(condition) = if_match
            && !condition.matches(&current.entity_tag())
        {
            return Err(ClientError::PreconditionFailed);
        }
        let secret = PlainToken::generate(CLIENT_SECRET_PREFIX);
        if store
            .replace_client_secret(&current.id, current.version, secret.hash())
            .await?
        {
            audit::record(
                store,
                actor,
                audit::AuditAction::ClientRotateSecret,
                &format!("client:{id}"),
                serde_json::json!({}),
                now,
            )
            .await;
            return Ok((get_client(store, id).await?, secret));
        }
        if if_match.is_some() {
            return Err(ClientError::PreconditionFailed);
        }
    }
    Err(ClientError::Busy)
}

pub async fn list_clients(store: &Store) -> Result<Vec<Client>, ClientError> {
    Ok(store
        .list_clients()
        .await?
        .into_iter()
        .map(Client::from_row)
        .collect::<Result<_, _>>()?)
}

/// Up to `limit` clients after the client id `after`, by id.
pub async fn page_clients(
    store: &Store,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Client>, ClientError> {
    Ok(store
        .clients_page(after, limit)
        .await?
        .into_iter()
        .map(Client::from_row)
        .collect::<Result<_, _>>()?)
}

/// Deletes a client and its refresh tokens (with `if_match`, only at a version it names).
pub async fn delete_client(
    store: &Store,
    actor: &Actor,
    id: &str,
    if_match: Option<&IfMatch>,
    now: i64,
) -> Result<(), ClientError> {
    if let Some(condition) = if_match
        && !condition.matches(&get_client(store, id).await?.entity_tag())
    {
        return Err(ClientError::PreconditionFailed);
    }
    if store.delete_client(&ClientId::new(id)).await? {
        audit::record(
            store,
            actor,
            audit::AuditAction::ClientDelete,
            &format!("client:{id}"),
            serde_json::json!({}),
            now,
        )
        .await;
        Ok(())
    } else {
        Err(ClientError::NotFound(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::{ClientDisplay, check_display, check_redirect_uri};

    #[test]
    fn display_metadata_follows_rfc_7591_with_https_links() {
        let name = |n: &str| ClientDisplay {
            client_name: Some(n.to_owned()),
            ..ClientDisplay::default()
        };
        assert!(check_display(&name("Acme Dashboard")).is_ok());
        assert!(check_display(&name(&"é".repeat(100))).is_ok());
        for bad in ["", "   ", "a\nb", "evil\u{202E}gnp.exe", &"x".repeat(101)] {
            assert!(check_display(&name(bad)).is_err(), "{bad:?}");
        }
        let link = |field: &str, uri: &str| {
            let mut display = ClientDisplay::default();
            let value = Some(uri.to_owned());
            match field {
                "logo_uri" => display.logo_uri = value,
                "client_uri" => display.client_uri = value,
                _ => display.tos_uri = value,
            }
            check_display(&display)
        };
        assert!(link("client_uri", "https://acme.example/").is_ok());
        assert!(link("client_uri", "http://localhost:3000/").is_ok());
        assert!(link("tos_uri", "https://acme.example/terms#top").is_ok());
        assert!(link("logo_uri", "https://cdn.acme.example/logo.svg").is_ok());
        for (field, bad) in [
            ("client_uri", "http://acme.example/"),
            ("client_uri", "javascript:alert(1)"),
            ("client_uri", "/relative"),
            ("client_uri", "https://user:pw@acme.example/"),
            ("tos_uri", "https://acme.example/a b"),
            ("logo_uri", "http://127.0.0.1/logo.png"),
            ("logo_uri", "data:image/png;base64,AAAA"),
        ] {
            assert!(link(field, bad).is_err(), "{field} {bad}");
        }
        let long = format!("https://acme.example/{}", "a".repeat(2048));
        assert!(link("client_uri", &long).is_err());
    }

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
