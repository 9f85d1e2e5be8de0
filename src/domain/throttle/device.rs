//! Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): after a successful sign-in the
//! browser (or a client with a cookie store) gets a cookie naming the account it signed in to, signed by the
//! server. Sign-in attempts that present a valid one are counted per device, apart from attempts from unknown
//! sources, so an attacker guessing an account's password locks out only unknown sources, never its owner's
//! devices. The cookie is bound to the account (whichever login form was used) and to the time of its last
//! password reset, so a reset ends every device cookie issued before it.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::account::AccountKey;

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

/// A device cookie as presented, not yet checked (that needs the account it claims).
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedDevice(String);

impl std::fmt::Debug for PresentedDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PresentedDevice([redacted])")
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

    /// The device cookie the request carries, if any (checked by [`Self::verify`]).
    pub fn presented(&self, req: &HttpRequest) -> Option<PresentedDevice> {
        req.cookie(self.name)
            .map(|cookie| PresentedDevice(cookie.value().to_owned()))
    }

    /// The device `presented` names, if the cookie is valid for `account` as of its last password reset
    /// (`password_changed_at`, UNIX seconds).
    pub fn verify(
        &self,
        presented: &PresentedDevice,
        account: &AccountKey,
        password_changed_at: i64,
    ) -> Option<Device> {
        let (id, tag) = presented.0.split_once('.')?;
        if id.len() != 22 || tag.len() > 64 {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let message = Self::message(account, password_changed_at, id);
        ring::hmac::verify(&self.key, &message, &tag).ok()?;
        Some(Device(id.to_owned()))
    }

    /// A cookie that marks this browser as one that signed in to `account`; the same device id is kept if the
    /// request had a valid cookie for the account.
    pub fn issue(
        &self,
        account: &AccountKey,
        password_changed_at: i64,
        known: Option<&Device>,
    ) -> Cookie<'static> {
        let id = if let Some(device) = known {
            device.0.clone()
        } else {
            let bytes: [u8; 16] = rand::random();
            URL_SAFE_NO_PAD.encode(bytes)
        };
        let tag = ring::hmac::sign(&self.key, &Self::message(account, password_changed_at, &id));
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

    /// What is signed: the device id, the account and its last password reset, separated so that none can be
    /// shifted into another.
    fn message(account: &AccountKey, password_changed_at: i64, id: &str) -> Vec<u8> {
        format!("{id}\0{}\0{password_changed_at}", account.as_str()).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::ids::UserId;
    use actix_web::test::TestRequest;

    fn cookies() -> DeviceCookies {
        DeviceCookies::new(
            ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"test key"),
            false,
        )
    }

    fn presented(cookie: &Cookie<'_>) -> PresentedDevice {
        let req = TestRequest::default()
            .cookie(cookie.clone().into_owned())
            .to_http_request();
        cookies().presented(&req).unwrap()
    }

    #[test]
    fn a_device_cookie_is_valid_only_for_the_account_and_reset_it_was_issued_for() {
        let cookies = cookies();
        let ada = AccountKey::user(&UserId::new("ada"));
        let cookie = cookies.issue(&ada, 0, None);
        let device = cookies.verify(&presented(&cookie), &ada, 0);
        assert!(device.is_some());
        assert_eq!(
            cookies.verify(
                &presented(&cookie),
                &AccountKey::user(&UserId::new("bob")),
                0
            ),
            None
        );
        // A password reset (a new epoch) ends it.
        assert_eq!(
            cookies.verify(&presented(&cookie), &ada, 1_700_000_000),
            None
        );
        // Renewed with the same id.
        assert_eq!(
            cookies.issue(&ada, 0, device.as_ref()).value(),
            cookie.value()
        );
    }

    #[test]
    fn forged_or_mangled_cookies_are_ignored() {
        let cookies = cookies();
        let ada = AccountKey::user(&UserId::new("ada"));
        let other = DeviceCookies::new(
            ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"another key"),
            false,
        );
        for value in [
            other.issue(&ada, 0, None).value().to_owned(),
            "garbage".to_owned(),
            "AAAAAAAAAAAAAAAAAAAAAA.".to_owned(),
            format!("{}x", cookies.issue(&ada, 0, None).value()),
        ] {
            let cookie = Cookie::new("latchkey-device", value.clone());
            assert_eq!(
                cookies.verify(&presented(&cookie), &ada, 0),
                None,
                "{value}"
            );
        }
    }
}
