//! Rendering pages: the templates every page shares, and the error pages (the message only, never input echoed).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::security;
use super::settings::{Chrome, PageSettings};
use crate::domain::form::Form;
use crate::domain::revocation::RevocationError;
use crate::domain::throttle::Throttled;
use crate::http::retry_after::RETRY_AFTER_SECS;
use crate::store::StoreError;

#[derive(Template)]
#[template(path = "sign_in.html")]
pub(super) struct SignInPage<'a> {
    pub(super) chrome: &'a Chrome,
    pub(super) client_id: &'a str,
    pub(super) csrf_token: &'a str,
    pub(super) carried: &'a [(&'static str, String)],
    pub(super) username: &'a str,
    pub(super) error: Option<&'a str>,
}

/// A page with a heading and one paragraph (confirmations).
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: &'a Chrome,
    heading: &'a str,
    text: &'a str,
}

/// A confirmation page.
pub fn message_page(
    settings: &PageSettings,
    status: StatusCode,
    heading: &str,
    text: &str,
) -> HttpResponse {
    render(
        settings,
        status,
        &MessagePage {
            chrome: &settings.chrome,
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

/// The error page: the message only, never input echoed back.
pub fn error_page(settings: &PageSettings, status: StatusCode, message: &str) -> HttpResponse {
    let mut response = render(
        settings,
        status,
        &ErrorPage {
            chrome: &settings.chrome,
            message,
        },
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(RETRY_AFTER_SECS),
        );
    }
    response
}

/// Too many attempts from this source (brute-force defence): 429 with `Retry-After` (RFC 6585 §4).
pub fn too_many_attempts(settings: &PageSettings, throttled: Throttled) -> HttpResponse {
    let mut response = error_page(
        settings,
        StatusCode::TOO_MANY_REQUESTS,
        settings.chrome.messages.error_too_many_attempts,
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(throttled.retry_after_secs()),
    );
    response
}

/// The database is down: fail closed, tell the user to retry (503 + Retry-After).
pub fn unavailable(settings: &PageSettings, error: StoreError) -> HttpResponse {
    tracing::warn!(error = %error, "hosted page failed: database unavailable");
    error_page(
        settings,
        StatusCode::SERVICE_UNAVAILABLE,
        settings.chrome.messages.error_unavailable,
    )
}

/// A revocation that could not be made (database or shared denylist down): fail closed, 503 + Retry-After.
pub fn revocation_failed(settings: &PageSettings, error: RevocationError) -> HttpResponse {
    match error {
        RevocationError::Store(e) => unavailable(settings, e),
        RevocationError::DenylistUnavailable => {
            tracing::warn!("hosted page failed: the denylist is unavailable");
            error_page(
                settings,
                StatusCode::SERVICE_UNAVAILABLE,
                settings.chrome.messages.error_unavailable,
            )
        }
    }
}

impl PageSettings {
    /// The form of a POST that may change something: parsed strictly and accepted by [`Self::accepts_form`]; the
    /// error page otherwise (400 for a malformed body, 403 for a missing token or a foreign origin).
    pub fn checked_form(
        &self,
        req: &HttpRequest,
        body: &Result<web::Bytes, actix_web::Error>,
    ) -> Result<Form, Box<HttpResponse>> {
        let messages = self.chrome.messages;
        let Some(form) = body.as_ref().ok().and_then(|b| Form::parse(b).ok()) else {
            return Err(Box::new(error_page(
                self,
                StatusCode::BAD_REQUEST,
                messages.error_malformed,
            )));
        };
        if !self.accepts_form(req, &form) {
            return Err(Box::new(error_page(
                self,
                StatusCode::FORBIDDEN,
                messages.error_form_expired,
            )));
        }
        Ok(form)
    }
}
