//! What the hosted pages share: their look, the browser cookie and the CSRF key, and the checks of a form POST.

use actix_web::HttpRequest;
use actix_web::{HttpResponse, web};

use super::messages::Messages;
use super::render::error_page;
use super::security::{CookiePolicy, Csrf};
use crate::domain::form::Form;
use crate::domain::sessions::SESSION_PREFIX;
use crate::values::secret::PlainToken;
use actix_web::http::StatusCode;

/// What the pages share: the look, the cookie and the CSRF key.
pub struct PageSettings {
    pub chrome: Chrome,
    pub cookie: CookiePolicy,
    pub csrf: Csrf,
    /// The operator's stylesheet (setting `theme_stylesheet`), read once at start.
    pub theme_css: Option<String>,
    /// Seconds an authorization code lives.
    pub code_ttl: i64,
}

impl PageSettings {
    /// HSTS goes with https.
    pub fn hsts(&self) -> bool {
        self.cookie.secure
    }

    /// Whether a form POST may change anything: sent from our own origin, with the CSRF token of the browser's
    /// cookie (DESIGN.md §15).
    pub fn accepts_form(&self, req: &HttpRequest, form: &Form) -> bool {
        self.cookie.same_origin(req)
            && self.cookie.presented(req).is_some_and(|cookie| {
                form.get("csrf_token")
                    .is_some_and(|token| self.csrf.verify(&cookie, token))
            })
    }

    /// The form of a POST that may change something: parsed strictly and accepted by [`Self::accepts_form`]; the
    /// error page otherwise (400 for a malformed body, 403 for a missing token or a foreign origin).
    pub fn checked_form(
        &self,
        req: &HttpRequest,
        body: &Result<web::Bytes, actix_web::Error>,
    ) -> Result<Form, Box<HttpResponse>> {
        let messages = self.chrome.messages;
        let Some(form) = body.as_ref().ok().and_then(|b| Form::parse(b).ok()) else {
            return Err(Box::new(error_page(
                self,
                StatusCode::BAD_REQUEST,
                messages.error_malformed,
            )));
        };
        if !self.accepts_form(req, &form) {
            return Err(Box::new(error_page(
                self,
                StatusCode::FORBIDDEN,
                messages.error_form_expired,
            )));
        }
        Ok(form)
    }

    /// The browser cookie's secret, or a new one (to be set with the page) when the browser has none: a form's
    /// CSRF token is bound to it.
    pub fn browser_cookie(&self, req: &HttpRequest) -> (PlainToken, bool) {
        match self.cookie.presented(req) {
            Some(cookie) => (cookie, false),
            None => (PlainToken::generate(SESSION_PREFIX), true),
        }
    }
}

/// The frame of every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub product_name: String,
    pub logo_url: Option<String>,
    pub theme_stylesheet: bool,
    pub messages: &'static Messages,
}
