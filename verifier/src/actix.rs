//! actix-web extractor: `Claims` from `Authorization: Bearer …` (RFC 6750 §2.1), errors answered as RFC 6750 §3 says.
//!
//! Register the verifier with `App::app_data(web::Data::new(verifier))`, then take `claims: Claims` in a handler.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use crate::claims::{Claims, InsufficientScope, InsufficientUserAuthentication};
use crate::error::VerifyError;
use crate::verifier::Verifier;

/// Why a request carried no acceptable bearer token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No `Authorization` header, or one with another scheme: 401 with a bare `Bearer` challenge (RFC 6750 §3.1).
    #[error("no bearer token")]
    Missing,
    /// A `Bearer` header that isn't one: 400 `invalid_request` (RFC 6750 §3.1).
    #[error("malformed Authorization header: {0}")]
    Malformed(&'static str),
    /// The token was refused (401 `invalid_token`), or couldn't be checked because the keys were unreachable (503).
    #[error(transparent)]
    Invalid(#[from] VerifyError),
    /// The application registered no `web::Data<Verifier>`: 500.
    #[error("no web::Data<Verifier> is registered with the app")]
    NotConfigured,
}

impl FromRequest for Claims {
    type Error = BearerError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verifier = req.app_data::<web::Data<Verifier>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let Some(verifier) = verifier else {
                tracing::error!("Claims extractor used without web::Data<Verifier> in the app");
                return Err(BearerError::NotConfigured);
            };
            let claims = verifier.verify(&token?).await.inspect_err(|error| {
                if error.is_retryable() {
                    tracing::warn!(%error, "cannot check a bearer token");
                } else {
                    tracing::debug!(%error, "bearer token refused");
                }
            })?;
            Ok(claims)
        })
    }
}

/// The token of `Authorization: Bearer <b64token>` (RFC 6750 §2.1).
fn bearer_token(req: &HttpRequest) -> Result<&str, BearerError> {
    let mut values = req.headers().get_all(AUTHORIZATION);
    let (Some(value), None) = (values.next(), values.next()) else {
        return if req.headers().contains_key(AUTHORIZATION) {
            Err(BearerError::Malformed("more than one Authorization header"))
        } else {
            Err(BearerError::Missing)
        };
    };
    let value = value
        .to_str()
        .map_err(|_| BearerError::Malformed("Authorization header is not visible ASCII"))?
        .trim_matches([' ', '\t']);
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    // The auth-scheme is case-insensitive (RFC 9110 §11.1); any other scheme is an unsupported method (§3.1).
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(BearerError::Missing);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(BearerError::Malformed("Bearer without a token"));
    }
    if !is_b64token(token) {
        return Err(BearerError::Malformed("the token is not a b64token"));
    }
    Ok(token)
}

/// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 6750 §2.1).
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

impl ResponseError for BearerError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(error) if error.is_retryable() => StatusCode::SERVICE_UNAVAILABLE,
            Self::Missing | Self::Invalid(_) => StatusCode::UNAUTHORIZED,
            Self::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let challenge = match self {
            Self::Missing => Some(HeaderValue::from_static("Bearer")),
            Self::Malformed(_) => Some(challenge(&[
                ("error", "invalid_request"),
                ("error_description", "the Authorization header is malformed"),
            ])),
            Self::Invalid(error) if !error.is_retryable() => Some(challenge(&[
                ("error", "invalid_token"),
                ("error_description", error.description()),
            ])),
            Self::Invalid(_) | Self::NotConfigured => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Some(challenge) = challenge {
            response.insert_header((WWW_AUTHENTICATE, challenge));
        }
        response.finish()
    }
}

impl ResponseError for InsufficientScope {
    fn status_code(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::Forbidden()
            .insert_header((
                WWW_AUTHENTICATE,
                challenge(&[
                    ("error", "insufficient_scope"),
                    ("error_description", "the token lacks a required scope"),
                    ("scope", &self.required),
                ]),
            ))
            .finish()
    }
}

impl ResponseError for InsufficientUserAuthentication {
    fn status_code(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }

    /// RFC 9470 §3: 401 with `insufficient_user_authentication` and the `acr_values` that would do.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::Unauthorized()
            .insert_header((
                WWW_AUTHENTICATE,
                challenge(&[
                    ("error", "insufficient_user_authentication"),
                    (
                        "error_description",
                        "a stronger authentication is required for this resource",
                    ),
                    ("acr_values", &self.acr_values),
                ]),
            ))
            .finish()
    }
}

/// `Bearer name="value", …` (RFC 6750 §3). Values keep only the characters §3 allows in them, which also rules out
/// anything that could break out of the quoted string or the header.
fn challenge(params: &[(&str, &str)]) -> HeaderValue {
    let allowed = |c: &char| matches!(c, '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e');
    let params: Vec<String> = params
        .iter()
        .map(|(name, value)| {
            format!(
                "{name}=\"{}\"",
                value.chars().filter(allowed).collect::<String>()
            )
        })
        .collect();
    HeaderValue::from_str(&format!("Bearer {}", params.join(", ")))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn token_of(authorization: &[&str]) -> Result<String, BearerError> {
        let mut request = TestRequest::default();
        for value in authorization {
            request = request.append_header((AUTHORIZATION, *value));
        }
        bearer_token(&request.to_http_request()).map(str::to_owned)
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_rfc6750_section_2_1() {
        for header in [
            "Bearer abc.def.ghi",
            "bearer abc.def.ghi",
            "BEARER  abc.def.ghi",
        ] {
            assert_eq!(token_of(&[header]).unwrap(), "abc.def.ghi");
        }
        assert_eq!(token_of(&["Bearer a+b/c=="]).unwrap(), "a+b/c==");
    }

    #[test]
    fn no_header_or_another_scheme_is_missing_credentials_rfc6750_section_3_1() {
        assert!(matches!(token_of(&[]), Err(BearerError::Missing)));
        assert!(matches!(
            token_of(&["Basic dXNlcjpwYXNz"]),
            Err(BearerError::Missing)
        ));
        assert!(matches!(
            token_of(&["Bearerabc"]),
            Err(BearerError::Missing)
        ));
    }

    #[test]
    fn a_malformed_bearer_header_is_an_invalid_request() {
        for headers in [
            &["Bearer"][..],
            &["Bearer "],
            &["Bearer a b"],
            &["Bearer a\"b"],
            &["Bearer ==="],
            &["Bearer a", "Bearer b"],
        ] {
            assert!(
                matches!(token_of(headers), Err(BearerError::Malformed(_))),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn challenge_values_cannot_break_out_of_their_quotes() {
        let value = challenge(&[
            ("error", "invalid_token"),
            ("error_description", "a\"b\\c\r\nd"),
        ]);
        assert_eq!(
            value.to_str().unwrap(),
            r#"Bearer error="invalid_token", error_description="abcd""#
        );
    }
}
