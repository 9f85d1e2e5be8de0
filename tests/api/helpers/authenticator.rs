//! A software WebAuthn authenticator for server-side tests of the passkey ceremonies: it answers the options the
//! server sends the way a browser and a platform authenticator would (WebAuthn Level 2 §6.3.2, §6.3.3), with a
//! P-256 key (ES256), `none` attestation, user presence and verification, a signature counter and a discoverable
//! credential (its user handle comes back with every assertion). Built here from the specification, independently of
//! webauthn-rs, so the server is checked against the format itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

/// Flags of authenticator data (§6.1): user present, user verified, attested credential data included.
const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

/// One credential the authenticator holds (a resident key: it remembers the user handle).
pub(crate) struct SoftCredential {
    pub id: Vec<u8>,
    pub user_handle: Vec<u8>,
    key: EcdsaKeyPair,
    counter: u32,
}

pub(crate) struct SoftAuthenticator {
    /// The page's origin the "browser" reports in client data.
    pub origin: String,
    pub credentials: Vec<SoftCredential>,
    /// Whether assertions claim user verification (a PIN or biometric).
    pub verifies_user: bool,
}

impl SoftAuthenticator {
    pub(crate) fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            credentials: Vec::new(),
            verifies_user: true,
        }
    }

    /// `navigator.credentials.create` for the server's options (`{"publicKey": …}`): a new credential, and the
    /// `PublicKeyCredential` JSON the page's script posts.
    pub(crate) fn create(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rp"]["id"].as_str().expect("rp.id");
        let challenge = public_key["challenge"].as_str().expect("a challenge");
        let user_handle = decode(public_key["user"]["id"].as_str().expect("user.id"));
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .expect("a P-256 key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("the key");
        let id: [u8; 16] = rand::rng().random();
        let point = key.public_key().as_ref(); // 0x04 || x || y
        // COSE_Key (RFC 9052 §7, RFC 9053 §2.1): {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        cose.extend_from_slice(&point[1..33]);
        cose.extend_from_slice(&[0x22, 0x58, 0x20]);
        cose.extend_from_slice(&point[33..65]);
        let mut auth_data = rp_id_hash(rp_id);
        auth_data.push(UP | UV | AT);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose);
        // {"fmt": "none", "attStmt": {}, "authData": bytes} (§8.7)
        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.push(0x59);
        attestation.extend_from_slice(&(auth_data.len() as u16).to_be_bytes());
        attestation.extend_from_slice(&auth_data);
        let client_data = self.client_data("webauthn.create", challenge);
        self.credentials.push(SoftCredential {
            id: id.to_vec(),
            user_handle,
            key,
            counter: 0,
        });
        json!({
            "id": URL_SAFE_NO_PAD.encode(id),
            "rawId": URL_SAFE_NO_PAD.encode(id),
            "type": "public-key",
            "response": {
                "attestationObject": URL_SAFE_NO_PAD.encode(attestation),
                "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
            },
            "extensions": {},
        })
    }

    /// `navigator.credentials.get` with the credential `index` (the user's pick from the autofill list).
    pub(crate) fn get(&mut self, options: &Value, index: usize) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().expect("rpId");
        let challenge = public_key["challenge"].as_str().expect("a challenge");
        let client_data = self.client_data("webauthn.get", challenge);
        let verifies_user = self.verifies_user;
        let credential = &mut self.credentials[index];
        credential.counter += 1;
        let mut auth_data = rp_id_hash(rp_id);
        auth_data.push(if verifies_user { UP | UV } else { UP });
        auth_data.extend_from_slice(&credential.counter.to_be_bytes());
        // §6.3.3 step 11: the signature is over authenticatorData || SHA-256(clientDataJSON).
        let mut signed = auth_data.clone();
        signed
            .extend_from_slice(ring::digest::digest(&ring::digest::SHA256, &client_data).as_ref());
        let signature = credential
            .key
            .sign(&SystemRandom::new(), &signed)
            .expect("a signature");
        json!({
            "id": URL_SAFE_NO_PAD.encode(&credential.id),
            "rawId": URL_SAFE_NO_PAD.encode(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": URL_SAFE_NO_PAD.encode(&auth_data),
                "clientDataJSON": URL_SAFE_NO_PAD.encode(&client_data),
                "signature": URL_SAFE_NO_PAD.encode(signature.as_ref()),
                "userHandle": URL_SAFE_NO_PAD.encode(&credential.user_handle),
            },
            "extensions": {},
        })
    }

    /// CollectedClientData (§5.8.1), serialized as browsers do.
    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .expect("JSON")
    }
}

fn rp_id_hash(rp_id: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, rp_id.as_bytes())
        .as_ref()
        .to_vec()
}

/// A CBOR text string shorter than 24 bytes.
fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = vec![0x60 | text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

fn decode(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .expect("base64url")
}
