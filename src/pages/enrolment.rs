//! Enrolling a TOTP authenticator (issue 20): the page that shows the secret as a QR code and as text and takes
//! the first code, and the page that shows the recovery codes once. The account page uses both; so does the
//! sign-in when a rule requires a second factor of a user who has none (`GET`/`POST /login/enrol`: the enrolment
//! is the second factor, and the sign-in ends when it is confirmed).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::error::PageError;
use super::onward::{ACCOUNT, Onward, carried_request};
use super::render::render;
use super::second_factor::{ENROL_PATH, PendingPost, add_cookie, pending_post, restart, services};
use super::security;
use super::settings::{Chrome, PageSettings};
use crate::domain::audit::Actor;
use crate::domain::form::Form;
use crate::domain::letters::Letter;
use crate::domain::mfa::amr::{AuthMethods, Method};
use crate::domain::mfa::factors::{self, Enrolment, FactorError};
use crate::domain::mfa::pending;
use crate::domain::mfa::recovery::RecoveryCode;
use crate::domain::mfa::totp::qr_svg;
use crate::domain::sessions;
use crate::domain::throttle::AccountKey;
use crate::domain::users::User;
use crate::http::source::source_address;
use crate::state::AppState;

/// The problem code of a wrong first code.
const WRONG: &str = "code";

#[derive(Template)]
#[template(path = "enrol_totp.html")]
pub(super) struct EnrolPage<'a> {
    pub(super) chrome: &'a Chrome,
    pub(super) csrf_token: &'a str,
    /// Where the form posts.
    pub(super) action: &'a str,
    pub(super) carried: &'a [(&'static str, String)],
    /// A rule requires it (the sign-in can't go on without).
    pub(super) required: bool,
    /// The QR code, an inline SVG rendered here.
    pub(super) qr: &'a str,
    /// The secret in groups of four.
    pub(super) key: &'a str,
    pub(super) started_at: i64,
    pub(super) error: Option<&'a str>,
    /// Where "cancel" leads.
    pub(super) cancel_href: &'a str,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(super) struct RecoveryCodesPage<'a> {
    pub(super) chrome: &'a Chrome,
    pub(super) codes: &'a [String],
    pub(super) continue_href: &'a str,
}

/// The enrolment page for `enrolment` of the account `account` (its address, in the authenticator's label).
pub(super) struct EnrolView<'a> {
    pub(super) chrome: &'a Chrome,
    pub(super) csrf_token: &'a str,
    pub(super) action: &'a str,
    pub(super) carried: &'a [(&'static str, String)],
    pub(super) required: bool,
    pub(super) wrong: bool,
    pub(super) cancel_href: &'a str,
}

pub(super) fn enrol_page(
    state: &AppState,
    pages: &PageSettings,
    view: &EnrolView<'_>,
    enrolment: &Enrolment,
    account: &str,
) -> HttpResponse {
    let uri = enrolment
        .secret
        .otpauth_uri(&state.mfa.totp_issuer, account);
    let qr = qr_svg(&uri).unwrap_or_default();
    render(
        pages,
        StatusCode::OK,
        &EnrolPage {
            chrome: view.chrome,
            csrf_token: view.csrf_token,
            action: view.action,
            carried: view.carried,
            required: view.required,
            qr: &qr,
            key: &enrolment.secret.base32_grouped(),
            started_at: enrolment.started_at,
            error: view
                .wrong
                .then_some(view.chrome.messages.two_step_wrong_code),
            cancel_href: view.cancel_href,
        },
    )
}

/// The recovery codes, shown once (never cached: `security::page` says `no-store`).
pub(super) fn recovery_codes_page(
    pages: &PageSettings,
    chrome: &Chrome,
    codes: &[RecoveryCode],
    continue_href: &str,
) -> HttpResponse {
    let codes: Vec<String> = codes.iter().map(RecoveryCode::display).collect();
    render(
        pages,
        StatusCode::OK,
        &RecoveryCodesPage {
            chrome,
            codes: &codes,
            continue_href,
        },
    )
}

/// Where the sign-in goes on after the recovery codes: into the authorization request again (the session now
/// answers it), or the account page.
fn continue_href(onward: Onward<'_>) -> String {
    match onward {
        Onward::Authorization(request) => format!("/authorize?{}", request.carried_query()),
        Onward::Account => ACCOUNT.to_owned(),
    }
}

/// `GET /login/enrol?…`: the enrolment a rule requires, for the browser's pending sign-in.
pub async fn enrol_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let raw = req.query_string().as_bytes();
    let request = match carried_request(&state, &pages, &req, raw).await? {
        Ok(request) => request,
        Err(refused) => return Ok(refused),
    };
    let onward = request
        .as_ref()
        .map_or(Onward::Account, Onward::Authorization);
    let Some(cookie) = pages.cookie.presented(&req) else {
        return Ok(restart(&pages, onward));
    };
    let Some(pending) = pending::find(&state.store, &cookie, state.clock.now()).await? else {
        return Ok(restart(&pages, onward));
    };
    let Some(row) = state.store.find_user(&pending.user_id).await? else {
        return Ok(restart(&pages, onward));
    };
    let enrolment = match factors::enrolment(services(&state), &row.id).await? {
        Some(enrolment) => enrolment,
        None => {
            match factors::start_enrolment(services(&state), &row.id, state.clock.now()).await {
                Ok(enrolment) => enrolment,
                // Enrolled meanwhile (another tab): the second-factor step instead.
                Err(FactorError::AlreadyEnrolled) => return Ok(restart(&pages, onward)),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let wrong = Form::parse(raw)
        .unwrap_or_default()
        .get("problem")
        .is_some_and(|p| p == WRONG);
    let chrome = onward.chrome(&pages, &req);
    let carried = onward.carried();
    let view = EnrolView {
        chrome: &chrome,
        csrf_token: &pages.csrf.token(&cookie),
        action: ENROL_PATH,
        carried: &carried,
        required: true,
        wrong,
        cancel_href: &super::second_factor::restart_href(onward, None),
    };
    Ok(enrol_page(&state, &pages, &view, &enrolment, &row.email))
}

/// `POST /login/enrol`: the first code (`code`) for the enrolment `started_at`. Confirmed, the sign-in ends (or the
/// session is stepped up) with a second factor, and the recovery codes are shown once, with the way on.
pub async fn enrol_post(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let PendingPost {
        form,
        request,
        cookie,
        pending,
        row,
        now,
    } = match pending_post(&req, body, &state, &pages).await? {
        Ok(post) => post,
        Err(answer) => return Ok(answer),
    };
    let onward = request
        .as_ref()
        .map_or(Onward::Account, Onward::Authorization);
    let user = User::from_row(&row);
    let address = source_address(&req);
    state.throttle.request(address).await?;
    let started_at = form
        .get("started_at")
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or_default();
    let actor = Actor::end_user(user.id.as_str(), Some(address));
    let code = form.get("code").unwrap_or_default();
    let notice = pages
        .wording(&pages.locale(&req))
        .write(Letter::FactorAdded { passkey: None })
        .to(&user.email);
    let confirmed = factors::confirm_enrolment(
        services(&state),
        &actor,
        &user.id,
        started_at,
        code,
        notice,
        now,
    )
    .await;
    let codes = match confirmed {
        Ok(codes) => {
            state.mail_wake.notify_one();
            codes
        }
        Err(FactorError::WrongCode | FactorError::NoFactor) => {
            if pending::failed(&state.store, &state.mfa, &cookie).await? {
                let location = format!("{ENROL_PATH}?{}&problem={WRONG}", onward.query());
                return Ok(security::see_other(&location, pages.hsts()).finish());
            }
            return Ok(restart(&pages, onward));
        }
        Err(e) => return Err(e.into()),
    };
    if !pending::finish(&state.store, &cookie).await? {
        return Ok(restart(&pages, onward));
    }
    let methods = AuthMethods::password().with(Method::OneTimePassword);
    let chrome = onward.chrome(&pages, &req);
    let mut response = recovery_codes_page(&pages, &chrome, &codes, &continue_href(onward));
    match &pending.session_id {
        // A new session, which the link on the page continues with.
        None => {
            let (secret, _) = sessions::start(
                &state.store,
                state.sessions,
                &user,
                &methods,
                pending.auth_time,
                super::onward::session_source(&req),
                now,
            )
            .await?;
            add_cookie(&mut response, &pages.cookie.cookie(&secret));
        }
        Some(session_id) => {
            state
                .store
                .step_up_session(session_id, &methods.stored())
                .await?;
        }
    }
    tracing::info!(user = %user.id, "enrolled an authenticator during sign-in");
    let device =
        state
            .throttle
            .devices
            .issue(&AccountKey::user(&user.id), row.password_changed_at, None);
    add_cookie(&mut response, &device);
    Ok(response)
}
