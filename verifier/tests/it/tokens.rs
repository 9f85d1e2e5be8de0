//! What is accepted and what is refused (RFC 9068 §4, RFC 8725).

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verifier::VerifyError;
use serde_json::{Value, json};

use crate::support::{self, MockIdp, claims, header, impostor, key_a, signing_input};

async fn verify(token: &str) -> Result<latchkey_verifier::Claims, VerifyError> {
    let idp = MockIdp::start(&[key_a()]).await;
    support::verifier(&idp).verify(token).await
}

fn with_header(change: impl FnOnce(&mut Value)) -> String {
    let mut header = header(&key_a().kid);
    change(&mut header);
    key_a().sign(&header, &claims())
}

fn with_claims(change: impl FnOnce(&mut Value)) -> String {
    let mut claims = claims();
    change(&mut claims);
    key_a().sign(&header(&key_a().kid), &claims)
}

fn remove(object: &mut Value, name: &str) {
    object.as_object_mut().expect("a JSON object").remove(name);
}

fn hs256(header: &Value, secret: &[u8]) -> String {
    let input = signing_input(header, &claims());
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

#[tokio::test]
async fn a_latchkey_access_token_verifies_into_typed_claims() {
    let claims = verify(&key_a().token()).await.unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.client_id, "web-app");
    assert_eq!(claims.aud, [support::AUDIENCE]);
    assert_eq!(claims.roles, ["admin"]);
    assert_eq!(claims.tenant.as_deref(), Some("acme"));
    assert_eq!(claims.jti, "0190-jti");
    assert!(claims.has_scope("orders:read"));
    assert!(!claims.has_scope("orders:write"));
    assert!(claims.extra.is_empty());
}

#[tokio::test]
async fn typ_application_at_jwt_and_an_audience_array_are_accepted_rfc9068_section_4() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = support::verifier(&idp);
    let token = with_header(|h| h["typ"] = json!("application/AT+JWT"));
    assert!(verifier.verify(&token).await.is_ok());
    let token = with_claims(|c| c["aud"] = json!(["https://other.test", support::AUDIENCE]));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn alg_none_is_rejected_rfc8725_section_3_1() {
    let mut header = header(&key_a().kid);
    header["alg"] = json!("none");
    let unsigned = format!("{}.", signing_input(&header, &claims()));
    let with_signature = format!("{unsigned}c2ln");
    for token in [unsigned, with_signature] {
        assert!(matches!(
            verify(&token).await,
            Err(VerifyError::DisallowedAlgorithm(alg)) if alg == "none"
        ));
    }
}

#[tokio::test]
async fn hs256_keyed_with_the_rsa_public_key_is_rejected_rfc8725_section_2_1() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = support::verifier(&idp);
    let mut header = header(&key_a().kid);
    header["alg"] = json!("HS256");
    for secret in key_a().public_key_encodings() {
        let forged = hs256(&header, &secret);
        assert!(matches!(
            verifier.verify(&forged).await,
            Err(VerifyError::DisallowedAlgorithm(alg)) if alg == "HS256"
        ));
    }
    // The same MAC under an RS256 header is just a bad signature.
    let forged = hs256(
        &support::header(&key_a().kid),
        &key_a().public_key_encodings()[0],
    );
    assert!(matches!(
        verifier.verify(&forged).await,
        Err(VerifyError::BadSignature)
    ));
}

#[tokio::test]
async fn other_algorithms_are_rejected_before_any_key_is_fetched() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = support::verifier(&idp);
    for alg in ["ES256", "RS512", "PS256", "EdDSA", "rs256"] {
        let token = with_header(|h| h["alg"] = json!(alg));
        assert!(
            matches!(
                verifier.verify(&token).await,
                Err(VerifyError::DisallowedAlgorithm(_))
            ),
            "{alg}"
        );
    }
    assert_eq!(idp.jwks_requests(), 0);
}

#[tokio::test]
async fn a_token_that_is_not_an_access_token_is_rejected_rfc8725_section_3_11() {
    for typ in [json!("JWT"), json!("id_token+jwt"), Value::Null] {
        let token = with_header(|h| match &typ {
            Value::Null => remove(h, "typ"),
            typ => h["typ"] = typ.clone(),
        });
        assert!(
            matches!(verify(&token).await, Err(VerifyError::WrongType(_))),
            "{typ}"
        );
    }
}

#[tokio::test]
async fn headers_naming_their_own_key_are_rejected_rfc8725_section_3_10() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = support::verifier(&idp);
    for (name, value) in [
        ("jku", json!(format!("{}/.well-known/jwks.json", idp.url))),
        ("jwk", key_a().jwk()),
        ("x5u", json!("https://attacker.test/cert.pem")),
        ("x5c", json!(["MIIB"])),
    ] {
        let token = with_header(|h| h[name] = value);
        assert!(
            matches!(verifier.verify(&token).await, Err(VerifyError::ForbiddenHeader(found)) if found == name),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_crit_header_is_rejected_rfc7515_section_4_1_11() {
    let token = with_header(|h| {
        h["crit"] = json!(["b64"]);
        h["b64"] = json!(false);
    });
    assert!(matches!(
        verify(&token).await,
        Err(VerifyError::CriticalHeader)
    ));
}

#[tokio::test]
async fn a_token_without_kid_is_rejected() {
    let token = with_header(|h| remove(h, "kid"));
    assert!(matches!(verify(&token).await, Err(VerifyError::MissingKid)));
}

#[tokio::test]
async fn a_kid_the_issuer_does_not_publish_is_rejected() {
    let token = key_a().sign(&header("nobody-published-this"), &claims());
    assert!(matches!(
        verify(&token).await,
        Err(VerifyError::UnknownKid(_))
    ));
}

#[tokio::test]
async fn a_signature_by_another_key_or_over_other_claims_is_rejected() {
    let idp = MockIdp::start(&[key_a()]).await;
    let verifier = support::verifier(&idp);
    assert!(matches!(
        verifier.verify(&impostor().token()).await,
        Err(VerifyError::BadSignature)
    ));
    let genuine = key_a().token();
    let (input, signature) = genuine.rsplit_once('.').unwrap();
    let (header, _) = input.split_once('.').unwrap();
    let mut claims = claims();
    claims["roles"] = json!(["superuser"]);
    let tampered = format!(
        "{header}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    assert!(matches!(
        verifier.verify(&tampered).await,
        Err(VerifyError::BadSignature)
    ));
}

#[tokio::test]
async fn the_issuer_must_match_exactly_rfc9068_section_4() {
    for iss in ["https://evil.test", "https://idp.test/"] {
        let token = with_claims(|c| c["iss"] = json!(iss));
        assert!(
            matches!(verify(&token).await, Err(VerifyError::WrongIssuer(_))),
            "{iss}"
        );
    }
}

#[tokio::test]
async fn the_audience_must_include_this_resource_server_rfc9068_section_4() {
    for aud in [json!("https://other.test"), json!(["https://other.test"])] {
        let token = with_claims(|c| c["aud"] = aud);
        assert!(matches!(
            verify(&token).await,
            Err(VerifyError::WrongAudience)
        ));
    }
}

#[tokio::test]
async fn an_expired_token_is_rejected_after_the_leeway_rfc7519_section_4_1_4() {
    let within_leeway = with_claims(|c| c["exp"] = json!(support::now() - 10));
    assert!(verify(&within_leeway).await.is_ok());
    let expired = with_claims(|c| c["exp"] = json!(support::now() - 60));
    assert!(matches!(verify(&expired).await, Err(VerifyError::Expired)));
    let no_exp = with_claims(|c| remove(c, "exp"));
    assert!(matches!(
        verify(&no_exp).await,
        Err(VerifyError::MissingClaim("exp"))
    ));
}

#[tokio::test]
async fn a_token_not_valid_yet_is_rejected_rfc7519_section_4_1_5() {
    let token = with_claims(|c| c["nbf"] = json!(support::now() + 120));
    assert!(matches!(
        verify(&token).await,
        Err(VerifyError::NotYetValid)
    ));
    let token = with_claims(|c| c["iat"] = json!(support::now() + 120));
    assert!(matches!(
        verify(&token).await,
        Err(VerifyError::IssuedInFuture)
    ));
}

#[tokio::test]
async fn sub_and_client_id_are_required_rfc9068_section_2_2() {
    for name in ["sub", "client_id"] {
        let token = with_claims(|c| remove(c, name));
        assert!(
            matches!(verify(&token).await, Err(VerifyError::MissingClaim(found)) if found == name)
        );
    }
}

#[tokio::test]
async fn garbage_is_malformed_not_a_panic() {
    for token in ["", "a.b", "a.b.c.d.e", "....", "eyJ.eyJ.sig", "a b.c.d"] {
        assert!(
            matches!(verify(token).await, Err(VerifyError::Malformed(_))),
            "{token}"
        );
    }
}
