//! Enrolling a TOTP authenticator (issue 20): the page that shows the secret as a QR code and as text and takes
//! the first code, and the page that shows the recovery codes once. The account page uses both; so does the
//! sign-in when a rule requires a second factor of a user who has none (`GET`/`POST /login/enrol`: the enrolment
//! is the second factor, and the sign-in ends when it is confirmed).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::ceremonies::{ceremony_json, unexpected};
use super::error::PageError;
use super::onward::{ACCOUNT, Onward, carried_request};
use super::render::render;
use super::second_factor::{ENROL_PATH, PendingPost, add_cookie, pending_post, restart, services};
use super::second_factor::{ceremony_request, passed};
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
use crate::domain::passkeys::account::add as add_passkey;
use crate::domain::passkeys::{Answer, PasskeyError, PasskeyName, registered_methods};
use crate::domain::sessions;
use crate::domain::throttle::AccountKey;
use crate::domain::throttle::Source;
use crate::domain::users::User;
use crate::http::source::source_address;
use crate::state::AppState;

/// The problem code of a wrong first code.
const WRONG: &str = "code";
/// The problem code of a passkey that was not added.
const PASSKEY_REFUSED: &str = "passkey";

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
    /// Offer a passkey instead (the sign-in's enrolment, passkeys on): the form the passkey script shows.
    pub(super) passkeys: bool,
    pub(super) passkey_error: Option<&'a str>,
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
    pub(super) passkeys: bool,
    /// A passkey was offered and refused.
    pub(super) passkey_refused: bool,
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
            passkeys: view.passkeys,
            passkey_error: view
                .passkey_refused
                .then_some(view.chrome.messages.account_passkey_failed),
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
    let query = Form::parse(raw).unwrap_or_default();
    let problem = query.get("problem");
    let chrome = onward.chrome(&pages, &req);
    let carried = onward.carried();
    let view = EnrolView {
        chrome: &chrome,
        csrf_token: &pages.csrf.token(&cookie),
        action: ENROL_PATH,
        carried: &carried,
        required: true,
        wrong: problem == Some(WRONG),
        passkeys: state.passkeys.is_some(),
        passkey_refused: problem == Some(PASSKEY_REFUSED),
        cancel_href: &super::second_factor::restart_href(onward, None),
    };
    Ok(enrol_page(&state, &pages, &view, &enrolment, &row.email))
}

/// `POST /login/enrol/passkey/options` (`csrf_token`): a registration ceremony for the pending sign-in's user,
/// bound to this browser (the enrolment page's script calls it when the user adds a passkey instead of an app).
/// 404 when passkeys are off; a stale form or an ended pending sign-in is refused like any stale form.
pub async fn enrol_passkey_options(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let (passkeys, cookie, pending, now) = ceremony_request(&req, &body, &state, &pages).await?;
    let row = state
        .store
        .find_user(&pending.user_id)
        .await?
        .ok_or(PageError::FormExpired)?;
    let ceremony = passkeys
        .start_registration(&state.store, &User::from_row(&row), &cookie.hash(), now)
        .await
        .map_err(unexpected)?;
    Ok(ceremony_json(&ceremony, pages.hsts()))
}

/// `POST /login/enrol` with a passkey (`name`, `ceremony`, `credential`): the passkey registered for the pending
/// sign-in's user (mailed and audited like one added on the account page) is its second factor, and the sign-in
/// ends (or the session is stepped up) as after the step. A passkey that was not added: the page again (303).
#[expect(
    clippy::too_many_arguments,
    reason = "the enrolment's parts, resumed by pending_post"
)]
async fn enrol_with_passkey(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    onward: Onward<'_>,
    post: &PendingPost,
    answer: Answer<'_>,
    source: &Source,
    now: i64,
) -> Result<HttpResponse, PageError> {
    let passkeys = state.passkeys.as_ref().ok_or(PageError::NotFound)?;
    let refused = || {
        let location = format!("{ENROL_PATH}?{}&problem={PASSKEY_REFUSED}", onward.query());
        security::see_other(&location, pages.hsts()).finish()
    };
    let Some(name) = PasskeyName::parse(post.form.get("name").unwrap_or_default()) else {
        return Ok(refused());
    };
    let added = add_passkey(
        passkeys,
        &state.account_services(),
        &post.row.id,
        &Actor::end_user(post.row.id.as_str(), Some(source.address)),
        &post.cookie.hash(),
        answer,
        &name,
        pages.wording(&pages.locale(req)),
        now,
    )
    .await;
    let row = match added {
        Ok(row) => row,
        Err(e @ (PasskeyError::Store(_) | PasskeyError::Mail(_))) => return Err(unexpected(e)),
        Err(e) => {
            tracing::info!(reason = %e, "a passkey at the enrolment was refused");
            state.metrics.passkey_event("registration_refused");
            if pending::failed(&state.store, &state.mfa, &post.cookie).await? {
                return Ok(refused());
            }
            return Ok(restart(pages, onward));
        }
    };
    state.mail_wake.notify_one();
    tracing::info!(user = %post.row.id, passkey = %row.id, "added a passkey during sign-in");
    let methods = AuthMethods::password().and(&registered_methods(&row));
    passed(
        state,
        pages,
        req,
        onward,
        &post.form,
        &post.pending,
        &post.row,
        &post.cookie,
        source,
        methods,
    )
    .await
}

/// `POST /login/enrol`: the first code (`code`) for the enrolment `started_at`, or a passkey (see
/// [`enrol_with_passkey`]). Confirmed, the sign-in ends (or the session is stepped up) with a second factor, and
/// the recovery codes are shown once, with the way on.
pub async fn enrol_post(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let post = match pending_post(&req, body, &state, &pages).await? {
        Ok(post) => post,
        Err(answer) => return Ok(answer),
    };
    let onward = post
        .request
        .as_ref()
        .map_or(Onward::Account, Onward::Authorization);
    let address = source_address(&req);
    state.throttle.request(address).await?;
    if let (Some(ceremony), Some(credential)) =
        (post.form.get("ceremony"), post.form.get("credential"))
    {
        let source = Source {
            address,
            device: state.throttle.devices.presented(&req),
        };
        let answer = Answer {
            ceremony,
            credential,
        };
        let now = post.now;
        return enrol_with_passkey(&state, &pages, &req, onward, &post, answer, &source, now).await;
    }
    let PendingPost {
        form,
        cookie,
        pending,
        row,
        now,
        ..
    } = &post;
    let now = *now;
    let user = User::from_row(row);
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
            if pending::failed(&state.store, &state.mfa, cookie).await? {
                let location = format!("{ENROL_PATH}?{}&problem={WRONG}", onward.query());
                return Ok(security::see_other(&location, pages.hsts()).finish());
            }
            return Ok(restart(&pages, onward));
        }
        Err(e) => return Err(e.into()),
    };
    if !pending::finish(&state.store, cookie).await? {
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
