//! How an authorization request is answered once it is decided (shared by the sign-in and consent pages): a code
//! sent back to the client, an error sent back to it, or an error page when nothing may be redirected.

use actix_web::{HttpRequest, HttpResponse};

use super::error::PageError;
use super::security;
use super::settings::PageSettings;
use crate::domain::authorization::{
    AuthorizationRequest, AuthorizeError, ErrorRedirect, NoRedirect, redirect_with,
};
use crate::domain::clients;
use crate::domain::form::Form;
use crate::state::AppState;
use crate::store::sessions::SessionRow;
use crate::values::secret::PlainToken;

/// Issues a code for `request` approved by `session` and sends the user agent back to the client (§4.1.2).
pub(super) async fn issue_code(
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

/// A refused request: an error page when the client or redirection URI is in doubt, else a redirect. A
/// registered client whose request names a redirection URI it has not registered is named on the page, with its
/// own links (registered by the operator, so they lead nowhere the request chose).
pub(super) async fn refused(
    state: &AppState,
    pages: &PageSettings,
    req: &HttpRequest,
    error: AuthorizeError,
    raw: &[u8],
) -> Result<HttpResponse, PageError> {
    match error {
        AuthorizeError::NoRedirect(why @ NoRedirect::UnregisteredRedirectUri) => {
            let error = PageError::NoRedirect(why);
            let client_id = Form::parse_noting_repeats(raw)
                .ok()
                .and_then(|(form, _)| form.get("client_id").map(str::to_owned));
            let client = match client_id {
                Some(id) => clients::get_client(&state.store, &id).await.ok(),
                None => None,
            };
            match client {
                Some(client) => {
                    Ok(error.render_for_app(pages, &pages.chrome(req).for_client(&client), req))
                }
                None => Err(error),
            }
        }
        AuthorizeError::NoRedirect(why) => Err(PageError::NoRedirect(why)),
        AuthorizeError::Redirect(error) => Ok(redirect_error(state, pages, &error)),
        AuthorizeError::Store(e) => Err(e.into()),
    }
}

pub(super) fn redirect_error(
    state: &AppState,
    pages: &PageSettings,
    error: &ErrorRedirect,
) -> HttpResponse {
    security::see_other(&error.location(&state.tokens.issuer), pages.hsts()).finish()
}
