//! `/password/forgot` and `/password/reset`: account recovery by email.
//!
//! The forgot form answers the same page, status and cookies whether or not the address has an account, after
//! the same work: the request is queued, and the account is looked up, the link made and the mail queued off the
//! request path (the sender then delivers it). The link's `GET` only
//! shows the form, because mail scanners open links; the `POST` sets the password once. A request started from a
//! sign-in page carries it (`return_to`, checked at every step) through the mail, so the user ends up back in the
//! application (DESIGN.md §23); failed POSTs redirect (303) to the form with a reason's code.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::error::PageError;
use super::forms::{self, checked_return_to, form_status, link_token, sign_in_href};
use super::messages::Messages;
use super::render::{Link, render, steps_page};
use super::security;
use super::settings::{Chrome, PageSettings};
use crate::domain::form::Form;
use crate::domain::password_reset::{self, RESET_PREFIX};
use crate::domain::passwords::{Password, PasswordError};
use crate::http::source::source_address;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    return_to: Option<&'a str>,
    email: &'a str,
    sign_in_href: &'a str,
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    token: &'a str,
    return_to: Option<&'a str>,
    /// The account's address, in a hidden field for password managers.
    email: &'a str,
    error: Option<&'a str>,
}

/// `GET /password/forgot[?…]`: the form, keeping the authorization request it was reached from (as the sign-in
/// page links it: the request's own parameters; as a reset link's "send a new link": `return_to`) and the login
/// typed (`login_hint`) when it is an address. With `sent`, the confirmation (where a POST redirects).
pub async fn forgot_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> HttpResponse {
    let messages = &pages.chrome(&req).messages;
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let raw = query.get("return_to").unwrap_or(req.query_string());
    let return_to = checked_return_to(&state, Some(raw)).await;
    let email = query
        .get("login_hint")
        .filter(|h| h.contains('@') && h.len() <= 320)
        .unwrap_or_default();
    let sign_in = sign_in_href(return_to.as_deref());
    if query.get("sent").is_some() {
        let again = format!(
            "/password/forgot?{}",
            forms::query(&[
                ("return_to", return_to.as_deref()),
                ("login_hint", Some(email).filter(|e| !e.is_empty())),
            ])
        );
        return steps_page(
            &pages,
            &req,
            messages.forgot_sent_heading,
            messages.forgot_sent_text,
            Some(messages.disabled_hint),
            &[
                Link::new(sign_in, messages.back_to_sign_in_link),
                Link::new(again.trim_end_matches('?'), messages.send_again_link),
            ],
        );
    }
    pages.form_page(&req, |csrf_token| {
        let page = ForgotPage {
            chrome: pages.chrome(&req),
            csrf_token,
            return_to: return_to.as_deref(),
            email,
            sign_in_href: &sign_in,
        };
        render(&pages, StatusCode::OK, &page)
    })
}

/// `POST /password/forgot`: queued whatever the address, then 303 to the confirmation (the same for every
/// address).
pub async fn forgot(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    // Per address only: the answer must not depend on the account, and a reset is never locked per account.
    state.throttle.forgot_password(source_address(&req)).await?;
    let email = form.get("email").unwrap_or_default();
    let return_to = checked_return_to(&state, form.get("return_to")).await;
    let locale = pages.locale(&req);
    let queued = password_reset::request(
        &state.store,
        email,
        return_to.as_deref(),
        Some(&locale),
        state.clock.now(),
    )
    .await?;
    if queued {
        state.reset_wake.notify_one();
    }
    let location = format!(
        "/password/forgot?{}",
        forms::query(&[
            ("sent", Some("yes")),
            ("return_to", return_to.as_deref()),
            ("login_hint", Some(email).filter(|e| e.len() <= 320)),
        ])
    );
    Ok(security::see_other(&location, pages.hsts()).finish())
}

/// `GET /password/reset?token=…[&return_to=…][&problem=…]`: the form, while the link can be used.
pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let token = link_token(&query, RESET_PREFIX).ok_or(PageError::InvalidResetLink)?;
    // Only looks: a mail scanner opening the link must not use it up.
    let email = password_reset::usable(&state.store, &token, state.clock.now())
        .await?
        .ok_or(PageError::InvalidResetLink)?;
    let return_to = checked_return_to(&state, query.get("return_to")).await;
    let error = query
        .get("problem")
        .and_then(ResetProblem::from_code)
        .map(|p| p.message(&pages.chrome(&req).messages));
    Ok(pages.form_page(&req, |csrf_token| {
        let page = ResetPage {
            chrome: pages.chrome(&req),
            csrf_token,
            token: token.expose(),
            return_to: return_to.as_deref(),
            email: &email,
            error,
        };
        render(&pages, form_status(error), &page)
    }))
}

/// `POST /password/reset`: a refused password is a 303 to the form again with the reason's code; a used link the
/// error page with "send a new link"; done, the way on to signing in (back into the application when the
/// request came from one).
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
    let return_to = checked_return_to(&state, form.get("return_to")).await;
    let again = |problem: ResetProblem| {
        let location = format!(
            "/password/reset?{}",
            forms::query(&[
                ("token", Some(token.expose())),
                ("return_to", return_to.as_deref()),
                ("problem", Some(problem.code())),
            ])
        );
        security::see_other(&location, pages.hsts()).finish()
    };
    let (first, second) = (
        form.get("password").unwrap_or_default(),
        form.get("password_again").unwrap_or_default(),
    );
    if first != second {
        return Ok(again(ResetProblem::Mismatch));
    }
    let password = match Password::new(first.to_owned()) {
        Ok(password) => password,
        Err(PasswordError::TooShort) => return Ok(again(ResetProblem::TooShort)),
        Err(PasswordError::TooLong) => return Ok(again(ResetProblem::TooLong)),
        Err(PasswordError::Common) => return Ok(again(ResetProblem::Common)),
        Err(e) => return Err(PageError::Unexpected(e.into())),
    };
    let email = password_reset::usable(&state.store, &token, state.clock.now()).await?;
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
    // Signing in again leads back into the application, with the address filled in.
    let login = forms::query(&[("login_hint", email.as_deref())]);
    let sign_in = match &return_to {
        Some(request) => format!("/authorize?{request}&{login}"),
        None => format!("/login?{login}"),
    };
    let mut response = steps_page(
        &pages,
        &req,
        messages.reset_done_heading,
        messages.reset_done_continue_text,
        None,
        &[Link::new(
            sign_in.trim_end_matches(['?', '&']),
            messages.sign_in_link,
        )],
    );
    // The browser that proved control of the mailbox is a known device from now on (see `throttle`).
    if let Err(e) = response.add_cookie(&recovered.device_cookie(&state.throttle.devices)) {
        tracing::warn!(error = %e, "cannot set the device cookie");
    }
    Ok(response)
}

/// Why the reset form is shown again: a code from this fixed set travels in the redirect, never a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResetProblem {
    Mismatch,
    TooShort,
    TooLong,
    Common,
}

impl ResetProblem {
    const ALL: [Self; 4] = [Self::Mismatch, Self::TooShort, Self::TooLong, Self::Common];

    fn code(self) -> &'static str {
        match self {
            Self::Mismatch => "mismatch",
            Self::TooShort => "short",
            Self::TooLong => "long",
            Self::Common => "common",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    fn message(self, messages: &Messages) -> &'static str {
        match self {
            Self::Mismatch => messages.reset_mismatch,
            Self::TooShort => messages.reset_too_short,
            Self::TooLong => messages.reset_too_long,
            Self::Common => messages.reset_common,
        }
    }
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
