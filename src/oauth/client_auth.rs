//! Client authentication at the token endpoint (RFC 6749 §2.3): HTTP Basic or `client_secret` in the body for
//! confidential clients, `client_id` alone for public clients, never two methods at once.

use actix_web::HttpRequest;
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::domain::clients::Client;
use crate::domain::form::{Form, decode_component};
use crate::domain::oauth_error::{ErrorCode, OAuthError};
use crate::http::source::source_address;
use crate::state::AppState;
use crate::store::clients::ClientRow;
use crate::store::{Store, StoreError};
use crate::values::ids::ClientId;
use crate::values::secret::{PlainToken, TokenHash};

/// The credentials a request carries (HTTP Basic or the body), before they are checked.
#[derive(Debug)]
struct Presented {
    id: String,
    /// `None` without a secret, or with an empty one (a public client's Basic credentials, §2.3.1).
    secret: Option<PlainToken>,
}

fn presented(headers: &HeaderMap, form: &Form) -> Result<Presented, OAuthError> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        let id = form
            .get("client_id")
            .ok_or_else(|| OAuthError::invalid_client("client authentication is required"))?;
        let secret = form.get("client_secret").map(PlainToken::from_presented);
        return Ok(Presented {
            id: id.to_owned(),
            secret,
        });
    };
    let malformed =
        || OAuthError::invalid_client("the Authorization header is not valid Basic credentials");
    let value = header.to_str().map_err(|_| malformed())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "only HTTP Basic client authentication is supported",
        ));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    // §2.3.1: both halves are form-urlencoded before being joined.
    let id = decode_component(id).map_err(|_| malformed())?;
    let secret = decode_component(secret).map_err(|_| malformed())?;
    if form.contains("client_secret") {
        return Err(OAuthError::invalid_request(
            "use one client authentication method, not Basic and client_secret",
        ));
    }
    if form.get("client_id").is_some_and(|body_id| body_id != id) {
        return Err(OAuthError::invalid_request(
            "client_id in the body differs from the Basic credentials",
        ));
    }
    if id.is_empty() {
        return Err(malformed());
    }
    // An empty password is no secret (§2.3.1): what requests-oauthlib sends for a public client, and what an empty
    // `client_secret` in the body already means. A confidential client without its secret still fails.
    Ok(Presented {
        id,
        secret: (!secret.is_empty()).then(|| PlainToken::from_presented(&secret)),
    })
}

/// Authenticates the client of a request to `/token`, `/revoke` or `/introspect`, under the per-address limits:
/// every such request counts against the address's request rate, and a failed authentication against its
/// failures (guessing client secrets), both answered 429 + `Retry-After` when over.
pub async fn authenticate_request(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
) -> Result<Client, OAuthError> {
    let (client, ()) = authenticate_request_reading(state, req, form, async |store, id| {
        Ok((store.find_client(id).await?, ()))
    })
    .await?;
    Ok(client)
}

/// [`authenticate_request`] whose `lookup` reads the client row and, in the same round trip, what the request will
/// need next (the refresh grant's token: `Store::find_client_and_refresh_token`). The extra read happens only once
/// the request is within its address's rate, and is returned only when the client authenticates.
pub async fn authenticate_request_reading<T>(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
    lookup: impl AsyncFnOnce(&Store, &ClientId) -> Result<(Option<ClientRow>, T), StoreError>,
) -> Result<(Client, T), OAuthError> {
    let address = source_address(req);
    state
        .throttle
        .client_request(address)
        .await
        .map_err(OAuthError::throttled)?;
    let result = authenticate(&state.store, req.headers(), form, lookup).await;
    if let Err(e) = &result
        && e.code == ErrorCode::InvalidClient
    {
        state.throttle.client_failed(address).await;
    }
    result
}

/// Authenticates the client of a token request. Every failure is the same `invalid_client`, whether the client is
/// unknown or its secret wrong, and both paths compare a hash in constant time.
async fn authenticate<T>(
    store: &Store,
    headers: &HeaderMap,
    form: &Form,
    lookup: impl AsyncFnOnce(&Store, &ClientId) -> Result<(Option<ClientRow>, T), StoreError>,
) -> Result<(Client, T), OAuthError> {
    let presented = presented(headers, form)?;
    let (id, secret) = (presented.id.as_str(), presented.secret.as_ref());
    let failed = || OAuthError::invalid_client("client authentication failed");
    let (row, also) = lookup(store, &ClientId::new(id)).await?;
    let Some(row) = row else {
        if let Some(secret) = secret {
            // Same work as a real comparison, so response time doesn't reveal which client ids exist.
            let _ = secret
                .hash()
                .matches(&TokenHash::of(b"latchkey-no-such-client"));
        }
        return Err(failed());
    };
    let client = Client::from_row(row)?;
    match (&client.secret_hash, secret) {
        (Some(stored), Some(secret)) if stored.matches(&secret.hash()) => Ok((client, also)),
        // A public client proves nothing with a secret; one sent anyway means a confused or hostile caller.
        (None, None) => Ok((client, also)),
        _ => Err(failed()),
    }
}
