//! The one mapping from what can go wrong on a hosted page to what the user sees (DESIGN.md §9). Page handlers
//! return `Result<HttpResponse, PageError>` and use `?`; [`PageError`]'s `ResponseError` gives the status and
//! headers, and [`render_errors`], which wraps every page resource, renders the branded error page with the
//! request's [`PageSettings`]: the message only, never input echoed back.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::messages::Messages;
use super::render::render_error;
use super::settings::PageSettings;
use crate::domain::account::AccountError;
use crate::domain::authentication::AuthError;
use crate::domain::authorization::NoRedirect;
use crate::domain::password_reset::ResetError;
use crate::domain::passwords::PasswordError;
use crate::domain::registration::RegistrationError;
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
}

impl PageError {
    fn message(&self, m: &Messages) -> &'static str {
        match self {
            Self::Malformed => m.error_malformed,
            Self::FormExpired => m.error_form_expired,
            Self::NoRedirect(why) => match why {
                NoRedirect::Malformed => m.error_malformed,
                NoRedirect::MissingClient => m.error_missing_client,
                NoRedirect::UnknownClient => m.error_unknown_client,
                NoRedirect::MissingRedirectUri => m.error_missing_redirect_uri,
                NoRedirect::UnregisteredRedirectUri => m.error_bad_redirect_uri,
            },
            Self::BadIdTokenHint => m.error_bad_id_token_hint,
            Self::InvalidResetLink => m.reset_invalid_link,
            Self::InvalidVerificationLink => m.verify_invalid_link,
            Self::InvalidInvitationLink => m.invitation_invalid_link,
            Self::RegistrationClosed => m.register_closed,
            Self::AccountDeletionOff => m.account_deletion_off,
            Self::Throttled(_) => m.error_too_many_attempts,
            Self::Unavailable(_) | Self::DenylistUnavailable | Self::Busy | Self::Unexpected(_) => {
                m.error_unavailable
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
            | Self::FormExpired
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

    /// The branded error page for this error, in the language of `req`.
    pub fn render(&self, settings: &PageSettings, req: &HttpRequest) -> HttpResponse {
        let mut response = render_error(
            settings,
            req,
            self.status_code(),
            self.message(&settings.chrome(req).messages),
        );
        if let Some(secs) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
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
            Self::RegistrationClosed | Self::AccountDeletionOff => StatusCode::NOT_FOUND,
            Self::FormExpired => StatusCode::FORBIDDEN,
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
        if let Some(secs) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, secs));
        }
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        response.finish()
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
