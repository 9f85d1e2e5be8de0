//! `/admin/v1/keys`: list the signing keys, start (or finish) a rotation, revoke a key in an emergency. A change is
//! applied to this replica's key ring at once and announced to the others (Redis), as the CLI does.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::access::Access;
use super::paging::Page;
use super::problem::Problem;
use super::request::{caller, json_body, path_param, settings};
use super::respond::{json, resource};
use super::settings::AdminSettings;
use crate::domain::signing::admin::{self as key_admin, KeyInfo, RotateOutcome};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/keys", "GET").route(web::get().to(list_keys)))
        .service(resource("/keys/rotate", "POST").route(web::post().to(rotate)))
        .service(resource("/keys/{kid}/revoke", "POST").route(web::post().to(revoke)));
}

/// How to rotate.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// Promote the published `next` key now (refused while verifiers may not have fetched it yet); without it, a
    /// `next` key is published and signs after `key_publish_ahead`.
    #[serde(default)]
    pub now: bool,
}

/// Why a key is revoked (kept in the audit trail).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "private key found on a laptop"
    )]
    pub reason: String,
}

/// What an emergency revocation did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyRevoked {
    pub kid: String,
    /// The key that signs from now on, when the revoked one was signing.
    pub new_active: Option<String>,
    /// Refresh-token families revoked because their access tokens were signed by the key.
    pub families_revoked: u64,
}

#[utoipa::path(get, path = "/admin/v1/keys", tag = "keys",
    responses((status = 200, description = "Every signing key, with its state and schedule", body = Page<KeyInfo>)),
    security(("oauth2" = ["latchkey:admin:read"])))]
pub async fn list_keys(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    caller(&req, &state, Access::Read).await?;
    let keys = key_admin::list(&state.store, state.clock.now()).await?;
    Ok(json(
        StatusCode::OK,
        &Page {
            items: keys,
            next_cursor: None,
        },
    ))
}

#[utoipa::path(post, path = "/admin/v1/keys/rotate", tag = "keys",
    request_body(content = Option<Rotate>, description = "Optional; `{}` publishes a next key"),
    responses(
        (status = 200, description = "Scheduled, already scheduled, or promoted", body = RotateOutcome),
        (status = 409, description = "`now`: no next key, or published too recently to sign", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn rotate(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let rotate: Rotate = if body.is_empty() {
        Rotate::default()
    } else {
        json_body::<Option<Rotate>>(&req, &body)?.unwrap_or_default()
    };
    let admin = settings(&req)?;
    let outcome = if rotate.now {
        key_admin::rotate_now(
            &state.store,
            &admin.key_policy,
            &caller.actor(),
            state.clock.now(),
        )
        .await?
    } else {
        key_admin::rotate(
            &state.store,
            &state.master,
            &admin.key_policy,
            admin.key_bits,
            &caller.actor(),
            state.clock.now(),
        )
        .await?
    };
    if !matches!(outcome, RotateOutcome::AlreadyScheduled { .. }) {
        keys_changed(&state, settings(&req)?).await;
    }
    Ok(json(StatusCode::OK, &outcome))
}

#[utoipa::path(post, path = "/admin/v1/keys/{kid}/revoke", tag = "keys",
    params(("kid" = String, Path, description = "The key's kid")),
    request_body = Revoke,
    responses(
        (status = 200, description = "The key has left the JWKS; tokens it signed are refused", body = KeyRevoked),
        (status = 409, description = "The key is already revoked", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let revoke: Revoke = json_body(&req, &body)?;
    let reason = revoke.reason.trim();
    if reason.is_empty() || reason.len() > 500 || reason.chars().any(char::is_control) {
        return Err(Problem::bad_request(
            "reason must be 1-500 printable characters saying why the key is revoked",
        ));
    }
    let kid = path_param(&req, "kid");
    let revocation = key_admin::revoke(
        &state.store,
        &state.master,
        settings(&req)?.key_bits,
        &kid,
        reason,
        &caller.actor(),
        state.clock.now(),
    )
    .await?;
    keys_changed(&state, settings(&req)?).await;
    // The revoked families' entries go to the shared denylist now rather than at the next periodic refill.
    state.revocations.refill().await;
    Ok(json(
        StatusCode::OK,
        &KeyRevoked {
            kid,
            new_active: revocation.new_active,
            families_revoked: revocation.families_revoked as u64,
        },
    ))
}

/// Reloads this replica's ring now and tells the others to reload theirs.
async fn keys_changed(state: &AppState, admin: &AdminSettings) {
    if let Err(e) = state
        .keys
        .reload(&state.store, &state.master, state.clock.now())
        .await
    {
        tracing::warn!(error = %e, "reloading the key ring after an admin change failed; the schedule will retry");
    }
    if let Some(notices) = &admin.key_notices {
        notices.publish().await;
    }
}
