//! "Trust this browser": after a second factor, a user may choose that this browser skips it for a while
//! (`trusted_browser_ttl`, 30 days by default) where no rule demands it. The cookie is stateless like the device
//! cookie (`throttle::device`): an expiry and an HMAC under a key derived from the master key, bound to the user,
//! their last password change and their factors' enrolment, so a password reset, a removal or an operator's reset
//! of the factors ends every trusted browser. It is never enough for a step-up (`acr_values`) or a policy.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::values::ids::UserId;

pub struct TrustedBrowsers {
    key: ring::hmac::Key,
    name: &'static str,
    secure: bool,
}

/// What a trusted-browser cookie is bound to.
#[derive(Debug, Clone, Copy)]
pub struct TrustBinding<'a> {
    pub user_id: &'a UserId,
    pub password_changed_at: i64,
    /// [`super::Factors::epoch`].
    pub factors_epoch: i64,
}

impl TrustedBrowsers {
    /// `secure`: the public URL is https (`__Host-` name and `Secure`).
    pub fn new(key: ring::hmac::Key, secure: bool) -> Self {
        Self {
            key,
            name: if secure {
                "__Host-latchkey-trusted"
            } else {
                "latchkey-trusted"
            },
            secure,
        }
    }

    /// Whether the request carries a cookie trusting this browser for `binding`'s user at `now`.
    pub fn trusts(&self, req: &HttpRequest, binding: TrustBinding<'_>, now: i64) -> bool {
        let Some(cookie) = req.cookie(self.name) else {
            return false;
        };
        let Some((expires, tag)) = cookie.value().split_once('.') else {
            return false;
        };
        let (Ok(expires_at), Ok(tag)) = (expires.parse::<i64>(), URL_SAFE_NO_PAD.decode(tag))
        else {
            return false;
        };
        expires_at > now
            && ring::hmac::verify(&self.key, &message(binding, expires_at), &tag).is_ok()
    }

    /// A cookie trusting this browser for `binding`'s user for `ttl` seconds from `now`.
    pub fn issue(&self, binding: TrustBinding<'_>, ttl: i64, now: i64) -> Cookie<'static> {
        let expires_at = now + ttl;
        let tag = ring::hmac::sign(&self.key, &message(binding, expires_at));
        Cookie::build(
            self.name,
            format!("{expires_at}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())),
        )
        .http_only(true)
        .secure(self.secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(actix_web::cookie::time::Duration::seconds(ttl))
        .finish()
    }
}

/// What is signed, separated so that no part can be shifted into another.
fn message(binding: TrustBinding<'_>, expires_at: i64) -> Vec<u8> {
    format!(
        "trusted\0{}\0{}\0{}\0{expires_at}",
        binding.user_id, binding.password_changed_at, binding.factors_epoch
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_trusted_browser_cookie_is_bound_to_user_password_factors_and_time() {
        let browsers = TrustedBrowsers::new(
            ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"test"),
            false,
        );
        let ada = UserId::new("ada");
        let binding = TrustBinding {
            user_id: &ada,
            password_changed_at: 5,
            factors_epoch: 7,
        };
        let cookie = browsers.issue(binding, 100, 1_000);
        let req = TestRequest::default().cookie(cookie).to_http_request();
        assert!(browsers.trusts(&req, binding, 1_050));
        assert!(!browsers.trusts(&req, binding, 1_100));
        let bob = UserId::new("bob");
        assert!(!browsers.trusts(
            &req,
            TrustBinding {
                user_id: &bob,
                ..binding
            },
            1_050
        ));
        assert!(!browsers.trusts(
            &req,
            TrustBinding {
                factors_epoch: 8,
                ..binding
            },
            1_050
        ));
        assert!(!browsers.trusts(
            &req,
            TrustBinding {
                password_changed_at: 6,
                ..binding
            },
            1_050
        ));
    }
}
