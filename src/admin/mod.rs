//! The admin API (`/admin/v1/…`): what the operator CLI does, over HTTP, for automation (Terraform, scripts).
//!
//! JSON in and out; errors are RFC 9457 problem details ([`problem`]); users and clients carry strong `ETag`s and
//! honour `If-Match` on every change ([`crate::domain::preconditions`]); lists page by keyset ([`paging`]). Callers are
//! clients with admin-scoped access tokens ([`access`]); every change is audited by the domain functions it calls.
//! The OpenAPI 3.1 document, generated from the handlers, is served at `/admin/openapi.json`.

pub mod access;
pub mod audit;
pub mod clients;
pub mod invitations;
pub mod keys;
pub mod openapi;
pub mod paging;
pub mod problem;
mod request;
mod respond;
pub mod settings;
pub mod user_import;
pub mod users;

use actix_web::{ResponseError, web};

use problem::Problem;
pub use settings::AdminSettings;

/// Largest JSON body the admin API reads.
const MAX_BODY: usize = 64 * 1024;

/// Registers the admin routes.
pub fn configure(cfg: &mut web::ServiceConfig, settings: web::Data<AdminSettings>) {
    cfg.app_data(settings)
        .route("/admin/openapi.json", web::get().to(openapi::serve))
        .service(
            web::scope("/admin/v1")
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .configure(user_import::configure)
                .configure(users::configure)
                .configure(invitations::configure)
                .configure(clients::configure)
                .configure(keys::configure)
                .configure(audit::configure)
                .default_service(web::to(|| async {
                    Problem::not_found("no such admin resource: see /admin/openapi.json")
                        .error_response()
                })),
        );
}
