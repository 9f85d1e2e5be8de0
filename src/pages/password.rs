//! `/password/forgot` and `/password/reset`: account recovery by email.
//!
//! The forgot form answers the same page, status and cookies whether or not the address has an account, after
//! the same work: the request is queued, and the account is looked up, the link made and the mail queued off the
//! request path (the sender then delivers it). The link's `GET` only
//! shows the form, because mail scanners open links; the `POST` sets the password once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::error::PageError;
use super::forms::{form_status, link_token};
use super::messages::Messages;
use super::render::{message_page, render};
use super::settings::{Chrome, PageSettings};
use crate::domain::form::Form;
use crate::domain::password_reset::{self, RESET_PREFIX};
use crate::domain::passwords::{Password, PasswordError};
use crate::http::source::source_address;
use crate::state::AppState;
use crate::values::secret::PlainToken;

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    token: &'a str,
    error: Option<&'a str>,
}

pub async fn forgot_form(req: HttpRequest, pages: web::Data<PageSettings>) -> HttpResponse {
    pages.form_page(&req, |csrf_token| {
        let page = ForgotPage {
            chrome: pages.chrome(&req),
            csrf_token,
        };
        render(&pages, StatusCode::OK, &page)
    })
}

pub async fn forgot(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    let messages = &pages.chrome(&req).messages;
    // Per address only: the answer must not depend on the account, and a reset is never locked per account.
    state.throttle.forgot_password(source_address(&req)).await?;
    let email = form.get("email").unwrap_or_default();
    let locale = pages.locale(&req);
    if password_reset::request(&state.store, email, Some(&locale), state.clock.now()).await? {
        state.reset_wake.notify_one();
    }
    Ok(message_page(
        &pages,
        &req,
        StatusCode::OK,
        messages.forgot_sent_heading,
        messages.forgot_sent_text,
    ))
}

pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let token = link_token(&form, RESET_PREFIX).ok_or(PageError::InvalidResetLink)?;
    // Only looks: a mail scanner opening the link must not use it up.
    if !password_reset::usable(&state.store, &token, state.clock.now()).await? {
        return Err(PageError::InvalidResetLink);
    }
    Ok(reset_page(&pages, &req, &token, None))
}

pub async fn reset(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    let messages = &pages.chrome(&req).messages;
    let locale = pages.locale(&req);
    let token = link_token(&form, RESET_PREFIX).ok_or(PageError::InvalidResetLink)?;
    let (first, again) = (
        form.get("password").unwrap_or_default(),
        form.get("password_again").unwrap_or_default(),
    );
    if first != again {
        return Ok(reset_page(
            &pages,
            &req,
            &token,
            Some(messages.reset_mismatch),
        ));
    }
    let password = match Password::new(first.to_owned()) {
        Ok(password) => password,
        Err(e) => {
            let message = password_problem(&e, messages);
            return Ok(reset_page(&pages, &req, &token, Some(message)));
        }
    };
    let recovered = password_reset::complete(
        &state.store,
        &state.hasher,
        &state.master,
        &state.revocations,
        &state.throttle,
        pages.wording(&locale),
        &token,
        &password,
        state.clock.now(),
    )
    .await?;
    let Some(recovered) = recovered else {
        return Err(PageError::InvalidResetLink);
    };
    state.mail_wake.notify_one();
    tracing::info!("password reset completed");
    let mut response = message_page(
        &pages,
        &req,
        StatusCode::OK,
        messages.reset_done_heading,
        messages.reset_done_text,
    );
    // The browser that proved control of the mailbox is a known device from now on (see `throttle`).
    if let Err(e) = response.add_cookie(&recovered.device_cookie(&state.throttle.devices)) {
        tracing::warn!(error = %e, "cannot set the device cookie");
    }
    Ok(response)
}

/// What to tell someone whose new password the policy refused (length, the common-password list).
pub(super) fn password_problem(e: &PasswordError, messages: &Messages) -> &'static str {
    match e {
        PasswordError::TooShort => messages.reset_too_short,
        PasswordError::TooLong => messages.reset_too_long,
        PasswordError::Common => messages.reset_common,
        PasswordError::Hashing(_) | PasswordError::Busy => messages.error_unavailable,
    }
}

fn reset_page(
    pages: &PageSettings,
    req: &HttpRequest,
    token: &PlainToken,
    error: Option<&str>,
) -> HttpResponse {
    pages.form_page(req, |csrf_token| {
        let page = ResetPage {
            chrome: pages.chrome(req),
            csrf_token,
            token: token.expose(),
            error,
        };
        render(pages, form_status(error), &page)
    })
}
