//! Hosted pages for end users (DESIGN.md §12): the authorization endpoint and its sign-in form. askama templates
//! in `templates/`, one base layout, every text from a message catalogue, theming by CSS only.

pub mod authorize;
pub mod logout;
pub mod messages;
pub mod security;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use self::messages::Messages;
use self::security::{CookiePolicy, Csrf};

/// The stylesheet every page links; themes override its custom properties.
const STYLESHEET: &str = include_str!("../../templates/assets/latchkey.css");

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
}

/// The frame of every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub product_name: String,
    pub logo_url: Option<String>,
    pub theme_stylesheet: bool,
    pub messages: &'static Messages,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    chrome: &'a Chrome,
    client_id: &'a str,
    csrf_token: &'a str,
    carried: &'a [(&'static str, String)],
    username: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    message: &'a str,
}

/// Registers the pages and their assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/authorize")
            .app_data(web::PayloadConfig::new(authorize::MAX_FORM_BYTES))
            .route(web::get().to(authorize::authorize_get))
            .route(web::post().to(authorize::authorize_post)),
    )
    .service(
        web::resource("/login")
            .app_data(web::PayloadConfig::new(authorize::MAX_FORM_BYTES))
            .route(web::post().to(authorize::sign_in)),
    )
    .service(
        web::resource("/logout")
            .app_data(web::PayloadConfig::new(authorize::MAX_FORM_BYTES))
            .route(web::get().to(logout::logout_get))
            .route(web::post().to(logout::logout_post)),
    )
    .route("/assets/latchkey.css", web::get().to(stylesheet))
    .route("/assets/theme.css", web::get().to(theme_stylesheet));
}

/// Renders `template` as a page with `status`.
fn render(settings: &PageSettings, status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(html) => security::page(status, settings.hsts()).body(html),
        Err(e) => {
            tracing::error!(error = %e, "a page template failed to render");
            security::page(StatusCode::INTERNAL_SERVER_ERROR, settings.hsts()).body("")
        }
    }
}

/// The error page: the message only, never input echoed back.
pub fn error_page(settings: &PageSettings, status: StatusCode, message: &str) -> HttpResponse {
    let mut response = render(
        settings,
        status,
        &ErrorPage {
            chrome: &settings.chrome,
            message,
        },
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(crate::oauth::http_response::RETRY_AFTER_SECS),
        );
    }
    response
}

/// The database is down: fail closed, tell the user to retry (503 + Retry-After).
pub fn unavailable(settings: &PageSettings, error: crate::store::StoreError) -> HttpResponse {
    tracing::warn!(error = %error, "hosted page failed: database unavailable");
    error_page(
        settings,
        StatusCode::SERVICE_UNAVAILABLE,
        settings.chrome.messages.error_unavailable,
    )
}

async fn stylesheet() -> HttpResponse {
    css(STYLESHEET.to_owned())
}

async fn theme_stylesheet(state: web::Data<crate::state::AppState>) -> HttpResponse {
    match &state.pages.theme_css {
        Some(text) => css(text.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

fn css(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
