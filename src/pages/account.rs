//! `/account`: the signed-in user's own page (issue 18). The profile, a password change, where the user is signed
//! in (revoke one, or sign out everywhere), a download of the user's data, and the deletion of the account; the
//! place where second factors will be enrolled is marked ("Two-step verification").
//!
//! The page belongs to the browser's hosted session (the cookie the sign-in page sets). Without one it explains how
//! to get signed in: a sign-in needs an authorization request, which only the user's application can start, so
//! there is nothing to redirect to. Every form is a CSRF-checked POST from our own origin; a POST whose session has
//! ended meanwhile is sent (303) to `/account`, which then explains. A successful POST redirects (303) to
//! `/account` with a notice; a refused one shows the page again with the reason next to the form.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::error::PageError;
use super::password::password_problem;
use super::render::{message_page, render};
use super::security;
use super::settings::{Chrome, PageSettings};
use crate::domain::account::{self, AccountActor, AccountError, AccountServices, DeviceKind};
use crate::domain::form::Form;
use crate::domain::passwords::Password;
use crate::domain::sessions;
use crate::domain::throttle::Source;
use crate::domain::users::User;
use crate::http::source::source_address;
use crate::state::AppState;
use crate::store::sessions::SessionRow;
use crate::values::secret::PlainToken;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    user: &'a User,
    created: String,
    sessions: Vec<SessionView>,
    apps: Vec<AppView>,
    notice: Option<&'a str>,
    password_error: Option<&'a str>,
    devices_error: Option<&'a str>,
    delete_error: Option<&'a str>,
    deletion: bool,
}

struct SessionView {
    id: String,
    created: String,
    last_used: String,
    current: bool,
}

struct AppView {
    id: String,
    client: String,
    created: String,
    last_used: Option<String>,
}

/// What the page shows besides the account: a notice after a change, or why a form was refused.
#[derive(Default)]
struct Feedback<'a> {
    notice: Option<&'a str>,
    password_error: Option<&'a str>,
    devices_error: Option<&'a str>,
    delete_error: Option<&'a str>,
}

/// The browser's live session and its cookie's secret (the CSRF tokens are bound to it).
struct SignedIn {
    secret: PlainToken,
    session: SessionRow,
}

async fn signed_in(
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

/// `GET /account[?done=…]`.
pub async fn account_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = pages.chrome.messages;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(message_page(
            &pages,
            StatusCode::OK,
            messages.account_signed_out_heading,
            messages.account_signed_out_text,
        ));
    };
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let notice = match query.get("done") {
        Some("password") => Some(messages.account_password_changed),
        Some("revoked") => Some(messages.account_revoked),
        _ => None,
    };
    let feedback = Feedback {
        notice,
        ..Feedback::default()
    };
    account_page(&state, &pages, &signed_in, StatusCode::OK, feedback).await
}

/// `POST /account/password`: `current_password`, `password`, `password_again`.
pub async fn change_password(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = pages.chrome.messages;
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let refuse = async |error| {
        let feedback = Feedback {
            password_error: Some(error),
            ..Feedback::default()
        };
        account_page(
            &state,
            &pages,
            &signed_in,
            StatusCode::BAD_REQUEST,
            feedback,
        )
        .await
    };
    let (first, again) = (
        form.get("password").unwrap_or_default(),
        form.get("password_again").unwrap_or_default(),
    );
    if first != again {
        return refuse(messages.reset_mismatch).await;
    }
    let new = match Password::new(first.to_owned()) {
        Ok(password) => password,
        Err(e) => return refuse(password_problem(&e, messages)).await,
    };
    let Some(current) = presented_password(&form, "current_password") else {
        return refuse(messages.account_wrong_password).await;
    };
    let source = source(&req, &state);
    // The sign-in page's per-address limit comes first, as there: a password check is never the cheap way in.
    state.throttle.request(source.address).await?;
    let result = account::change_password(
        &services(&state),
        &actor(&signed_in, &source),
        &current,
        &new,
        messages.account_changed_mail_texts(),
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => {
            state.mail_wake.notify_one();
            tracing::info!(user = %signed_in.session.user_id, "password changed on the account page");
            Ok(to_account(&pages, Some("password")))
        }
        Err(AccountError::WrongPassword) => refuse(messages.account_wrong_password).await,
        Err(AccountError::Gone) => Ok(to_account(&pages, None)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/sessions/revoke`: `kind` (`session` or `app`) and `id`.
pub async fn revoke(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = pages.chrome.messages;
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let kind = match form.get("kind") {
        Some("session") => DeviceKind::Session,
        Some("app") => DeviceKind::Family,
        _ => return Err(PageError::Malformed),
    };
    let id = form
        .get("id")
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .ok_or(PageError::Malformed)?;
    let source = source(&req, &state);
    let result = account::revoke_device(
        &services(&state),
        &actor(&signed_in, &source),
        kind,
        id,
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => Ok(to_account(&pages, Some("revoked"))),
        Err(AccountError::NotFound) => {
            let feedback = Feedback {
                devices_error: Some(messages.account_unknown_session),
                ..Feedback::default()
            };
            account_page(&state, &pages, &signed_in, StatusCode::NOT_FOUND, feedback).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/sessions/end-all`: every session and token of the user ends, this browser's too.
pub async fn logout_everywhere(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = pages.chrome.messages;
    pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let source = source(&req, &state);
    account::log_out_everywhere(
        &services(&state),
        &actor(&signed_in, &source),
        state.clock.now(),
    )
    .await?;
    tracing::info!(user = %signed_in.session.user_id, "signed out everywhere from the account page");
    Ok(signed_out(
        &pages,
        messages.account_logged_out_everywhere_heading,
        messages.account_logged_out_everywhere_text,
    ))
}

/// `GET /account/data`: what Latchkey holds about the user, as a JSON download.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let data =
        match account::export(&state.store, &signed_in.session.user_id, state.clock.now()).await {
            Ok(data) => data,
            Err(AccountError::Gone) => return Ok(to_account(&pages, None)),
            Err(e) => return Err(e.into()),
        };
    let body = serde_json::to_vec_pretty(&data).map_err(|e| PageError::Unexpected(e.into()))?;
    let mut response = security::page(StatusCode::OK, pages.hsts()).body(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"latchkey-account.json\""),
    );
    Ok(response)
}

/// `POST /account/delete`: `password`. Only when `account_deletion` is on.
pub async fn delete(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = pages.chrome.messages;
    if !pages.account_deletion {
        return Err(PageError::AccountDeletionOff);
    }
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let refuse = async || {
        let feedback = Feedback {
            delete_error: Some(messages.account_wrong_password),
            ..Feedback::default()
        };
        account_page(
            &state,
            &pages,
            &signed_in,
            StatusCode::BAD_REQUEST,
            feedback,
        )
        .await
    };
    let Some(password) = presented_password(&form, "password") else {
        return refuse().await;
    };
    let source = source(&req, &state);
    state.throttle.request(source.address).await?;
    let result = account::delete_account(
        &services(&state),
        &actor(&signed_in, &source),
        &password,
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => {
            tracing::info!(user = %signed_in.session.user_id, "account deleted by its user");
            Ok(signed_out(
                &pages,
                messages.account_deleted_heading,
                messages.account_deleted_text,
            ))
        }
        Err(AccountError::WrongPassword) => refuse().await,
        Err(AccountError::Gone) => Ok(to_account(&pages, None)),
        Err(e) => Err(e.into()),
    }
}

async fn account_page(
    state: &AppState,
    pages: &PageSettings,
    signed_in: &SignedIn,
    status: StatusCode,
    feedback: Feedback<'_>,
) -> Result<HttpResponse, PageError> {
    let messages = pages.chrome.messages;
    let user_id = &signed_in.session.user_id;
    let Some(user) = account::profile(&state.store, user_id).await? else {
        return Ok(message_page(
            pages,
            StatusCode::OK,
            messages.account_signed_out_heading,
            messages.account_signed_out_text,
        ));
    };
    let devices = account::devices(&state.store, user_id, state.clock.now()).await?;
    let sessions = devices
        .sessions
        .iter()
        .map(|s| SessionView {
            id: s.id.clone(),
            created: when(s.created_at),
            last_used: when(s.last_seen_at),
            current: s.id == signed_in.session.id,
        })
        .collect();
    let apps = devices
        .families
        .iter()
        .map(|f| AppView {
            id: f.id.clone(),
            client: f.client_id.clone(),
            created: when(f.created_at),
            last_used: f.last_used_at.map(when),
        })
        .collect();
    let page = AccountPage {
        chrome: &pages.chrome,
        csrf_token: &pages.csrf.token(&signed_in.secret),
        created: when(user.created_at),
        user: &user,
        sessions,
        apps,
        notice: feedback.notice,
        password_error: feedback.password_error,
        devices_error: feedback.devices_error,
        delete_error: feedback.delete_error,
        deletion: pages.account_deletion,
    };
    Ok(render(pages, status, &page))
}

fn services(state: &AppState) -> AccountServices<'_> {
    AccountServices {
        store: &state.store,
        hasher: &state.hasher,
        throttle: &state.throttle,
        revocations: &state.revocations,
        master: &state.master,
        metrics: &state.metrics,
    }
}

fn source(req: &HttpRequest, state: &AppState) -> Source {
    Source {
        address: source_address(req),
        device: state.throttle.devices.presented(req),
    }
}

fn actor<'a>(signed_in: &'a SignedIn, source: &'a Source) -> AccountActor<'a> {
    AccountActor {
        user_id: &signed_in.session.user_id,
        session_id: &signed_in.session.id,
        source,
    }
}

/// A password field as typed; an over-long one can't be anyone's (the same answer as a wrong one, unhashed).
fn presented_password(form: &Form, name: &str) -> Option<Password> {
    form.get(name)
        .filter(|p| !p.is_empty())
        .and_then(|p| Password::presented(p).ok())
}

/// `303` to `/account`, with a notice to show.
fn to_account(pages: &PageSettings, done: Option<&str>) -> HttpResponse {
    let location = match done {
        Some(done) => format!("/account?done={done}"),
        None => "/account".to_owned(),
    };
    security::see_other(&location, pages.hsts()).finish()
}

/// A confirmation after which the browser has no session: the cookie goes too.
fn signed_out(pages: &PageSettings, heading: &str, text: &str) -> HttpResponse {
    let mut response = message_page(pages, StatusCode::OK, heading, text);
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

/// A time for people: `2026-12-06 18:05 UTC`.
fn when(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()),
        Err(_) => String::new(),
    }
}

impl AccountPage<'_> {
    /// The label of a session row: this browser, or another.
    fn session_label(&self, session: &SessionView) -> &'static str {
        if session.current {
            self.chrome.messages.account_this_browser
        } else {
            self.chrome.messages.account_browser
        }
    }
}
