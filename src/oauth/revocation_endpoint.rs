//! `POST /revoke` (RFC 7009): a client revokes a token it holds. Revoking a refresh token ends its family and the
//! access tokens issued in it; revoking an access token puts its `jti` on the denylist until its `exp`.

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};

use super::client_auth::authenticate_request;
use super::post_body::{MAX_BODY_BYTES, read_form};
use super::web_origin::check_origin;
use crate::domain::form::Form;
use crate::domain::oauth_error::OAuthError;
use crate::domain::revocation::RevocationError;
use crate::domain::tokens::presented::{Presented, identify};
use crate::http::cors;
use crate::state::AppState;

/// The endpoint's parameters, besides client authentication's.
const PARAMETERS: [&str; 4] = ["token", "token_type_hint", "client_id", "client_secret"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/revoke")
            .wrap(from_fn(cors::clients_post))
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(web::post().to(revoke))
            .default_service(web::to(super::http_response::post_only)),
    );
}

pub(crate) fn known_parameter(name: &str) -> Option<&'static str> {
    PARAMETERS.into_iter().find(|known| *known == name)
}

#[tracing::instrument(name = "revoke", skip_all, fields(client_id))]
async fn revoke(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthError> {
    let form = match read_form(&req, body, known_parameter) {
        Ok(form) => form,
        Err(response) => return Ok(*response),
    };
    // §2.1: the client authenticates first (public clients by their id), so that it can only revoke its own.
    let client = authenticate_request(&state, &req, &form).await?;
    tracing::Span::current().record("client_id", client.id.as_str());
    check_origin(&req, &client)?;
    let now = state.clock.now();
    let revoked = match presented_token(&state, &form, now).await? {
        // §2.1: a token of another client is not revoked, and the answer doesn't say so (§2.2).
        Presented::Refresh(found) if found.family.client_id == client.id => state
            .revocations
            .revoke_family(&found.family.id, "revoked by the client", now)
            .await
            .map(|()| true),
        Presented::Access(claims) if client.id == claims.client_id => state
            .revocations
            .revoke_access_token(&claims, now)
            .await
            .map(|()| true),
        _ => Ok(false),
    };
    match revoked {
        Ok(done) => {
            if done {
                tracing::info!("token revoked");
            }
            // §2.2: 200 whether or not there was anything to revoke (an unknown token is not an error).
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Err(e) => Err(e.into()),
    }
}

/// The `token` parameter of a revocation or introspection request (RFC 7009 §2.1, RFC 7662 §2.1), identified.
pub(crate) async fn presented_token(
    state: &AppState,
    form: &Form,
    now: i64,
) -> Result<Presented, OAuthError> {
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("the token parameter is missing"))?;
    let keys = state.keys.snapshot();
    Ok(identify(&state.store, &keys, &state.tokens.issuer, token, now).await?)
}

impl From<RevocationError> for OAuthError {
    fn from(error: RevocationError) -> Self {
        match error {
            RevocationError::Store(e) => e.into(),
            RevocationError::DenylistUnavailable => Self::temporarily_unavailable(),
        }
    }
}
