//! TOTP (RFC 6238) with the parameters every authenticator app accepts: HMAC-SHA-1, 6 digits, 30-second steps,
//! a 160-bit secret (RFC 4226 §4). A code is accepted for the current step or one step either side (clock skew,
//! RFC 6238 §5.2), and only for a step later than the last one used, so each code works once.

use std::fmt;

use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngExt;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per time step (RFC 6238 §4.1 `X`).
pub const STEP_SECS: i64 = 30;
const DIGITS: usize = 6;
/// Steps accepted either side of the current one.
const SKEW_STEPS: i64 = 1;

/// A TOTP shared secret. `Debug` never shows it.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

impl TotpSecret {
    /// 160 random bits (RFC 4226 §4 recommends 160, requires at least 128).
    pub fn generate() -> Self {
        let bytes: [u8; 20] = rand::rng().random();
        Self(bytes.to_vec())
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as authenticator apps take it by hand: unpadded base32 (RFC 4648).
    pub fn base32(&self) -> String {
        match Secret::Raw(self.0.clone()).to_encoded() {
            Secret::Encoded(text) => text,
            Secret::Raw(_) => String::new(),
        }
    }

    /// The secret in groups of four, easier to type.
    pub fn base32_grouped(&self) -> String {
        let text = self.base32();
        text.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn totp(&self) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            SKEW_STEPS as u8,
            STEP_SECS as u64,
            self.0.clone(),
        )
    }

    /// The code for time step `step`.
    pub fn code_at_step(&self, step: i64) -> String {
        self.totp().generate((step.max(0) * STEP_SECS) as u64)
    }

    /// The time step `code` is right for at `now` (UNIX seconds): the latest of the current step and one either
    /// side that it matches and that is later than `last_used_step`. `None`: wrong, malformed, or already used.
    pub fn matching_step(&self, code: &str, now: i64, last_used_step: i64) -> Option<i64> {
        let code = normalise(code)?;
        let current = now.div_euclid(STEP_SECS);
        // Every candidate is computed and compared in constant time, so timing says nothing of which one matched.
        let mut found = None;
        for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
            let matches: bool =
                subtle::ConstantTimeEq::ct_eq(self.code_at_step(step).as_bytes(), code.as_bytes())
                    .into();
            if matches && step > last_used_step {
                found = Some(step);
            }
        }
        found
    }

    /// The `otpauth://` URI authenticator apps read from the QR code (the Key Uri Format every app follows):
    /// `issuer` names the service, `account` the user.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let label = format!("{issuer}:{account}");
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("secret", &self.base32())
            .append_pair("issuer", issuer)
            .append_pair("algorithm", "SHA1")
            .append_pair("digits", "6")
            .append_pair("period", "30");
        let label: String = form_urlencoded::byte_serialize(label.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        format!("otpauth://totp/{label}?{}", query.finish())
    }
}

/// A QR code of `text` as an inline SVG element, rendered here (no third-party service sees the secret). It has no
/// script and no style attribute, so the pages' CSP allows it inline; it is hidden from assistive technology, and the
/// page names it (and shows the secret as text beside it).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML: without the XML declaration.
    let start = image.find("<svg")?;
    Some(format!(
        "<svg aria-hidden=\"true\" focusable=\"false\" class=\"qr\"{}",
        &image[start + "<svg".len()..]
    ))
}

/// A code as typed: digits, with any spaces removed; exactly six of them.
fn normalise(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors_in_six_digits() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        // RFC 6238 Appendix B: 94287082 at T=59, 07081804 at T=1111111109 (the last six digits).
        assert_eq!(secret.code_at_step(59 / STEP_SECS), "287082");
        assert_eq!(secret.code_at_step(1_111_111_109 / STEP_SECS), "081804");
    }

    #[test]
    fn one_step_of_skew_either_side_and_never_a_used_step() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_000;
        let step = now / STEP_SECS;
        for offset in [-1, 0, 1] {
            let code = secret.code_at_step(step + offset);
            assert_eq!(secret.matching_step(&code, now, 0), Some(step + offset));
        }
        assert_eq!(
            secret.matching_step(&secret.code_at_step(step - 2), now, 0),
            None
        );
        assert_eq!(
            secret.matching_step(&secret.code_at_step(step + 2), now, 0),
            None
        );
        let code = secret.code_at_step(step);
        assert_eq!(secret.matching_step(&code, now, step), None);
        assert_eq!(secret.matching_step("12 34 5x", now, 0), None);
    }

    #[test]
    fn the_qr_code_is_an_inline_svg_without_style_or_xml_declaration() {
        let secret = TotpSecret::generate();
        let uri = secret.otpauth_uri("Latchkey", "ada@example.com");
        assert!(uri.starts_with("otpauth://totp/Latchkey%3Aada%40example.com?secret="));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg aria-hidden=\"true\""));
        assert!(!svg.contains("<?xml"));
        assert!(!svg.contains("style"));
    }
}
