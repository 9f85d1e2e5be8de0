//! The form of a hosted page's POST that may change something: read strictly, from our own origin, with the CSRF
//! token of the browser's cookie (DESIGN.md §15).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::PageError;
use super::settings::PageSettings;
use crate::domain::authorization::AuthorizationRequest;
use crate::domain::form::Form;
use crate::state::AppState;
use crate::values::secret::PlainToken;

/// Largest form accepted on the pages: an authorization request and a password fit in far less.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

impl PageSettings {
    /// The form of a POST that may change something: parsed strictly and accepted by [`Self::accepts_form`]; a
    /// malformed body is a 400, a missing token or a foreign origin a 403.
    pub fn checked_form(
        &self,
        req: &HttpRequest,
        body: &Result<web::Bytes, actix_web::Error>,
    ) -> Result<Form, PageError> {
        let form = body
            .as_ref()
            .ok()
            .and_then(|b| Form::parse(b).ok())
            .ok_or(PageError::Malformed)?;
        // Before the checks: a refused form's page speaks the language of the request it carried.
        super::language::remember_ui_locales(req, &form);
        if !self.accepts_form(req, &form) {
            return Err(PageError::FormExpired);
        }
        Ok(form)
    }
}

impl PageSettings {
    /// A page holding a form: `page` renders it with the CSRF token bound to the browser cookie, which is set with
    /// the page when the browser has none yet.
    pub(super) fn form_page(
        &self,
        req: &HttpRequest,
        page: impl FnOnce(&str) -> HttpResponse,
    ) -> HttpResponse {
        let (cookie, new) = self.browser_cookie(req);
        let mut response = page(&self.csrf.token(&cookie));
        if new && let Err(e) = response.add_cookie(&self.cookie.cookie(&cookie)) {
            tracing::error!(error = %e, "cannot set the browser cookie");
        }
        response
    }
}

/// 400 for a form shown again with the reason it was refused, 200 for a fresh one.
pub(super) fn form_status(error: Option<&str>) -> StatusCode {
    if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// The `token` parameter of a mailed link, when it has the shape of one of ours: `prefix`, at most 128 bytes.
pub(super) fn link_token(form: &Form, prefix: &str) -> Option<PlainToken> {
    form.get("token")
        .filter(|t| t.starts_with(prefix) && t.len() <= 128)
        .map(PlainToken::from_presented)
}

/// `raw` (a query string) when it is a valid authorization request, in the form the sign-in page carries it;
/// anything else is dropped, so no link is ever built from unchecked input: a return target is always
/// `/authorize?<this>` on our own origin, with a registered client and redirection URI (no open redirect).
pub(super) async fn checked_return_to(state: &AppState, raw: Option<&str>) -> Option<String> {
    let raw = raw.filter(|r| !r.is_empty() && r.len() <= MAX_FORM_BYTES)?;
    let request = AuthorizationRequest::parse(&state.store, raw.as_bytes())
        .await
        .ok()?;
    Some(request.carried_query())
}

/// Where "Sign in" leads after a detour: back into the authorization request, else the account's own sign-in.
pub(super) fn sign_in_href(return_to: Option<&str>) -> String {
    match return_to {
        Some(request) => format!("/authorize?{request}"),
        None => "/login".to_owned(),
    }
}

/// A query string of `pairs`, leaving out absent values.
pub(super) fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    query.finish()
}
