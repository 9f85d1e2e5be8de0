//! What the pages' passkey script gets from a started WebAuthn ceremony (sign-in, second factor, registration),
//! shared by the handlers that start one.

use actix_web::HttpResponse;

use super::error::PageError;
use super::security;
use crate::domain::passkeys::{Ceremony, PasskeyError};

/// A started ceremony for the page's script: never cached.
pub(super) fn ceremony_json(ceremony: &Ceremony, hsts: bool) -> HttpResponse {
    let mut response = security::page(actix_web::http::StatusCode::OK, hsts);
    response
        .content_type("application/json")
        .json(serde_json::json!({
            "ceremony": ceremony.id,
            "options": ceremony.options,
        }))
}

/// A passkey failure that is not the answer's fault: starting a ceremony (storage, webauthn-rs's own serialization)
/// or queueing the mail that tells the user; storage errors keep their own page (503 with Retry-After).
pub(super) fn unexpected(error: PasskeyError) -> PageError {
    match error {
        PasskeyError::Store(e) => e.into(),
        other => PageError::Unexpected(anyhow::Error::new(other)),
    }
}
