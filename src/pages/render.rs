//! Rendering pages: the templates every page shares, and the error pages (the message only, never input echoed).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::security;
use super::settings::{Chrome, PageSettings};

#[derive(Template)]
#[template(path = "sign_in.html")]
pub(super) struct SignInPage<'a> {
    /// The frame for the request's client (its name and logo, [`Chrome::for_client`]); without an application
    /// (the account's own sign-in) the plain frame.
    pub(super) chrome: &'a Chrome,
    pub(super) csrf_token: &'a str,
    pub(super) carried: &'a [(&'static str, String)],
    pub(super) username: &'a str,
    pub(super) error: Option<&'a str>,
    /// Add "if your account was disabled, contact your administrator" (to every failed sign-in alike).
    pub(super) disabled_hint: bool,
    /// Why the form is shown again when nothing failed (a stale form).
    pub(super) notice: Option<&'a str>,
    /// Whom this browser is signed in as, when the form asks for the password again.
    pub(super) signed_in_as: Option<&'a str>,
    /// "Forgot your password?", carrying the request and the login typed.
    pub(super) forgot_href: &'a str,
    /// Registration, carrying this request (when registration is open).
    pub(super) register_href: Option<&'a str>,
    /// Offer a new verification link (the account's address is not verified).
    pub(super) resend: bool,
    /// Offer "Sign in with a passkey" and passkeys in the username's autofill (shown by `/assets/passkeys.js`).
    pub(super) passkeys: bool,
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

/// A link to the next step; the first of a page's links is its main action.
#[derive(Debug, Clone)]
pub struct Link {
    /// Same-origin (built by us from checked values) or a URL from the settings.
    pub href: String,
    pub label: &'static str,
}

impl Link {
    pub fn new(href: impl Into<String>, label: &'static str) -> Self {
        Self {
            href: href.into(),
            label,
        }
    }
}

/// A page that explains where the user stands and offers the next steps: every problem and every confirmation
/// ends on one (DESIGN.md §23).
#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct StepsPage<'a> {
    pub(super) chrome: &'a Chrome,
    pub(super) heading: &'a str,
    pub(super) text: &'a str,
    /// A problem (`role="alert"`), or a confirmation (`role="status"`).
    pub(super) alert: bool,
    pub(super) note: Option<&'a str>,
    pub(super) links: &'a [Link],
}

/// A confirmation with its next steps.
pub(super) fn steps_page(
    settings: &PageSettings,
    req: &HttpRequest,
    heading: &str,
    text: &str,
    note: Option<&str>,
    links: &[Link],
) -> HttpResponse {
    steps_page_in(settings, settings.chrome(req), heading, text, note, links)
}

/// A confirmation with its next steps, in `chrome` (the frame of the application the user came from).
pub(super) fn steps_page_in(
    settings: &PageSettings,
    chrome: &Chrome,
    heading: &str,
    text: &str,
    note: Option<&str>,
    links: &[Link],
) -> HttpResponse {
    render(
        settings,
        StatusCode::OK,
        &StepsPage {
            chrome,
            heading,
            text,
            alert: false,
            note,
            links,
        },
    )
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

/// The error page: what went wrong and what to do next, never input echoed back (see
/// [`super::error::PageError`]), in `chrome` (the frame of the application the request came from, when it is
/// known).
pub(super) fn render_error(
    settings: &PageSettings,
    chrome: &Chrome,
    status: StatusCode,
    heading: &str,
    text: &str,
    note: Option<&str>,
    links: &[Link],
) -> HttpResponse {
    render(
        settings,
        status,
        &StepsPage {
            chrome,
            heading,
            text,
            alert: true,
            note,
            links,
        },
    )
}
