//! What every page links (the stylesheet, the operator's theme, the script and the icon) and `/robots.txt`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::settings::PageSettings;

/// The stylesheet every page links; themes override its custom properties.
const STYLESHEET: &str = include_str!("../../templates/assets/latchkey.css");

/// The show-password toggle and Caps Lock hint: one of the two scripts the pages' CSP allows (`script-src 'self'`,
/// and these are the scripts served), and nothing depends on it.
const SCRIPT: &str = include_str!("../../templates/assets/latchkey.js");

/// Passkey registration and sign-in (WebAuthn needs script: `navigator.credentials`), linked only by the pages that
/// offer passkeys; without it they offer passwords only.
const PASSKEY_SCRIPT: &str = include_str!("../../templates/assets/passkeys.js");

/// The built-in icon, used unless `favicon_url` is set.
const FAVICON: &str = include_str!("../../templates/assets/favicon.svg");

/// The pages are for the people an application sends, not for search engines.
const ROBOTS: &str = "User-agent: *\nDisallow: /\n";

pub(super) async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET.to_owned())
}

pub(super) async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT.to_owned())
}

pub(super) async fn passkey_script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", PASSKEY_SCRIPT.to_owned())
}

pub(super) async fn favicon() -> HttpResponse {
    asset("image/svg+xml", FAVICON.to_owned())
}

pub(super) async fn robots() -> HttpResponse {
    asset("text/plain; charset=utf-8", ROBOTS.to_owned())
}

pub(super) async fn theme_stylesheet(pages: web::Data<PageSettings>) -> HttpResponse {
    match &pages.theme_css {
        Some(text) => asset("text/css; charset=utf-8", text.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

fn asset(content_type: &'static str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
