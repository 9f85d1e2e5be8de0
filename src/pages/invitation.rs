//! `/invitation?token=…`: an invitee chooses a password (and a username) and gets an account whose address the link
//! has verified. The `GET` only shows the form (mail scanners open links); the `POST` accepts the invitation once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::error::PageError;
use super::forms::{form_status, link_token};
use super::password::password_problem;
use super::render::{message_page, render};
use super::settings::{Chrome, PageSettings};
use crate::domain::form::Form;
use crate::domain::invitations::{self, AcceptError, INVITATION_PREFIX};
use crate::domain::passwords::{Password, PasswordError};
use crate::domain::users::UserError;
use crate::http::source::source_address;
use crate::state::AppState;
use crate::values::secret::PlainToken;

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    token: &'a str,
    email: &'a str,
    username: &'a str,
    error: Option<&'a str>,
}

/// `GET /invitation?token=…`: the form, if the invitation can still be accepted.
pub async fn invitation_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let token = link_token(&form, INVITATION_PREFIX).ok_or(PageError::InvalidInvitationLink)?;
    let invitation = invitations::usable(&state.store, &token, state.clock.now())
        .await?
        .ok_or(PageError::InvalidInvitationLink)?;
    Ok(invitation_page(
        &pages,
        &req,
        &token,
        &invitation.email,
        "",
        None,
    ))
}

/// `POST /invitation`: creates the account once.
pub async fn accept(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let form = pages.checked_form(&req, &body)?;
    let token = link_token(&form, INVITATION_PREFIX).ok_or(PageError::InvalidInvitationLink)?;
    let now = state.clock.now();
    let invitation = invitations::usable(&state.store, &token, now)
        .await?
        .ok_or(PageError::InvalidInvitationLink)?;
    let username = form.get("username").map(str::trim).unwrap_or_default();
    let again = |error| {
        invitation_page(
            &pages,
            &req,
            &token,
            &invitation.email,
            username,
            Some(error),
        )
    };
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
    let username = (!username.is_empty()).then_some(username);
    match invitations::accept(
        &state.store,
        &state.hasher,
        &token,
        username,
        &password,
        source_address(&req),
        now,
    )
    .await
    {
        Ok(user) => tracing::info!(%user, "invitation accepted"),
        Err(AcceptError::Unusable) => return Err(PageError::InvalidInvitationLink),
        Err(AcceptError::UsernameTaken) => return Ok(again(messages.invitation_username_taken)),
        Err(AcceptError::User(UserError::Invalid(_))) => {
            return Ok(again(messages.invitation_username_invalid));
        }
        Err(AcceptError::User(UserError::Password(PasswordError::Busy))) => {
            return Err(PageError::Busy);
        }
        Err(AcceptError::User(UserError::Store(e))) => return Err(PageError::Unavailable(e)),
        Err(AcceptError::User(other)) => return Err(PageError::Unexpected(other.into())),
    }
    Ok(message_page(
        &pages,
        &req,
        StatusCode::OK,
        messages.invitation_done_heading,
        messages.invitation_done_text,
    ))
}

fn invitation_page(
    pages: &PageSettings,
    req: &HttpRequest,
    token: &PlainToken,
    email: &str,
    username: &str,
    error: Option<&str>,
) -> HttpResponse {
    pages.form_page(req, |csrf_token| {
        let page = InvitationPage {
            chrome: pages.chrome(req),
            csrf_token,
            token: token.expose(),
            email,
            username,
            error,
        };
        render(pages, form_status(error), &page)
    })
}
