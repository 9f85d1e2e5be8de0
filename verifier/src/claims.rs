//! The claims of a verified access token (RFC 9068 §2.2) and their validation (RFC 9068 §4, RFC 7519 §4.1).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{VerifyError, excerpt};

/// The claims of an access token that passed every check. Anything the token carries beyond the fields here is in
/// [`extra`](Self::extra).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: always the configured one.
    pub iss: String,
    /// The user, or the client itself for a client-credentials token.
    pub sub: String,
    /// Audiences; always contains the configured one.
    pub aud: Vec<String>,
    /// The client the token was issued to.
    pub client_id: String,
    /// Space-separated scopes (RFC 9068 §2.2.3); see [`has_scope`](Self::has_scope).
    pub scope: String,
    /// Roles (RFC 9068 §2.2.3.1); empty when the token has none.
    pub roles: Vec<String>,
    /// The user's tenant, when the user has one.
    pub tenant: Option<String>,
    /// Unique token id.
    pub jti: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: i64,
    /// Not-before time, seconds since the Unix epoch, when the token has one.
    pub nbf: Option<i64>,
    /// Every other claim, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// The granted scopes, in token order.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }

    /// Whether `scope` was granted: an exact, case-sensitive match on one scope token (RFC 6749 §3.3).
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|granted| granted == scope)
    }

    /// The refresh-token family (`sid`) the token was issued in; only tokens issued along with a refresh token
    /// carry one.
    pub fn sid(&self) -> Option<&str> {
        self.extra.get("sid").and_then(Value::as_str)
    }

    /// Whether the user has `role`.
    #[must_use]
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// `Ok` when `scope` was granted; otherwise an error that the `actix-web` feature answers with 403
    /// `insufficient_scope` (RFC 6750 §3.1).
    ///
    /// # Errors
    /// [`InsufficientScope`] when the token lacks `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), InsufficientScope> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(InsufficientScope {
                required: scope.to_owned(),
            })
        }
    }
}

impl Claims {
    /// The authentication level of the sign-in behind the token (`acr`; Latchkey's values are
    /// `urn:latchkey:acr:pwd` and `urn:latchkey:acr:mfa`). `None` for a client acting for itself.
    pub fn acr(&self) -> Option<&str> {
        self.extra.get("acr").and_then(Value::as_str)
    }

    /// How the user signed in (`amr`, RFC 8176 values such as `pwd`, `otp`, `mfa`).
    pub fn amr(&self) -> impl Iterator<Item = &str> {
        self.extra
            .get("amr")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// `Ok` when the token's `acr` is one of `accepted`; otherwise an error that the `actix-web` feature answers
    /// with 401 `insufficient_user_authentication` and the accepted `acr_values` (RFC 9470 §3), telling the client
    /// to send the user through `/authorize` with `acr_values` (a step-up).
    ///
    /// # Errors
    /// [`InsufficientUserAuthentication`] when the token's `acr` is missing or not accepted.
    pub fn require_acr(&self, accepted: &[&str]) -> Result<(), InsufficientUserAuthentication> {
        if self.acr().is_some_and(|acr| accepted.contains(&acr)) {
            Ok(())
        } else {
            Err(InsufficientUserAuthentication {
                acr_values: accepted.join(" "),
            })
        }
    }
}

/// The token is valid, but the user's sign-in did not reach the authentication level the resource requires
/// (RFC 9470 §3).
#[derive(Debug, thiserror::Error)]
#[error("the sign-in behind the token does not reach acr {acr_values:?}")]
pub struct InsufficientUserAuthentication {
    /// The accepted `acr` values, space-separated (what the client should ask for with `acr_values`).
    pub acr_values: String,
}

/// The token is valid but lacks a scope the resource requires (RFC 6750 §3.1).
#[derive(Debug, thiserror::Error)]
#[error("the token lacks scope {required:?}")]
pub struct InsufficientScope {
    /// The scope the token lacks.
    pub required: String,
}

/// What the claims are checked against.
#[derive(Debug)]
pub(crate) struct Expectations<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) audience: &'a str,
    /// Allowed clock skew, seconds.
    pub(crate) leeway: i64,
    /// Seconds since the Unix epoch.
    pub(crate) now: i64,
}

impl Claims {
    /// Parses the JSON claims set of a token whose signature has been verified, and validates it.
    pub(crate) fn validate(payload: &[u8], expect: &Expectations<'_>) -> Result<Self, VerifyError> {
        // Duplicate names: serde_json keeps the last one, which RFC 7519 §4 allows.
        let mut map: Map<String, Value> = serde_json::from_slice(payload)
            .map_err(|_| VerifyError::Malformed("claims are not a JSON object"))?;

        // RFC 9068 §4: `iss` must exactly match the issuer (no normalisation).
        let iss = take_string(&mut map, "iss")?;
        if iss != expect.issuer {
            return Err(VerifyError::WrongIssuer(excerpt(&iss)));
        }
        // RFC 9068 §4 / RFC 7519 §4.1.3: the resource server must find itself among the audiences.
        let aud = take_audience(&mut map)?;
        if !aud.iter().any(|a| a == expect.audience) {
            return Err(VerifyError::WrongAudience);
        }
        // RFC 7519 §4.1.4: now must be before `exp`.
        let exp = take_numeric_date(&mut map, "exp")?;
        if expect.now >= exp.saturating_add(expect.leeway) {
            return Err(VerifyError::Expired);
        }
        // RFC 7519 §4.1.5: now must be at or after `nbf`.
        let nbf = take_optional(&mut map, "nbf", numeric_date)?;
        if nbf.is_some_and(|nbf| expect.now < nbf.saturating_sub(expect.leeway)) {
            return Err(VerifyError::NotYetValid);
        }
        // RFC 9068 §2.2 requires `iat`; a time in the future means a broken or forged issuer clock.
        let iat = take_numeric_date(&mut map, "iat")?;
        if expect.now < iat.saturating_sub(expect.leeway) {
            return Err(VerifyError::IssuedInFuture);
        }
        let sub = take_string(&mut map, "sub")?;
        let client_id = take_string(&mut map, "client_id")?;
        let jti = take_string(&mut map, "jti")?;
        if sub.is_empty() {
            return Err(VerifyError::InvalidClaim("sub"));
        }
        if client_id.is_empty() {
            return Err(VerifyError::InvalidClaim("client_id"));
        }
        let scope = take_optional(&mut map, "scope", |v| match v {
            Value::String(s) => Some(s),
            _ => None,
        })?
        .unwrap_or_default();
        let roles = take_optional(&mut map, "roles", string_array)?.unwrap_or_default();
        let tenant = take_optional(&mut map, "tenant", |v| match v {
            Value::String(s) => Some(s),
            _ => None,
        })?;
        Ok(Self {
            iss,
            sub,
            aud,
            client_id,
            scope,
            roles,
            tenant,
            jti,
            exp,
            iat,
            nbf,
            extra: map,
        })
    }
}

/// Removes claim `name`; `Ok(None)` when absent or null, an error when present with a value `convert` refuses.
fn take_optional<T>(
    map: &mut Map<String, Value>,
    name: &'static str,
    convert: impl FnOnce(Value) -> Option<T>,
) -> Result<Option<T>, VerifyError> {
    match map.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => convert(value)
            .map(Some)
            .ok_or(VerifyError::InvalidClaim(name)),
    }
}

fn take_required<T>(
    map: &mut Map<String, Value>,
    name: &'static str,
    convert: impl FnOnce(Value) -> Option<T>,
) -> Result<T, VerifyError> {
    take_optional(map, name, convert)?.ok_or(VerifyError::MissingClaim(name))
}

fn take_string(map: &mut Map<String, Value>, name: &'static str) -> Result<String, VerifyError> {
    take_required(map, name, |v| match v {
        Value::String(s) => Some(s),
        _ => None,
    })
}

fn take_numeric_date(map: &mut Map<String, Value>, name: &'static str) -> Result<i64, VerifyError> {
    take_required(map, name, numeric_date)
}

/// `aud` is one string or an array of strings (RFC 7519 §4.1.3); an empty array names nobody.
fn take_audience(map: &mut Map<String, Value>) -> Result<Vec<String>, VerifyError> {
    take_required(map, "aud", |v| match v {
        Value::String(s) => Some(vec![s]),
        other => string_array(other).filter(|a| !a.is_empty()),
    })
}

fn string_array(value: Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// A `NumericDate` (RFC 7519 §2) may have a fraction; whole seconds, rounded down, are precise enough for checks that
/// already allow a leeway.
fn numeric_date(value: Value) -> Option<i64> {
    let Value::Number(number) = value else {
        return None;
    };
    if let Some(seconds) = number.as_i64() {
        return Some(seconds);
    }
    let seconds = number.as_f64()?.floor();
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a whole number of seconds below 1e15 fits in i64 exactly"
    )]
    (seconds.is_finite() && seconds.abs() < 1e15).then_some(seconds as i64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn expect() -> Expectations<'static> {
        Expectations {
            issuer: "https://idp.example",
            audience: "https://api.example",
            leeway: 30,
            now: NOW,
        }
    }

    fn valid() -> Value {
        json!({
            "iss": "https://idp.example", "sub": "u1", "aud": "https://api.example",
            "exp": NOW + 300, "iat": NOW, "nbf": NOW, "jti": "j1", "client_id": "c1",
            "scope": "openid orders:read", "roles": ["admin"], "tenant": "acme", "locale": "fr",
        })
    }

    fn validate_with(change: impl FnOnce(&mut Value)) -> Result<Claims, VerifyError> {
        let mut claims = valid();
        change(&mut claims);
        Claims::validate(claims.to_string().as_bytes(), &expect())
    }

    #[test]
    fn rfc_9470_a_required_acr_is_met_only_by_a_token_that_carries_it() {
        let mfa = validate_with(|c| {
            c["acr"] = json!("urn:latchkey:acr:mfa");
            c["amr"] = json!(["pwd", "otp", "mfa"]);
        })
        .unwrap();
        assert_eq!(mfa.acr(), Some("urn:latchkey:acr:mfa"));
        assert_eq!(mfa.amr().collect::<Vec<_>>(), ["pwd", "otp", "mfa"]);
        assert!(mfa.require_acr(&["urn:latchkey:acr:mfa"]).is_ok());
        let pwd = validate_with(|c| c["acr"] = json!("urn:latchkey:acr:pwd")).unwrap();
        let refused = pwd.require_acr(&["urn:latchkey:acr:mfa"]).unwrap_err();
        assert_eq!(refused.acr_values, "urn:latchkey:acr:mfa");
        assert!(
            valid_claims()
                .require_acr(&["urn:latchkey:acr:pwd"])
                .is_err()
        );
    }

    fn valid_claims() -> Claims {
        validate_with(|_| {}).unwrap()
    }

    #[test]
    fn valid_claims_are_typed_and_the_rest_kept_in_extra() {
        let claims = validate_with(|_| {}).unwrap();
        assert_eq!(claims.sub, "u1");
        assert_eq!(claims.aud, ["https://api.example"]);
        assert_eq!(claims.roles, ["admin"]);
        assert_eq!(claims.tenant.as_deref(), Some("acme"));
        assert!(claims.has_scope("orders:read"));
        assert!(!claims.has_scope("orders"));
        assert!(claims.require_scope("orders:write").is_err());
        assert_eq!(claims.extra.len(), 1);
        assert_eq!(claims.extra["locale"], "fr");
    }

    #[test]
    fn the_issuer_must_match_exactly_rfc9068_section_4() {
        for iss in [
            "https://idp.example/",
            "HTTPS://idp.example",
            "https://evil.example",
        ] {
            assert!(matches!(
                validate_with(|c| c["iss"] = json!(iss)),
                Err(VerifyError::WrongIssuer(_))
            ));
        }
        assert!(matches!(
            validate_with(|c| c["iss"] = json!(["https://idp.example"])),
            Err(VerifyError::InvalidClaim("iss"))
        ));
    }

    #[test]
    fn the_audience_must_include_ours_rfc7519_section_4_1_3() {
        let claims =
            validate_with(|c| c["aud"] = json!(["https://other", "https://api.example"])).unwrap();
        assert_eq!(claims.aud.len(), 2);
        for aud in [json!("https://other"), json!(["https://other"])] {
            assert!(matches!(
                validate_with(|c| c["aud"] = aud),
                Err(VerifyError::WrongAudience)
            ));
        }
        for aud in [json!([]), json!(7), json!(["https://api.example", 7])] {
            assert!(matches!(
                validate_with(|c| c["aud"] = aud),
                Err(VerifyError::InvalidClaim("aud"))
            ));
        }
    }

    #[test]
    #[expect(clippy::cast_precision_loss, reason = "NOW is far below 2^52")]
    fn expiry_allows_the_leeway_and_no_more_rfc7519_section_4_1_4() {
        assert!(validate_with(|c| c["exp"] = json!(NOW - 29)).is_ok());
        assert!(matches!(
            validate_with(|c| c["exp"] = json!(NOW - 30)),
            Err(VerifyError::Expired)
        ));
        assert!(validate_with(|c| c["exp"] = json!(NOW as f64 + 10.5)).is_ok());
    }

    #[test]
    fn nbf_and_iat_in_the_future_are_rejected_beyond_the_leeway() {
        assert!(validate_with(|c| c["nbf"] = json!(NOW + 30)).is_ok());
        assert!(matches!(
            validate_with(|c| c["nbf"] = json!(NOW + 31)),
            Err(VerifyError::NotYetValid)
        ));
        assert!(matches!(
            validate_with(|c| {
                c["nbf"] = json!(NOW);
                c["iat"] = json!(NOW + 31);
            }),
            Err(VerifyError::IssuedInFuture)
        ));
    }

    #[test]
    fn required_claims_must_be_present_rfc9068_section_2_2() {
        for name in ["iss", "aud", "exp", "iat", "sub", "client_id", "jti"] {
            let result = validate_with(|c| {
                c.as_object_mut().unwrap().remove(name);
            });
            assert!(
                matches!(result, Err(VerifyError::MissingClaim(found)) if found == name),
                "{name}"
            );
        }
        let claims = validate_with(|c| {
            let map = c.as_object_mut().unwrap();
            for name in ["nbf", "scope", "roles", "tenant"] {
                map.remove(name);
            }
        })
        .unwrap();
        assert_eq!(claims.scopes().count(), 0);
        assert!(claims.roles.is_empty());
    }

    #[test]
    fn claims_of_the_wrong_type_are_rejected() {
        for (name, value) in [
            ("exp", json!("soon")),
            ("sub", json!(1)),
            ("sub", json!("")),
            ("client_id", json!("")),
            ("roles", json!("admin")),
            ("roles", json!([1])),
            ("scope", json!(["a"])),
        ] {
            assert!(
                matches!(validate_with(|c| c[name] = value), Err(VerifyError::InvalidClaim(found)) if found == name),
                "{name}"
            );
        }
    }
}
