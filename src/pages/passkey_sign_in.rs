//! Signing in with a passkey alone (issue 20): `POST /login/passkey/options` starts a discoverable-credential
//! ceremony for this browser (the sign-in page's script calls it, for the button and for conditional UI), and
//! `POST /login/passkey` finishes it with the authenticator's answer and the sign-in form's fields. It ends like a
//! password sign-in: a new session (new cookie), then the authorization request's answer, or `/account`.
//!
//! User verification is required (the passkey replaces the password, so the authenticator must check a PIN or
//! biometric: WebAuthn §6.2.3). Every failure answers the same (303 to the form, "That passkey didn't sign you
//! in"), whether the passkey is unknown, removed, refused, or its ceremony used, expired or another browser's.

use actix_web::{HttpRequest, HttpResponse, web};

use super::answer::refused;
use super::authorize::Problem;
use super::ceremonies::{ceremony_json, unexpected};
use super::error::PageError;
use super::onward::{ACCOUNT, Onward, RETURN_TO, finish_sign_in};
use super::settings::PageSettings;
use crate::domain::authorization::AuthorizationRequest;
use crate::domain::passkeys::{Answer, PasskeyError, Passkeys};
use crate::http::source::source_address;
use crate::state::AppState;

/// `POST /login/passkey/options` (`csrf_token`): a sign-in ceremony bound to this browser's cookie, as JSON
/// `{"ceremony": …, "options": {"publicKey": …}}`. 404 when passkeys are off.
pub async fn sign_in_options(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let passkeys = enabled(&state)?;
    pages.checked_form(&req, &body)?;
    let cookie = pages.cookie.presented(&req).ok_or(PageError::FormExpired)?;
    // Every page view with the script starts a ceremony (a row): the sign-in form's per-address limit bounds them.
    state.throttle.request(source_address(&req)).await?;
    let ceremony = passkeys
        .start_sign_in(&state.store, &cookie.hash(), state.clock.now())
        .await
        .map_err(unexpected)?;
    Ok(ceremony_json(&ceremony, pages.hsts()))
}

/// `POST /login/passkey`: the sign-in form's fields (CSRF token, the authorization request or `return_to`), and
/// `ceremony` and `credential` (the authenticator's answer, JSON).
pub async fn sign_in_with_passkey(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let passkeys = enabled(&state)?;
    let form = pages.checked_form(&req, &body)?;
    let (Some(cookie), Ok(body)) = (pages.cookie.presented(&req), body) else {
        return Err(PageError::FormExpired);
    };
    let request = match form.get(RETURN_TO) {
        Some(ACCOUNT) if form.get("client_id").is_none() => None,
        Some(_) => return Err(PageError::Malformed),
        None => match AuthorizationRequest::parse(&state.store, &body).await {
            Ok(request) => Some(request),
            Err(e) => return refused(&state, &pages, &req, e, &body).await,
        },
    };
    let onward = request
        .as_ref()
        .map_or(Onward::Account, Onward::Authorization);
    state.throttle.request(source_address(&req)).await?;
    let answer = Answer {
        ceremony: form.get("ceremony").unwrap_or_default(),
        credential: form.get("credential").unwrap_or_default(),
    };
    let now = state.clock.now();
    let signed_in = match passkeys
        .finish_sign_in(&state.store, &cookie.hash(), answer, now)
        .await
    {
        Ok(signed_in) => signed_in,
        Err(PasskeyError::Store(e)) => return Err(e.into()),
        Err(e) => {
            tracing::info!(reason = %e, "a passkey sign-in was refused");
            state.metrics.passkey_event("sign_in_refused");
            return Ok(onward.again(&pages, "", Problem::Passkey));
        }
    };
    let user = &signed_in.user;
    // As after a password: a self-registered account whose address is not verified yet waits for its link.
    if !user.may_sign_in(state.registration.require_verified_email) {
        return Ok(onward.again(&pages, "", Problem::Unverified));
    }
    state.metrics.passkey_event("signed_in");
    tracing::info!(user = %user.id, passkey = %signed_in.used.passkey_id, "a passkey signed in");
    // The same end as a password sign-in's second step: a new session (new cookie) that says how it was made.
    finish_sign_in(
        &state,
        &pages,
        &req,
        onward,
        user,
        &signed_in.used.methods(),
        now,
    )
    .await
}

/// The relying party, or 404 when passkeys are off.
fn enabled(state: &AppState) -> Result<&Passkeys, PageError> {
    state.passkeys.as_ref().ok_or(PageError::NotFound)
}
