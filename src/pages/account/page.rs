//! The page itself: the profile, the forms, where the user is signed in, and the notice or refusal of the last
//! form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::session::{SignedIn, signed_in};
use crate::domain::account;
use crate::domain::form::Form;
use crate::domain::users::User;
use crate::pages::error::PageError;
use crate::pages::render::{message_page, render};
use crate::pages::settings::{Chrome, PageSettings};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    user: &'a User,
    created: String,
    sessions: Vec<SessionView>,
    apps: Vec<AppView>,
    pub(super) notice: Option<&'a str>,
    pub(super) password_error: Option<&'a str>,
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
pub(super) struct Feedback<'a> {
    pub(super) notice: Option<&'a str>,
    pub(super) password_error: Option<&'a str>,
    pub(super) devices_error: Option<&'a str>,
    pub(super) delete_error: Option<&'a str>,
}

/// `GET /account[?done=…]`.
pub async fn account_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(message_page(
            &pages,
            &req,
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
    account_page(&state, &pages, &req, &signed_in, StatusCode::OK, feedback).await
}

pub(super) async fn account_page(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    signed_in: &SignedIn,
    status: StatusCode,
    feedback: Feedback<'_>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(req).messages;
    let user_id = &signed_in.session.user_id;
    let Some(user) = account::profile(&state.store, user_id).await? else {
        return Ok(message_page(
            pages,
            req,
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
        chrome: pages.chrome(req),
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
