//! What the admin API needs beyond the shared state, registered as its own application data.

use latchkey_verifier::Verifier;

use crate::domain::signing::KeyPolicy;
use crate::infra::key_notices::KeyNotices;

/// The admin API's settings.
pub struct AdminSettings {
    /// Verifies callers' access tokens against the service's own JWKS, as any resource server would.
    pub verifier: Verifier,
    pub key_policy: KeyPolicy,
    pub key_bits: u32,
    /// Tells the other replicas to reload their keys after a key change here.
    pub key_notices: Option<KeyNotices>,
    /// The OpenAPI document, serialized once.
    pub openapi: Vec<u8>,
}
