//! `POST /introspect` (RFC 7662): a resource server asks whether a token is active. Only clients registered with
//! `--can-introspect` may ask. Anything not active (expired, revoked, denylisted, from another issuer, malformed,
//! unknown) is exactly `{"active": false}` (§2.2), so the answer reveals nothing about why.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::client_auth::authenticate_request;
use super::http_response::json_error;
use super::post_body::{MAX_BODY_BYTES, read_form};
use super::revocation_endpoint::presented_token;
use crate::domain::oauth_error::{ErrorCode, OAuthError};
use crate::domain::tokens::presented::Presented;
use crate::domain::tokens::verify::AccessClaims;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/introspect")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(web::post().to(introspect))
            .default_service(web::to(super::http_response::post_only)),
    );
}

/// §2.2: `active`, and for an active token what describes it.
#[derive(Serialize)]
struct Answer {
    active: bool,
    #[serde(flatten)]
    details: Option<Details>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Details {
    Access {
        #[serde(flatten)]
        claims: AccessClaims,
        token_type: &'static str,
    },
    Refresh {
        token_type: &'static str,
        client_id: String,
        sub: String,
        scope: String,
        iss: String,
        iat: i64,
        exp: i64,
    },
}

#[tracing::instrument(name = "introspect", skip_all, fields(client_id))]
async fn introspect(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthError> {
    let form = match read_form(&req, body, super::revocation_endpoint::known_parameter) {
        Ok(form) => form,
        Err(response) => return Ok(*response),
    };
    // §2.1: the caller authenticates; §4: only callers allowed to introspect, so tokens can't be scanned.
    let client = authenticate_request(&state, &req, &form).await?;
    tracing::Span::current().record("client_id", client.id.as_str());
    if !client.can_introspect {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            &OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "the client may not introspect tokens",
            ),
        ));
    }
    let now = state.clock.now();
    let details = match presented_token(&state, &form, now).await? {
        Presented::Access(claims) => {
            if state.revocations.is_revoked(&claims).await? {
                None
            } else {
                Some(Details::Access {
                    claims: *claims,
                    token_type: "Bearer",
                })
            }
        }
        // A refresh token is only ever shown to the client it was issued to: a resource server has no use for
        // one, and anyone else holding it is not its owner.
        Presented::Refresh(found) if found.family.client_id == client.id && found.is_live(now) => {
            Some(Details::Refresh {
                token_type: "refresh_token",
                client_id: found.family.client_id.into_string(),
                sub: found.user.id.into_string(),
                scope: found.family.scope.to_string(),
                iss: state.tokens.issuer.clone(),
                iat: found.token.issued_at,
                exp: found.token.idle_expires_at.min(found.family.expires_at),
            })
        }
        _ => None,
    };
    let answer = Answer {
        active: details.is_some(),
        details,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}
