//! Where a sign-in leads once it is done, shared by the sign-in form and the second-factor step: back to the
//! application whose authorization request it carries (a code, or the consent page first), or to the account page.

use actix_web::{HttpRequest, HttpResponse};

use super::answer::{issue_code, redirect_error, refused};
use super::error::PageError;
use super::security;
use super::settings::{Chrome, PageSettings};
use crate::domain::authorization::AuthorizationRequest;
use crate::domain::consent::{self, ConsentNeed};
use crate::domain::form::Form;
use crate::domain::mfa::amr::AuthMethods;
use crate::domain::oauth_error::ErrorCode;
use crate::domain::sessions;
use crate::domain::users::User;
use crate::http::source::source_address;
use crate::state::AppState;
use crate::store::sessions::SessionRow;
use crate::values::device::approximate_source;
use crate::values::secret::PlainToken;

/// The account page: where the account's own sign-in leads, the one `return_to` it accepts.
pub(super) const ACCOUNT: &str = "/account";
/// The field of the account's own sign-in that names where it leads.
pub(super) const RETURN_TO: &str = "return_to";
/// Longest login carried back into the form (an email address is at most 320 characters).
pub(super) const MAX_LOGIN_LEN: usize = 320;

/// Where a sign-in leads: back to the application that sent the user, or to the account page.
#[derive(Clone, Copy)]
pub(super) enum Onward<'a> {
    Authorization(&'a AuthorizationRequest),
    Account,
}

impl Onward<'_> {
    /// The hidden fields that carry this onward through a form.
    pub(super) fn carried(self) -> Vec<(&'static str, String)> {
        match self {
            Onward::Authorization(request) => request.carried(),
            Onward::Account => vec![(RETURN_TO, ACCOUNT.to_owned())],
        }
    }

    /// [`Self::carried`] as a query string.
    pub(super) fn query(self) -> String {
        match self {
            Onward::Authorization(request) => request.carried_query(),
            Onward::Account => format!("{RETURN_TO}=%2Faccount"),
        }
    }

    /// The frame of its pages: the application's name and logo, or the plain one.
    pub(super) fn chrome(self, pages: &PageSettings, req: &HttpRequest) -> Chrome {
        match self {
            Onward::Authorization(request) => pages.chrome(req).for_client(&request.client),
            Onward::Account => pages.chrome(req).clone(),
        }
    }
}

/// The authorization request a form or query carries (`None`: the account's own sign-in, `return_to=/account`), or
/// the answer to a request that is refused (an error redirect or page).
pub(super) async fn carried_request(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    raw: &[u8],
) -> Result<Result<Option<AuthorizationRequest>, HttpResponse>, PageError> {
    let form = Form::parse(raw).map_err(|_| PageError::Malformed)?;
    match form.get(RETURN_TO) {
        Some(ACCOUNT) if form.get("client_id").is_none() => Ok(Ok(None)),
        Some(_) => Err(PageError::Malformed),
        None => match AuthorizationRequest::parse(&state.store, raw).await {
            Ok(request) => Ok(Ok(Some(request))),
            Err(e) => refused(state, pages, req, e, raw).await.map(Err),
        },
    }
}

/// Ends a sign-in of `user`, who entered their password at `auth_time` and proved `methods` in all: a new session
/// (a new secret, and with it a new cookie and CSRF tokens, so a planted cookie names nothing: OWASP ASVS 3.2.1),
/// then the answer `onward` leads to.
pub(super) async fn finish_sign_in(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    onward: Onward<'_>,
    user: &User,
    methods: &AuthMethods,
    auth_time: i64,
) -> Result<HttpResponse, PageError> {
    let now = state.clock.now();
    let (secret, session) = sessions::start(
        &state.store,
        state.sessions,
        user,
        methods,
        auth_time,
        session_source(req),
        now,
    )
    .await?;
    Ok(match onward {
        Onward::Authorization(request) => {
            tracing::info!(user = %user.id, client = %request.client.id, amr = %session.amr, "signed in on the hosted page");
            approve(state, pages, req, request, &session, &secret, true).await?
        }
        Onward::Account => {
            tracing::info!(user = %user.id, amr = %session.amr, "signed in on the account's sign-in page");
            security::see_other(ACCOUNT, pages.hsts())
                .cookie(pages.cookie.cookie(&secret))
                .finish()
        }
    })
}

/// Answers `request`, approved by `session`: a code, once a third-party client has the user's consent for every
/// scope requested; else the consent page, or with `prompt=none` `consent_required` (OIDC Core §3.1.2.6).
/// `cookie`: the browser cookie of `session`; `new` when a sign-in just made it (it is set with the answer).
pub(super) async fn approve(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    request: &AuthorizationRequest,
    session: &SessionRow,
    cookie: &PlainToken,
    new: bool,
) -> Result<HttpResponse, PageError> {
    let need = consent::need(
        &state.store,
        &request.client,
        &session.user_id,
        &request.scope,
        request.prompt.consent,
    )
    .await?;
    match need {
        ConsentNeed::Granted => {
            issue_code(state, pages, request, session, new.then(|| cookie.clone())).await
        }
        ConsentNeed::Ask(_) if request.prompt.none => {
            let error = request.error(
                ErrorCode::ConsentRequired,
                "the user has not allowed this client",
            );
            Ok(redirect_error(state, pages, &error))
        }
        ConsentNeed::Ask(scope) => {
            super::consent::consent_page(state, pages, req, request, session, &scope, (cookie, new))
                .await
        }
    }
}

/// Where a new browser session starts, approximately (the account page shows it): the request's network and
/// browser.
pub(super) fn session_source(req: &HttpRequest) -> String {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    approximate_source(source_address(req), user_agent)
}
