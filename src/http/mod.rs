//! HTTP endpoints that are not OAuth grants: JWKS, health, and request tracing.

pub mod health;
pub mod jwks;
pub mod request_span;
