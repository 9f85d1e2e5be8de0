//! CORS (the Fetch standard's CORS protocol) for the few endpoints a browser app calls itself, and only those
//! (DESIGN.md §21, RFC 9700 §2.6): everything else (`/authorize`, `/login`, `/logout`, the pages, `/introspect`,
//! the admin API) sends no CORS header at all, so no other origin can read it.
//!
//! - [`public`]: discovery, the JWKS and the revocation feed: public documents, `Access-Control-Allow-Origin: *`,
//!   never credentials.
//! - [`clients_post`] (`/token`, `/revoke`) and [`clients_get_post`] (`/userinfo`): the origin is echoed only when
//!   it is a web origin of some registered client ([`KnownOrigins`](crate::domain::web_origins::KnownOrigins)),
//!   with `Vary: Origin`; preflights allow `Authorization` and `Content-Type`. Never credentials (cookies): these
//!   endpoints authenticate by what the request carries. Whether a request may act as a given client is a
//!   separate, per-client check at `/token` and `/revoke` (`oauth::web_origin`).
//!
//! Error answers carry the same headers, so an app can read `invalid_grant` or a `WWW-Authenticate` challenge.
//!
//! Not `actix-cors`: its origin check is a synchronous function (this one may have to reload the clients' origins
//! from the store, for a client registered on another replica), and it answers a request from an origin it doesn't
//! allow with an error, where a server-side caller whose proxy adds an `Origin` must get its normal answer.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::state::AppState;

/// How long a browser may cache a preflight's answer (seconds; Chromium caps it at 7200).
pub const PREFLIGHT_MAX_AGE: &str = "600";

/// What a client's app sends besides the CORS-safelisted headers (RFC 6750 bearer tokens, HTTP Basic, JSON).
const CLIENT_REQUEST_HEADERS: &str = "Authorization, Content-Type";

/// Response headers an app needs that are not CORS-safelisted: the bearer challenge (RFC 6750 §3) and when to retry
/// after a 429 or 503.
const CLIENT_EXPOSED_HEADERS: &str = "WWW-Authenticate, Retry-After";

/// The JWKS answers `If-None-Match` with its `ETag`.
const PUBLIC_REQUEST_HEADERS: &str = "If-None-Match";
const PUBLIC_EXPOSED_HEADERS: &str = "ETag, Retry-After";

/// Middleware for public documents (discovery, JWKS, the revocation feed): readable from any origin.
pub async fn public(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if is_preflight(req.headers(), req.method()) {
        let mut answer = HttpResponse::NoContent();
        answer
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, PUBLIC_REQUEST_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE));
        return Ok(req.into_response(answer.finish()));
    }
    let mut response = call(req, next).await;
    // The same for every origin, so no `Vary`: caches may share it.
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(PUBLIC_EXPOSED_HEADERS),
    );
    Ok(response)
}

/// Middleware for `/token` and `/revoke`: readable from the web origins of registered clients.
pub async fn clients_post(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    for_clients("POST", req, next).await
}

/// Middleware for `/userinfo` (`GET` or `POST`, OIDC Core §5.3.1): readable from the web origins of registered
/// clients.
pub async fn clients_get_post(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    for_clients("GET, POST", req, next).await
}

async fn for_clients(
    methods: &'static str,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let allowed = match (&origin, req.app_data::<web::Data<AppState>>()) {
        (Some(origin), Some(state)) => match origin.to_str() {
            Ok(text) => state.web_origins.contains(text).await,
            Err(_) => false,
        },
        _ => false,
    }
    .then_some(origin)
    .flatten();
    if is_preflight(req.headers(), req.method()) {
        // An origin no client has gets a preflight answer without CORS headers: the browser then says "No
        // 'Access-Control-Allow-Origin' header", which points its developer at the registration.
        let mut answer = HttpResponse::NoContent();
        answer.insert_header((header::VARY, "Origin"));
        if let Some(origin) = allowed {
            answer
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, CLIENT_REQUEST_HEADERS))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE));
        }
        return Ok(req.into_response(answer.finish()));
    }
    let mut response = call(req, next).await;
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(CLIENT_EXPOSED_HEADERS),
        );
    }
    Ok(response)
}

/// A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. Any other `OPTIONS` goes to the
/// endpoint (which answers 405).
fn is_preflight(headers: &HeaderMap, method: &Method) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// Calls the endpoint; an error becomes its response here, so that it gets the CORS headers too.
async fn call(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> ServiceResponse<BoxBody> {
    let request = req.request().clone();
    match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => ServiceResponse::new(request, error.error_response()),
    }
}
