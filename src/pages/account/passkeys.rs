//! The account page's passkeys (issue 20): `POST /account/passkeys/options` starts a registration for this
//! browser's session (the page's script calls it, then `navigator.credentials.create`), `POST /account/passkeys`
//! finishes it with a name, and `/account/passkeys/rename` and `/account/passkeys/remove` change one. Without
//! JavaScript the page offers no passkey form (the add form is `hidden` until the script shows it).

use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{Section, refused};
use super::session::{actor, presented_password, services, signed_in, source, to_account};
use crate::domain::passkeys::account::{self as passkeys, RemoveError};
use crate::domain::passkeys::{Answer, PasskeyError, PasskeyName, Passkeys};
use crate::pages::ceremonies::{ceremony_json, unexpected};
use crate::pages::error::PageError;
use crate::pages::settings::PageSettings;
use crate::state::AppState;

/// `POST /account/passkeys/options` (`csrf_token`): a registration ceremony for the signed-in user in this
/// browser, as JSON `{"ceremony": …, "options": {"publicKey": …}}`.
pub async fn passkey_options(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let relying_party = enabled(&state)?;
    pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Err(PageError::FormExpired);
    };
    let Some(user) =
        crate::domain::account::profile(&state.store, &signed_in.session.user_id).await?
    else {
        return Err(PageError::FormExpired);
    };
    let ceremony = relying_party
        .start_registration(
            &state.store,
            &user,
            &signed_in.secret.hash(),
            state.clock.now(),
        )
        .await
        .map_err(unexpected)?;
    Ok(ceremony_json(&ceremony, pages.hsts()))
}

/// `POST /account/passkeys`: `name`, `ceremony`, `credential` (the authenticator's answer, JSON).
pub async fn add_passkey(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let relying_party = enabled(&state)?;
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let refuse =
        async |error| refused(&state, &pages, &req, &signed_in, Section::Passkeys, error).await;
    let Some(name) = PasskeyName::parse(form.get("name").unwrap_or_default()) else {
        return refuse(messages.account_passkey_bad_name).await;
    };
    let source = source(&req, &state);
    let answer = Answer {
        ceremony: form.get("ceremony").unwrap_or_default(),
        credential: form.get("credential").unwrap_or_default(),
    };
    let result = passkeys::add(
        relying_party,
        &services(&state),
        &signed_in.session.user_id,
        &actor(&signed_in, &source).audit_actor(),
        &signed_in.secret.hash(),
        answer,
        &name,
        pages.wording(&pages.locale(&req)),
        state.clock.now(),
    )
    .await;
    match result {
        Ok(row) => {
            state.mail_wake.notify_one();
            tracing::info!(user = %signed_in.session.user_id, passkey = %row.id, "passkey added on the account page");
            Ok(to_account(&pages, Some("passkey-added")))
        }
        // Not the passkey's fault: a 503 (storage) or a 500, as anywhere.
        Err(e @ (PasskeyError::Store(_) | PasskeyError::Mail(_))) => Err(unexpected(e)),
        Err(PasskeyError::AlreadyRegistered) => {
            state.metrics.passkey_event("registration_refused");
            refuse(messages.account_passkey_exists).await
        }
        Err(e) => {
            tracing::info!(reason = %e, "a passkey registration was refused");
            state.metrics.passkey_event("registration_refused");
            refuse(messages.account_passkey_failed).await
        }
    }
}

/// `POST /account/passkeys/rename`: `id`, `name`.
pub async fn rename_passkey(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let refuse =
        async |error| refused(&state, &pages, &req, &signed_in, Section::Passkeys, error).await;
    let Some(name) = PasskeyName::parse(form.get("name").unwrap_or_default()) else {
        return refuse(messages.account_passkey_bad_name).await;
    };
    let source = source(&req, &state);
    let id = form.get("id").unwrap_or_default();
    if passkeys::rename(
        &state.store,
        &actor(&signed_in, &source),
        id,
        &name,
        state.clock.now(),
    )
    .await?
    {
        Ok(to_account(&pages, Some("passkey-renamed")))
    } else {
        refuse(messages.account_passkey_gone).await
    }
}

/// `POST /account/passkeys/remove`: `id`, and `password` when it is the last passkey.
pub async fn remove_passkey(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let refuse =
        async |error| refused(&state, &pages, &req, &signed_in, Section::Passkeys, error).await;
    let source = source(&req, &state);
    let password = presented_password(&form, "password");
    if password.is_some() {
        // As for every password check: the sign-in page's per-address limit first.
        state.throttle.request(source.address).await?;
    }
    let result = passkeys::remove(
        &services(&state),
        &actor(&signed_in, &source),
        form.get("id").unwrap_or_default(),
        password.as_ref(),
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => Ok(to_account(&pages, Some("passkey-removed"))),
        Err(RemoveError::NotFound) => refuse(messages.account_passkey_gone).await,
        Err(RemoveError::PasswordNeeded) => refuse(messages.account_wrong_password).await,
        Err(RemoveError::Account(e)) => Err(e.into()),
        Err(RemoveError::Store(e)) => Err(e.into()),
    }
}

/// The relying party, or 404 when passkeys are off.
fn enabled(state: &AppState) -> Result<&Passkeys, PageError> {
    state.passkeys.as_ref().ok_or(PageError::NotFound)
}
