//! Hosted pages for end users (DESIGN.md §12): the authorization endpoint and its sign-in form, logout and password
//! reset. askama templates in `templates/`, one base layout, every text from a message catalogue in the user's language
//! (Fluent, `locales/`), theming by CSS only.

pub mod account;
mod answer;
mod assets;
pub mod authorize;
pub mod catalogue;
mod ceremonies;
pub mod consent;
pub mod enrolment;
pub mod error;
mod fallback;
mod forms;
pub mod invitation;
pub mod language;
pub mod letters;
pub mod logout;
pub mod messages;
mod onward;
pub mod passkey_sign_in;
pub mod password;
pub mod registration;
pub mod render;
pub mod second_factor;
pub mod security;
pub mod settings;

use actix_web::middleware::from_fn;
use actix_web::{guard, web};

pub use settings::{Chrome, FooterLink, PageSettings};

/// Registers the pages and their assets; every page's errors are rendered by [`error::render_errors`], every
/// other path answers a branded 404 to browsers ([`fallback`]).
pub fn configure(cfg: &mut web::ServiceConfig, settings: web::Data<PageSettings>) {
    cfg.app_data(settings)
        .service(
            page("/authorize", GET_POST)
                .route(get().to(authorize::authorize_get))
                .route(web::post().to(authorize::authorize_post)),
        )
        .service(page("/authorize/consent", POST).route(web::post().to(consent::consent_post)))
        .service(
            page("/login", GET_POST)
                .route(get().to(authorize::sign_in_form_get))
                .route(web::post().to(authorize::sign_in)),
        )
        // Passkeys (issue 20): the sign-in page's script asks for a ceremony, then posts the answer.
        .service(
            page("/login/passkey/options", POST)
                .route(web::post().to(passkey_sign_in::sign_in_options)),
        )
        .service(
            page("/login/passkey", POST)
                .route(web::post().to(passkey_sign_in::sign_in_with_passkey)),
        )
        // The second-factor step and the enrolment a rule requires (issue 20).
        .service(
            page("/login/second-factor/passkey/options", POST)
                .route(web::post().to(second_factor::passkey_options)),
        )
        .service(
            page("/login/second-factor", GET_POST)
                .route(get().to(second_factor::step_get))
                .route(web::post().to(second_factor::step_post)),
        )
        .service(
            page("/login/enrol/passkey/options", POST)
                .route(web::post().to(enrolment::enrol_passkey_options)),
        )
        .service(
            page("/login/enrol", GET_POST)
                .route(get().to(enrolment::enrol_get))
                .route(web::post().to(enrolment::enrol_post)),
        )
        .service(
            page("/logout", GET_POST)
                .route(get().to(logout::logout_get))
                .route(web::post().to(logout::logout_post)),
        )
        .service(
            page("/password/forgot", GET_POST)
                .route(get().to(password::forgot_form))
                .route(web::post().to(password::forgot)),
        )
        .service(
            page("/password/reset", GET_POST)
                .route(get().to(password::reset_form))
                .route(web::post().to(password::reset)),
        )
        .service(
            page("/register", GET_POST)
                .route(get().to(registration::register_form))
                .route(web::post().to(registration::register)),
        )
        .service(
            page("/verify-email", GET_POST)
                .route(get().to(registration::verify_form))
                .route(web::post().to(registration::verify)),
        )
        .service(
            page("/invitation", GET_POST)
                .route(get().to(invitation::invitation_form))
                .route(web::post().to(invitation::accept)),
        )
        .service(
            page("/verify-email/resend", GET_POST)
                .route(get().to(registration::resend_form))
                .route(web::post().to(registration::resend)),
        )
        // The account page (issue 18).
        .service(page("/account", GET).route(get().to(account::account_get)))
        .service(page("/account/password", POST).route(web::post().to(account::change_password)))
        .service(page("/account/profile", POST).route(web::post().to(account::update_profile)))
        .service(page("/account/email", POST).route(web::post().to(account::change_email)))
        .service(
            page("/account/consents/revoke", POST).route(web::post().to(account::revoke_consent)),
        )
        // Two-step verification (issue 20).
        .service(page("/account/two-step", GET).route(get().to(account::two_step_get)))
        .service(
            page("/account/two-step/start", POST).route(web::post().to(account::start_two_step)),
        )
        .service(
            page("/account/two-step/confirm", POST)
                .route(web::post().to(account::confirm_two_step)),
        )
        .service(
            page("/account/two-step/recovery-codes", POST)
                .route(web::post().to(account::new_recovery_codes)),
        )
        .service(
            page("/account/two-step/remove", POST).route(web::post().to(account::remove_two_step)),
        )
        .service(page("/account/sessions/revoke", POST).route(web::post().to(account::revoke)))
        .service(
            page("/account/sessions/end-all", POST)
                .route(web::post().to(account::logout_everywhere)),
        )
        .service(
            page("/account/passkeys/options", POST).route(web::post().to(account::passkey_options)),
        )
        .service(page("/account/passkeys", POST).route(web::post().to(account::add_passkey)))
        .service(
            page("/account/passkeys/rename", POST).route(web::post().to(account::rename_passkey)),
        )
        .service(
            page("/account/passkeys/remove", POST).route(web::post().to(account::remove_passkey)),
        )
        .service(page("/account/data", GET).route(get().to(account::download)))
        .service(page("/account/delete", POST).route(web::post().to(account::delete)))
        .route("/assets/latchkey.css", get().to(assets::stylesheet))
        .route("/assets/theme.css", get().to(assets::theme_stylesheet))
        .route("/assets/latchkey.js", get().to(assets::script))
        .route("/assets/passkeys.js", get().to(assets::passkey_script))
        .route("/assets/favicon.svg", get().to(assets::favicon))
        .route("/robots.txt", get().to(assets::robots))
        .default_service(web::to(fallback::not_found));
}

/// `Allow` values of the pages (RFC 9110 §10.2.1); HEAD goes with GET.
const GET: &str = "GET, HEAD";
const POST: &str = "POST";
const GET_POST: &str = "GET, HEAD, POST";

/// GET, and HEAD answered like it without the body (RFC 9110 §9.3.2; actix drops a HEAD response's body).
fn get() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// A hosted page's resource: forms up to [`authorize::MAX_FORM_BYTES`], errors rendered as branded pages, and
/// other methods than `allow` answered 405.
fn page(
    path: &str,
    allow: &'static str,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path)
        .app_data(web::PayloadConfig::new(authorize::MAX_FORM_BYTES))
        .default_service(web::to(fallback::method_not_allowed(allow)))
        .wrap(from_fn(error::render_errors))
}
