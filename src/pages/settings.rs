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
    /// Shown instead of `logo_url` when the browser prefers a dark colour scheme (setting `logo_dark_url`).
    pub logo_dark_url: Option<String>,
    /// The pages' icon: the setting `favicon_url`, else the built-in one.
    pub favicon_url: String,
    pub theme_stylesheet: bool,
    /// The operator's terms, privacy and support links, in the footer of every page.
    pub footer_links: Vec<FooterLink>,
    pub messages: &'static Messages,
}

/// A link in the footer of every page (a page may add its own, e.g. an application's policy, after these).
#[derive(Debug, Clone)]
pub struct FooterLink {
    pub href: String,
    pub label: &'static str,
}

impl Chrome {
    /// The footer links from the settings `terms_url`, `privacy_url` and `support_url`, labelled from `messages`.
    pub fn footer_links(
        messages: &'static Messages,
        terms: Option<&str>,
        privacy: Option<&str>,
        support: Option<&str>,
    ) -> Vec<FooterLink> {
        [
            (terms, messages.footer_terms),
            (privacy, messages.footer_privacy),
            (support, messages.footer_support),
        ]
        .into_iter()
        .filter_map(|(href, label)| {
            href.map(|href| FooterLink {
                href: href.to_owned(),
                label,
            })
        })
        .collect()
    }
}
