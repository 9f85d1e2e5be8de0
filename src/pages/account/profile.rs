//! `POST /account/profile` (username and display name) and `POST /account/email` (a change of address, confirmed
//! by a link mailed to the new address).

use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{Section, refused};
use super::session::{actor, presented_password, services, signed_in, source, to_account};
use crate::domain::account::{self, AccountError, ProfileChange};
use crate::pages::error::PageError;
use crate::pages::settings::PageSettings;
use crate::state::AppState;

/// `POST /account/profile`: `username`, `display_name` (empty removes either).
pub async fn update_profile(
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
    let source = source(&req, &state);
    let change = ProfileChange {
        username: form.get("username").unwrap_or_default(),
        display_name: form.get("display_name").unwrap_or_default(),
    };
    let result = account::update_profile(
        &services(&state),
        &actor(&signed_in, &source),
        change,
        state.clock.now(),
    )
    .await;
    let error = match result {
        Ok(_) => return Ok(to_account(&pages, Some("profile"))),
        Err(AccountError::UsernameTaken) => messages.invitation_username_taken,
        Err(AccountError::Invalid(why)) if why.starts_with("username") => {
            messages.invitation_username_invalid
        }
        Err(AccountError::Invalid(_)) => messages.account_display_name_invalid,
        Err(AccountError::Gone) => return Ok(to_account(&pages, None)),
        Err(e) => return Err(e.into()),
    };
    refused(&state, &pages, &req, &signed_in, Section::Profile, error).await
}

/// `POST /account/email`: `email` (the new address), `password` (the current one).
pub async fn change_email(
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
    let Some(password) = presented_password(&form, "password") else {
        let error = messages.account_wrong_password;
        return refused(&state, &pages, &req, &signed_in, Section::Email, error).await;
    };
    let source = source(&req, &state);
    // The sign-in page's per-address limit comes first, as there: a password check is never the cheap way in.
    state.throttle.request(source.address).await?;
    let result = account::request_email_change(
        &services(&state),
        &actor(&signed_in, &source),
        &state.registration,
        form.get("email").unwrap_or_default(),
        &password,
        pages.wording(&pages.locale(&req)),
        state.clock.now(),
    )
    .await;
    let error = match result {
        Ok(_) => {
            state.mail_wake.notify_one();
            tracing::info!(user = %signed_in.session.user_id, "address change asked; link mailed to the new address");
            return Ok(to_account(&pages, Some("email")));
        }
        Err(AccountError::WrongPassword) => messages.account_wrong_password,
        Err(AccountError::Invalid(_)) => messages.register_invalid_email,
        Err(AccountError::SameAddress) => messages.account_email_same,
        Err(AccountError::Throttled) => messages.account_email_throttled,
        Err(AccountError::Gone) => return Ok(to_account(&pages, None)),
        Err(e) => return Err(e.into()),
    };
    refused(&state, &pages, &req, &signed_in, Section::Email, error).await
}
