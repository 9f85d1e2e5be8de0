//! `/password/forgot` and `/password/reset`: account recovery by email.
//!
//! The forgot form answers the same page, status and cookies whether or not the address has an account, and
//! does nothing slow on the request path (the mail is queued, the sender delivers it). The link's `GET` only
//! shows the form, because mail scanners open links; the `POST` sets the password once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::render::{error_page, message_page, render, too_many_attempts, unavailable};
use super::settings::{Chrome, PageSettings};
use crate::domain::form::Form;
use crate::domain::password_reset::{self, RESET_PREFIX, ResetError};
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
    let pages = pages.get_ref();
    let (cookie, new) = pages.browser_cookie(&req);
    let page = ForgotPage {
        chrome: &pages.chrome,
        csrf_token: &pages.csrf.token(&cookie),
    };
    with_cookie(pages, render(pages, StatusCode::OK, &page), &cookie, new)
}

pub async fn forgot(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> HttpResponse {
    let pages = pages.get_ref();
    let messages = pages.chrome.messages;
    let form = match pages.checked_form(&req, &body) {
        Ok(form) => form,
        Err(refused) => return *refused,
    };
    // Per address only: the answer must not depend on the account, and a reset is never locked per account.
    if let Err(throttled) = state.throttle.forgot_password(source_address(&req)).await {
        return too_many_attempts(pages, throttled);
    }
    let email = form.get("email").unwrap_or_default();
    match password_reset::request(
        &state.store,
        &state.master,
        &state.reset,
        &messages.reset_mail_texts(),
        email,
        state.clock.now(),
    )
    .await
    {
        Ok(queued) => {
            if queued {
                state.mail_wake.notify_one();
            }
        }
        Err(ResetError::Store(e)) => return unavailable(pages, e),
        Err(e) => {
            tracing::error!(error = %e, "password reset request failed");
            return error_page(
                pages,
                StatusCode::SERVICE_UNAVAILABLE,
                messages.error_unavailable,
            );
        }
    }
    message_page(
        pages,
        StatusCode::OK,
        messages.forgot_sent_heading,
        messages.forgot_sent_text,
    )
}

pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> HttpResponse {
    let pages = pages.get_ref();
    let form = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let Some(token) = presented_token(&form) else {
        return invalid_link(pages);
    };
    // Only looks: a mail scanner opening the link must not use it up.
    match password_reset::usable(&state.store, &token, state.clock.now()).await {
        Ok(true) => reset_page(pages, &req, &token, None),
        Ok(false) => invalid_link(pages),
        Err(e) => unavailable(pages, e),
    }
}

pub async fn reset(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> HttpResponse {
    let pages = pages.get_ref();
    let messages = pages.chrome.messages;
    let form = match pages.checked_form(&req, &body) {
        Ok(form) => form,
        Err(refused) => return *refused,
    };
    let Some(token) = presented_token(&form) else {
        return invalid_link(pages);
    };
    let (first, again) = (
        form.get("password").unwrap_or_default(),
        form.get("password_again").unwrap_or_default(),
    );
    if first != again {
        return reset_page(pages, &req, &token, Some(messages.reset_mismatch));
    }
    let password = match Password::new(first.to_owned()) {
        Ok(password) => password,
        Err(e) => {
            let message = match e {
                PasswordError::TooShort => messages.reset_too_short,
                PasswordError::TooLong => messages.reset_too_long,
                PasswordError::Common => messages.reset_common,
                PasswordError::Hashing(_) | PasswordError::Busy => messages.error_unavailable,
            };
            return reset_page(pages, &req, &token, Some(message));
        }
    };
    let done = password_reset::complete(
        &state.store,
        &state.hasher,
        &state.master,
        &state.revocations,
        &messages.reset_mail_texts(),
        &token,
        &password,
        state.clock.now(),
    )
    .await;
    match done {
        Ok(true) => {
            state.mail_wake.notify_one();
            tracing::info!("password reset completed");
            message_page(
                pages,
                StatusCode::OK,
                messages.reset_done_heading,
                messages.reset_done_text,
            )
        }
        Ok(false) => invalid_link(pages),
        Err(ResetError::Store(e)) => unavailable(pages, e),
        Err(ResetError::Password(PasswordError::Busy)) => {
            tracing::info!("password reset shed: the password hashing queue is full");
            error_page(
                pages,
                StatusCode::SERVICE_UNAVAILABLE,
                messages.error_unavailable,
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "password reset failed");
            error_page(
                pages,
                StatusCode::SERVICE_UNAVAILABLE,
                messages.error_unavailable,
            )
        }
    }
}

/// The `token` parameter, when it has the shape of one of ours.
fn presented_token(form: &Form) -> Option<PlainToken> {
    form.get("token")
        .filter(|t| t.starts_with(RESET_PREFIX) && t.len() <= 128)
        .map(PlainToken::from_presented)
}

fn reset_page(
    pages: &PageSettings,
    req: &HttpRequest,
    token: &PlainToken,
    error: Option<&str>,
) -> HttpResponse {
    let (cookie, new) = pages.browser_cookie(req);
    let page = ResetPage {
        chrome: &pages.chrome,
        csrf_token: &pages.csrf.token(&cookie),
        token: token.expose(),
        error,
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    with_cookie(pages, render(pages, status, &page), &cookie, new)
}

fn invalid_link(pages: &PageSettings) -> HttpResponse {
    error_page(
        pages,
        StatusCode::BAD_REQUEST,
        pages.chrome.messages.reset_invalid_link,
    )
}

fn with_cookie(
    pages: &PageSettings,
    mut response: HttpResponse,
    cookie: &PlainToken,
    new: bool,
) -> HttpResponse {
    if new && let Err(e) = response.add_cookie(&pages.cookie.cookie(cookie)) {
        tracing::error!(error = %e, "cannot set the browser cookie");
    }
    response
}
