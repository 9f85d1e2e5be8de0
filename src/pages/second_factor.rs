//! The second-factor step of a sign-in (issue 20): `GET`/`POST /login/second-factor`, and the decisions that lead
//! there, after the password ([`after_password`]) or for a session a request asks more of ([`continue_session`],
//! the step-up of `acr_values`).
//!
//! Between the password and the factor the sign-in is a pending row bound to the browser cookie (`mfa::pending`):
//! short-lived, ended after a few wrong codes, and nothing about it is in the page, so a form can only finish the
//! sign-in of the browser that entered the password. The page offers each kind of factor the user has
//! (`mfa::FactorKind`): a TOTP code and a recovery code (checked by `mfa::factors`), and a passkey (the page's
//! script asks `POST /login/second-factor/passkey/options` for a ceremony over the user's passkeys and posts the
//! authenticator's answer with the step's form; checked by `passkeys`).

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::answer::redirect_error;
use super::error::PageError;
use super::onward::{ACCOUNT, Onward, approve, carried_request, finish_sign_in};
use super::render::render;
use super::security;
use super::settings::{Chrome, PageSettings};
use crate::domain::authentication::SignedIn;
use crate::domain::authorization::AuthorizationRequest;
use crate::domain::form::Form;
use crate::domain::letters::Letter;
use crate::domain::mfa::amr::{Acr, AuthMethods};
use crate::domain::mfa::factors::{self, FactorError, FactorServices, Presented};
use crate::domain::mfa::trusted::TrustBinding;
use crate::domain::mfa::{Demand, FactorKind, Factors, NextStep, next_step, pending};
use crate::domain::oauth_error::ErrorCode;
use crate::domain::passkeys::{Answer, PasskeyError, Passkeys};
use crate::domain::sessions;
use crate::domain::throttle::{AccountKey, Source};
use crate::domain::users::User;
use crate::http::source::source_address;
use crate::state::AppState;
use crate::store::second_factors::PendingRow;
use crate::store::sessions::SessionRow;
use crate::store::users::UserRow;
use crate::values::secret::PlainToken;

/// The sign-in form's problem code when the step ended (too many wrong codes, or it timed out).
pub(super) const ENDED: &str = "two-step";
/// The step page's problem code after a wrong code.
const WRONG: &str = "code";
/// The step page's problem code after a refused passkey.
const PASSKEY_REFUSED: &str = "passkey";

/// The step's page.
pub(super) const STEP_PATH: &str = "/login/second-factor";
/// The enrolment a policy requires, during the sign-in (`enrolment.rs`).
pub(super) const ENROL_PATH: &str = "/login/enrol";

#[derive(Template)]
#[template(path = "second_factor.html")]
struct StepPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    carried: &'a [(&'static str, String)],
    totp: bool,
    recovery: bool,
    passkey: bool,
    /// Offer "trust this browser" (no rule demands the factor, and it is not a step-up).
    offer_trust: bool,
    error: Option<&'a str>,
    /// Back to the sign-in form, as someone else.
    restart_href: &'a str,
}

pub(super) fn services(state: &AppState) -> FactorServices<'_> {
    FactorServices {
        store: &state.store,
        master: &state.master,
        throttle: &state.throttle,
    }
}

/// What a request demands of `user` (the client's and the global policy, the user's roles, `acr_values`).
fn demand(state: &AppState, onward: Onward<'_>, user: &User) -> Demand {
    match onward {
        Onward::Authorization(request) => {
            state.mfa.demand(Some(&request.client), user, request.acr)
        }
        Onward::Account => state.mfa.demand(None, user, None),
    }
}

/// After the right password: the sign-in is done, or it waits for a second factor, or for the enrolment a rule
/// requires of a user who has none. `cookie` is the browser cookie the form was bound to.
pub(super) async fn after_password(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    onward: Onward<'_>,
    signed_in: &SignedIn,
    cookie: Option<&PlainToken>,
) -> Result<HttpResponse, PageError> {
    let user = &signed_in.user;
    let now = state.clock.now();
    let factors = factors::factors(&state.store, &user.id, state.passkeys.is_some()).await?;
    let binding = trust_binding(user, signed_in.password_changed_at(), &factors);
    let trusted =
        state.mfa.trusted_browser_ttl > 0 && state.trusted_browsers.trusts(req, binding, now);
    let next = next_step(&factors, demand(state, onward, user), trusted);
    let mut response = match (next, cookie) {
        (NextStep::Done, _) => {
            finish_sign_in(
                state,
                pages,
                req,
                onward,
                user,
                &AuthMethods::password(),
                now,
            )
            .await?
        }
        (_, None) => return Err(PageError::FormExpired),
        (next, Some(cookie)) => {
            pending::begin(&state.store, &state.mfa, cookie, &user.id, None, now, now).await?;
            tracing::info!(user = %user.id, "password accepted; a second factor comes next");
            return to_next(state, pages, onward, &user.id, &next).await;
        }
    };
    // This browser is now a known device for the account (see `throttle`).
    add_cookie(
        &mut response,
        &signed_in.device_cookie(&state.throttle.devices),
    );
    Ok(response)
}

/// Answers `request` for the browser's live `session`, unless the request demands a second factor the session
/// has not passed: then the step-up (OIDC Core §3.1.2.1 `acr_values`; a client or policy requiring MFA), with the
/// second factor only, never the password again; with `prompt=none`, `interaction_required` (§3.1.2.6).
pub(super) async fn continue_session(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    request: &AuthorizationRequest,
    session: &SessionRow,
    cookie: &PlainToken,
) -> Result<HttpResponse, PageError> {
    let user = match state.store.find_user(&session.user_id).await? {
        Some(row) => User::from_row(&row),
        None => return approve(state, pages, req, request, session, cookie, false).await,
    };
    let demand = state.mfa.demand(Some(&request.client), &user, request.acr);
    if demand == Demand::None || AuthMethods::parse(&session.amr).is_multi_factor() {
        return approve(state, pages, req, request, session, cookie, false).await;
    }
    if request.prompt.none {
        let error = request.error(
            ErrorCode::InteractionRequired,
            "the request needs a second factor the session has not passed",
        );
        return Ok(redirect_error(state, pages, &error));
    }
    let now = state.clock.now();
    pending::begin(
        &state.store,
        &state.mfa,
        cookie,
        &user.id,
        Some(&session.id),
        session.auth_time,
        now,
    )
    .await?;
    tracing::info!(user = %user.id, client = %request.client.id, "step-up: a second factor for this session");
    let factors = factors::factors(&state.store, &user.id, state.passkeys.is_some()).await?;
    let next = if factors.any() {
        NextStep::SecondFactor
    } else {
        NextStep::Enrol
    };
    to_next(
        state,
        pages,
        Onward::Authorization(request),
        &user.id,
        &next,
    )
    .await
}

/// 303 to the step's page, or to the enrolment (started now) for a user who has no factor yet.
async fn to_next(
    state: &AppState,
    pages: &PageSettings,
    onward: Onward<'_>,
    user_id: &crate::values::ids::UserId,
    next: &NextStep,
) -> Result<HttpResponse, PageError> {
    let path = if *next == NextStep::Enrol {
        match factors::start_enrolment(services(state), user_id, state.clock.now()).await {
            Ok(_) | Err(FactorError::AlreadyEnrolled) => {}
            Err(e) => return Err(e.into()),
        }
        ENROL_PATH
    } else {
        STEP_PATH
    };
    let location = format!("{path}?{}", onward.query());
    Ok(security::see_other(&location, pages.hsts()).finish())
}

/// The sign-in form again (the step ended or was never begun in this browser), saying why.
pub(super) fn restart(pages: &PageSettings, onward: Onward<'_>) -> HttpResponse {
    security::see_other(&restart_href(onward, Some(ENDED)), pages.hsts()).finish()
}

/// The sign-in form for `onward` (prompt=login: a new password entry, whoever's session the browser has).
pub(super) fn restart_href(onward: Onward<'_>, problem: Option<&str>) -> String {
    let problem = problem.map(|p| format!("&problem={p}")).unwrap_or_default();
    match onward {
        Onward::Authorization(request) => {
            format!(
                "/authorize?{}&prompt=login{problem}",
                request.carried_query()
            )
        }
        Onward::Account => format!("/login?{}", problem.trim_start_matches('&')),
    }
}

/// What a trusted-browser cookie of `user` is bound to.
pub(super) fn trust_binding<'a>(
    user: &'a User,
    password_changed_at: i64,
    factors: &Factors,
) -> TrustBinding<'a> {
    TrustBinding {
        user_id: &user.id,
        password_changed_at,
        factors_epoch: factors.epoch(),
    }
}

pub(super) fn add_cookie(response: &mut HttpResponse, cookie: &Cookie<'_>) {
    if let Err(e) = response.add_cookie(cookie) {
        tracing::warn!(error = %e, "cannot set a cookie");
    }
}

/// `GET /login/second-factor?…`: the step's page for the browser's pending sign-in, carrying its request.
pub async fn step_get(
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
    let user = User::from_row(&row);
    let factors = factors::factors(&state.store, &user.id, state.passkeys.is_some()).await?;
    let kinds = factors.kinds();
    let form = Form::parse(raw).unwrap_or_default();
    let problem = form.get("problem");
    let chrome = onward.chrome(&pages, &req);
    let carried = onward.carried();
    let offer_trust = state.mfa.trusted_browser_ttl > 0
        && pending.session_id.is_none()
        && demand(&state, onward, &user) == Demand::None;
    // A GET after a refused POST (303): the page, saying why, is a success like the sign-in form's.
    Ok(render(
        &pages,
        StatusCode::OK,
        &StepPage {
            chrome: &chrome,
            csrf_token: &pages.csrf.token(&cookie),
            carried: &carried,
            totp: kinds.contains(&FactorKind::Totp),
            recovery: kinds.contains(&FactorKind::RecoveryCode),
            passkey: kinds.contains(&FactorKind::Passkey),
            offer_trust,
            error: match problem {
                Some(WRONG) => Some(chrome.messages.two_step_wrong_code),
                Some(PASSKEY_REFUSED) => Some(chrome.messages.two_step_passkey_failed),
                _ => None,
            },
            restart_href: &restart_href(onward, None),
        },
    ))
}

/// `POST /login/second-factor/passkey/options` (`csrf_token`): a ceremony over the pending sign-in's user's
/// passkeys, bound to this browser, as JSON `{"ceremony": …, "options": {"publicKey": …}}`. 404 when passkeys are
/// off; a stale form or an ended pending sign-in is refused like any stale form (the script then says so).
pub async fn passkey_options(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let (passkeys, cookie, pending, now) = ceremony_request(&req, &body, &state, &pages).await?;
    match passkeys
        .start_second_factor(&state.store, &pending.user_id, &cookie.hash(), now)
        .await
    {
        Ok(ceremony) => Ok(super::ceremonies::ceremony_json(&ceremony, pages.hsts())),
        // The passkeys were removed since the page was shown (by the user elsewhere, or an operator's reset).
        Err(PasskeyError::UnknownPasskey) => Err(PageError::FormExpired),
        Err(e) => Err(super::ceremonies::unexpected(e)),
    }
}

/// A request of the step's (or the enrolment's) script for a passkey ceremony: passkeys on (else 404), the form's
/// CSRF token, the browser's pending sign-in (else refused like a stale form), and the per-address request limit.
pub(super) async fn ceremony_request<'a>(
    req: &HttpRequest,
    body: &Result<web::Bytes, actix_web::Error>,
    state: &'a AppState,
    pages: &PageSettings,
) -> Result<(&'a Passkeys, PlainToken, PendingRow, i64), PageError> {
    let passkeys = state.passkeys.as_ref().ok_or(PageError::NotFound)?;
    pages.checked_form(req, body)?;
    let cookie = pages.cookie.presented(req).ok_or(PageError::FormExpired)?;
    let now = state.clock.now();
    let pending = pending::find(&state.store, &cookie, now)
        .await?
        .ok_or(PageError::FormExpired)?;
    state.throttle.request(source_address(req)).await?;
    Ok((passkeys, cookie, pending, now))
}

/// `POST /login/second-factor`: a TOTP code (`code`), a recovery code (`recovery_code`) or a passkey's answer
/// (`ceremony` and `credential`, posted by the page's script) for the browser's pending sign-in, with `trust=yes`
/// to trust this browser. A wrong code or a refused passkey is a 303 to the page again (or, after too many, to the
/// sign-in form); the right one ends the sign-in, or steps the session up, and goes on.
pub async fn step_post(
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
    let source = Source {
        address: source_address(&req),
        device: state.throttle.devices.presented(&req),
    };
    state.throttle.request(source.address).await?;
    let passkey_answer = match (form.get("ceremony"), form.get("credential")) {
        (Some(ceremony), Some(credential)) => Some(Answer {
            ceremony,
            credential,
        }),
        _ => None,
    };
    if let Some(answer) = passkey_answer {
        let passkeys = state.passkeys.as_ref().ok_or(PageError::NotFound)?;
        return match passkeys
            .finish_second_factor(&state.store, &user.id, &cookie.hash(), answer, now)
            .await
        {
            Ok(used) => {
                tracing::info!(user = %user.id, passkey = %used.passkey_id, "a passkey confirmed a sign-in");
                state.metrics.passkey_event("second_factor");
                let methods = AuthMethods::password().and(&used.methods());
                passed(
                    &state, &pages, &req, onward, &form, &pending, &row, &cookie, &source, methods,
                )
                .await
            }
            Err(PasskeyError::Store(e)) => Err(e.into()),
            Err(e) => {
                tracing::info!(user = %user.id, reason = %e, "a passkey as second factor was refused");
                state.metrics.passkey_event("second_factor_refused");
                wrong(&state, &pages, onward, &cookie, PASSKEY_REFUSED).await
            }
        };
    }
    let presented = match (form.get("code"), form.get("recovery_code")) {
        (Some(code), _) if !code.trim().is_empty() => Presented::Totp(code.to_owned()),
        (_, Some(code)) if !code.trim().is_empty() => Presented::Recovery(code.to_owned()),
        _ => Presented::Totp(String::new()),
    };
    let locale = pages.locale(&req);
    let notice = pages
        .wording(&locale)
        .write(Letter::RecoveryCodeUsed)
        .to(&user.email);
    let verified = factors::verify(
        services(&state),
        &user.id,
        &presented,
        &source,
        row.password_changed_at,
        notice,
        now,
    )
    .await;
    let method = match verified {
        Ok(method) => method,
        Err(FactorError::WrongCode) => {
            return wrong(&state, &pages, onward, &cookie, WRONG).await;
        }
        Err(e) => return Err(e.into()),
    };
    if matches!(presented, Presented::Recovery(_)) {
        state.mail_wake.notify_one();
    }
    let methods = AuthMethods::password().with(method);
    passed(
        &state, &pages, &req, onward, &form, &pending, &row, &cookie, &source, methods,
    )
    .await
}

/// A wrong code or a refused passkey (`problem`): counted against the pending sign-in; 303 to the step's page
/// again, saying why, or after too many to the sign-in form.
async fn wrong(
    state: &AppState,
    pages: &PageSettings,
    onward: Onward<'_>,
    cookie: &PlainToken,
    problem: &str,
) -> Result<HttpResponse, PageError> {
    if pending::failed(&state.store, &state.mfa, cookie).await? {
        let location = format!("{STEP_PATH}?{}&problem={problem}", onward.query());
        return Ok(security::see_other(&location, pages.hsts()).finish());
    }
    tracing::info!("too many failed second factors; the sign-in ended");
    Ok(restart(pages, onward))
}

/// The second factor passed (`methods`: the password's and the factor's; also a passkey registered at the
/// enrolment a rule requires): the pending sign-in ends (once), and
/// the sign-in is finished or the session stepped up; the browser becomes a known device, and a trusted one if
/// the user asked and the rules allow it.
#[expect(
    clippy::too_many_arguments,
    reason = "the step's parts, resumed by pending_post"
)]
pub(super) async fn passed(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    onward: Onward<'_>,
    form: &Form,
    pending: &PendingRow,
    row: &UserRow,
    cookie: &PlainToken,
    source: &Source,
    methods: AuthMethods,
) -> Result<HttpResponse, PageError> {
    // Only one request finishes a pending sign-in (two tabs posting at once).
    if !pending::finish(&state.store, cookie).await? {
        return Ok(restart(pages, onward));
    }
    let user = User::from_row(row);
    let now = state.clock.now();
    let mut response = match &pending.session_id {
        None => {
            finish_sign_in(
                state,
                pages,
                req,
                onward,
                &user,
                &methods,
                pending.auth_time,
            )
            .await?
        }
        Some(session_id) => {
            step_up(state, pages, req, onward, session_id, &methods, cookie).await?
        }
    };
    let account = AccountKey::user(&user.id);
    let device = source.device.as_ref().and_then(|presented| {
        state
            .throttle
            .devices
            .verify(presented, &account, row.password_changed_at)
    });
    let device = state
        .throttle
        .devices
        .issue(&account, row.password_changed_at, device.as_ref());
    add_cookie(&mut response, &device);
    let trust = form.get("trust") == Some("yes")
        && state.mfa.trusted_browser_ttl > 0
        && pending.session_id.is_none()
        && !matches!(onward, Onward::Authorization(r) if r.acr == Some(Acr::MultiFactor));
    if trust {
        let factors = factors::factors(&state.store, &user.id, state.passkeys.is_some()).await?;
        let binding = trust_binding(&user, row.password_changed_at, &factors);
        let cookie = state
            .trusted_browsers
            .issue(binding, state.mfa.trusted_browser_ttl, now);
        add_cookie(&mut response, &cookie);
    }
    Ok(response)
}

/// The browser's session (`session_id`) has now passed a second factor too: it says so from now on, and the
/// request it was stepped up for is answered.
pub(super) async fn step_up(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    onward: Onward<'_>,
    session_id: &str,
    methods: &AuthMethods,
    cookie: &PlainToken,
) -> Result<HttpResponse, PageError> {
    state
        .store
        .step_up_session(session_id, &methods.stored())
        .await?;
    let session = sessions::resume(&state.store, state.sessions, cookie, state.clock.now())
        .await?
        .filter(|s| s.id == session_id);
    match (onward, session) {
        (Onward::Authorization(request), Some(session)) => {
            tracing::info!(user = %session.user_id, client = %request.client.id, amr = %session.amr, "session stepped up");
            approve(state, pages, req, request, &session, cookie, false).await
        }
        (Onward::Authorization(_), None) => Ok(restart(pages, onward)),
        (Onward::Account, _) => Ok(security::see_other(ACCOUNT, pages.hsts()).finish()),
    }
}

/// A POST of the second-factor or enrolment step, resumed: its form, the authorization request it carries (none
/// for the account's own sign-in), the browser cookie, the pending sign-in bound to it, and its user.
pub(super) struct PendingPost {
    pub(super) form: Form,
    pub(super) request: Option<AuthorizationRequest>,
    pub(super) cookie: PlainToken,
    pub(super) pending: PendingRow,
    pub(super) row: UserRow,
    pub(super) now: i64,
}

/// Resumes a step's POST: a cross-site one is refused; a stale form, an ended pending sign-in or a deleted user
/// start the sign-in again (the inner `Err`, an answer to send).
pub(super) async fn pending_post(
    req: &HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: &AppState,
    pages: &PageSettings,
) -> Result<Result<PendingPost, HttpResponse>, PageError> {
    let body = body.map_err(|_| PageError::Malformed)?;
    let form = Form::parse(&body).map_err(|_| PageError::Malformed)?;
    if !pages.cookie.same_origin(req) {
        return Err(PageError::FormExpired);
    }
    let request = match carried_request(state, pages, req, &body).await? {
        Ok(request) => request,
        Err(refused) => return Ok(Err(refused)),
    };
    let onward = request
        .as_ref()
        .map_or(Onward::Account, Onward::Authorization);
    let (Some(cookie), true) = (pages.cookie.presented(req), pages.accepts_form(req, &form)) else {
        return Ok(Err(restart(pages, onward)));
    };
    let now = state.clock.now();
    let Some(pending) = pending::find(&state.store, &cookie, now).await? else {
        return Ok(Err(restart(pages, onward)));
    };
    let Some(row) = state.store.find_user(&pending.user_id).await? else {
        return Ok(Err(restart(pages, onward)));
    };
    Ok(Ok(PendingPost {
        form,
        request,
        cookie,
        pending,
        row,
        now,
    }))
}
