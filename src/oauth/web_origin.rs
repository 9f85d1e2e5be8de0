//! Which client a browser page may act as at `/token` and `/revoke`: CORS alone decides only what a page may *read*,
//! and a form POST needs no preflight, so without this check a page on an origin of client X could redeem a code of
//! client Y (or one issued to no page it runs) and leave a refresh-token family no app can ever read.

use actix_web::HttpRequest;
use actix_web::http::header::ORIGIN;

use crate::domain::clients::Client;
use crate::domain::oauth_error::OAuthError;

/// Refuses a request carrying an `Origin` the authenticated client doesn't accept ([`Client::accepts_origin`]),
/// before anything is redeemed, rotated or revoked. A request without `Origin` (a server or native app) is not
/// concerned. `unauthorized_client` (RFC 6749 §5.2): the client is known and authenticated, but not allowed to make
/// this request from there; it is no failed authentication, so it doesn't count against the address's limits.
pub fn check_origin(req: &HttpRequest, client: &Client) -> Result<(), OAuthError> {
    let Some(origin) = req.headers().get(ORIGIN) else {
        return Ok(());
    };
    // An origin that isn't text is no origin any client has.
    if client.accepts_origin(origin.to_str().unwrap_or_default()) {
        return Ok(());
    }
    Err(OAuthError::unauthorized_client(
        "this client may not be used from the request's Origin: add it to the client's web origins",
    ))
}
