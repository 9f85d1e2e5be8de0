//! Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): after a successful sign-in the
//! browser (or a client with a cookie store) gets a cookie naming the account it signed in to, signed by the
//! server. Sign-in attempts that present a valid one are counted per device, apart from attempts from unknown
//! sources, so an attacker guessing an account's password locks out only unknown sources, never its owner's
//! devices.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A year: the device stays known as long as the user keeps signing in from it.
const MAX_AGE_SECS: i64 = 365 * 86_400;

pub struct DeviceCookies {
    key: ring::hmac::Key,
    name: &'static str,
    secure: bool,
}

/// A valid device cookie: the device's random id, for counting its failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device(String);

impl Device {
    pub fn id(&self) -> &str {
        &self.0
    }
}

impl DeviceCookies {
    /// `secure`: the public URL is https (`__Host-` name and `Secure`).
    pub fn new(key: ring::hmac::Key, secure: bool) -> Self {
        Self {
            key,
            name: if secure {
                "__Host-latchkey-device"
            } else {
                "latchkey-device"
            },
            secure,
        }
    }

    /// The device the request's cookie names, if the cookie is valid for `account` (the normalised login).
    pub fn presented(&self, req: &HttpRequest, account: &str) -> Option<Device> {
        let cookie = req.cookie(self.name)?;
        let (id, tag) = cookie.value().split_once('.')?;
        if id.len() != 22 || tag.len() > 64 {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        ring::hmac::verify(&self.key, &Self::message(account, id), &tag).ok()?;
        Some(Device(id.to_owned()))
    }

    /// A cookie that marks this browser as one that signed in to `account`; the same device id is kept if the
    /// request had a valid cookie for the account.
    pub fn issue(&self, account: &str, known: Option<&Device>) -> Cookie<'static> {
        let id = if let Some(device) = known {
            device.0.clone()
        } else {
            let bytes: [u8; 16] = rand::random();
            URL_SAFE_NO_PAD.encode(bytes)
        };
        let tag = ring::hmac::sign(&self.key, &Self::message(account, &id));
        Cookie::build(
            self.name,
            format!("{id}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())),
        )
        .http_only(true)
        .secure(self.secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(actix_web::cookie::time::Duration::seconds(MAX_AGE_SECS))
        .finish()
    }

    /// What is signed: the account and the device id, separated so neither can be shifted into the other.
    fn message(account: &str, id: &str) -> Vec<u8> {
        let mut message = Vec::with_capacity(account.len() + id.len() + 1);
        message.extend_from_slice(id.as_bytes());
        message.push(0);
        message.extend_from_slice(account.as_bytes());
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn cookies() -> DeviceCookies {
        DeviceCookies::new(
            ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"test key"),
            false,
        )
    }

    #[test]
    fn a_device_cookie_is_valid_only_for_the_account_it_was_issued_for() {
        let cookies = cookies();
        let cookie = cookies.issue("ada@example.org", None);
        let req = TestRequest::default()
            .cookie(cookie.clone())
            .to_http_request();
        let device = cookies.presented(&req, "ada@example.org");
        assert!(device.is_some());
        assert_eq!(cookies.presented(&req, "bob@example.org"), None);
        // Renewed with the same id.
        assert_eq!(
            cookies.issue("ada@example.org", device.as_ref()).value(),
            cookie.value()
        );
    }

    #[test]
    fn forged_or_mangled_cookies_are_ignored() {
        let cookies = cookies();
        let other = DeviceCookies::new(
            ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"another key"),
            false,
        );
        for value in [
            other.issue("ada@example.org", None).value().to_owned(),
            "garbage".to_owned(),
            "AAAAAAAAAAAAAAAAAAAAAA.".to_owned(),
            format!("{}x", cookies.issue("ada@example.org", None).value()),
        ] {
            let req = TestRequest::default()
                .cookie(Cookie::new("latchkey-device", value.clone()))
                .to_http_request();
            assert_eq!(cookies.presented(&req, "ada@example.org"), None, "{value}");
        }
    }
}
