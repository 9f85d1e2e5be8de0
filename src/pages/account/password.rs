//! `POST /account/password`: a password change that keeps this browser signed in.

use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{Section, refused};
use super::session::{actor, presented_password, services, signed_in, source, to_account};
use crate::domain::account::{self, AccountError};
use crate::domain::passwords::Password;
use crate::pages::error::PageError;
use crate::pages::password::password_problem;
use crate::pages::settings::PageSettings;
use crate::state::AppState;

/// `POST /account/password`: `current_password`, `password`, `password_again`.
pub async fn change_password(
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
    let refuse =
        async |error| refused(&state, &pages, &req, &signed_in, Section::Password, error).await;
    let (first, again) = (
        form.get("password").unwrap_or_default(),
        form.get("password_again").unwrap_or_default(),
    );
    if first != again {
        return refuse(messages.reset_mismatch).await;
    }
    let new = match Password::new(first.to_owned()) {
        Ok(password) => password,
        Err(e) => return refuse(password_problem(&e, messages)).await,
    };
    let Some(current) = presented_password(&form, "current_password") else {
        return refuse(messages.account_wrong_password).await;
    };
    let source = source(&req, &state);
    let locale = pages.locale(&req);
    // The sign-in page's per-address limit comes first, as there: a password check is never the cheap way in.
    state.throttle.request(source.address).await?;
    let result = account::change_password(
        &services(&state),
        &actor(&signed_in, &source),
        &current,
        &new,
        pages.wording(&locale),
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => {
            state.mail_wake.notify_one();
            tracing::info!(user = %signed_in.session.user_id, "password changed on the account page");
            Ok(to_account(&pages, Some("password")))
        }
        Err(AccountError::WrongPassword) => refuse(messages.account_wrong_password).await,
        Err(AccountError::Gone) => Ok(to_account(&pages, None)),
        Err(e) => Err(e.into()),
    }
}
