//! Reading an admin request: its caller (authorised first), its JSON body, `If-Match` and path parameters.

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use serde::de::DeserializeOwned;

use super::access::{self, Access, Caller};
use super::problem::Problem;
use super::settings::AdminSettings;
use crate::domain::preconditions::IfMatch;
use crate::state::AppState;

/// Authorises the request (see [`access::authorize`]) with the admin API's verifier.
pub(super) async fn caller(
    req: &HttpRequest,
    state: &AppState,
    access: Access,
) -> Result<Caller, Problem> {
    let settings = settings(req)?;
    access::authorize(req, state, &settings.verifier, access).await
}

/// The admin API's settings, registered by [`super::configure`].
pub(super) fn settings(req: &HttpRequest) -> Result<&AdminSettings, Problem> {
    req.app_data::<web::Data<AdminSettings>>()
        .map(actix_web::web::Data::get_ref)
        .ok_or_else(|| Problem::internal(&"the admin API's settings are not registered"))
}

/// Parses a JSON body (`application/json`, or `application/merge-patch+json` for PATCH), after authorisation so
/// that an unauthorised caller learns nothing about what the body should be.
pub(super) fn json_body<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, Problem> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match content_type.as_deref() {
        Some("application/json" | "application/merge-patch+json") => {}
        _ => {
            return Err(Problem::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as application/json",
            ));
        }
    }
    serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("invalid JSON body: {e}")))
}

/// The request's `If-Match`, if any (RFC 9110 §13.1.1); a malformed one is a 400, not ignored.
pub(super) fn if_match(req: &HttpRequest) -> Result<Option<IfMatch>, Problem> {
    match req.headers().get(header::IF_MATCH) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(IfMatch::parse)
            .map(Some)
            .ok_or_else(|| Problem::bad_request("If-Match must be * or a list of entity tags")),
    }
}

/// The path parameter `name`.
pub(super) fn path_param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}
