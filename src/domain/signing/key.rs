//! One RSA signing key, parsed once and kept in memory: jsonwebtoken re-parses the key for every signature, which
//! costs ~2.8x in throughput (STACK.md), so access tokens are signed here with aws-lc-rs directly.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, KeyAlgorithm, PublicKeyUse, RSAKeyParameters,
    RSAKeyType, ThumbprintHash,
};
use serde::Serialize;

/// Public half of a key: its kid (the RFC 7638 thumbprint) and RSA components, base64url (RFC 7518 §6.3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    pub n: String,
    pub e: String,
}

/// The JWK of an RSA signing key (RFC 7517 §4), in jsonwebtoken's types: `kty`, `use: sig`, `alg: RS256`, `kid`,
/// `n`, `e`, never a private member.
pub fn public_jwk(kid: &str, n: &str, e: &str) -> Jwk {
    Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::RS256),
            key_id: Some(kid.to_owned()),
            ..CommonParameters::default()
        },
        algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
            key_type: RSAKeyType::RSA,
            n: n.to_owned(),
            e: e.to_owned(),
        }),
    }
}

/// A parsed private key and the precomputed JWT header that names it.
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
    /// base64url of `{"alg":"RS256","kid":…,"typ":"at+jwt"}` (RFC 9068 §2.1).
    header_b64: String,
    /// base64url of `{"alg":"RS256","kid":…,"typ":"JWT"}`: ID tokens must not pass for access tokens (RFC 9068
    /// §4, RFC 8725 §3.11).
    id_header_b64: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A freshly generated key: the parsed key, its PKCS#8 DER (to be sealed) and its public JWK.
pub struct GeneratedKey {
    pub key: SigningKey,
    pub pkcs8: Vec<u8>,
    pub jwk: PublicKey,
}

impl SigningKey {
    /// Generates an RSA key. Takes ~70 ms for 2048 bits and far more for 4096: call it off the async workers.
    pub fn generate(bits: u32) -> anyhow::Result<GeneratedKey> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            other => anyhow::bail!("unsupported RSA key size {other}"),
        };
        let pair =
            KeyPair::generate(size).map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| anyhow::anyhow!("cannot encode the key"))?
            .as_ref()
            .to_vec();
        let (n, e) = public_components(&pair);
        let kid = thumbprint(&n, &e)?;
        let jwk = PublicKey {
            kid: kid.clone(),
            n,
            e,
        };
        Ok(GeneratedKey {
            key: Self::from_pair(kid, pair)?,
            pkcs8,
            jwk,
        })
    }

    /// Parses a stored PKCS#8 key and checks it is the key `kid` names.
    pub fn from_pkcs8(kid: &str, pkcs8: &[u8]) -> anyhow::Result<Self> {
        let pair = KeyPair::from_pkcs8(pkcs8)
            .map_err(|e| anyhow::anyhow!("stored key {kid} is unreadable: {e}"))?;
        let (n, e) = public_components(&pair);
        anyhow::ensure!(
            thumbprint(&n, &e)? == kid,
            "stored key {kid} does not match its kid"
        );
        Self::from_pair(kid.to_owned(), pair)
    }

    fn from_pair(kid: String, pair: KeyPair) -> anyhow::Result<Self> {
        let header = |typ: &str| -> anyhow::Result<String> {
            let header = serde_json::json!({ "alg": "RS256", "kid": kid, "typ": typ });
            Ok(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?))
        };
        let (header_b64, id_header_b64) = (header("at+jwt")?, header("JWT")?);
        Ok(Self {
            kid,
            pair,
            header_b64,
            id_header_b64,
            rng: SystemRandom::new(),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs access-token `claims` into a compact JWS (RFC 7515 §7.1) typed `at+jwt`.
    pub fn sign_jwt<C: Serialize>(&self, claims: &C) -> anyhow::Result<String> {
        self.sign_with_header(&self.header_b64, claims)
    }

    /// Signs OpenID Connect ID-token `claims`, typed `JWT`.
    pub fn sign_id_token<C: Serialize>(&self, claims: &C) -> anyhow::Result<String> {
        self.sign_with_header(&self.id_header_b64, claims)
    }

    fn sign_with_header<C: Serialize>(
        &self,
        header_b64: &str,
        claims: &C,
    ) -> anyhow::Result<String> {
        let payload = serde_json::to_vec(claims)?;
        let mut jwt = String::with_capacity(header_b64.len() + payload.len() * 4 / 3 + 360);
        jwt.push_str(header_b64);
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut jwt);
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, jwt.as_bytes(), &mut signature)
            .map_err(|_| anyhow::anyhow!("RS256 signing failed"))?;
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut jwt);
        Ok(jwt)
    }
}

fn public_components(pair: &KeyPair) -> (String, String) {
    let public = pair.public_key();
    let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
    let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
    (n, e)
}

/// RFC 7638 JWK thumbprint (SHA-256, jsonwebtoken's implementation): a kid that is unique per key and that anyone
/// can recompute.
fn thumbprint(n: &str, e: &str) -> anyhow::Result<String> {
    public_jwk("", n, e)
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| anyhow::anyhow!("cannot compute the key's thumbprint: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_with_the_public_jwk() {
        let generated = SigningKey::generate(2048).unwrap();
        let jwt = generated
            .key
            .sign_jwt(&serde_json::json!({ "sub": "u1" }))
            .unwrap();
        let key =
            jsonwebtoken::DecodingKey::from_rsa_components(&generated.jwk.n, &generated.jwk.e)
                .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation).unwrap();
        assert_eq!(data.claims["sub"], "u1");
        assert_eq!(data.header.kid.as_deref(), Some(generated.key.kid()));
        assert_eq!(data.header.typ.as_deref(), Some("at+jwt"));
    }

    #[test]
    fn rfc7638_kids_are_the_thumbprints_earlier_releases_computed() {
        // Kids already in databases were computed by hand from this canonical form: they must still match.
        let generated = SigningKey::generate(2048).unwrap();
        let PublicKey { kid, n, e } = &generated.jwk;
        let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
        let by_hand = URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            canonical.as_bytes(),
        ));
        assert_eq!(kid, &by_hand);
        let jwk = serde_json::to_value(public_jwk(kid, n, e)).unwrap();
        let mut members: Vec<_> = jwk.as_object().unwrap().keys().cloned().collect();
        members.sort();
        assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(
            (
                jwk["kty"].as_str(),
                jwk["use"].as_str(),
                jwk["alg"].as_str()
            ),
            (Some("RSA"), Some("sig"), Some("RS256"))
        );
    }

    #[test]
    fn a_stored_key_round_trips_and_must_match_its_kid() {
        let generated = SigningKey::generate(2048).unwrap();
        assert!(SigningKey::from_pkcs8(&generated.jwk.kid, &generated.pkcs8).is_ok());
        assert!(SigningKey::from_pkcs8("other-kid", &generated.pkcs8).is_err());
    }
}
