//! `/admin/v1/invitations`: invite someone by email, list invitations, withdraw a pending one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::access::Access;
use super::problem::Problem;
use super::request::{caller, json_body, path_param};
use super::respond::{json, resource};
use crate::domain::invitations::{self, Invitation, NewInvitation};
use crate::domain::letters::Wording;
use crate::state::AppState;
use crate::values::locale::Locale;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/invitations", "GET, POST")
            .route(web::get().to(list_invitations))
            .route(web::post().to(create_invitation)),
    )
    .service(resource("/invitations/{id}", "DELETE").route(web::delete().to(revoke_invitation)));
}

/// An invitation to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitation {
    #[schema(example = "ada@example.org")]
    pub email: String,
    /// The new account's roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The new account's tenant.
    pub tenant: Option<String>,
    /// The language of the invitation mail (a BCP 47 tag such as `de`); unset, or a language the service does not
    /// speak: `default_locale`.
    #[schema(example = "de")]
    pub locale: Option<String>,
}

#[utoipa::path(get, path = "/admin/v1/invitations", tag = "users",
    responses((status = 200, description = "The newest invitations (up to 1,000), newest first",
        body = Vec<Invitation>)),
    security(("oauth2" = ["latchkey:admin:read"])))]
pub async fn list_invitations(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    caller(&req, &state, Access::Read).await?;
    let all = invitations::list(&state.store, state.clock.now()).await?;
    Ok(json(StatusCode::OK, &all))
}

#[utoipa::path(post, path = "/admin/v1/invitations", tag = "users", request_body = CreateInvitation,
    responses(
        (status = 201, description = "Invited: the link is mailed to the address", body = Invitation),
        (status = 409, description = "An account has this address already", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn create_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let new: CreateInvitation = json_body(&req, &body)?;
    let locale = match new.locale.as_deref().map(Locale::parse) {
        None => None,
        Some(Some(locale)) => Some(locale),
        Some(None) => {
            return Err(Problem::bad_request(
                "locale must be a language tag such as de",
            ));
        }
    };
    let invitation = invitations::invite(
        &state.store,
        &state.master,
        &state.invitations,
        Wording {
            writer: state.letters.as_ref(),
            locale: locale.as_ref(),
        },
        NewInvitation {
            email: new.email,
            roles: new.roles,
            tenant: new.tenant,
        },
        &caller.actor(),
        state.clock.now(),
    )
    .await?;
    state.mail_wake.notify_one();
    Ok(json(StatusCode::CREATED, &invitation))
}

#[utoipa::path(delete, path = "/admin/v1/invitations/{id}", tag = "users",
    params(("id" = String, Path, description = "The invitation's id")),
    responses(
        (status = 204, description = "Withdrawn: the link no longer works"),
        (status = 404, description = "No pending invitation has this id", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn revoke_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let id = path_param(&req, "id");
    invitations::revoke(&state.store, &id, &caller.actor(), state.clock.now())
        .await
        .map_err(|e| match e {
            crate::domain::users::UserError::NotFound(_) => {
                Problem::not_found("no pending invitation has this id")
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::NoContent()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .finish())
}
