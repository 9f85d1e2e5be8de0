//! The OAuth 2.0 protocol surface: the token endpoint, its grants, client authentication and error mapping.

pub mod bearer;
pub mod client_auth;
pub mod discovery;
pub mod grants;
pub mod http_response;
pub mod introspection;
pub mod logout_everywhere;
pub mod post_body;
pub mod revocation_endpoint;
pub mod revocation_feed;
pub mod token_endpoint;
pub mod userinfo;
pub mod web_origin;

/// Registers the OAuth endpoints.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig, issuer: &str) {
    token_endpoint::configure(cfg);
    revocation_endpoint::configure(cfg);
    introspection::configure(cfg);
    revocation_feed::configure(cfg);
    logout_everywhere::configure(cfg);
    userinfo::configure(cfg);
    discovery::configure(cfg, issuer);
}
