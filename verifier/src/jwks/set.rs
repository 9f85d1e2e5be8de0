//! A JWK Set (RFC 7517 §5) reduced to the keys that can check an RS256 signature, by `kid`.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};

/// Usable signing keys by `kid`.
pub(crate) type Keys = HashMap<String, Arc<DecodingKey>>;

/// RFC 7518 §3.3 requires at least 2048 bits; 8192 is the most aws-lc-rs verifies.
const MODULUS_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// Parses a JWK Set document. Keys that can't verify RS256 are skipped, as RFC 7517 §5 asks of keys one doesn't
/// understand; the set is an error only when it isn't a JWK Set or nothing usable is left.
pub(crate) fn parse(body: &[u8]) -> Result<Keys, String> {
    let document: Map<String, Value> =
        serde_json::from_slice(body).map_err(|e| format!("not a JSON object: {e}"))?;
    let Some(Value::Array(jwks)) = document.get("keys") else {
        return Err("no \"keys\" array".to_owned());
    };
    let mut keys = Keys::new();
    let mut ambiguous = Vec::new();
    for jwk in jwks {
        match usable_key(jwk) {
            Ok((kid, key)) => {
                if keys.insert(kid.clone(), Arc::new(key)).is_some() {
                    ambiguous.push(kid);
                }
            }
            Err(reason) => tracing::debug!(reason, "ignoring a JWK"),
        }
    }
    // RFC 7517 §4.5: kids should be distinct; with two keys under one kid we can't know which one signed.
    for kid in ambiguous {
        tracing::warn!(kid, "ignoring a kid that names several keys in the JWK set");
        keys.remove(&kid);
    }
    Ok(keys)
}

/// The `kid` and key of `jwk` when it is an RSA key meant for RS256 signatures.
fn usable_key(jwk: &Value) -> Result<(String, DecodingKey), &'static str> {
    let member = |name| jwk.get(name).and_then(Value::as_str);
    if member("kty") != Some("RSA") {
        return Err("kty is not RSA");
    }
    // RFC 7517 §4.2–§4.4: when present, use, key_ops and alg must allow verifying RS256 signatures.
    if jwk.get("use").is_some_and(|u| u != "sig") {
        return Err("use is not sig");
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op == "verify"));
        if !verifies {
            return Err("key_ops does not include verify");
        }
    }
    if jwk.get("alg").is_some_and(|alg| alg != "RS256") {
        return Err("alg is not RS256");
    }
    // Tokens must carry a kid, so a key without one could never be selected.
    let kid = match member("kid") {
        Some(kid) if !kid.is_empty() => kid.to_owned(),
        _ => return Err("no kid"),
    };
    let decode = |name| {
        member(name)
            .and_then(|value| URL_SAFE_NO_PAD.decode(value).ok())
            .ok_or("n or e is not base64url")
    };
    let n = decode("n")?;
    let e = decode("e")?;
    let n = strip_leading_zeros(&n);
    let e = strip_leading_zeros(&e);
    let bits = n
        .first()
        .map_or(0, |top| n.len() * 8 - top.leading_zeros() as usize);
    if !MODULUS_BITS.contains(&bits) {
        return Err("modulus size is outside 2048..=8192 bits");
    }
    if e.is_empty() {
        return Err("exponent is zero");
    }
    Ok((kid, DecodingKey::from_rsa_raw_components(n, e)))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn modulus(bits: usize) -> String {
        let mut n = vec![0xffu8; bits / 8];
        n.insert(0, 0);
        URL_SAFE_NO_PAD.encode(n)
    }

    fn rsa(kid: &str) -> Value {
        json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": modulus(2048), "e": "AQAB" })
    }

    #[expect(
        clippy::needless_pass_by_value,
        reason = "the tests pass json! literals"
    )]
    fn kids(set: Value) -> Vec<String> {
        let mut kids: Vec<_> = parse(set.to_string().as_bytes())
            .unwrap()
            .into_keys()
            .collect();
        kids.sort();
        kids
    }

    #[test]
    fn rsa_signing_keys_are_kept_by_kid() {
        let mut bare = rsa("b");
        for name in ["use", "alg"] {
            bare.as_object_mut().unwrap().remove(name);
        }
        bare["key_ops"] = json!(["verify"]);
        assert_eq!(kids(json!({ "keys": [rsa("a"), bare] })), ["a", "b"]);
    }

    #[test]
    fn keys_that_cannot_verify_rs256_are_ignored() {
        let mut keys = vec![rsa("good")];
        for (name, value) in [
            ("kty", json!("EC")),
            ("kty", json!("rsa")),
            ("use", json!("enc")),
            ("alg", json!("RS512")),
            ("alg", json!("HS256")),
            ("key_ops", json!(["encrypt"])),
            ("kid", json!("")),
            ("n", json!(modulus(1024))),
            ("n", json!("not base64!")),
            ("e", json!("AA")),
        ] {
            let mut key = rsa("bad");
            key[name] = value;
            keys.push(key);
        }
        assert_eq!(kids(json!({ "keys": keys })), ["good"]);
    }

    #[test]
    fn a_kid_naming_two_keys_is_dropped_rfc7517_section_4_5() {
        assert_eq!(
            kids(json!({ "keys": [rsa("a"), rsa("twice"), rsa("twice")] })),
            ["a"]
        );
    }

    #[test]
    fn documents_that_are_not_jwk_sets_are_errors() {
        for body in ["<html>", "[]", "{}", r#"{"keys":{}}"#] {
            assert!(parse(body.as_bytes()).is_err(), "{body}");
        }
    }
}
