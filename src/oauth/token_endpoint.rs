//! `POST /token` (RFC 6749 §3.2): reads and checks the request, authenticates the client, parses the grant's typed
//! request and dispatches to its grant.

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use super::client_auth::authenticate;
use super::error::OAuthError;
use super::form::{Form, FormError};
use super::grants::{self, TokenResponse, known_parameter};
use crate::clients::{GrantType, SUPPORTED_GRANTS};
use crate::oauth::http_response::json_error;
use crate::state::AppState;

/// Largest request body accepted: a token request is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Registers `/token`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/token")
            // actix enforces the limit: a declared length above it is refused before any byte is read, a chunked
            // body as soon as it crosses it.
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(web::post().to(token))
            .default_service(web::to(method_not_allowed)),
    );
}

#[tracing::instrument(name = "token", skip_all, fields(grant_type, client_id))]
async fn token(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthError> {
    // §2.3.1, §3.2: parameters travel in the body; one in the URI would end up in logs and proxies.
    if !req.query_string().is_empty() {
        return Err(OAuthError::invalid_request(
            "parameters must be sent in the request body, not the URI",
        ));
    }
    let body = match body {
        Ok(body) => body,
        Err(e) if matches!(e.as_error::<PayloadError>(), Some(PayloadError::Overflow)) => {
            return Ok(json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &OAuthError::invalid_request("the request body exceeds 64 KiB"),
            ));
        }
        Err(_) => {
            return Err(OAuthError::invalid_request(
                "the request body could not be read",
            ));
        }
    };
    if !is_form_content_type(req.headers().get(CONTENT_TYPE)) {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form = Form::parse(&body).map_err(|e| match e {
        FormError::Repeated(name) => match known_parameter(&name) {
            Some(name) => OAuthError::invalid_request(format!("the {name} parameter is repeated")),
            None => OAuthError::invalid_request("a parameter is repeated"),
        },
        FormError::BadEncoding => {
            OAuthError::invalid_request("the body is not valid percent-encoding")
        }
        FormError::NotUtf8 => OAuthError::invalid_request("the body is not valid UTF-8"),
    })?;
    let grant_type = grants::required(&form, "grant_type")?;
    let client = authenticate(&state.store, req.headers(), &form).await?;
    let span = tracing::Span::current();
    span.record("client_id", client.id.as_str());
    let grant = GrantType::parse(grant_type)
        .filter(|g| SUPPORTED_GRANTS.contains(g))
        .ok_or_else(OAuthError::unsupported_grant_type)?;
    span.record("grant_type", grant.as_str());
    if !client.allows(grant) {
        return Err(OAuthError::unauthorized_client(
            "the client may not use this grant type",
        ));
    }
    let response = match grant {
        GrantType::Password => {
            let request = grants::password::PasswordRequest::parse(&form)?;
            grants::password::grant(&state, &client, request).await?
        }
        GrantType::RefreshToken => {
            let request = grants::refresh_token::RefreshRequest::parse(&form)?;
            grants::refresh_token::grant(&state, &client, request).await?
        }
        GrantType::AuthorizationCode => {
            let request = grants::authorization_code::CodeRequest::parse(&form)?;
            grants::authorization_code::grant(&state, &client, request).await?
        }
        GrantType::ClientCredentials => {
            let request = grants::client_credentials::ClientCredentialsRequest::parse(&form)?;
            grants::client_credentials::grant(&state, &client, request)?
        }
    };
    Ok(token_response(&response))
}

/// §5.1: tokens are never cached.
fn token_response(body: &TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(body)
}

/// `application/x-www-form-urlencoded`, optionally with a UTF-8 charset (RFC 6749 Appendix B).
fn is_form_content_type(value: Option<&HeaderValue>) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    {
        return false;
    }
    parts.all(|p| match p.split_once('=') {
        Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => charset
            .trim()
            .trim_matches('"')
            .eq_ignore_ascii_case("utf-8"),
        _ => p.is_empty(),
    })
}

/// `GET /token` and friends: 405 with `Allow: POST` (RFC 9110 §15.5.6).
async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "error": "invalid_request",
            "error_description": "the token endpoint accepts only POST",
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_content_type_allows_only_a_utf8_charset() {
        let check = |v: &'static str| is_form_content_type(Some(&HeaderValue::from_static(v)));
        assert!(check("application/x-www-form-urlencoded"));
        assert!(check("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
        assert!(!check("application/x-www-form-urlencoded; charset=latin1"));
        assert!(!check("application/json"));
        assert!(!is_form_content_type(None));
    }
}
