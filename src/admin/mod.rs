//! The admin API (`/admin/v1/…`): what the operator CLI does, over HTTP, for automation (Terraform, scripts).
//!
//! JSON in and out; errors are RFC 9457 problem details ([`problem`]); users and clients carry strong `ETag`s and
//! honour `If-Match` on every change ([`crate::domain::preconditions`]); lists page by keyset ([`paging`]). Callers are
//! clients with admin-scoped access tokens ([`access`]); every change is audited by the domain functions it calls.
//! The OpenAPI 3.1 document, generated from the handlers, is served at `/admin/openapi.json`.

pub mod access;
pub mod audit;
pub mod clients;
pub mod keys;
pub mod openapi;
pub mod paging;
pub mod problem;
pub mod users;

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use latchkey_verifier::Verifier;
use serde::de::DeserializeOwned;

use crate::domain::preconditions::IfMatch;
use crate::domain::signing::KeyPolicy;
use crate::infra::key_notices::KeyNotices;
use access::{Access, Caller};
use problem::Problem;

/// Largest JSON body the admin API reads.
const MAX_BODY: usize = 64 * 1024;

/// What the admin API needs beyond the shared state.
pub struct AdminSettings {
    /// Verifies callers' access tokens against the service's own JWKS, as any resource server would.
    pub verifier: Verifier,
    pub key_policy: KeyPolicy,
    pub key_bits: u32,
    /// Tells the other replicas to reload their keys after a key change here.
    pub key_notices: Option<KeyNotices>,
    /// The OpenAPI document, serialized once.
    pub openapi: Vec<u8>,
}

/// Registers the admin routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/openapi.json", web::get().to(openapi::serve))
        .service(
            web::scope("/admin/v1")
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .configure(users::configure)
                .configure(clients::configure)
                .configure(keys::configure)
                .configure(audit::configure)
                .default_service(web::to(|| async {
                    Problem::not_found("no such admin resource: see /admin/openapi.json")
                        .error_response()
                })),
        );
}

/// A resource whose other methods answer 405 with `Allow` (RFC 9110 §15.5.6).
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Problem::method_not_allowed(allow).error_response()
    }))
}

/// Authorises the request (see [`access::authorize`]).
async fn caller(
    req: &HttpRequest,
    state: &crate::state::AppState,
    access: Access,
) -> Result<Caller, Problem> {
    access::authorize(req, state, &state.admin.verifier, access).await
}

/// Parses a JSON body (`application/json`, or `application/merge-patch+json` for PATCH), after authorisation so
/// that an unauthorised caller learns nothing about what the body should be.
fn json_body<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, Problem> {
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
fn if_match(req: &HttpRequest) -> Result<Option<IfMatch>, Problem> {
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
fn path_param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

/// A JSON answer that must not be cached (it may describe secrets' holders and is authorised per caller).
fn json(status: actix_web::http::StatusCode, value: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(ContentType::json())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string(value).unwrap_or_default())
}

/// A JSON answer with the entity tag of what it describes.
fn tagged(
    status: actix_web::http::StatusCode,
    value: &impl serde::Serialize,
    etag: &str,
) -> HttpResponse {
    let mut response = json(status, value);
    if let Ok(value) = header::HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// 201 Created with the new resource's `Location` and entity tag.
fn created(value: &impl serde::Serialize, etag: &str, location: &str) -> HttpResponse {
    let mut response = tagged(actix_web::http::StatusCode::CREATED, value, etag);
    if let Ok(location) = header::HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A page of a list, with its `Link: rel="next"`.
fn page_response<T: serde::Serialize + utoipa::ToSchema>(
    req: &HttpRequest,
    request: &paging::PageRequest,
    page: &paging::Page<T>,
) -> HttpResponse {
    let mut response = json(actix_web::http::StatusCode::OK, page);
    if let Some(link) =
        paging::next_link(req, request, page).and_then(|l| header::HeaderValue::from_str(&l).ok())
    {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}
