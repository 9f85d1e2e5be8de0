//! The consent page (OIDC Core §3.1.2.4) of third-party clients, and `POST /authorize/consent`, its answer.
//!
//! The page lists what the client asks for and offers Allow and Deny. Its form carries the authorization request
//! in hidden fields, like the sign-in form, plus two tokens: the CSRF token of the browser cookie, and a consent
//! token, an HMAC of the cookie's secret and the request's parameters under a key of its own. So an answer counts
//! only for the very request the page was shown for, in the browser (and session) it was shown in: fields swapped
//! for another request's (another client, scope or redirection URI) are refused, whoever sends them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::answer::{issue_code, redirect_error, refused};
use super::error::PageError;
use super::render::render;
use super::settings::{Chrome, PageSettings};
use crate::domain::audit::Actor;
use crate::domain::authorization::AuthorizationRequest;
use crate::domain::consent;
use crate::domain::oauth_error::ErrorCode;
use crate::domain::sessions;
use crate::http::source::source_address;
use crate::state::AppState;
use crate::store::sessions::SessionRow;
use crate::values::scope::Scope;
use crate::values::secret::PlainToken;

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    chrome: &'a Chrome,
    logo: Option<&'a str>,
    heading: &'a str,
    intro: &'a str,
    account: &'a str,
    scopes: &'a [String],
    csrf_token: &'a str,
    consent_token: &'a str,
    carried: &'a [(&'static str, String)],
}

/// The consent token of `request` shown in the browser whose cookie is `cookie`.
fn consent_token(
    pages: &PageSettings,
    cookie: &PlainToken,
    request: &AuthorizationRequest,
) -> String {
    URL_SAFE_NO_PAD.encode(ring::hmac::sign(
        &pages.consent_key,
        &bound(cookie, request),
    ))
}

/// Whether `presented` is the consent token of `request` in this browser (constant-time).
fn consent_token_matches(
    pages: &PageSettings,
    cookie: &PlainToken,
    request: &AuthorizationRequest,
    presented: Option<&str>,
) -> bool {
    presented
        .and_then(|token| URL_SAFE_NO_PAD.decode(token).ok())
        .is_some_and(|tag| {
            ring::hmac::verify(&pages.consent_key, &bound(cookie, request), &tag).is_ok()
        })
}

/// What a consent token binds: the cookie's secret and the request, as its hidden fields carry it.
fn bound(cookie: &PlainToken, request: &AuthorizationRequest) -> Vec<u8> {
    let mut bytes = cookie.expose().as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(request.carried_query().as_bytes());
    bytes
}

/// The user-facing line for each scope: the operator's text (setting `scope_descriptions`), the built-in one of
/// the OpenID Connect scopes, or the scope's own name. An empty request still tells that the app learns who the
/// user is.
pub(crate) fn scope_lines(pages: &PageSettings, req: &HttpRequest, scope: &Scope) -> Vec<String> {
    let m = &pages.chrome(req).messages;
    let line = |name: &str| match pages.scope_descriptions.get(name) {
        Some(text) => text.clone(),
        None => match name {
            "openid" => m.consent_scope_openid.to_owned(),
            "profile" => m.consent_scope_profile.to_owned(),
            "email" => m.consent_scope_email.to_owned(),
            "offline_access" => m.consent_scope_offline_access.to_owned(),
            other => other.to_owned(),
        },
    };
    if scope.is_empty() {
        return vec![line("openid")];
    }
    scope.iter().map(line).collect()
}

/// The consent page for `request`, asking `scope`, its form bound to the browser cookie (`new`: a sign-in just
/// made it, and it is set with the page).
pub(super) async fn consent_page(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    request: &AuthorizationRequest,
    session: &SessionRow,
    scope: &Scope,
    (cookie, new): (&PlainToken, bool),
) -> Result<HttpResponse, PageError> {
    let m = &pages.chrome(req).messages;
    let account = state
        .store
        .find_user(&session.user_id)
        .await?
        .map(|user| user.email)
        .unwrap_or_default();
    let chrome = pages.chrome(req).for_client(&request.client);
    let name = request.client.display_name();
    let carried = request.carried();
    let mut response = render(
        pages,
        StatusCode::OK,
        &ConsentPage {
            chrome: &chrome,
            logo: request.client.display.logo_uri.as_deref(),
            heading: &m.consent_heading.replace("{app}", name),
            intro: &m.consent_intro.replace("{app}", name),
            account: &account,
            scopes: &scope_lines(pages, req, scope),
            csrf_token: &pages.csrf.token(cookie),
            consent_token: &consent_token(pages, cookie, request),
            carried: &carried,
        },
    );
    if new && let Err(e) = response.add_cookie(&pages.cookie.cookie(cookie)) {
        tracing::error!(error = %e, "cannot set the browser cookie");
    }
    Ok(response)
}

/// `POST /authorize/consent`: Allow or Deny, for the request the page was shown for. Checks origin and CSRF
/// token, the request again from scratch, then the consent token. Allow records the consent and issues the code;
/// Deny sends the user back with `access_denied` (RFC 6749 §4.1.2.1).
pub async fn consent_post(
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
        Err(e) => return refused(&state, &pages, &req, e, &body).await,
    };
    if !consent_token_matches(&pages, &cookie, &request, form.get("consent_token")) {
        return Err(PageError::ConsentMismatch);
    }
    let now = state.clock.now();
    let Some(session) = sessions::resume(&state.store, state.sessions, &cookie, now).await? else {
        // The sign-in ended meanwhile: the request starts again, with the sign-in form.
        let location = format!("/authorize?{}", request.carried_query());
        return Ok(super::security::see_other(&location, pages.hsts()).finish());
    };
    match form.get("decision") {
        Some("allow") => {
            let actor = Actor::end_user(session.user_id.as_str(), Some(source_address(&req)));
            consent::grant(
                &state.store,
                &state.metrics,
                &actor,
                &session.user_id,
                &request.client,
                &request.scope,
                now,
            )
            .await?;
            tracing::info!(user = %session.user_id, client = %request.client.id, "consent given");
            issue_code(&state, &pages, &request, &session, None).await
        }
        Some("deny") => {
            consent::denied(&state.metrics);
            tracing::info!(user = %session.user_id, client = %request.client.id, "consent denied");
            let error = request.error(
                ErrorCode::AccessDenied,
                "the user did not allow this client",
            );
            Ok(redirect_error(&state, &pages, &error))
        }
        _ => Err(PageError::Malformed),
    }
}
