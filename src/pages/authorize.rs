//! `GET`/`POST /authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2) and `POST /login`, the sign-in form's target.
//!
//! With a session that satisfies the request, the answer is at once a 303 to the client with a code (single
//! sign-on); with `prompt=none` and no such session, `login_required`; otherwise the sign-in form, which carries
//! the request in hidden fields so that its POST repeats it, checked again from scratch. `GET /login` is the same
//! form without an application: the account's own sign-in, which leads to `/account`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::answer::{redirect_error, refused};
use super::error::PageError;
use super::forms::query;
use super::language::remember_ui_locales;
use super::onward::{ACCOUNT, MAX_LOGIN_LEN, Onward, RETURN_TO};
use super::render::{SignInPage, render};
use super::second_factor;
use super::security;
use super::settings::PageSettings;
use crate::domain::authentication::{self, AuthError, SignInAttempt};
use crate::domain::authorization::AuthorizationRequest;
use crate::domain::form::Form;
use crate::domain::oauth_error::ErrorCode;
use crate::domain::passwords::Password;
use crate::domain::sessions::{self, SESSION_PREFIX};
use crate::domain::throttle::Source;
use crate::domain::users::Login;
use crate::http::source::source_address;
use crate::state::AppState;
use crate::values::secret::PlainToken;

pub use super::forms::MAX_FORM_BYTES;

pub async fn authorize_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    authorize(&req, &state, &pages, req.query_string().as_bytes()).await
}

/// OIDC Core §3.1.2.1: the request may also be a form POST. (A cross-site POST carries no SameSite=Lax cookie,
/// so it always shows the sign-in form.)
pub async fn authorize_post(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let body = body.map_err(|_| PageError::Malformed)?;
    authorize(&req, &state, &pages, &body).await
}

async fn authorize(
    req: &HttpRequest,
    state: &AppState,
    pages: &PageSettings,
    raw: &[u8],
) -> Result<HttpResponse, PageError> {
    // OIDC Core §3.1.2.1 `ui_locales`, from the query or the POSTed request: the pages (and any error page) of
    // this request speak it; the sign-in form carries it on.
    if let Ok(form) = Form::parse(raw) {
        remember_ui_locales(req, &form);
    }
    let request = match AuthorizationRequest::parse(&state.store, raw).await {
        Ok(request) => request,
        Err(e) => return refused(state, pages, req, e, raw).await,
    };
    let hinted = match request.hinted_subject(&state.keys.snapshot(), &state.tokens.issuer) {
        Ok(hinted) => hinted,
        Err(error) => return Ok(redirect_error(state, pages, &error)),
    };
    let now = state.clock.now();
    let cookie = pages.cookie.presented(req);
    let session = match &cookie {
        Some(secret) => sessions::resume(&state.store, state.sessions, secret, now).await?,
        None => None,
    };
    if let (Some(session), Some(cookie)) =
        (session.as_ref().filter(|s| request.accepts(s, now)), &cookie)
        // OIDC Core §3.1.2.1: a session of another user than the hints name does not answer the request: with
        // prompt=none that is login_required, otherwise the sign-in form (for the hinted login).
        && request
            .hints_match(&state.store, session, hinted.as_ref())
            .await?
    {
        return second_factor::continue_session(state, pages, req, &request, session, cookie).await;
    }
    if request.prompt.none {
        // OIDC Core §3.1.2.6: no interaction allowed, and it would be needed.
        let error = request.error(ErrorCode::LoginRequired, "the user must sign in");
        return Ok(redirect_error(state, pages, &error));
    }
    // prompt=login, max_age, or hints naming someone else: the form says who is signed in (their address, to
    // the browser that holds their session) and offers to continue as them or as another account.
    let signed_in_as = match &session {
        Some(session) => state
            .store
            .find_user(&session.user_id)
            .await?
            .map(|user| user.email),
        None => None,
    };
    let query = Form::parse(raw).unwrap_or_default();
    let problem = query.get("problem").and_then(Problem::from_code);
    let username = request
        .login_hint
        .clone()
        .or_else(|| signed_in_as.clone())
        .unwrap_or_default();
    let form = SignInForm {
        onward: Onward::Authorization(&request),
        username: &username,
        problem,
        signed_in_as: signed_in_as.as_deref(),
    };
    Ok(form.render(pages, req, state, cookie))
}

/// `GET /login[?problem=…&login_hint=…]`: the account's own sign-in (no application: it leads to `/account`), or
/// at once `/account` when this browser is signed in.
pub async fn sign_in_form_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let cookie = pages.cookie.presented(&req);
    if let Some(secret) = &cookie
        && sessions::resume(&state.store, state.sessions, secret, state.clock.now())
            .await?
            .is_some()
    {
        return Ok(security::see_other(ACCOUNT, pages.hsts()).finish());
    }
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let username = query
        .get("login_hint")
        .filter(|h| h.len() <= MAX_LOGIN_LEN)
        .unwrap_or_default();
    let form = SignInForm {
        onward: Onward::Account,
        username,
        problem: query.get("problem").and_then(Problem::from_code),
        signed_in_as: None,
    };
    Ok(form.render(&pages, &req, &state, cookie))
}

/// `POST /login`: the sign-in form. Checks origin and CSRF token, then the request it carries, then the password.
/// Every refusal that the form answers is a 303 to the form again (POST-redirect-GET: Back and Reload never post
/// twice), with the typed login (never the password), the authorization request, and a code from a fixed set for
/// the reason, so nobody can make the page say anything else.
pub async fn sign_in(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let body = body.map_err(|_| PageError::Malformed)?;
    let form = Form::parse(&body).map_err(|_| PageError::Malformed)?;
    // A cross-site POST stays refused (DESIGN.md §15).
    if !pages.cookie.same_origin(&req) {
        return Err(PageError::FormExpired);
    }
    let request = match form.get(RETURN_TO) {
        // The account's own sign-in: the one target it may name.
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
    let username = form.get("username").unwrap_or_default();
    let cookie = pages.cookie.presented(&req);
    if !pages.accepts_form(&req, &form) {
        return stale_form(&state, &pages, &req, onward, cookie.as_ref(), username).await;
    }
    let login = Login::parse(username);
    let source = Source {
        address: source_address(&req),
        device: state.throttle.devices.presented(&req),
    };
    state.throttle.request(source.address).await?;
    // An over-long password can't be anyone's: the same answer as a wrong one, without hashing a megabyte.
    let password = form
        .get("password")
        .and_then(|p| Password::presented(p).ok());
    let attempt = |password| SignInAttempt {
        login: &login,
        password,
        source: &source,
    };
    let user = match &password {
        Some(password) => {
            authentication::authenticate(
                &state.store,
                &state.hasher,
                &state.throttle,
                attempt(password),
                state.clock.now(),
            )
            .await
        }
        None => Err(AuthError::InvalidCredentials),
    };
    let signed_in = match user {
        Ok(signed_in) => signed_in,
        Err(AuthError::InvalidCredentials) => {
            return Ok(onward.again(&pages, username, Problem::BadCredentials));
        }
        Err(e) => return Err(e.into()),
    };
    // A self-registered account that has not verified its address yet (only after the right password, so this
    // says nothing about accounts to someone who doesn't know it).
    if !signed_in
        .user
        .may_sign_in(state.registration.require_verified_email)
    {
        return Ok(onward.again(&pages, username, Problem::Unverified));
    }
    // The second factor, or the enrolment a policy requires, comes next; or the sign-in is done.
    second_factor::after_password(&state, &pages, &req, onward, &signed_in, cookie.as_ref()).await
}

/// A same-origin sign-in whose CSRF token no longer matches the browser's cookie: typically two tabs, and the
/// other one signed in (which replaced the cookie) or out. Never a dead end: when this browser's session already
/// answers the request, it continues (no more than `GET /authorize` would do for any link, so nothing a forged
/// form could gain); otherwise the form again, with a notice.
async fn stale_form(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    onward: Onward<'_>,
    cookie: Option<&PlainToken>,
    username: &str,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let session = match cookie {
        Some(secret) => sessions::resume(&state.store, state.sessions, secret, now).await?,
        None => None,
    };
    if let (Some(session), Some(secret)) = (session, cookie) {
        match onward {
            Onward::Account => return Ok(security::see_other(ACCOUNT, pages.hsts()).finish()),
            Onward::Authorization(request)
                if request.accepts(&session, now)
                    && request.hints_match(&state.store, &session, None).await? =>
            {
                return second_factor::continue_session(
                    state, pages, req, request, &session, secret,
                )
                .await;
            }
            Onward::Authorization(_) => {}
        }
    }
    Ok(onward.again(pages, username, Problem::Expired))
}

/// Why the sign-in form is shown again: a code from this fixed set travels in the redirect, never a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Problem {
    /// The one answer to every failed sign-in (no account enumeration).
    BadCredentials,
    /// The right password, for a self-registered account whose address is not verified yet.
    Unverified,
    /// The form's CSRF token was stale (another tab signed in or out): nothing was checked.
    Expired,
    /// A passkey did not sign in (unknown, removed, refused, the ceremony used or expired): one answer for all.
    Passkey,
    /// The second-factor step ended (too many wrong codes, or it timed out): the password again.
    SecondFactorEnded,
}

impl Problem {
    fn code(self) -> &'static str {
        match self {
            Self::BadCredentials => "credentials",
            Self::Unverified => "unverified",
            Self::Expired => "expired",
            Self::Passkey => "passkey",
            Self::SecondFactorEnded => second_factor::ENDED,
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [
            Self::BadCredentials,
            Self::Unverified,
            Self::Expired,
            Self::Passkey,
            Self::SecondFactorEnded,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }
}

impl Onward<'_> {
    /// 303 to the sign-in form again, keeping the request and the typed login.
    pub(super) fn again(
        self,
        pages: &PageSettings,
        username: &str,
        problem: Problem,
    ) -> HttpResponse {
        let login = Some(username).filter(|u| !u.is_empty() && u.len() <= MAX_LOGIN_LEN);
        let location = match self {
            // prompt=login: the form again, even if a session (of someone else) would answer the request.
            Onward::Authorization(request) => format!(
                "/authorize?{}&{}",
                request.carried_query(),
                query(&[
                    ("prompt", Some("login")),
                    ("login_hint", login),
                    ("problem", Some(problem.code())),
                ])
            ),
            Onward::Account => format!(
                "/login?{}",
                query(&[("login_hint", login), ("problem", Some(problem.code()))])
            ),
        };
        security::see_other(&location, pages.hsts()).finish()
    }

    /// `/password/forgot` carrying the request and the login typed so far.
    fn forgot_href(self, username: &str) -> String {
        let login = Some(username).filter(|u| !u.is_empty());
        match self {
            Onward::Authorization(request) => format!(
                "/password/forgot?{}&{}",
                request.carried_query(),
                query(&[("login_hint", login)])
            ),
            Onward::Account => format!("/password/forgot?{}", query(&[("login_hint", login)])),
        }
        .trim_end_matches(['?', '&'])
        .to_owned()
    }
}

/// The sign-in form: for an authorization request, or for the account page.
struct SignInForm<'a> {
    onward: Onward<'a>,
    username: &'a str,
    problem: Option<Problem>,
    /// Whom this browser is signed in as (prompt=login, max_age, another account hinted).
    signed_in_as: Option<&'a str>,
}

impl SignInForm<'_> {
    /// The form, its CSRF token bound to the browser cookie (created now if there is none), with a link to
    /// registration (carrying the request) when registration is open.
    fn render(
        &self,
        pages: &PageSettings,
        req: &HttpRequest,
        state: &AppState,
        cookie: Option<PlainToken>,
    ) -> HttpResponse {
        let messages = &pages.chrome(req).messages;
        let error = self.problem.and_then(|p| match p {
            Problem::BadCredentials => Some(messages.bad_credentials),
            Problem::Unverified => Some(messages.unverified_email),
            Problem::Expired => None,
            Problem::Passkey => Some(messages.passkey_sign_in_failed),
            Problem::SecondFactorEnded => Some(messages.two_step_ended),
        });
        let (chrome, carried, register_href) = match self.onward {
            Onward::Authorization(request) => (
                pages.chrome(req).for_client(&request.client),
                request.carried(),
                state
                    .registration
                    .is_open()
                    .then(|| format!("/register?{}", request.carried_query())),
            ),
            Onward::Account => (
                pages.chrome(req).clone(),
                vec![(RETURN_TO, ACCOUNT.to_owned())],
                None,
            ),
        };
        let (cookie, set_cookie) = match cookie {
            Some(cookie) => (cookie, false),
            None => (PlainToken::generate(SESSION_PREFIX), true),
        };
        let csrf_token = pages.csrf.token(&cookie);
        let mut response = render(
            pages,
            StatusCode::OK,
            &SignInPage {
                chrome: &chrome,
                csrf_token: &csrf_token,
                carried: &carried,
                username: self.username,
                error,
                disabled_hint: self.problem == Some(Problem::BadCredentials),
                notice: (self.problem == Some(Problem::Expired))
                    .then_some(messages.sign_in_expired_notice),
                signed_in_as: self.signed_in_as,
                forgot_href: &self.onward.forgot_href(self.username),
                register_href: register_href.as_deref(),
                resend: self.problem == Some(Problem::Unverified),
                passkeys: state.passkeys.is_some(),
            },
        );
        if set_cookie && let Err(e) = response.add_cookie(&pages.cookie.cookie(&cookie)) {
            tracing::error!(error = %e, "cannot set the browser cookie");
        }
        response
    }
}
