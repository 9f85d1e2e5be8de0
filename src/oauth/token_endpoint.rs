//! `POST /token` (RFC 6749 §3.2): reads and checks the request, authenticates the client, dispatches by grant.

use actix_web::http::header::{self, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::client_auth::authenticate;
use super::error::OAuthError;
use super::form::{Form, FormError};
use super::grants::{self, TokenResponse};
use crate::clients::GrantType;
use crate::state::AppState;

/// Largest request body accepted: a token request is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[tracing::instrument(name = "token", skip_all, fields(grant_type, client_id))]
pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthError> {
    // §2.3.1, §3.2: parameters travel in the body; one in the URI would end up in logs and proxies.
    if !req.query_string().is_empty() {
        return Err(OAuthError::invalid_request(
            "parameters must be sent in the request body, not the URI",
        ));
    }
    let body = read_body(&req, payload).await?;
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
    let grant = GrantType::parse(grant_type).ok_or_else(OAuthError::unsupported_grant_type)?;
    span.record("grant_type", grant.as_str());
    if !client.allows(grant) {
        return Err(OAuthError::unauthorized_client(
            "the client may not use this grant type",
        ));
    }
    let response = match grant {
        GrantType::Password => grants::password::grant(&state, &client, &form).await?,
        GrantType::RefreshToken => grants::refresh_token::grant(&state, &client, &form).await?,
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

/// Reads at most [`MAX_BODY_BYTES`]; a larger declared or actual body is 413 before anything is parsed.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::BytesMut, OAuthError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(OAuthError::payload_too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(512).min(MAX_BODY_BYTES));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| OAuthError::invalid_request("the request body could not be read"))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(OAuthError::payload_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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

/// Names a repeated parameter in the error only when it is one of ours: never echo arbitrary input.
fn known_parameter(name: &str) -> Option<&'static str> {
    [
        "grant_type",
        "username",
        "password",
        "scope",
        "refresh_token",
        "client_id",
        "client_secret",
    ]
    .into_iter()
    .find(|known| *known == name)
}

/// `GET /token` and friends: 405 with `Allow: POST` (RFC 9110 §15.5.6).
pub async fn method_not_allowed() -> HttpResponse {
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
