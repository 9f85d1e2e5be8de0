//! `GET /.well-known/jwks.json` (RFC 7517 §5): precomputed bytes with a strong `ETag` and a `max-age` that is
//! shorter than the window in which a new key is published before it signs.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::state::AppState;

/// `Cache-Control: max-age` of the JWKS, in seconds: shorter than a new key's publication before it signs.
#[derive(Debug, Clone, Copy)]
pub struct JwksMaxAge(pub u64);

pub async fn jwks(
    req: HttpRequest,
    state: web::Data<AppState>,
    max_age: web::Data<JwksMaxAge>,
) -> HttpResponse {
    let set = state.keys.snapshot();
    let cache_control = format!("public, max-age={}", max_age.0);
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == set.etag || tag.trim() == "*")
        });
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, set.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, cache_control));
    if not_modified {
        return response.finish();
    }
    response
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/jwk-set+json"),
        ))
        .body(web::Bytes::copy_from_slice(&set.jwks))
}
