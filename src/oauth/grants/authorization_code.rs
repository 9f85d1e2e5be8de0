//! Authorization code grant, token request (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.5-4.6).
//!
//! The checks below answer early; the redemption itself is one conditional claim in the store (DESIGN.md §18),
//! so a code redeemed twice at once issues once, and a second redemption revokes what the first one issued.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::parameters::required;
use super::response::TokenResponse;
use crate::domain::clients::Client;
use crate::domain::form::Form;
use crate::domain::mfa::amr::AuthMethods;
use crate::domain::oauth_error::OAuthError;
use crate::domain::tokens::id_token::SignIn;
use crate::domain::tokens::issuer::{CodeRedemption, IssueError};
use crate::domain::users::User;
use crate::state::AppState;
use crate::values::secret::PlainToken;

/// Parameters of this grant besides the common ones (§4.1.3, RFC 7636 §4.5).
pub const PARAMETERS: &[&str] = &["code", "redirect_uri", "code_verifier"];

/// One description for every unusable code: which check failed is for the log, not the caller.
const INVALID: &str = "the authorization code is invalid, expired or already used";

/// An authorization code token request, parsed.
#[derive(Debug)]
pub struct CodeRequest {
    pub code: PlainToken,
    pub redirect_uri: String,
    pub code_verifier: Option<String>,
}

impl CodeRequest {
    pub fn parse(form: &Form) -> Result<Self, OAuthError> {
        let code_verifier = form.get("code_verifier").map(str::to_owned);
        // RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~].
        if let Some(verifier) = &code_verifier
            && !is_code_verifier(verifier)
        {
            return Err(OAuthError::invalid_request(
                "code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~",
            ));
        }
        Ok(Self {
            code: PlainToken::from_presented(required(form, "code")?),
            // Required: Latchkey always requires redirect_uri in the authorization request (§4.1.3).
            redirect_uri: required(form, "redirect_uri")?.to_owned(),
            code_verifier,
        })
    }
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    request: CodeRequest,
) -> Result<TokenResponse, OAuthError> {
    let invalid = || OAuthError::invalid_grant(INVALID);
    let hash = request.code.hash();
    let Some(code) = state.store.find_code(&hash).await? else {
        return Err(invalid());
    };
    // §4.1.3: the code is bound to the client it was issued to; another client's attempt changes nothing.
    if code.client_id != client.id {
        tracing::warn!(client = %client.id, "authorization code presented by another client");
        return Err(invalid());
    }
    let now = state.clock.now();
    // An unused code past its expiry is dead. A used one is judged as a replay below, whatever its age (it is kept
    // a day after use, so a late replay still revokes).
    if code.used_at.is_none() && now >= code.expires_at {
        return Err(invalid());
    }
    // §4.1.3: the same redirect_uri as in the authorization request, compared as a string.
    if code.redirect_uri != request.redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    match (&code.code_challenge, &request.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            if !verifier_matches(challenge, verifier) {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant("code_verifier is required"));
        }
        // RFC 9700 §4.8.2: a verifier without a challenge is a PKCE downgrade attempt.
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "the authorization request had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    // A used code that passed the checks above is a replay that would have been a valid redemption: the claim
    // revokes what its first redemption issued (§4.1.2). One that failed them changed nothing: anyone who saw a
    // used code (history, logs) must not be able to end the user's login with it.
    let Some(user_row) = state.store.find_user(&code.user_id).await? else {
        return Err(invalid());
    };
    let user = User::from_row(&user_row);
    let scope = code.scope.clone();
    let redemption = CodeRedemption {
        code: hash,
        sign_in: SignIn {
            auth_time: code.auth_time,
            nonce: code.nonce,
            methods: AuthMethods::parse(&code.amr),
        },
        session_id: code.session_id,
    };
    let issued = state
        .issuer
        .redeem(&user, client, &scope, redemption)
        .await
        .map_err(|e| match e {
            IssueError::Rejected => invalid(),
            other => other.into(),
        })?;
    Ok(issued.into())
}

fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// RFC 7636 §4.6: BASE64URL(SHA256(ASCII(verifier))) == challenge, compared in constant time.
fn verifier_matches(challenge: &str, verifier: &str) -> bool {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    let computed = URL_SAFE_NO_PAD.encode(digest.as_ref());
    subtle::ConstantTimeEq::ct_eq(computed.as_bytes(), challenge.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_appendix_b_verifier_matches_its_challenge() {
        assert!(verifier_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!verifier_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"
        ));
    }
}
