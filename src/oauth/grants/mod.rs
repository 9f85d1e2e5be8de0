//! One file per grant type. Each defines its typed request (parsed from the form once, at the edge) and its rules,
//! then asks the domain: `auth::authenticate` for passwords, [`TokenIssuer`](crate::domain::tokens::issuer::TokenIssuer)
//! for the tokens.

pub mod authorization_code;
pub mod client_credentials;
pub mod parameters;
pub mod password;
pub mod refresh_token;
pub mod response;

pub use response::TokenResponse;

/// Parameters every token request may carry (RFC 6749 §2.3.1, §3.3, §4).
const COMMON_PARAMETERS: &[&str] = &["grant_type", "scope", "client_id", "client_secret"];

/// Names a parameter in an error only when it is one of ours: never echo arbitrary input.
pub fn known_parameter(name: &str) -> Option<&'static str> {
    [
        COMMON_PARAMETERS,
        authorization_code::PARAMETERS,
        client_credentials::PARAMETERS,
        password::PARAMETERS,
        refresh_token::PARAMETERS,
    ]
    .into_iter()
    .flatten()
    .copied()
    .find(|known| *known == name)
}
