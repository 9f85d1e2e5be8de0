//! The browser's hosted session behind every account form, and what each form needs from it: the services, the
//! actor, the password fields, and the answers shared by the forms.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::account::{AccountActor, AccountServices};
use crate::domain::form::Form;
use crate::domain::passwords::Password;
use crate::domain::sessions;
use crate::domain::throttle::Source;
use crate::http::source::source_address;
use crate::pages::error::PageError;
use crate::pages::render::message_page;
use crate::pages::security;
use crate::pages::settings::PageSettings;
use crate::state::AppState;
use crate::store::sessions::SessionRow;
use crate::values::secret::PlainToken;

/// The browser's live session and its cookie's secret (the CSRF tokens are bound to it).
pub(super) struct SignedIn {
    pub(super) secret: PlainToken,
    pub(super) session: SessionRow,
}

pub(super) async fn signed_in(
    req: &HttpRequest,
    state: &AppState,
    pages: &PageSettings,
) -> Result<Option<SignedIn>, PageError> {
    let Some(secret) = pages.cookie.presented(req) else {
        return Ok(None);
    };
    let session =
        sessions::resume(&state.store, state.sessions, &secret, state.clock.now()).await?;
    Ok(session.map(|session| SignedIn { secret, session }))
}

pub(super) fn services(state: &AppState) -> AccountServices<'_> {
    state.account_services()
}

pub(super) fn source(req: &HttpRequest, state: &AppState) -> Source {
    Source {
        address: source_address(req),
        device: state.throttle.devices.presented(req),
    }
}

pub(super) fn actor<'a>(signed_in: &'a SignedIn, source: &'a Source) -> AccountActor<'a> {
    AccountActor {
        user_id: &signed_in.session.user_id,
        session_id: &signed_in.session.id,
        source,
    }
}

/// A password field as typed; an over-long one can't be anyone's (the same answer as a wrong one, unhashed).
pub(super) fn presented_password(form: &Form, name: &str) -> Option<Password> {
    form.get(name)
        .filter(|p| !p.is_empty())
        .and_then(|p| Password::presented(p).ok())
}

/// `303` to `/account`, with a notice to show.
pub(super) fn to_account(pages: &PageSettings, done: Option<&str>) -> HttpResponse {
    let location = match done {
        Some(done) => format!("/account?done={done}"),
        None => "/account".to_owned(),
    };
    security::see_other(&location, pages.hsts()).finish()
}

/// A confirmation after which the browser has no session: the cookie goes too.
pub(super) fn signed_out(
    pages: &PageSettings,
    req: &HttpRequest,
    heading: &str,
    text: &str,
) -> HttpResponse {
    let mut response = message_page(pages, req, StatusCode::OK, heading, text);
    let mut removal = Cookie::build(pages.cookie.name, "")
        .path("/")
        .http_only(true)
        .secure(pages.cookie.secure)
        .finish();
    removal.make_removal();
    if let Err(e) = response.add_cookie(&removal) {
        tracing::error!(error = %e, "cannot clear the browser cookie");
    }
    response
}
