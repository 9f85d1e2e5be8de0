//! `POST /account/sessions/revoke` and `/account/sessions/end-all`: ending one session or app, or all of them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{Feedback, Section, account_page};
use super::session::{actor, services, signed_in, signed_out, source, to_account};
use crate::domain::account::{self, AccountError, DeviceKind};
use crate::pages::error::PageError;
use crate::pages::settings::PageSettings;
use crate::state::AppState;

/// `POST /account/sessions/revoke`: `kind` (`session` or `app`) and `id`.
pub async fn revoke(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let kind = match form.get("kind") {
        Some("session") => DeviceKind::Session,
        Some("app") => DeviceKind::Family,
        _ => return Err(PageError::Malformed),
    };
    let id = form
        .get("id")
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .ok_or(PageError::Malformed)?;
    let source = source(&req, &state);
    let result = account::revoke_device(
        &services(&state),
        &actor(&signed_in, &source),
        kind,
        id,
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => Ok(to_account(&pages, Some("revoked"))),
        Err(AccountError::NotFound) => {
            let error = messages.account_unknown_session;
            let feedback = Feedback::error_in(Section::Devices, error);
            account_page(
                &state,
                &pages,
                &req,
                &signed_in,
                StatusCode::NOT_FOUND,
                feedback,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/sessions/end-all`: every session and token of the user ends, this browser's too.
pub async fn logout_everywhere(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let source = source(&req, &state);
    account::log_out_everywhere(
        &services(&state),
        &actor(&signed_in, &source),
        state.clock.now(),
    )
    .await?;
    tracing::info!(user = %signed_in.session.user_id, "signed out everywhere from the account page");
    Ok(signed_out(
        &pages,
        &req,
        messages.account_logged_out_everywhere_heading,
        messages.account_logged_out_everywhere_text,
    ))
}
