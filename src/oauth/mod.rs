//! The OAuth 2.0 protocol surface: the token endpoint, its grants, client authentication and error mapping.

pub mod authorization;
pub mod client_auth;
pub mod discovery;
pub mod error;
pub mod form;
pub mod grants;
pub mod http_response;
pub mod token_endpoint;
pub mod userinfo;

/// Registers the OAuth endpoints.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig, issuer: &str) {
    token_endpoint::configure(cfg);
    userinfo::configure(cfg);
    discovery::configure(cfg, issuer);
}
