//! The page itself: the profile, the forms, where the user is signed in, and the notice or refusal of the last
//! form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::session::{SignedIn, signed_in};
use crate::domain::form::Form;
use crate::domain::mfa::Factors;
use crate::domain::mfa::factors;
use crate::domain::passkeys::account as passkeys;
use crate::domain::users::User;
use crate::domain::{account, clients, consent};
use crate::pages::consent::scope_lines;
use crate::pages::error::PageError;
use crate::pages::render::{Link, render, steps_page};
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
    connected: Vec<ConnectedView>,
    pub(super) notice: Option<&'a str>,
    pub(super) password_error: Option<&'a str>,
    profile_error: Option<&'a str>,
    email_error: Option<&'a str>,
    /// "We sent a confirmation link to …" while an address change waits for its link.
    pending_email: Option<String>,
    devices_error: Option<&'a str>,
    connected_error: Option<&'a str>,
    delete_error: Option<&'a str>,
    deletion: bool,
    /// The user's passkeys (issue 20), and whether new ones can be added (setting `passkeys`).
    passkeys: Vec<PasskeyView>,
    passkeys_on: bool,
    passkeys_error: Option<&'a str>,
    /// The user's second factors (issue 20).
    factors: Factors,
    two_step_error: Option<&'a str>,
}

/// A passkey on the account page.
struct PasskeyView {
    id: String,
    name: String,
    created: String,
    last_used: Option<String>,
}

/// A third-party application the user allowed (issue 19).
struct ConnectedView {
    client_id: String,
    name: String,
    logo: Option<String>,
    access: Vec<String>,
    since: String,
}

struct SessionView {
    id: String,
    created: String,
    last_used: String,
    /// Where it was started, approximately (the network and the browser).
    source: Option<String>,
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
    pub(super) profile_error: Option<&'a str>,
    pub(super) email_error: Option<&'a str>,
    pub(super) devices_error: Option<&'a str>,
    pub(super) connected_error: Option<&'a str>,
    pub(super) delete_error: Option<&'a str>,
    pub(super) passkeys_error: Option<&'a str>,
    pub(super) two_step_error: Option<&'a str>,
}

/// The part of the page a form belongs to: where the reason it was refused is shown.
#[derive(Debug, Clone, Copy)]
pub(super) enum Section {
    Password,
    Profile,
    Email,
    Devices,
    Connected,
    Delete,
    Passkeys,
    TwoStep,
}

impl<'a> Feedback<'a> {
    /// `error` next to `section`'s form, and nothing else.
    pub(super) fn error_in(section: Section, error: &'a str) -> Self {
        let mut feedback = Self::default();
        let field = match section {
            Section::Password => &mut feedback.password_error,
            Section::Profile => &mut feedback.profile_error,
            Section::Email => &mut feedback.email_error,
            Section::Devices => &mut feedback.devices_error,
            Section::Connected => &mut feedback.connected_error,
            Section::Delete => &mut feedback.delete_error,
            Section::Passkeys => &mut feedback.passkeys_error,
            Section::TwoStep => &mut feedback.two_step_error,
        };
        *field = Some(error);
        feedback
    }
}

/// A form refused: the page again, `400`, with `error` next to `section`'s form.
pub(super) async fn refused(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    signed_in: &SignedIn,
    section: Section,
    error: &str,
) -> Result<HttpResponse, PageError> {
    account_page(
        state,
        pages,
        req,
        signed_in,
        StatusCode::BAD_REQUEST,
        Feedback::error_in(section, error),
    )
    .await
}

/// `GET /account[?done=…]`.
pub async fn account_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(not_signed_in(&pages, &req));
    };
    let query = Form::parse(req.query_string().as_bytes()).unwrap_or_default();
    let notice = match query.get("done") {
        Some("password") => Some(messages.account_password_changed),
        Some("revoked") => Some(messages.account_revoked),
        Some("profile") => Some(messages.account_profile_saved),
        Some("email") => Some(messages.account_email_sent),
        Some("disconnected") => Some(messages.account_connected_removed),
        Some("passkey-added") => Some(messages.account_passkey_added),
        Some("passkey-renamed") => Some(messages.account_passkey_renamed),
        Some("passkey-removed") => Some(messages.account_passkey_removed),
        Some("two-step-off") => Some(messages.account_two_step_removed),
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
    let user_id = &signed_in.session.user_id;
    let Some(user) = account::profile(&state.store, user_id).await? else {
        return Ok(not_signed_in(pages, req));
    };
    let now = state.clock.now();
    let devices = account::devices(&state.store, user_id, now).await?;
    let pending_email = account::pending_email_change(&state.store, &user, now)
        .await?
        .map(|email| {
            pages
                .chrome(req)
                .messages
                .account_email_pending
                .replace("{email}", &email)
        });
    let sessions = devices
        .sessions
        .iter()
        .map(|s| SessionView {
            id: s.id.clone(),
            source: s.source.clone(),
            created: when(s.created_at),
            last_used: when(s.last_seen_at),
            current: s.id == signed_in.session.id,
        })
        .collect();
    // Apps by name, never the raw client id when the client has one (issue 19).
    let mut names = std::collections::HashMap::new();
    for family in &devices.families {
        if !names.contains_key(&family.client_id) {
            let name = clients::get_client(&state.store, &family.client_id)
                .await
                .map_or_else(
                    |_| family.client_id.clone(),
                    |c| c.display_name().to_owned(),
                );
            names.insert(family.client_id.clone(), name);
        }
    }
    let apps = devices
        .families
        .iter()
        .map(|f| AppView {
            id: f.id.clone(),
            client: names
                .get(&f.client_id)
                .cloned()
                .unwrap_or_else(|| f.client_id.clone()),
            created: when(f.created_at),
            last_used: f.last_used_at.map(when),
        })
        .collect();
    let connected = consent::connected(&state.store, user_id)
        .await?
        .into_iter()
        .map(|c| ConnectedView {
            client_id: c.client_id.to_string(),
            name: c.name().to_owned(),
            logo: c.display.logo_uri.clone(),
            access: scope_lines(pages, req, &c.scope),
            since: when(c.granted_at),
        })
        .collect();
    let passkeys = passkeys::list(&state.store, user_id)
        .await?
        .into_iter()
        .map(|p| PasskeyView {
            id: p.id,
            name: p.name,
            created: when(p.created_at),
            last_used: p.last_used_at.map(when),
        })
        .collect();
    let page = AccountPage {
        chrome: pages.chrome(req),
        csrf_token: &pages.csrf.token(&signed_in.secret),
        created: when(user.created_at),
        user: &user,
        sessions,
        apps,
        connected,
        notice: feedback.notice,
        password_error: feedback.password_error,
        profile_error: feedback.profile_error,
        email_error: feedback.email_error,
        pending_email,
        devices_error: feedback.devices_error,
        connected_error: feedback.connected_error,
        delete_error: feedback.delete_error,
        deletion: pages.account_deletion,
        passkeys,
        passkeys_on: state.passkeys.is_some(),
        passkeys_error: feedback.passkeys_error,
        factors: factors::factors(&state.store, user_id, state.passkeys.is_some()).await?,
        two_step_error: feedback.two_step_error,
    };
    Ok(render(pages, status, &page))
}

/// Without a session: the account's own sign-in (`/login`, which leads back here) is the way on.
fn not_signed_in(pages: &PageSettings, req: &HttpRequest) -> HttpResponse {
    let messages = &pages.chrome(req).messages;
    steps_page(
        pages,
        req,
        messages.account_signed_out_heading,
        messages.account_signed_out_next_text,
        None,
        &[Link::new("/login", messages.sign_in_link)],
    )
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
