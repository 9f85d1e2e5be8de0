//! The JOSE header of a compact JWS, checked before any key is looked up: everything here is attacker-controlled.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::{VerifyError, excerpt};

/// Access tokens are a few hundred bytes to a few KiB; refuse to base64- and JSON-decode anything far bigger.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Header parameters that make the token name its own key (RFC 7515 §4.1.2, §4.1.3, §4.1.5, §4.1.6). Trusting them
/// lets anyone sign with a key of their choosing (RFC 8725 §3.10), and we only ever use keys from our own JWKS.
const FORBIDDEN: [&str; 4] = ["jku", "jwk", "x5u", "x5c"];

/// A compact JWS (RFC 7515 §7.1) whose header passed [`parse`]; signature and claims are not checked yet.
#[derive(Debug)]
pub(crate) struct CompactJws<'a> {
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: what the signature covers (RFC 7515 §5.2).
    pub(crate) signing_input: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) kid: String,
}

/// Splits `token` and checks its header against RFC 9068 §4 and RFC 8725.
pub(crate) fn parse(token: &str) -> Result<CompactJws<'_>, VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::Malformed("token is too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        // Five parts would be a JWE: access tokens are signed, not encrypted.
        return Err(VerifyError::Malformed("not a compact JWS (three parts)"));
    };
    let header_json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| VerifyError::Malformed("header is not base64url"))?;
    // Duplicate names: serde_json keeps the last one, which RFC 7515 §4 allows.
    let header_map: Map<String, Value> = serde_json::from_slice(&header_json)
        .map_err(|_| VerifyError::Malformed("header is not a JSON object"))?;
    let kid = check(&header_map)?;
    // Checked after the header, so that an unsigned `alg: none` token is reported as such.
    if payload.is_empty() || signature.is_empty() {
        return Err(VerifyError::Malformed("empty payload or signature"));
    }
    Ok(CompactJws {
        signing_input: &token[..header.len() + 1 + payload.len()],
        payload,
        signature,
        kid,
    })
}

/// Checks the header parameters and returns the `kid`.
fn check(header: &Map<String, Value>) -> Result<String, VerifyError> {
    // RFC 8725 §3.1: an allow-list of exactly one algorithm, compared case-sensitively (RFC 7515 §4.1.1).
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(alg)) => return Err(VerifyError::DisallowedAlgorithm(excerpt(alg))),
        Some(_) => return Err(VerifyError::Malformed("alg is not a string")),
        None => return Err(VerifyError::Malformed("header has no alg")),
    }
    if let Some(name) = FORBIDDEN
        .into_iter()
        .find(|name| header.contains_key(*name))
    {
        return Err(VerifyError::ForbiddenHeader(name));
    }
    if header.contains_key("crit") {
        return Err(VerifyError::CriticalHeader);
    }
    match header.get("typ") {
        Some(Value::String(typ)) if is_access_token_type(typ) => {}
        Some(Value::String(typ)) => return Err(VerifyError::WrongType(Some(excerpt(typ)))),
        // RFC 8725 §3.11: explicit typing is what keeps an ID token or a logout token from passing as an access token.
        Some(_) | None => return Err(VerifyError::WrongType(None)),
    }
    match header.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() => Ok(kid.clone()),
        _ => Err(VerifyError::MissingKid),
    }
}

/// RFC 9068 §4: `typ` must be `at+jwt` or `application/at+jwt`. Media types compare case-insensitively and the
/// `application/` prefix may be left out (RFC 7515 §4.1.9).
fn is_access_token_type(typ: &str) -> bool {
    let subtype = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    };
    subtype.eq_ignore_ascii_case("at+jwt")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[expect(
        clippy::needless_pass_by_value,
        reason = "the tests pass json! literals"
    )]
    fn token_with_header(header: Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        format!("{header}.e30.c2ln")
    }

    fn parse_header(header: Value) -> Result<String, VerifyError> {
        parse(&token_with_header(header)).map(|jws| jws.kid)
    }

    #[test]
    fn an_rs256_at_jwt_header_with_a_kid_passes() {
        let kid = parse_header(json!({ "alg": "RS256", "typ": "at+jwt", "kid": "k1" })).unwrap();
        assert_eq!(kid, "k1");
    }

    #[test]
    fn typ_accepts_the_media_type_form_in_any_case_rfc9068_section_4() {
        for typ in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/At+JWT",
        ] {
            assert!(
                parse_header(json!({ "alg": "RS256", "typ": typ, "kid": "k" })).is_ok(),
                "{typ}"
            );
        }
    }

    #[test]
    fn other_token_types_are_rejected_rfc8725_section_3_11() {
        for typ in [
            "JWT",
            "jwt",
            "application/jwt",
            "at+jwt ",
            "application/",
            "logout+jwt",
        ] {
            assert!(
                matches!(
                    parse_header(json!({ "alg": "RS256", "typ": typ, "kid": "k" })),
                    Err(VerifyError::WrongType(_))
                ),
                "{typ}"
            );
        }
        assert!(matches!(
            parse_header(json!({ "alg": "RS256", "kid": "k" })),
            Err(VerifyError::WrongType(None))
        ));
    }

    #[test]
    fn only_rs256_is_allowed_rfc8725_section_3_1() {
        for alg in [
            "none", "None", "HS256", "RS384", "PS256", "ES256", "EdDSA", "rs256",
        ] {
            assert!(
                matches!(
                    parse_header(json!({ "alg": alg, "typ": "at+jwt", "kid": "k" })),
                    Err(VerifyError::DisallowedAlgorithm(_))
                ),
                "{alg}"
            );
        }
    }

    #[test]
    fn keys_named_by_the_token_are_rejected_rfc8725_section_3_10() {
        for name in FORBIDDEN {
            let mut header = json!({ "alg": "RS256", "typ": "at+jwt", "kid": "k" });
            header[name] = json!("https://attacker.example/keys");
            assert!(matches!(
                parse_header(header),
                Err(VerifyError::ForbiddenHeader(found)) if found == name
            ));
        }
    }

    #[test]
    fn any_crit_is_rejected_rfc7515_section_4_1_11() {
        let header =
            json!({ "alg": "RS256", "typ": "at+jwt", "kid": "k", "crit": ["exp"], "exp": 1 });
        assert!(matches!(
            parse_header(header),
            Err(VerifyError::CriticalHeader)
        ));
    }

    #[test]
    fn a_kid_is_required() {
        for kid in [json!(null), json!(""), json!(7)] {
            let header = json!({ "alg": "RS256", "typ": "at+jwt", "kid": kid });
            assert!(matches!(parse_header(header), Err(VerifyError::MissingKid)));
        }
        let header = json!({ "alg": "RS256", "typ": "at+jwt" });
        assert!(matches!(parse_header(header), Err(VerifyError::MissingKid)));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let good = token_with_header(json!({ "alg": "RS256", "typ": "at+jwt", "kid": "k" }));
        let jwe = format!("{good}.a.b");
        let not_json = format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode("[1]"));
        for token in [
            "",
            "a.b",
            jwe.as_str(),
            "!!!.e30.c2ln",
            not_json.as_str(),
            &good[..good.len() - 4],
        ] {
            assert!(
                matches!(parse(token), Err(VerifyError::Malformed(_))),
                "{token}"
            );
        }
        assert!(matches!(
            parse(&"a".repeat(MAX_TOKEN_LEN + 1)),
            Err(VerifyError::Malformed(_))
        ));
    }

    #[test]
    fn the_signing_input_is_header_dot_payload() {
        let token = token_with_header(json!({ "alg": "RS256", "typ": "at+jwt", "kid": "k" }));
        let jws = parse(&token).unwrap();
        assert_eq!(format!("{}.c2ln", jws.signing_input), token);
        assert_eq!(jws.payload, "e30");
    }
}
