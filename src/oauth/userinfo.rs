//! `GET`/`POST /userinfo` (OIDC Core §5.3): claims about the user an access token with the `openid` scope was
//! issued for. The token is one of Latchkey's own, checked against its own published keys and clock.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::form::Form;
use crate::state::AppState;
use crate::store::StoreError;

/// Registers `/userinfo`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/userinfo")
            .app_data(web::PayloadConfig::new(16 * 1024))
            .route(web::get().to(userinfo_get))
            .route(web::post().to(userinfo_post)),
    );
}

/// The claims `/userinfo` reads from an access token.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default)]
    scope: String,
}

#[derive(Serialize)]
struct UserInfo {
    sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// Latchkey does not verify addresses yet: it says so rather than claim otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_username: Option<String>,
}

/// Why a bearer token was refused (RFC 6750 §3.1).
enum Refusal {
    /// No token at all: a challenge without an error code (§3.1).
    Missing,
    InvalidRequest(&'static str),
    InvalidToken(&'static str),
    InsufficientScope,
    Unavailable,
}

async fn userinfo_get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    respond(&state, bearer_header(&req)).await
}

async fn userinfo_post(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let from_header = bearer_header(&req);
    // RFC 6750 §2.2: the token may come as a form parameter instead; §2: never both.
    let from_body = match body.as_deref().map(Form::parse) {
        Ok(Ok(form)) => form.get("access_token").map(str::to_owned),
        _ => return refuse(&Refusal::InvalidRequest("the body is not a valid form")),
    };
    let token = match (from_header, from_body) {
        (Ok(Some(_)), Some(_)) => Err(Refusal::InvalidRequest(
            "the access token was sent in more than one way",
        )),
        (Ok(None), Some(token)) => Ok(Some(token)),
        (other, None) => other,
        (Err(e), Some(_)) => Err(e),
    };
    respond(&state, token).await
}

fn bearer_header(req: &HttpRequest) -> Result<Option<String>, Refusal> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| Refusal::InvalidRequest("the Authorization header is malformed"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(Refusal::InvalidRequest(
            "use the Bearer authentication scheme",
        )),
    }
}

async fn respond(state: &AppState, token: Result<Option<String>, Refusal>) -> HttpResponse {
    let info = match token {
        Ok(Some(token)) => lookup(state, &token).await,
        Ok(None) => Err(Refusal::Missing),
        Err(e) => Err(e),
    };
    match info {
        Ok(info) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(info),
        Err(refusal) => refuse(&refusal),
    }
}

async fn lookup(state: &AppState, token: &str) -> Result<UserInfo, Refusal> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| Refusal::InvalidToken("the access token is malformed"))?;
    // RFC 9068 §4: only access tokens (an ID token is not one, RFC 8725 §3.11).
    if header
        .typ
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
        != Some("at+jwt")
    {
        return Err(Refusal::InvalidToken("not an access token"));
    }
    let keys = state.keys.snapshot();
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.verifying.get(kid))
        .ok_or(Refusal::InvalidToken(
            "the access token's key is not published",
        ))?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[&state.tokens.issuer]);
    // Any audience: this endpoint belongs to the issuer itself. Expiry is judged by the service's clock below.
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss", "sub", "exp"]);
    let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|_| Refusal::InvalidToken("the access token is invalid"))?
        .claims;
    if claims.exp <= state.clock.now() {
        return Err(Refusal::InvalidToken("the access token has expired"));
    }
    let scopes: Vec<&str> = claims.scope.split(' ').collect();
    if !scopes.contains(&"openid") {
        return Err(Refusal::InsufficientScope);
    }
    let user = match state.store.find_user(&claims.sub).await {
        Ok(Some(user)) if !user.disabled => user,
        Ok(_) => return Err(Refusal::InvalidToken("the user is unknown or disabled")),
        Err(StoreError::NotFound) => return Err(Refusal::InvalidToken("the user is unknown")),
        Err(e) => {
            tracing::warn!(error = %e, "userinfo: database unavailable");
            return Err(Refusal::Unavailable);
        }
    };
    let email = scopes.contains(&"email");
    Ok(UserInfo {
        sub: user.id,
        email: email.then_some(user.email),
        email_verified: email.then_some(false),
        preferred_username: if scopes.contains(&"profile") {
            user.username
        } else {
            None
        },
    })
}

/// RFC 6750 §3: 401 with a `Bearer` challenge naming the error, 403 for a token without the scope, 400 for a
/// malformed request; 503 with `Retry-After` when the database is down.
fn refuse(refusal: &Refusal) -> HttpResponse {
    let (status, challenge, body) = match refusal {
        Refusal::Missing => (
            StatusCode::UNAUTHORIZED,
            r#"Bearer realm="latchkey""#.to_owned(),
            None,
        ),
        Refusal::InvalidRequest(why) => (
            StatusCode::BAD_REQUEST,
            format!(
                r#"Bearer realm="latchkey", error="invalid_request", error_description="{why}""#
            ),
            Some(("invalid_request", *why)),
        ),
        Refusal::InvalidToken(why) => (
            StatusCode::UNAUTHORIZED,
            format!(r#"Bearer realm="latchkey", error="invalid_token", error_description="{why}""#),
            Some(("invalid_token", *why)),
        ),
        Refusal::InsufficientScope => (
            StatusCode::FORBIDDEN,
            r#"Bearer realm="latchkey", error="insufficient_scope", scope="openid""#.to_owned(),
            Some((
                "insufficient_scope",
                "the access token lacks the openid scope",
            )),
        ),
        Refusal::Unavailable => {
            return HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, super::http_response::RETRY_AFTER_SECS))
                .json(serde_json::json!({
                    "error": "temporarily_unavailable",
                    "error_description": "the service is temporarily unavailable",
                }));
        }
    };
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.insert_header((header::WWW_AUTHENTICATE, value));
    }
    match body {
        Some((error, description)) => response.json(serde_json::json!({
            "error": error,
            "error_description": description,
        })),
        None => response.finish(),
    }
}
