//! What the hosted pages share: their look, the browser cookie and the CSRF key, and the checks of a form POST.

use actix_web::HttpRequest;

use std::sync::Arc;

use super::catalogue::Catalogues;
use super::letters::Letters;
use super::messages::Messages;
use super::security::{CookiePolicy, Csrf};
use crate::domain::clients::Client;
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
    /// Binds a consent form to its authorization request and browser (see `consent`).
    pub consent_key: ring::hmac::Key,
    /// The operator's texts for scopes on the consent page (setting `scope_descriptions`).
    pub scope_descriptions: std::collections::BTreeMap<String, String>,
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
    /// Shown instead of `logo_url` when the browser prefers a dark colour scheme (setting `logo_dark_url`).
    pub logo_dark_url: Option<String>,
    /// The pages' icon: the setting `favicon_url`, else the built-in one.
    pub favicon_url: String,
    pub theme_stylesheet: bool,
    /// The operator's terms, privacy and support links, in the footer of every page.
    pub footer_links: Vec<FooterLink>,
    pub messages: Arc<Messages>,
    /// The application the user came from, on the pages that know it: its links in the frame.
    pub app: Option<AppFrame>,
}

/// What the frame shows of the application the user came from (its RFC 7591 display metadata): a link back to
/// it and to its privacy policy and terms, each with its text ready (the app's name put in).
#[derive(Debug, Clone)]
pub struct AppFrame {
    /// `client_name`, or the client id when it has none.
    pub name: String,
    pub logo_uri: Option<String>,
    /// `client_uri`, with the text "Back to {app}".
    pub back: Option<(String, String)>,
    /// `policy_uri`, with its text.
    pub policy: Option<(String, String)>,
    /// `tos_uri`, with its text.
    pub terms: Option<(String, String)>,
}

impl Chrome {
    /// This frame for a page about `client`.
    #[must_use]
    pub fn for_client(&self, client: &Client) -> Chrome {
        let m = &self.messages;
        let name = client.display_name().to_owned();
        let link = |uri: &Option<String>, text: &str| {
            uri.clone().map(|uri| (uri, text.replace("{app}", &name)))
        };
        let display = &client.display;
        let app = AppFrame {
            back: link(&display.client_uri, m.back_to_app),
            policy: link(&display.policy_uri, m.app_policy_link),
            terms: link(&display.tos_uri, m.app_terms_link),
            logo_uri: display.logo_uri.clone(),
            name,
        };
        Chrome {
            app: Some(app),
            ..self.clone()
        }
    }
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
        messages: &Messages,
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

    /// The frame in every language of `catalogues`, in their order.
    pub fn for_each_language(catalogues: &Catalogues, branding: &Branding) -> Vec<Self> {
        catalogues
            .languages()
            .iter()
            .map(|language| Self {
                product_name: branding.product_name.clone(),
                logo_url: branding.logo_url.clone(),
                logo_dark_url: branding.logo_dark_url.clone(),
                favicon_url: branding.favicon_url.clone(),
                theme_stylesheet: branding.theme_stylesheet,
                footer_links: Self::footer_links(
                    &language.messages,
                    branding.terms_url.as_deref(),
                    branding.privacy_url.as_deref(),
                    branding.support_url.as_deref(),
                ),
                messages: language.messages.clone(),
                app: None,
            })
            .collect()
    }
}

/// The operator's branding, the same in every language (settings `product_name`, `logo_url`, `logo_dark_url`,
/// `favicon_url`, `theme_stylesheet`, `terms_url`, `privacy_url`, `support_url`).
#[derive(Debug, Clone)]
pub struct Branding {
    pub product_name: String,
    pub logo_url: Option<String>,
    pub logo_dark_url: Option<String>,
    /// The setting, else the built-in icon.
    pub favicon_url: String,
    pub theme_stylesheet: bool,
    pub terms_url: Option<String>,
    pub privacy_url: Option<String>,
    pub support_url: Option<String>,
}
