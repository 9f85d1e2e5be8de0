//! What the hosted pages share: their look, the browser cookie and the CSRF key, and the checks of a form POST.

use actix_web::HttpRequest;

use std::sync::Arc;

use super::catalogue::Catalogues;
use super::letters::Letters;
use super::messages::Messages;
use super::security::{CookiePolicy, Csrf};
use crate::domain::form::Form;
use crate::domain::letters::Wording;
use crate::domain::sessions::SESSION_PREFIX;
use crate::values::locale::Locale;
use crate::values::secret::PlainToken;

/// What the pages share: the look in every language, the cookie and the CSRF key.
pub struct PageSettings {
    /// The frame of every page, one per language of `catalogues`, in its order (see [`Self::chrome`]).
    pub chromes: Vec<Chrome>,
    pub catalogues: Arc<Catalogues>,
    /// The mails, worded from the same catalogues (the application state holds them for the domain).
    pub letters: Arc<Letters>,
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
    /// What a domain function that mails needs, for a reader of `locale`.
    pub fn wording<'a>(&'a self, locale: &'a Locale) -> Wording<'a> {
        Wording {
            writer: self.letters.as_ref(),
            locale: Some(locale),
        }
    }

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
    pub messages: Arc<Messages>,
}

impl Chrome {
    /// The frame in every language of `catalogues`, in their order.
    pub fn for_each_language(
        catalogues: &Catalogues,
        product_name: &str,
        logo_url: Option<&str>,
        theme_stylesheet: bool,
    ) -> Vec<Self> {
        catalogues
            .languages()
            .iter()
            .map(|language| Self {
                product_name: product_name.to_owned(),
                logo_url: logo_url.map(str::to_owned),
                theme_stylesheet,
                messages: language.messages.clone(),
            })
            .collect()
    }
}
