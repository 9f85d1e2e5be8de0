//! Rendering pages: the templates every page shares, and the error pages (the message only, never input echoed).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::security;
use super::settings::{Chrome, PageSettings};

#[derive(Template)]
#[template(path = "sign_in.html")]
pub(super) struct SignInPage<'a> {
    pub(super) chrome: &'a Chrome,
    pub(super) client_id: &'a str,
    pub(super) csrf_token: &'a str,
    pub(super) carried: &'a [(&'static str, String)],
    pub(super) username: &'a str,
    pub(super) error: Option<&'a str>,
    /// Registration, carrying this request (when registration is open).
    pub(super) register_href: Option<&'a str>,
    /// Offer a new verification link (the account's address is not verified).
    pub(super) resend: bool,
}

/// A page with a heading and one paragraph (confirmations).
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: &'a Chrome,
    heading: &'a str,
    text: &'a str,
}

/// A confirmation page, in the language of `req`.
pub fn message_page(
    settings: &PageSettings,
    req: &HttpRequest,
    status: StatusCode,
    heading: &str,
    text: &str,
) -> HttpResponse {
    render(
        settings,
        status,
        &MessagePage {
            chrome: settings.chrome(req),
            heading,
            text,
        },
    )
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    message: &'a str,
}

/// Renders `template` as a page with `status`.
pub(super) fn render(
    settings: &PageSettings,
    status: StatusCode,
    template: &impl Template,
) -> HttpResponse {
    match template.render() {
        Ok(html) => security::page(status, settings.hsts()).body(html),
        Err(e) => {
            tracing::error!(error = %e, "a page template failed to render");
            security::page(StatusCode::INTERNAL_SERVER_ERROR, settings.hsts()).body("")
        }
    }
}

/// The error page: the message only, never input echoed back (see [`super::error::PageError`]).
pub(super) fn render_error(
    settings: &PageSettings,
    req: &HttpRequest,
    status: StatusCode,
    message: &str,
) -> HttpResponse {
    render(
        settings,
        status,
        &ErrorPage {
            chrome: settings.chrome(req),
            message,
        },
    )
}
