//! `GET`/`POST /logout`: OpenID Connect RP-Initiated Logout 1.0.
//!
//! Ends the browser's session and every refresh-token family it produced. A request that proves which sign-in it
//! ends (an `id_token_hint` for the session's user) logs out at once; any other asks the user first, through a
//! CSRF-protected form, so that a link on another site can't sign people out. The user agent is sent on only to a
//! `post_logout_redirect_uri` registered, exactly, for the client (§3: no open redirector); otherwise a page says
//! the user is signed out.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::render::{Link, render, steps_page_in};
use super::security;
use super::settings::{Chrome, PageSettings};
use crate::domain::authorization::redirect_with;
use crate::domain::clients::{self, Client};
use crate::domain::form::Form;
use crate::domain::sessions;
use crate::state::AppState;
use crate::store::StoreError;
use crate::values::ids::ClientId;

#[derive(Template)]
#[template(path = "logout.html")]
struct ConfirmPage<'a> {
    chrome: &'a Chrome,
    csrf_token: &'a str,
    carried: &'a [(&'static str, String)],
    /// Whose session ends (the browser holds it).
    email: Option<&'a str>,
    /// Where "Cancel" leads: nothing is signed out.
    cancel_href: &'a str,
}

/// The claims of an ID token used as a hint.
#[derive(Deserialize)]
struct Hint {
    sub: String,
    aud: String,
}

/// A logout request, checked.
struct LogoutRequest {
    /// The subject of a valid `id_token_hint`.
    hinted_user: Option<String>,
    /// Where to send the user agent afterwards: registered for the client, or nowhere.
    redirect: Option<String>,
    state: Option<String>,
    /// The parameters to carry through the confirmation form.
    carried: Vec<(&'static str, String)>,
    /// The client the logout comes from, when it is named: the pages show its name and links.
    client: Option<Client>,
}

pub async fn logout_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    logout(&req, &state, &pages, req.query_string().as_bytes(), false).await
}

/// A POST is either a logout request sent as a form (like GET), or the confirmation form (`confirm`), which must
/// come from our own page.
pub async fn logout_post(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let body = body.map_err(|_| PageError::Malformed)?;
    let form = Form::parse(&body).unwrap_or_default();
    let confirmed = form.get("confirm") == Some("yes");
    if confirmed && !pages.accepts_form(&req, &form) {
        return Err(PageError::FormExpired);
    }
    logout(&req, &state, &pages, &body, confirmed).await
}

async fn logout(
    req: &HttpRequest,
    state: &AppState,
    pages: &PageSettings,
    raw: &[u8],
    confirmed: bool,
) -> Result<HttpResponse, PageError> {
    let request = LogoutRequest::parse(state, raw)
        .await?
        .ok_or(PageError::BadIdTokenHint)?;
    let now = state.clock.now();
    let session = match pages.cookie.presented(req) {
        Some(secret) => sessions::resume(&state.store, state.sessions, &secret, now).await?,
        None => None,
    };
    if let Some(session) = &session {
        let proven = request
            .hinted_user
            .as_ref()
            .is_some_and(|user| session.user_id == user.as_str());
        if !proven && !confirmed {
            let email = state
                .store
                .find_user(&session.user_id)
                .await?
                .map(|user| user.email);
            return confirm_page(pages, req, &request, email.as_deref());
        }
        state
            .revocations
            .revoke_session(&session.id, "logged out", now)
            .await?;
        tracing::info!(user = %session.user_id, "signed out");
    }
    let mut response = if let Some(uri) = &request.redirect {
        let params: Vec<(&str, &str)> = request
            .state
            .as_deref()
            .map(|s| ("state", s))
            .into_iter()
            .collect();
        let location = redirect_with(uri, &params, &state.tokens.issuer);
        security::see_other(&location, pages.hsts()).finish()
    } else {
        // No registered place to send the user agent: the way on is signing in again.
        let chrome = request.chrome(pages, req);
        steps_page_in(
            pages,
            &chrome,
            chrome.messages.logged_out_heading,
            chrome.messages.logged_out_next_text,
            None,
            &[Link::new("/login", chrome.messages.sign_in_again_link)],
        )
    };
    // The cookie goes too (its session is over either way).
    let mut removal = Cookie::build(pages.cookie.name, "")
        .path("/")
        .http_only(true)
        .secure(pages.cookie.secure)
        .finish();
    removal.make_removal();
    if let Err(e) = response.add_cookie(&removal) {
        tracing::error!(error = %e, "cannot clear the browser cookie");
    }
    Ok(response)
}

impl LogoutRequest {
    /// `Ok(None)` when the `id_token_hint` is not one of ours.
    async fn parse(state: &AppState, raw: &[u8]) -> Result<Option<Self>, StoreError> {
        let (form, _) = Form::parse_noting_repeats(raw).unwrap_or_default();
        let hint = match form.get("id_token_hint") {
            Some(token) => match verify_hint(state, token) {
                Some(hint) => Some(hint),
                None => return Ok(None),
            },
            None => None,
        };
        // The client: named, or the audience of the hint; both must agree.
        let client_id = match (form.get("client_id"), &hint) {
            (Some(id), Some(hint)) if id != hint.aud => return Ok(None),
            (Some(id), _) => Some(id.to_owned()),
            (None, Some(hint)) => Some(hint.aud.clone()),
            (None, None) => None,
        };
        let client = match &client_id {
            Some(id) => state
                .store
                .find_client(&ClientId::new(id))
                .await?
                .map(Client::from_row)
                .transpose()?,
            None => None,
        };
        let requested = form.get("post_logout_redirect_uri");
        let redirect = requested
            .filter(|uri| {
                // A stored value with control characters (registered before they were refused) is never followed.
                clients::is_plain_uri_text(uri)
                    && client
                        .as_ref()
                        .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|r| r == uri))
            })
            .map(str::to_owned);
        if requested.is_some() && redirect.is_none() {
            tracing::info!(
                "post_logout_redirect_uri not registered for the client: not redirecting"
            );
        }
        let state_param = form
            .get("state")
            .filter(|s| s.len() <= 512)
            .map(str::to_owned);
        let mut carried = Vec::new();
        if let Some(id) = &client_id {
            carried.push(("client_id", id.clone()));
        }
        if let Some(uri) = &redirect {
            carried.push(("post_logout_redirect_uri", uri.clone()));
        }
        if let Some(s) = &state_param {
            carried.push(("state", s.clone()));
        }
        Ok(Some(Self {
            hinted_user: hint.map(|h| h.sub),
            redirect,
            state: state_param,
            carried,
            client,
        }))
    }

    /// The pages' frame: with the client's name and links when the request names a client.
    fn chrome(&self, pages: &PageSettings, req: &HttpRequest) -> Chrome {
        let chrome = pages.chrome(req);
        match &self.client {
            Some(client) => chrome.for_client(client),
            None => chrome.clone(),
        }
    }
}

/// An ID token this service issued (signature, `typ: JWT`, `iss`); expired ones are fine as hints (§2).
fn verify_hint(state: &AppState, token: &str) -> Option<Hint> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    if header.typ.as_deref() != Some("JWT") {
        return None;
    }
    let keys = state.keys.snapshot();
    let key = keys.verifying.get(header.kid.as_deref()?)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[&state.tokens.issuer]);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss", "sub", "aud"]);
    jsonwebtoken::decode::<Hint>(token, key, &validation)
        .ok()
        .map(|data| data.claims)
}

fn confirm_page(
    pages: &PageSettings,
    req: &HttpRequest,
    request: &LogoutRequest,
    email: Option<&str>,
) -> Result<HttpResponse, PageError> {
    // There is a session, hence a cookie to bind the token to.
    let cookie = pages.cookie.presented(req).ok_or(PageError::FormExpired)?;
    Ok(render(
        pages,
        StatusCode::OK,
        &ConfirmPage {
            chrome: &request.chrome(pages, req),
            csrf_token: &pages.csrf.token(&cookie),
            carried: &request.carried,
            email,
            // Not the post_logout_redirect_uri: the application would take it for a completed logout.
            cancel_href: "/account",
        },
    ))
}
