//! Two-step verification on the account page (issue 20): set up an authenticator app (`start`, then the page with
//! the QR code, then the first code), get new recovery codes, or turn it off. The last two ask for the password
//! again (re-authentication before a change that weakens or replaces the factor); turning it off and getting new
//! codes are audited, and turning it off is mailed to the user.

use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{Section, refused};
use super::session::{
    SignedIn, actor, presented_password, services, signed_in, source, to_account,
};
use crate::domain::account::{self, AccountError};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::letters::Letter;
use crate::domain::mfa::factors::{self, FactorError};
use crate::http::source::source_address;
use crate::pages::enrolment::{EnrolView, enrol_page, recovery_codes_page};
use crate::pages::error::PageError;
use crate::pages::security;
use crate::pages::settings::PageSettings;
use crate::state::AppState;

const ENROL: &str = "/account/two-step";
const CONFIRM: &str = "/account/two-step/confirm";

fn factor_services(state: &AppState) -> factors::FactorServices<'_> {
    factors::FactorServices {
        store: &state.store,
        master: &state.master,
        throttle: &state.throttle,
    }
}

/// `POST /account/two-step/start`: a new secret to enrol (replacing one not confirmed yet), then its page.
pub async fn start(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let user_id = &signed_in.session.user_id;
    match factors::start_enrolment(factor_services(&state), user_id, state.clock.now()).await {
        Ok(_) => Ok(security::see_other(ENROL, pages.hsts()).finish()),
        Err(FactorError::AlreadyEnrolled) => Ok(to_account(&pages, None)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /account/two-step[?problem=code]`: the enrolment under way (QR code, key, first code), or the account
/// page when there is none.
pub async fn enrol_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let wrong = req.query_string() == "problem=code";
    enrolment(&state, &pages, &req, &signed_in, wrong).await
}

async fn enrolment(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    signed_in: &SignedIn,
    wrong: bool,
) -> Result<HttpResponse, PageError> {
    let user_id = &signed_in.session.user_id;
    let (Some(enrolment), Some(user)) = (
        factors::enrolment(factor_services(state), user_id).await?,
        account::profile(&state.store, user_id).await?,
    ) else {
        return Ok(to_account(pages, None));
    };
    let view = EnrolView {
        chrome: pages.chrome(req),
        csrf_token: &pages.csrf.token(&signed_in.secret),
        action: CONFIRM,
        carried: &[],
        required: false,
        wrong,
        passkeys: false,
        passkey_refused: false,
        cancel_href: "/account",
    };
    Ok(enrol_page(state, pages, &view, &enrolment, &user.email))
}

/// `POST /account/two-step/confirm`: the first code (`code`) for the enrolment `started_at`; then the recovery
/// codes, once. A wrong code: the enrolment page again (303), the same secret.
pub async fn confirm(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let address = source_address(&req);
    state.throttle.request(address).await?;
    let user_id = &signed_in.session.user_id;
    let started_at = form
        .get("started_at")
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or_default();
    let Some(user) = state.store.find_user(user_id).await? else {
        return Ok(to_account(&pages, None));
    };
    let notice = pages
        .wording(&pages.locale(&req))
        .write(Letter::FactorAdded { passkey: None })
        .to(&user.email);
    let result = factors::confirm_enrolment(
        factor_services(&state),
        &Actor::end_user(user_id.as_str(), Some(address)),
        user_id,
        started_at,
        form.get("code").unwrap_or_default(),
        notice,
        state.clock.now(),
    )
    .await;
    match result {
        Ok(codes) => {
            state.mail_wake.notify_one();
            tracing::info!(user = %user_id, "enrolled an authenticator on the account page");
            Ok(recovery_codes_page(
                &pages,
                pages.chrome(&req),
                &codes,
                "/account",
            ))
        }
        Err(FactorError::WrongCode) => {
            Ok(security::see_other(&format!("{ENROL}?problem=code"), pages.hsts()).finish())
        }
        Err(FactorError::NoFactor) => Ok(to_account(&pages, None)),
        Err(e) => Err(e.into()),
    }
}

/// What the password-confirmed forms do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    NewRecoveryCodes,
    Remove,
}

/// `POST /account/two-step/recovery-codes` (`current_password`): ten new recovery codes, shown once; the old ones
/// stop working.
pub async fn new_recovery_codes(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    confirmed_change(req, body, state, pages, Change::NewRecoveryCodes).await
}

/// `POST /account/two-step/remove` (`current_password`): turns two-step verification off (the authenticator and
/// the recovery codes go), tells the user by mail.
pub async fn remove(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    confirmed_change(req, body, state, pages, Change::Remove).await
}

async fn confirmed_change(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
    change: Change,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let refuse =
        async |error| refused(&state, &pages, &req, &signed_in, Section::TwoStep, error).await;
    let Some(current) = presented_password(&form, "current_password") else {
        return refuse(messages.account_wrong_password).await;
    };
    let source = source(&req, &state);
    state.throttle.request(source.address).await?;
    let now = state.clock.now();
    let user = match account::confirm_password(
        &services(&state),
        &actor(&signed_in, &source),
        &current,
        now,
    )
    .await
    {
        Ok(user) => user,
        Err(AccountError::WrongPassword) => return refuse(messages.account_wrong_password).await,
        Err(AccountError::Gone) => return Ok(to_account(&pages, None)),
        Err(e) => return Err(e.into()),
    };
    let actor = Actor::end_user(user.id.as_str(), Some(source.address));
    match change {
        Change::NewRecoveryCodes => {
            match factors::regenerate_recovery_codes(factor_services(&state), &actor, &user.id, now)
                .await
            {
                Ok(codes) => Ok(recovery_codes_page(
                    &pages,
                    pages.chrome(&req),
                    &codes,
                    "/account",
                )),
                Err(FactorError::NoFactor) => Ok(to_account(&pages, None)),
                Err(e) => Err(e.into()),
            }
        }
        Change::Remove => {
            let locale = pages.locale(&req);
            let notice = pages
                .wording(&locale)
                .write(Letter::SecondFactorsRemoved)
                .to(&user.email);
            factors::remove(
                &state.store,
                &state.master,
                &actor,
                &user.id,
                notice,
                AuditAction::UserRemoveMfa,
                now,
            )
            .await?;
            state.mail_wake.notify_one();
            tracing::info!(user = %user.id, "two-step verification turned off on the account page");
            Ok(to_account(&pages, Some("two-step-off")))
        }
    }
}
