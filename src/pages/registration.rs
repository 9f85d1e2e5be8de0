//! `/register`, `/verify-email` and `/verify-email/resend`: self-service accounts (DESIGN.md §22).
//!
//! The registration page answers the same page, status and cookies whether or not the address has an account,
//! after the same work (see [`crate::domain::registration`]). A registration started from `/authorize` carries that
//! request, checked again at every step, so that the verified user ends up back in it. The link's `GET` only shows
//! a button, because mail scanners open links; the `POST` verifies the address once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::error::PageError;
use super::forms::{checked_return_to, form_status, link_token, sign_in_href};
use super::password::password_problem;
use super::render::{Link, render, steps_page};
use super::settings::{Chrome, PageSettings};
use crate::domain::form::Form;
use crate::domain::passwords::Password;
use crate::domain::registration::{
    self, LinkPurpose, Registration, RegistrationError, VERIFICATION_PREFIX, Verified,
};
use crate::http::source::source_address;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    return_to: Option<&'a str>,
    email: &'a str,
    error: Option<&'a str>,
    sign_in_href: Option<String>,
}

#[derive(Template)]
#[template(path = "verify_email.html")]
struct VerifyPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    token: &'a str,
    /// What confirming does: finish setting up the account, or make the address the account's new one.
    intro: &'a str,
}

#[derive(Template)]
#[template(path = "resend.html")]
struct ResendPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
}

/// A confirmation with one link onward.
#[derive(Template)]
#[template(path = "next_step.html")]
struct NextStepPage<'a> {
    chrome: &'a Chrome,
    heading: &'a str,
    text: &'a str,
    href: &'a str,
    link: &'a str,
}

/// `GET /register[?<authorization request>]`.
pub async fn register_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    if !state.registration.is_open() {
        return Err(PageError::RegistrationClosed);
    }
    let return_to = checked_return_to(&state, Some(req.query_string())).await;
    Ok(register_page(&pages, &req, return_to.as_deref(), "", None))
}

/// `POST /register`.
pub async fn register(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    if !state.registration.is_open() {
        return Err(PageError::RegistrationClosed);
    }
    let form = pages.checked_form(&req, &body)?;
    let messages = &pages.chrome(&req).messages;
    let locale = pages.locale(&req);
    // The same per-address limit as every form that sends mail.
    state.throttle.forgot_password(source_address(&req)).await?;
    let return_to = checked_return_to(&state, form.get("return_to")).await;
    let email = form.get("email").unwrap_or_default();
    let again = |error| register_page(&pages, &req, return_to.as_deref(), email, Some(error));
    let (first, second) = (
        form.get("password").unwrap_or_default(),
        form.get("password_again").unwrap_or_default(),
    );
    if first != second {
        return Ok(again(messages.reset_mismatch));
    }
    let password = match Password::new(first.to_owned()) {
        Ok(password) => password,
        Err(e) => return Ok(again(password_problem(&e, messages))),
    };
    let registration = Registration {
        email,
        password: &password,
        return_to: return_to.as_deref(),
        locale: Some(&locale),
    };
    match registration::register(
        &state.store,
        &state.hasher,
        &state.registration,
        registration,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => {}
        Err(RegistrationError::InvalidEmail) => return Ok(again(messages.register_invalid_email)),
        Err(RegistrationError::DomainNotAllowed) => {
            return Ok(again(messages.register_domain_not_allowed));
        }
        Err(RegistrationError::Password(e))
            if !matches!(e, crate::domain::passwords::PasswordError::Busy) =>
        {
            return Ok(again(password_problem(&e, messages)));
        }
        Err(e) => return Err(e.into()),
    }
    state.reset_wake.notify_one();
    Ok(steps_page(
        &pages,
        &req,
        messages.register_sent_heading,
        messages.register_sent_text,
        None,
        &[
            Link::new(
                sign_in_href(return_to.as_deref()),
                messages.back_to_sign_in_link,
            ),
            Link::new("/verify-email/resend", messages.send_again_link),
        ],
    ))
}

/// `GET /verify-email?token=…`: the button, if the link can be used. Consumes nothing.
pub async fn verify_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let token = link_token(&form, VERIFICATION_PREFIX).ok_or(PageError::InvalidVerificationLink)?;
    let purpose = registration::usable(&state.store, &token, state.clock.now())
        .await?
        .ok_or(PageError::InvalidVerificationLink)?;
    let messages = &pages.chrome(&req).messages;
    Ok(pages.form_page(&req, |csrf_token| {
        let page = VerifyPage {
            chrome: pages.chrome(&req),
            csrf_token,
            token: token.expose(),
            intro: match purpose {
                LinkPurpose::Verify => messages.verify_intro,
                LinkPurpose::ChangeAddress => messages.verify_change_intro,
            },
        };
        render(&pages, StatusCode::OK, &page)
    }))
}

/// `POST /verify-email`: verifies the address once, then points the way on: back into the authorization request
/// the registration started from, if any.
pub async fn verify(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    let messages = &pages.chrome(&req).messages;
    let token = link_token(&form, VERIFICATION_PREFIX).ok_or(PageError::InvalidVerificationLink)?;
    let verified = registration::verify(
        &state.store,
        &state.master,
        &state.metrics,
        &token,
        pages.wording(&pages.locale(&req)),
        source_address(&req),
        state.clock.now(),
    )
    .await?
    .ok_or(PageError::InvalidVerificationLink)?;
    let next_step = |heading, text, href: &str, link| {
        render(
            &pages,
            StatusCode::OK,
            &NextStepPage {
                chrome: pages.chrome(&req),
                heading,
                text,
                href,
                link,
            },
        )
    };
    Ok(match verified {
        Verified::Address { return_to } => {
            tracing::info!("email address verified");
            match checked_return_to(&state, return_to.as_deref()).await {
                Some(request) => next_step(
                    messages.verify_done_heading,
                    messages.verify_done_text,
                    &format!("/authorize?{request}"),
                    messages.continue_link,
                ),
                None => steps_page(
                    &pages,
                    &req,
                    messages.verify_done_heading,
                    messages.verify_done_text,
                    None,
                    &[Link::new("/login", messages.sign_in_link)],
                ),
            }
        }
        Verified::Changed => {
            state.mail_wake.notify_one();
            tracing::info!("email address changed");
            next_step(
                messages.verify_changed_heading,
                messages.verify_changed_text,
                "/account",
                messages.account_link,
            )
        }
        Verified::AddressTaken => {
            tracing::info!("address change not made: the address has another account");
            next_step(
                messages.verify_taken_heading,
                messages.verify_taken_text,
                "/account",
                messages.account_link,
            )
        }
    })
}

/// `GET /verify-email/resend`.
pub async fn resend_form(req: HttpRequest, pages: web::Data<PageSettings>) -> HttpResponse {
    pages.form_page(&req, |csrf_token| {
        let page = ResendPage {
            chrome: pages.chrome(&req),
            csrf_token,
        };
        render(&pages, StatusCode::OK, &page)
    })
}

/// `POST /verify-email/resend`: the same answer whatever the address.
pub async fn resend(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    let messages = &pages.chrome(&req).messages;
    state.throttle.forgot_password(source_address(&req)).await?;
    let email = form.get("email").unwrap_or_default();
    let locale = pages.locale(&req);
    if registration::resend(&state.store, email, Some(&locale), state.clock.now()).await? {
        state.reset_wake.notify_one();
    }
    Ok(steps_page(
        &pages,
        &req,
        messages.register_sent_heading,
        messages.resend_sent_text,
        None,
        &[Link::new("/login", messages.back_to_sign_in_link)],
    ))
}

fn register_page(
    pages: &PageSettings,
    req: &HttpRequest,
    return_to: Option<&str>,
    email: &str,
    error: Option<&str>,
) -> HttpResponse {
    pages.form_page(req, |csrf_token| {
        let page = RegisterPage {
            chrome: pages.chrome(req),
            csrf_token,
            return_to,
            email,
            error,
            sign_in_href: return_to.map(|r| sign_in_href(Some(r))),
        };
        render(pages, form_status(error), &page)
    })
}
