//! What the hosted pages share: their look, the browser cookie and the CSRF key, and the checks of a form POST.

use actix_web::HttpRequest;

use super::messages::Messages;
use super::security::{CookiePolicy, Csrf};
use crate::domain::form::Form;
use crate::domain::sessions::SESSION_PREFIX;
use crate::values::secret::PlainToken;

/// What the pages share: the look, the cookie and the CSRF key.
pub struct PageSettings {
    pub chrome: Chrome,
    pub cookie: CookiePolicy,
    pub csrf: Csrf,
    /// The operator's stylesheet (setting `theme_stylesheet`), read once at start.
    pub theme_css: Option<String>,
    /// Seconds an authorization code lives.
    pub code_ttl: i64,
    /// Whether the account page offers "Delete my account" (setting `account_deletion`).
    pub account_deletion: bool,
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
