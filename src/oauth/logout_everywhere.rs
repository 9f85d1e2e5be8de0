//! `POST /account/logout-everywhere`: the bearer of a valid access token about a user logs that user out
//! everywhere: every hosted session, every refresh-token family and every access token issued so far (including
//! the one presented) is revoked. Answers 204.
//!
//! The token must carry the dedicated scope [`SCOPE`]: any resource server that receives a user's token could
//! otherwise end all of that user's sessions. A client gets the scope only when an operator registers it, and a
//! token only when the app asks for it (RFC 6750 §3.1: `insufficient_scope` otherwise).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::bearer::{Refusal, authorize, bearer_header, refuse};
use crate::state::AppState;
use crate::values::ids::UserId;

/// The scope an access token needs to log its user out everywhere.
pub const SCOPE: &str = "latchkey:logout_everywhere";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/logout-everywhere")
            .route(web::post().to(logout_everywhere))
            .default_service(web::to(super::http_response::post_only)),
    );
}

#[tracing::instrument(name = "logout_everywhere", skip_all, fields(user))]
async fn logout_everywhere(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let claims = match bearer_header(&req) {
        Ok(Some(token)) => authorize(&state, &token).await,
        Ok(None) => Err(Refusal::Missing),
        Err(refusal) => Err(refusal),
    };
    let claims = match claims {
        // A client-credentials token is about the client: there is no user to log out.
        Ok(claims) if !claims.is_about_a_user() => {
            return refuse(&Refusal::InvalidToken(
                "the access token is not about a user".into(),
            ));
        }
        Ok(claims) if !claims.has_scope(SCOPE) => {
            return refuse(&Refusal::InsufficientScope(SCOPE));
        }
        Ok(claims) => claims,
        Err(refusal) => return refuse(&refusal),
    };
    tracing::Span::current().record("user", claims.sub.as_str());
    match state
        .revocations
        .revoke_user(
            &UserId::new(claims.sub.as_str()),
            "logged out everywhere",
            state.clock.now(),
        )
        .await
    {
        Ok(ended) => {
            tracing::info!(
                families = ended.families,
                sessions = ended.sessions,
                "user logged out everywhere"
            );
            HttpResponse::NoContent()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
        Err(e) => {
            tracing::warn!(error = %e, "logout everywhere failed");
            refuse(&Refusal::Unavailable)
        }
    }
}
