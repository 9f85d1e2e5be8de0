//! The one mapping from what can go wrong on a hosted page to what the user sees (DESIGN.md §9). Page handlers
//! return `Result<HttpResponse, PageError>` and use `?`; [`PageError`]'s `ResponseError` gives the status and
//! headers, and [`render_errors`], which wraps every page resource, renders the branded error page with the
//! request's [`PageSettings`]: the message only, never input echoed back.

use crate::domain::mfa::factors::FactorError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use std::borrow::Cow;

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::messages::Messages;
use super::render::{Link, render_error};
use super::settings::{Chrome, PageSettings};
use crate::domain::account::AccountError;
use crate::domain::authentication::AuthError;
use crate::domain::authorization::NoRedirect;
use crate::domain::form::Form;
use crate::domain::password_reset::ResetError;
use crate::domain::passwords::PasswordError;
use crate::domain::registration::{RegistrationError, VerifyError};
use crate::domain::revocation::RevocationError;
use crate::domain::throttle::Throttled;
use crate::http::retry_after::RETRY_AFTER_SECS;
use crate::store::StoreError;

/// Why a hosted page can't do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The request or form could not be read.
    #[error("malformed request")]
    Malformed,
    /// A POST without our cookie's CSRF token, or from another origin.
    #[error("the form expired or was sent from another site")]
    FormExpired,
    /// A consent form posted for another authorization request (or browser) than the one it was shown for.
    #[error("the consent form does not belong to this authorization request")]
    ConsentMismatch,
    /// An authorization request whose client or redirection URI is in doubt: no redirect (RFC 6749 §4.1.2.1).
    #[error("authorization request refused without redirect: {0}")]
    NoRedirect(NoRedirect),
    /// A logout's `id_token_hint` that is not one of ours, or names another client.
    #[error("the id_token_hint is not valid")]
    BadIdTokenHint,
    /// A reset link that is unknown, used or expired.
    #[error("the reset link can't be used")]
    InvalidResetLink,
    /// An email verification link that is unknown, used or expired.
    #[error("the verification link can't be used")]
    InvalidVerificationLink,
    /// An invitation link that is unknown, used, revoked or expired.
    #[error("the invitation link can't be used")]
    InvalidInvitationLink,
    /// Self-service registration is not open (`registration` is `closed` or `invite`).
    #[error("registration is not open")]
    RegistrationClosed,
    /// `account_deletion` is off.
    #[error("account deletion is off")]
    AccountDeletionOff,
    /// Brute-force or abuse limits (RFC 6585 §4).
    #[error("too many attempts")]
    Throttled(Throttled),
    /// The database can't be reached: fail closed.
    #[error("database unavailable")]
    Unavailable(#[from] StoreError),
    /// The shared denylist can't be reached: fail closed.
    #[error("the denylist is unavailable")]
    DenylistUnavailable,
    /// Shed: the password hashing queue is full; the password was never checked.
    #[error("the password hashing queue is full")]
    Busy,
    /// Anything else; the cause is logged, the user is told to retry.
    #[error(transparent)]
    Unexpected(anyhow::Error),
    /// No page at this path (a browser's request; API paths answer their own way).
    #[error("no such page")]
    NotFound,
    /// A page asked with a method it does not have; `Allow` lists those it has (RFC 9110 §15.5.6).
    #[error("method not allowed")]
    MethodNotAllowed(&'static str),
}

/// What the error page says about an error: a heading and a text for its kind, maybe advice, and the next steps.
struct Explained {
    heading: &'static str,
    text: Cow<'static, str>,
    note: Option<&'static str>,
    links: Vec<Link>,
}

impl PageError {
    /// Each kind of problem its own heading, text and way on, from the request's page (`req`) where the way on
    /// depends on it. Links are built from our own paths and checked values only.
    fn explain(&self, m: &Messages, req: &HttpRequest) -> Explained {
        let explained = |heading, text: &'static str, note, links| Explained {
            heading,
            text: Cow::Borrowed(text),
            note,
            links,
        };
        let account = || vec![Link::new("/account", m.account_link)];
        match self {
            Self::Malformed => explained(
                m.error_heading,
                m.error_malformed,
                Some(m.error_go_back),
                account(),
            ),
            Self::NoRedirect(why) => {
                let text = match why {
                    NoRedirect::Malformed => m.error_malformed,
                    NoRedirect::MissingClient => m.error_missing_client,
                    NoRedirect::UnknownClient => m.error_unknown_client,
                    NoRedirect::MissingRedirectUri => m.error_missing_redirect_uri,
                    NoRedirect::UnregisteredRedirectUri => m.error_bad_redirect_uri,
                };
                explained(m.error_heading, text, Some(m.error_go_back), account())
            }
            Self::BadIdTokenHint => explained(
                m.error_heading,
                m.error_bad_id_token_hint,
                Some(m.error_go_back),
                account(),
            ),
            Self::ConsentMismatch => explained(
                m.error_expired_heading,
                m.error_consent_mismatch,
                Some(m.error_go_back),
                account(),
            ),
            Self::FormExpired => explained(
                m.error_expired_heading,
                m.error_expired_text,
                None,
                vec![Link::new(start_again(req.path()), m.try_again_link)],
            ),
            Self::InvalidResetLink => explained(
                m.error_link_heading,
                m.reset_invalid_link,
                None,
                vec![Link::new(forgot_href(req), m.send_new_link)],
            ),
            Self::InvalidVerificationLink => explained(
                m.error_link_heading,
                m.verify_invalid_link,
                None,
                vec![Link::new("/verify-email/resend", m.send_new_link)],
            ),
            Self::InvalidInvitationLink => explained(
                m.error_link_heading,
                m.invitation_invalid_link,
                None,
                account(),
            ),
            Self::RegistrationClosed => explained(
                m.error_not_available_heading,
                m.register_closed,
                None,
                vec![Link::new("/login", m.sign_in_link)],
            ),
            Self::AccountDeletionOff => explained(
                m.error_not_available_heading,
                m.account_deletion_off,
                None,
                account(),
            ),
            // The real wait, from the limit that refused (not "a few minutes"); a reset is the way out now.
            Self::Throttled(throttled) => Explained {
                heading: m.error_throttled_heading,
                text: Cow::Owned(
                    m.error_throttled_text
                        .replace("{wait}", &wait(m, throttled.retry_after_secs())),
                ),
                note: Some(m.disabled_hint),
                links: vec![Link::new("/password/forgot", m.reset_password_link)],
            },
            Self::Unavailable(_) | Self::DenylistUnavailable | Self::Busy | Self::Unexpected(_) => {
                explained(
                    m.error_unavailable_heading,
                    m.error_unavailable,
                    None,
                    vec![Link::new(retry_href(req), m.try_again_link)],
                )
            }
            Self::NotFound => explained(
                m.error_not_found_heading,
                m.error_not_found_text,
                None,
                account(),
            ),
            Self::MethodNotAllowed(_) => {
                explained(m.error_method_heading, m.error_method_text, None, account())
            }
        }
    }

    fn log(&self) {
        match self {
            Self::NoRedirect(why) => {
                tracing::info!(reason = %why, "authorization request refused without redirect");
            }
            Self::Unavailable(e) => {
                tracing::warn!(error = %e, "hosted page failed: database unavailable");
            }
            Self::DenylistUnavailable => {
                tracing::warn!("hosted page failed: the denylist is unavailable");
            }
            Self::Busy => tracing::info!("hosted page shed: the password hashing queue is full"),
            Self::Unexpected(e) => tracing::error!(error = %e, "hosted page failed"),
            Self::Malformed
            | Self::NotFound
            | Self::MethodNotAllowed(_)
            | Self::FormExpired
            | Self::ConsentMismatch
            | Self::BadIdTokenHint
            | Self::InvalidResetLink
            | Self::InvalidVerificationLink
            | Self::InvalidInvitationLink
            | Self::RegistrationClosed
            | Self::AccountDeletionOff
            | Self::Throttled(_) => {}
        }
    }

    /// `Retry-After` (RFC 9110 §10.2.3) for a 429 or 503.
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled(throttled) => Some(throttled.retry_after_secs()),
            _ if self.status_code() == StatusCode::SERVICE_UNAVAILABLE => Some(RETRY_AFTER_SECS),
            _ => None,
        }
    }

    /// The branded error page for this error, for the page `req` asked.
    pub fn render(&self, settings: &PageSettings, req: &HttpRequest) -> HttpResponse {
        self.render_in(settings, settings.chrome(req), req)
    }

    /// The error page in the frame of the application the request came from, logged as [`render_errors`] would.
    pub fn render_for_app(
        &self,
        settings: &PageSettings,
        chrome: &Chrome,
        req: &HttpRequest,
    ) -> HttpResponse {
        self.log();
        self.render_in(settings, chrome, req)
    }

    fn render_in(
        &self,
        settings: &PageSettings,
        chrome: &Chrome,
        req: &HttpRequest,
    ) -> HttpResponse {
        let explained = self.explain(&chrome.messages, req);
        let mut response = render_error(
            settings,
            chrome,
            self.status_code(),
            explained.heading,
            &explained.text,
            explained.note,
            &explained.links,
        );
        self.add_headers(response.headers_mut());
        response
    }

    /// `Retry-After` for a 429 or 503, `Allow` for a 405.
    fn add_headers(&self, headers: &mut actix_web::http::header::HeaderMap) {
        if let Some(secs) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Self::MethodNotAllowed(allow) = self {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
    }
}

/// How long to wait, for people: seconds under a minute, else whole minutes rounded up.
fn wait(m: &Messages, secs: u64) -> String {
    match secs {
        0..=59 => m.wait_seconds.replace("{n}", &secs.to_string()),
        60 => m.wait_one_minute.to_owned(),
        _ => m
            .wait_minutes
            .replace("{n}", &secs.div_ceil(60).to_string()),
    }
}

/// Where a refused form starts again: its own page where it has one that needs nothing but the path.
fn start_again(path: &str) -> &'static str {
    match path {
        "/password/forgot" | "/password/reset" => "/password/forgot",
        "/register" => "/register",
        "/verify-email/resend" | "/verify-email" => "/verify-email/resend",
        "/login" => "/login",
        _ => "/account",
    }
}

/// The forgot-password page, keeping the authorization request a reset link carried (checked again there).
fn forgot_href(req: &HttpRequest) -> String {
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    match query.get("return_to") {
        Some(return_to) => {
            let mut carried = url::form_urlencoded::Serializer::new(String::new());
            carried.append_pair("return_to", return_to);
            format!("/password/forgot?{}", carried.finish())
        }
        None => "/password/forgot".to_owned(),
    }
}

/// The same page again: a GET with its query (one of our own paths: only page resources render errors), a POST's
/// page by its path.
fn retry_href(req: &HttpRequest) -> String {
    let path = req.path();
    if !path.starts_with('/') || path.starts_with("//") {
        return "/account".to_owned();
    }
    match (
        req.method() == actix_web::http::Method::GET,
        req.query_string(),
    ) {
        (true, query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed
            | Self::NoRedirect(_)
            | Self::BadIdTokenHint
            | Self::InvalidResetLink
            | Self::InvalidVerificationLink
            | Self::InvalidInvitationLink => StatusCode::BAD_REQUEST,
            Self::RegistrationClosed | Self::AccountDeletionOff | Self::NotFound => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::FormExpired | Self::ConsentMismatch => StatusCode::FORBIDDEN,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::DenylistUnavailable | Self::Busy | Self::Unexpected(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// Status and `Retry-After` only: [`render_errors`] puts the page in, with the request's settings.
    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        let mut response = response.finish();
        self.add_headers(response.headers_mut());
        response
    }
}

impl From<Throttled> for PageError {
    fn from(throttled: Throttled) -> Self {
        Self::Throttled(throttled)
    }
}

impl From<RevocationError> for PageError {
    fn from(e: RevocationError) -> Self {
        match e {
            RevocationError::Store(e) => Self::Unavailable(e),
            RevocationError::DenylistUnavailable => Self::DenylistUnavailable,
        }
    }
}

/// A sign-in that failed for a reason other than the credentials (those get the form again).
impl From<AuthError> for PageError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Throttled(throttled) => Self::Throttled(throttled),
            AuthError::Store(e) => Self::Unavailable(e),
            AuthError::Busy => Self::Busy,
            AuthError::Hashing(e) => Self::Unexpected(e.into()),
            AuthError::InvalidCredentials => Self::Unexpected(anyhow::anyhow!(
                "invalid credentials must be answered by the form"
            )),
        }
    }
}

impl From<ResetError> for PageError {
    fn from(e: ResetError) -> Self {
        match e {
            ResetError::Store(e) => Self::Unavailable(e),
            ResetError::Password(PasswordError::Busy) => Self::Busy,
            other => Self::Unexpected(other.into()),
        }
    }
}

impl From<RegistrationError> for PageError {
    fn from(e: RegistrationError) -> Self {
        match e {
            RegistrationError::Closed => Self::RegistrationClosed,
            RegistrationError::Store(e) => Self::Unavailable(e),
            RegistrationError::Password(PasswordError::Busy) => Self::Busy,
            other => Self::Unexpected(other.into()),
        }
    }
}

impl From<VerifyError> for PageError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Store(e) => Self::Unavailable(e),
            VerifyError::Mail(e) => Self::Unexpected(e),
        }
    }
}

/// A second-factor action that failed for a reason its form does not answer (a wrong code is answered by the form).
impl From<FactorError> for PageError {
    fn from(e: FactorError) -> Self {
        match e {
            FactorError::Throttled(throttled) => Self::Throttled(throttled),
            FactorError::Busy => Self::Busy,
            FactorError::Store(e) => Self::Unavailable(e),
            other => Self::Unexpected(other.into()),
        }
    }
}

/// An account action that failed for a reason the account page does not answer with its form.
impl From<AccountError> for PageError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Auth(e) => e.into(),
            AccountError::Store(e) => Self::Unavailable(e),
            AccountError::Revocation(e) => e.into(),
            AccountError::Password(PasswordError::Busy) => Self::Busy,
            AccountError::NotFound => Self::Malformed,
            other => Self::Unexpected(other.into()),
        }
    }
}

/// Renders a [`PageError`] answered by the wrapped page as the branded error page.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    let page = match response.response().error() {
        Some(error) => match (
            error.as_error::<PageError>(),
            response.request().app_data::<web::Data<PageSettings>>(),
        ) {
            (Some(error), Some(settings)) => Some(error.render(settings, response.request())),
            _ => None,
        },
        None => None,
    };
    Ok(match page {
        Some(page) => response.into_response(page).map_into_right_body(),
        None => response.map_into_left_body(),
    })
}
