//! The successful token response (RFC 6749 §5.1), the same for every grant.

use serde::Serialize;

use crate::domain::tokens::issuer::Issued;

/// Successful token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

impl From<Issued> for TokenResponse {
    fn from(issued: Issued) -> Self {
        Self {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
            refresh_token: issued.refresh_token.map(|t| t.expose().to_owned()),
            id_token: issued.id_token,
            scope: issued.scope.to_string(),
        }
    }
}
