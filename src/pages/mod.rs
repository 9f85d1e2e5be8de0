//! Hosted pages for end users (DESIGN.md §12): the authorization endpoint and its sign-in form, logout and password
//! reset. askama templates in `templates/`, one base layout, every text from a message catalogue in the user's language
//! (Fluent, `locales/`), theming by CSS only.

pub mod account;
mod assets;
pub mod authorize;
pub mod catalogue;
pub mod error;
mod forms;
pub mod invitation;
pub mod language;
pub mod letters;
pub mod logout;
pub mod messages;
pub mod password;
pub mod registration;
pub mod render;
pub mod security;
pub mod settings;

use actix_web::middleware::from_fn;
use actix_web::web;

pub use settings::{Chrome, PageSettings};

/// Registers the pages and their assets; every page's errors are rendered by [`error::render_errors`].
pub fn configure(cfg: &mut web::ServiceConfig, settings: web::Data<PageSettings>) {
    cfg.app_data(settings)
        .service(
            page("/authorize")
                .route(web::get().to(authorize::authorize_get))
                .route(web::post().to(authorize::authorize_post))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/login")
                .route(web::post().to(authorize::sign_in))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/logout")
                .route(web::get().to(logout::logout_get))
                .route(web::post().to(logout::logout_post))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/password/forgot")
                .route(web::get().to(password::forgot_form))
                .route(web::post().to(password::forgot))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/password/reset")
                .route(web::get().to(password::reset_form))
                .route(web::post().to(password::reset))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/register")
                .route(web::get().to(registration::register_form))
                .route(web::post().to(registration::register))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/verify-email")
                .route(web::get().to(registration::verify_form))
                .route(web::post().to(registration::verify))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/invitation")
                .route(web::get().to(invitation::invitation_form))
                .route(web::post().to(invitation::accept))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/verify-email/resend")
                .route(web::get().to(registration::resend_form))
                .route(web::post().to(registration::resend))
                .wrap(from_fn(error::render_errors)),
        )
        // The account page (issue 18).
        .service(
            page("/account")
                .route(web::get().to(account::account_get))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/account/password")
                .route(web::post().to(account::change_password))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/account/sessions/revoke")
                .route(web::post().to(account::revoke))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/account/sessions/end-all")
                .route(web::post().to(account::logout_everywhere))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/account/data")
                .route(web::get().to(account::download))
                .wrap(from_fn(error::render_errors)),
        )
        .service(
            page("/account/delete")
                .route(web::post().to(account::delete))
                .wrap(from_fn(error::render_errors)),
        )
        .route("/assets/latchkey.css", web::get().to(assets::stylesheet))
        .route("/assets/theme.css", web::get().to(assets::theme_stylesheet));
}

/// A hosted page's resource: forms up to [`authorize::MAX_FORM_BYTES`].
fn page(path: &str) -> actix_web::Resource {
    web::resource(path).app_data(web::PayloadConfig::new(authorize::MAX_FORM_BYTES))
}
