//! The one place where OAuth errors become HTTP: RFC 6749 §5.2 JSON bodies with their status codes, for every JSON
//! endpoint (token now; revocation and introspection next).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::oauth_error::{ErrorCode, OAuthError};
use crate::infra::metrics::http::OAuthErrorCode;

use crate::http::retry_after::RETRY_AFTER_SECS;

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
}

/// The status RFC 6749 §5.2 gives each code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        // §5.2: 401 when the client tried to authenticate (with `WWW-Authenticate`).
        ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::AccessDenied => StatusCode::FORBIDDEN,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// `error` as a JSON response with `status`: never cached (§5.1), `WWW-Authenticate` on 401, `Retry-After` on 503.
pub fn json_error(status: StatusCode, error: &OAuthError) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="latchkey""#),
        ));
    }
    // Read by the metrics middleware (`metrics::http`): the code, without parsing the body.
    response
        .extensions_mut()
        .insert(OAuthErrorCode(error.code.as_str()));
    match error.retry_after {
        Some(secs) => {
            response.insert_header((header::RETRY_AFTER, secs));
        }
        None if status == StatusCode::SERVICE_UNAVAILABLE => {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS));
        }
        None => {}
    }
    response.json(Body {
        error: error.code.as_str(),
        error_description: &error.description,
    })
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        if self.retry_after.is_some() {
            // RFC 6585 §4.
            return StatusCode::TOO_MANY_REQUESTS;
        }
        status_of(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        json_error(self.status_code(), self)
    }
}

/// `GET /token` and friends: 405 with `Allow: POST` (RFC 9110 §15.5.6).
pub async fn post_only() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "error": "invalid_request",
            "error_description": "this endpoint accepts only POST",
        }))
}
