//! Hosted pages for end users (DESIGN.md §12): the authorization endpoint and its sign-in form. askama templates
//! in `templates/`, one base layout, every text from a message catalogue, theming by CSS only.

pub mod authorize;
pub mod logout;
pub mod messages;
pub mod password;
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

    /// Whether a form POST may change anything: sent from our own origin, with the CSRF token of the browser's
    /// cookie (DESIGN.md §15).
    pub fn accepts_form(
        &self,
        req: &actix_web::HttpRequest,
        form: &crate::domain::form::Form,
    ) -> bool {
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
        req: &actix_web::HttpRequest,
        body: &Result<web::Bytes, actix_web::Error>,
    ) -> Result<crate::domain::form::Form, Box<HttpResponse>> {
        let messages = self.chrome.messages;
        let Some(form) = body
            .as_ref()
            .ok()
            .and_then(|b| crate::domain::form::Form::parse(b).ok())
        else {
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
    pub fn browser_cookie(
        &self,
        req: &actix_web::HttpRequest,
    ) -> (crate::values::secret::PlainToken, bool) {
        match self.cookie.presented(req) {
            Some(cookie) => (cookie, false),
            None => (
                crate::values::secret::PlainToken::generate(
                    crate::domain::sessions::SESSION_PREFIX,
                ),
                true,
            ),
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

/// A page with a heading and one paragraph (confirmations).
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: &'a Chrome,
    heading: &'a str,
    text: &'a str,
}

/// A confirmation page.
pub fn message_page(
    settings: &PageSettings,
    status: StatusCode,
    heading: &str,
    text: &str,
) -> HttpResponse {
    render(
        settings,
        status,
        &MessagePage {
            chrome: &settings.chrome,
            heading,
            text,
        },
    )
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
    .service(
        web::resource("/password/forgot")
            .app_data(web::PayloadConfig::new(authorize::MAX_FORM_BYTES))
            .route(web::get().to(password::forgot_form))
            .route(web::post().to(password::forgot)),
    )
    .service(
        web::resource("/password/reset")
            .app_data(web::PayloadConfig::new(authorize::MAX_FORM_BYTES))
            .route(web::get().to(password::reset_form))
            .route(web::post().to(password::reset)),
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

/// Too many attempts from this source (brute-force defence): 429 with `Retry-After` (RFC 6585 §4).
pub fn too_many_attempts(
    settings: &PageSettings,
    throttled: crate::domain::throttle::Throttled,
) -> HttpResponse {
    let mut response = error_page(
        settings,
        StatusCode::TOO_MANY_REQUESTS,
        settings.chrome.messages.error_too_many_attempts,
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(throttled.retry_after_secs()),
    );
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
