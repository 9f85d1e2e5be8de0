//! `GET`/`POST /authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2) and `POST /login`, the sign-in form's target.
//!
//! With a session that satisfies the request, the answer is at once a 303 to the client with a code (single
//! sign-on); with `prompt=none` and no such session, `login_required`; otherwise the sign-in form, which carries
//! the request in hidden fields so that its POST repeats it, checked again from scratch.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::PageError;
use super::language::remember_ui_locales;
use super::render::{SignInPage, render};
use super::security;
use super::settings::PageSettings;
use crate::domain::authentication::{self, AuthError, SignInAttempt};
use crate::domain::authorization::{
    AuthorizationRequest, AuthorizeError, ErrorRedirect, redirect_with,
};
use crate::domain::form::Form;
use crate::domain::oauth_error::ErrorCode;
use crate::domain::passwords::Password;
use crate::domain::sessions::{self, SESSION_PREFIX};
use crate::domain::throttle::Source;
use crate::domain::users::Login;
use crate::http::source::source_address;
use crate::state::AppState;
use crate::store::sessions::SessionRow;
use crate::values::secret::PlainToken;

/// Largest form accepted on the pages: an authorization request and a password fit in far less.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

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
        Err(e) => return refused(state, pages, e),
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
    if let Some(session) = session.filter(|s| request.accepts(s, now))
        // OIDC Core §3.1.2.1: a session of another user than the hints name does not answer the request: with
        // prompt=none that is login_required, otherwise the sign-in form (for the hinted login).
        && request
            .hints_match(&state.store, &session, hinted.as_ref())
            .await?
    {
        return approve(state, pages, &request, &session, None).await;
    }
    if request.prompt.none {
        // OIDC Core §3.1.2.6: no interaction allowed, and it would be needed.
        let error = request.error(ErrorCode::LoginRequired, "the user must sign in");
        return Ok(redirect_error(state, pages, &error));
    }
    let username = request.login_hint.clone().unwrap_or_default();
    Ok(sign_in_form(
        pages, req, state, &request, cookie, &username, None,
    ))
}

/// `POST /login`: the sign-in form. Checks origin and CSRF token, then the request it carries, then the password.
pub async fn sign_in(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    let (Some(cookie), Ok(body)) = (pages.cookie.presented(&req), body) else {
        return Err(PageError::FormExpired);
    };
    let request = match AuthorizationRequest::parse(&state.store, &body).await {
        Ok(request) => request,
        Err(e) => return refused(&state, &pages, e),
    };
    let username = form.get("username").unwrap_or_default();
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
            let again = Some(Problem::BadCredentials);
            return Ok(sign_in_form(
                &pages,
                &req,
                &state,
                &request,
                Some(cookie),
                username,
                again,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    // A self-registered account that has not verified its address yet (only after the right password, so this
    // says nothing about accounts to someone who doesn't know it).
    if !signed_in
        .user
        .may_sign_in(state.registration.require_verified_email)
    {
        let unverified = Some(Problem::Unverified);
        return Ok(sign_in_form(
            &pages,
            &req,
            &state,
            &request,
            Some(cookie),
            username,
            unverified,
        ));
    }
    // A new secret, and with it a new cookie and new CSRF tokens: whatever cookie the browser had before (maybe
    // planted) names nothing now (session fixation, OWASP ASVS 3.2.1).
    let user = &signed_in.user;
    let (secret, session) =
        sessions::start(&state.store, state.sessions, user, state.clock.now()).await?;
    tracing::info!(user = %user.id, client = %request.client.id, "signed in on the hosted page");
    let mut response = approve(&state, &pages, &request, &session, Some(secret)).await?;
    // This browser is now a known device for the account (see `throttle`).
    let device = signed_in.device_cookie(&state.throttle.devices);
    if let Err(e) = response.add_cookie(&device) {
        tracing::warn!(error = %e, "cannot set the device cookie");
    }
    Ok(response)
}

/// Issues a code for `request` approved by `session` and sends the user agent back to the client (§4.1.2).
async fn approve(
    state: &AppState,
    pages: &PageSettings,
    request: &AuthorizationRequest,
    session: &SessionRow,
    new_cookie: Option<PlainToken>,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let code = request
        .issue_code(&state.store, session, pages.code_ttl, now)
        .await?;
    let mut params = vec![("code", code.expose())];
    if let Some(s) = &request.state {
        params.push(("state", s.as_str()));
    }
    let location = redirect_with(&request.redirect_uri, &params, &state.tokens.issuer);
    let mut response = security::see_other(&location, pages.hsts());
    if let Some(secret) = new_cookie {
        response.cookie(pages.cookie.cookie(&secret));
    }
    Ok(response.finish())
}

/// Why the sign-in form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// The one answer to every failed sign-in (no account enumeration).
    BadCredentials,
    /// The right password, for a self-registered account whose address is not verified yet.
    Unverified,
}

/// The sign-in form for `request`, its CSRF token bound to the browser cookie (created now if there is none), with
/// a link to registration (carrying the request) when registration is open.
fn sign_in_form(
    pages: &PageSettings,
    req: &HttpRequest,
    state: &AppState,
    request: &AuthorizationRequest,
    cookie: Option<PlainToken>,
    username: &str,
    problem: Option<Problem>,
) -> HttpResponse {
    let messages = &pages.chrome(req).messages;
    let error = problem.map(|p| match p {
        Problem::BadCredentials => messages.bad_credentials,
        Problem::Unverified => messages.unverified_email,
    });
    let register_href = state
        .registration
        .is_open()
        .then(|| format!("/register?{}", request.carried_query()));
    let (cookie, set_cookie) = match cookie {
        Some(cookie) => (cookie, false),
        None => (PlainToken::generate(SESSION_PREFIX), true),
    };
    let csrf_token = pages.csrf.token(&cookie);
    let carried = request.carried();
    let mut response = render(
        pages,
        StatusCode::OK,
        &SignInPage {
            chrome: pages.chrome(req),
            client_id: request.client.id.as_str(),
            csrf_token: &csrf_token,
            carried: &carried,
            username,
            error,
            register_href: register_href.as_deref(),
            resend: problem == Some(Problem::Unverified),
        },
    );
    if set_cookie && let Err(e) = response.add_cookie(&pages.cookie.cookie(&cookie)) {
        tracing::error!(error = %e, "cannot set the browser cookie");
    }
    response
}

/// A refused request: an error page when the client or redirection URI is in doubt, else a redirect.
fn refused(
    state: &AppState,
    pages: &PageSettings,
    error: AuthorizeError,
) -> Result<HttpResponse, PageError> {
    match error {
        AuthorizeError::NoRedirect(why) => Err(PageError::NoRedirect(why)),
        AuthorizeError::Redirect(error) => Ok(redirect_error(state, pages, &error)),
        AuthorizeError::Store(e) => Err(e.into()),
    }
}

fn redirect_error(state: &AppState, pages: &PageSettings, error: &ErrorRedirect) -> HttpResponse {
    security::see_other(&error.location(&state.tokens.issuer), pages.hsts()).finish()
}
