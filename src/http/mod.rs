//! HTTP endpoints that are not OAuth grants (JWKS, health) and what every request goes through: tracing, the
//! body deadline, the client's address.

pub mod bearer;
pub mod body_deadline;
pub mod client_addr;
pub mod connection;
pub mod cors;
pub mod health;
pub mod jwks;
pub mod request_span;
pub mod retry_after;
pub mod source;

/// Registers the JWKS and health endpoints; `jwks_max_age` is the JWKS `Cache-Control: max-age`.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig, jwks_max_age: jwks::JwksMaxAge) {
    use actix_web::web;
    cfg.app_data(web::Data::new(jwks_max_age))
        .service(
            web::resource("/.well-known/jwks.json")
                .wrap(actix_web::middleware::from_fn(cors::public))
                .route(web::get().to(jwks::jwks)),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz));
}
