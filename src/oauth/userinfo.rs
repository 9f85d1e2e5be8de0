//! `GET`/`POST /userinfo` (OIDC Core §5.3): claims about the user an access token with the `openid` scope was
//! issued for. The token is one of Latchkey's own, checked against its own published keys and clock.

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::bearer::{Refusal, authorize, bearer_header, refuse};
use crate::domain::form::Form;
use crate::domain::tokens::identity_claims::IdentityClaims;
use crate::domain::users::User;
use crate::http::cors;
use crate::state::AppState;
use crate::store::StoreError;
use crate::values::ids::UserId;

/// Registers `/userinfo`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/userinfo")
            .wrap(from_fn(cors::clients_get_post))
            .app_data(web::PayloadConfig::new(16 * 1024))
            .route(web::get().to(userinfo_get))
            .route(web::post().to(userinfo_post)),
    );
}

#[derive(Serialize)]
struct UserInfo {
    sub: String,
    /// The same claims the ID token carries for the granted scopes.
    #[serde(flatten)]
    identity: IdentityClaims,
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
    let claims = authorize(state, token).await?;
    let scopes: Vec<&str> = claims.scope.split(' ').collect();
    if !scopes.contains(&"openid") {
        return Err(Refusal::InsufficientScope("openid"));
    }
    let user = match state
        .store
        .find_user(&UserId::new(claims.sub.as_str()))
        .await
    {
        Ok(Some(user)) if !user.disabled => user,
        Ok(_) => {
            return Err(Refusal::InvalidToken(
                "the user is unknown or disabled".into(),
            ));
        }
        Err(StoreError::NotFound) => {
            return Err(Refusal::InvalidToken("the user is unknown".into()));
        }
        Err(e) => {
            tracing::warn!(error = %e, "userinfo: database unavailable");
            return Err(Refusal::Unavailable);
        }
    };
    let user = User::from_row(&user);
    Ok(UserInfo {
        identity: IdentityClaims::released(&user, |s| scopes.contains(&s)),
        sub: user.id.into_string(),
    })
}
