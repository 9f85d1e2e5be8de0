//! Hosted pages for end users (DESIGN.md §12): the authorization endpoint and its sign-in form, logout and password
//! reset. askama templates in `templates/`, one base layout, every text from a message catalogue, theming by CSS only.

mod assets;
pub mod authorize;
pub mod logout;
pub mod messages;
pub mod password;
pub mod render;
pub mod security;
pub mod settings;

use actix_web::web;

pub use settings::{Chrome, PageSettings};

/// Registers the pages and their assets.
pub fn configure(cfg: &mut web::ServiceConfig, settings: web::Data<PageSettings>) {
    cfg.app_data(settings)
        .service(
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
        .route("/assets/latchkey.css", web::get().to(assets::stylesheet))
        .route("/assets/theme.css", web::get().to(assets::theme_stylesheet));
}
