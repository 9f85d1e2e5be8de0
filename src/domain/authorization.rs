//! The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1) and the code it ends with
//! (§4.1.2). No HTTP types: the hosted pages parse the query or form, call this, and turn the result into a page
//! or a redirect.
//!
//! Until the client and its redirection URI are known to be right, nothing may redirect (§4.1.2.1: an open
//! redirector otherwise); every later error goes back to the client with `error`, `state` and `iss` (RFC 9207).

use crate::domain::clients::{Client, GrantType};
use crate::domain::form::Form;
use crate::domain::mfa::amr::Acr;
use crate::domain::oauth_error::{ErrorCode, OAuthError};
use crate::domain::signing::KeySet;
use crate::domain::tokens::verify::verify_id_token_hint;
use crate::domain::users::Login;
use crate::store::authorization_codes::CodeRow;
use crate::store::sessions::SessionRow;
use crate::store::{Store, StoreError};
use crate::values::ids::{ClientId, UserId};
use crate::values::scope::Scope;
use crate::values::secret::PlainToken;

/// Prefix of authorization codes, so secret scanners can recognise one.
pub const CODE_PREFIX: &str = "lk_ac_";

/// The parameters an authorization request carries; the sign-in form repeats them as hidden fields.
pub const PARAMETERS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "login_hint",
    "id_token_hint",
    "response_mode",
    "acr_values",
    "ui_locales",
];

pub use crate::domain::clients::IDENTITY_SCOPES;

/// Longest `state` or `nonce` kept: they travel back in a URL and are stored with the code.
const MAX_OPAQUE_LEN: usize = 512;

/// Why an authorization request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// The client or its redirection URI is unknown or in doubt: shown to the user, never redirected.
    #[error("{0}")]
    NoRedirect(NoRedirect),
    /// Sent back to the client's redirection URI.
    #[error("{}", .0.error.code)]
    Redirect(Box<ErrorRedirect>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The cases that can't be redirected, each with its own message on the error page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoRedirect {
    #[error("the request is malformed")]
    Malformed,
    #[error("client_id is missing or repeated")]
    MissingClient,
    #[error("the client is not registered")]
    UnknownClient,
    #[error("redirect_uri is missing or repeated")]
    MissingRedirectUri,
    #[error("redirect_uri is not registered for this client")]
    UnregisteredRedirectUri,
}

/// An error to send to the client.
#[derive(Debug)]
pub struct ErrorRedirect {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub error: OAuthError,
}

/// What `prompt` asks for (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    /// Answer without any user interaction, or with `login_required`.
    pub none: bool,
    /// Ask for the password even with a session.
    pub login: bool,
    /// Show a third-party client's consent page even when consent was given before (first-party clients have
    /// none).
    pub consent: bool,
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub client: Client,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scope: Scope,
    pub nonce: Option<String>,
    /// S256 challenge (RFC 7636 §4.2).
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    /// Seconds since the last password entry beyond which the user must sign in again.
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// An ID token this issuer gave the client, naming whom it believes is signed in (checked by
    /// [`Self::hinted_subject`]).
    pub id_token_hint: Option<String>,
    /// The authentication level `acr_values` asks for (OIDC Core §3.1.2.1), when it names one Latchkey knows:
    /// `urn:latchkey:acr:mfa` makes a password-only session pass a second factor (step-up).
    pub acr: Option<Acr>,
    /// OIDC Core §3.1.2.1: the end user's preferred languages for the pages, space-separated (carried through the
    /// request's pages so that each speaks them).
    pub ui_locales: Option<String>,
}

/// Longest `ui_locales` carried (a handful of language tags).
const MAX_UI_LOCALES_LEN: usize = 256;

/// Longest `id_token_hint` accepted (an ID token is well under 2 KiB).
const MAX_ID_TOKEN_HINT_LEN: usize = 8 * 1024;

impl AuthorizationRequest {
    /// Checks an authorization request: first the client and redirection URI (errors shown, not redirected), then
    /// the rest (errors redirected).
    pub async fn parse(store: &Store, raw: &[u8]) -> Result<Self, AuthorizeError> {
        let no_redirect = |why| AuthorizeError::NoRedirect(why);
        let (form, repeated) =
            Form::parse_noting_repeats(raw).map_err(|_| no_redirect(NoRedirect::Malformed))?;
        let is_repeated = |name: &str| repeated.iter().any(|r| r == name);
        if is_repeated("client_id") {
            return Err(no_redirect(NoRedirect::MissingClient));
        }
        let client_id = form
            .get("client_id")
            .ok_or(no_redirect(NoRedirect::MissingClient))?;
        let Some(row) = store.find_client(&ClientId::new(client_id)).await? else {
            return Err(no_redirect(NoRedirect::UnknownClient));
        };
        let client = Client::from_row(row)?;
        // OIDC Core §3.1.2.1 requires redirect_uri; RFC 9700 §2.1 wants it matched exactly. Always required here.
        if is_repeated("redirect_uri") {
            return Err(no_redirect(NoRedirect::MissingRedirectUri));
        }
        let redirect_uri = form
            .get("redirect_uri")
            .ok_or(no_redirect(NoRedirect::MissingRedirectUri))?;
        if !client.redirect_uri_matches(redirect_uri) {
            return Err(no_redirect(NoRedirect::UnregisteredRedirectUri));
        }
        let redirect_uri = redirect_uri.to_owned();
        // From here on, errors go back to the client. `state` goes back as it came when it is usable.
        let state = form
            .get("state")
            .filter(|s| s.len() <= MAX_OPAQUE_LEN)
            .map(str::to_owned);
        let fail = |code: ErrorCode, description: &'static str| {
            AuthorizeError::Redirect(Box::new(ErrorRedirect {
                redirect_uri: redirect_uri.clone(),
                state: state.clone(),
                error: OAuthError::new(code, description),
            }))
        };
        if !repeated.is_empty() {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "a parameter is repeated (RFC 6749 §3.1)",
            ));
        }
        if form.get("state").is_some_and(|s| s.len() > MAX_OPAQUE_LEN) {
            return Err(fail(ErrorCode::InvalidRequest, "state is too long"));
        }
        if form.contains("request") {
            return Err(fail(
                ErrorCode::RequestNotSupported,
                "request objects are not supported",
            ));
        }
        if form.contains("request_uri") {
            return Err(fail(
                ErrorCode::RequestUriNotSupported,
                "request_uri is not supported",
            ));
        }
        match form.get("response_type") {
            Some("code") => {}
            None => {
                return Err(fail(ErrorCode::InvalidRequest, "response_type is required"));
            }
            Some(_) => {
                return Err(fail(
                    ErrorCode::UnsupportedResponseType,
                    "only response_type=code is supported",
                ));
            }
        }
        if form.get("response_mode").is_some_and(|m| m != "query") {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "only response_mode=query is supported",
            ));
        }
        if !client.allows(GrantType::AuthorizationCode) {
            return Err(fail(
                ErrorCode::UnauthorizedClient,
                "the client may not use the authorization code grant",
            ));
        }
        let requested = match form.get("scope") {
            Some(text) => Scope::parse(text)
                .map_err(|_| fail(ErrorCode::InvalidScope, "the scope is malformed"))?,
            None => client.scope.clone(),
        };
        if !requested.is_subset_of(&client.grantable_scope()) {
            return Err(fail(
                ErrorCode::InvalidScope,
                "the requested scope exceeds what the client may ask for",
            ));
        }
        let code_challenge = match (
            form.get("code_challenge"),
            form.get("code_challenge_method"),
        ) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(fail(
                    ErrorCode::InvalidRequest,
                    "code_challenge_method without code_challenge",
                ));
            }
            (Some(challenge), Some("S256")) => {
                if !is_s256_challenge(challenge) {
                    return Err(fail(
                        ErrorCode::InvalidRequest,
                        "code_challenge must be the 43-character base64url SHA-256 of the verifier",
                    ));
                }
                Some(challenge.to_owned())
            }
            // RFC 9700 §2.1.1: S256 only; `plain` (also the RFC 7636 default when the method is absent) reveals
            // the verifier to whoever sees the request.
            (Some(_), _) => {
                return Err(fail(
                    ErrorCode::InvalidRequest,
                    "code_challenge_method must be S256",
                ));
            }
        };
        if code_challenge.is_none() && (client.is_public() || client.require_pkce) {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "code_challenge is required (PKCE, RFC 7636)",
            ));
        }
        let nonce = form.get("nonce").map(str::to_owned);
        if nonce.as_ref().is_some_and(|n| n.len() > MAX_OPAQUE_LEN) {
            return Err(fail(ErrorCode::InvalidRequest, "nonce is too long"));
        }
        // A confidential client let off PKCE must bind the code to its session another way: an OpenID request
        // with a nonce it checks in the ID token (RFC 9700 §2.1.1).
        if code_challenge.is_none() && (nonce.is_none() || !requested.contains("openid")) {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "without code_challenge, the openid scope and a nonce are required",
            ));
        }
        let prompt = parse_prompt(form.get("prompt"))
            .ok_or_else(|| fail(ErrorCode::InvalidRequest, "prompt is invalid"))?;
        let max_age = form
            .get("max_age")
            .map(|text| text.parse::<u32>().map(i64::from))
            .transpose()
            .map_err(|_| {
                fail(
                    ErrorCode::InvalidRequest,
                    "max_age must be a number of seconds",
                )
            })?;
        let login_hint = form
            .get("login_hint")
            .filter(|h| h.len() <= 320)
            .map(str::to_owned);
        let id_token_hint = form.get("id_token_hint").map(str::to_owned);
        if id_token_hint
            .as_ref()
            .is_some_and(|h| h.len() > MAX_ID_TOKEN_HINT_LEN)
        {
            return Err(fail(ErrorCode::InvalidRequest, "id_token_hint is too long"));
        }
        let acr = form.get("acr_values").and_then(Acr::requested);
        // A hint, never an error (OIDC Core §3.1.2.1: "an error SHOULD NOT result"): too long is dropped.
        let ui_locales = form
            .get("ui_locales")
            .filter(|l| !l.trim().is_empty() && l.len() <= MAX_UI_LOCALES_LEN)
            .map(str::to_owned);
        Ok(Self {
            acr,
            client,
            redirect_uri,
            state,
            scope: requested,
            nonce,
            code_challenge,
            prompt,
            max_age,
            login_hint,
            id_token_hint,
            ui_locales,
        })
    }

    /// The user `id_token_hint` names, if the request has one (OIDC Core §3.1.2.1): it must be an ID token this
    /// issuer signed for this client (expired is fine), else the request is refused with `invalid_request`.
    pub fn hinted_subject(
        &self,
        keys: &KeySet,
        issuer: &str,
    ) -> Result<Option<UserId>, Box<ErrorRedirect>> {
        let Some(hint) = &self.id_token_hint else {
            return Ok(None);
        };
        verify_id_token_hint(keys, issuer, self.client.id.as_str(), hint)
            .map(|hint| Some(UserId::new(hint.sub)))
            .map_err(|_| {
                Box::new(self.error(
                    ErrorCode::InvalidRequest,
                    "id_token_hint is not an ID token this server issued to the client",
                ))
            })
    }

    /// Whether the user of `session` is the one the request's hints name, if they name one (OIDC Core
    /// §3.1.2.1): `hinted` (from `id_token_hint`) must be the session's user, and `login_hint` (an email address
    /// or a username) must name that user. A session of anyone else does not answer the request.
    pub async fn hints_match(
        &self,
        store: &Store,
        session: &SessionRow,
        hinted: Option<&UserId>,
    ) -> Result<bool, StoreError> {
        if hinted.is_some_and(|sub| *sub != session.user_id) {
            return Ok(false);
        }
        let Some(login_hint) = &self.login_hint else {
            return Ok(true);
        };
        let login = Login::parse(login_hint);
        Ok(store
            .find_user(&session.user_id)
            .await?
            .is_some_and(|user| login.names(&user.email, user.username.as_deref())))
    }

    /// Whether `session` may approve this request without asking for the password again. OIDC Core §3.1.2.1:
    /// re-authenticate when the time since the sign-in may exceed `max_age`. Times are whole seconds, so a sign-in
    /// `n` seconds ago on the clock may be up to `n + 1` seconds old: it satisfies `max_age` only when `n < max_age`,
    /// and `max_age=0` never does (it "is equivalent to prompt=login").
    pub fn accepts(&self, session: &SessionRow, now: i64) -> bool {
        !self.prompt.login && self.max_age.is_none_or(|age| now - session.auth_time < age)
    }

    /// The parameters to carry through the sign-in form, so that its POST repeats this request (without
    /// `max_age` and `prompt=login`: signing in satisfies both; `prompt=consent` is carried, as only the consent
    /// page satisfies it).
    pub fn carried(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("response_type", "code".to_owned()),
            ("client_id", self.client.id.to_string()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("scope", self.scope.to_string()),
        ];
        let optional = [
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("ui_locales", &self.ui_locales),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                fields.push((name, value.clone()));
            }
        }
        if self.code_challenge.is_some() {
            fields.push(("code_challenge_method", "S256".to_owned()));
        }
        if self.prompt.consent {
            fields.push(("prompt", "consent".to_owned()));
        }
        if let Some(acr) = self.acr {
            fields.push(("acr_values", acr.as_str().to_owned()));
        }
        fields
    }

    /// [`Self::carried`] as a query string: how the pages link back into this request (`/authorize?…`).
    pub fn carried_query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.carried() {
            query.append_pair(name, &value);
        }
        query.finish()
    }

    /// An error response for this request (e.g. `login_required`, `access_denied`).
    pub fn error(&self, code: ErrorCode, description: &'static str) -> ErrorRedirect {
        ErrorRedirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            error: OAuthError::new(code, description),
        }
    }

    /// Issues a code for this request, approved by `session` (§4.1.2): stored as its hash, single-use, expiring
    /// `ttl` seconds from `now`.
    pub async fn issue_code(
        &self,
        store: &Store,
        session: &SessionRow,
        ttl: i64,
        now: i64,
    ) -> Result<PlainToken, StoreError> {
        let code = PlainToken::generate(CODE_PREFIX);
        store
            .insert_code(CodeRow {
                code_hash: code.hash(),
                client_id: self.client.id.clone(),
                user_id: session.user_id.clone(),
                session_id: Some(session.id.clone()),
                redirect_uri: self.redirect_uri.clone(),
                scope: self.scope.clone(),
                nonce: self.nonce.clone(),
                code_challenge: self.code_challenge.clone(),
                auth_time: session.auth_time,
                created_at: now,
                expires_at: now + ttl,
                used_at: None,
                family_id: None,
                access_token_jti: None,
                access_token_expires_at: None,
                amr: session.amr.clone(),
            })
            .await?;
        Ok(code)
    }
}

/// The URI the user agent is sent to: `redirect_uri` with `params` added to its query (RFC 6749 §4.1.2: "retaining
/// any existing query component") and `iss` (RFC 9207 §2).
pub fn redirect_with(redirect_uri: &str, params: &[(&str, &str)], issuer: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    query.append_pair("iss", issuer);
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{separator}{}", query.finish())
}

impl ErrorRedirect {
    /// The redirect that carries this error.
    pub fn location(&self, issuer: &str) -> String {
        let mut params = vec![
            ("error", self.error.code.as_str()),
            ("error_description", self.error.description.as_ref()),
        ];
        if let Some(state) = &self.state {
            params.push(("state", state));
        }
        redirect_with(&self.redirect_uri, &params, issuer)
    }
}

/// `prompt`: a space-separated set of `none`, `login`, `consent`, `select_account`; `none` stands alone. There is
/// no account chooser, so `select_account` changes nothing; `consent` matters for third-party clients only.
fn parse_prompt(value: Option<&str>) -> Option<Prompt> {
    let mut prompt = Prompt::default();
    let Some(value) = value else {
        return Some(prompt);
    };
    let mut count = 0;
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        count += 1;
        match word {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => {}
            _ => return None,
        }
    }
    (!prompt.none || count == 1).then_some(prompt)
}

/// RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters of the base64url alphabet.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_none_must_stand_alone() {
        assert_eq!(
            parse_prompt(Some("none")),
            Some(Prompt {
                none: true,
                login: false,
                consent: false
            })
        );
        assert_eq!(parse_prompt(Some("none login")), None);
        assert_eq!(parse_prompt(Some("bogus")), None);
        assert_eq!(
            parse_prompt(Some("login consent")),
            Some(Prompt {
                none: false,
                login: true,
                consent: true
            })
        );
    }

    #[test]
    fn the_error_redirect_keeps_the_registered_query_and_adds_iss() {
        let location = redirect_with(
            "https://app.example/cb?tenant=a",
            &[("code", "x y"), ("state", "s&t")],
            "https://id.example",
        );
        assert_eq!(
            location,
            "https://app.example/cb?tenant=a&code=x+y&state=s%26t&iss=https%3A%2F%2Fid.example"
        );
    }
}
