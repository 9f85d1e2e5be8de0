//! What every hosted page shares for safety: response headers, the browser cookie, CSRF tokens and the
//! same-origin check on POST (DESIGN.md §12, §15; OWASP ASVS V3, V4.2.2, V14.4).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::sessions::SESSION_PREFIX;
use crate::values::secret::PlainToken;

/// No inline script or style, nothing framed, nothing loaded from elsewhere but images (a configured logo).
/// `script-src 'self'` admits the scripts this service serves (`/assets/latchkey.js`, `/assets/passkeys.js`), never
/// an inline one; `connect-src 'self'` lets the passkey script ask its own origin for a WebAuthn ceremony, and
/// nowhere else. `form-action` is left out on purpose: browsers apply it to the redirect that follows a form POST,
/// and the sign-in form's POST ends with a redirect to the client.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
     style-src 'self'; img-src 'self' https:; frame-ancestors 'none'; base-uri 'none'";

/// How the browser cookie is named and flagged, from the public URL.
#[derive(Clone, Debug)]
pub struct CookiePolicy {
    /// `__Host-latchkey` over https (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain: no subdomain can plant
    /// it); `latchkey` over plain http (development).
    pub name: &'static str,
    pub secure: bool,
    /// `scheme://host[:port]` of the issuer and, when it differs, of `public_url` (where mailed links lead): the
    /// only `Origin`s a form may be posted from.
    pub origins: Vec<String>,
}

impl CookiePolicy {
    pub fn for_issuer(issuer: &str) -> Self {
        let parsed = url::Url::parse(issuer).ok();
        let secure = parsed.as_ref().is_some_and(|u| u.scheme() == "https");
        let origin = parsed
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        Self {
            name: if secure {
                "__Host-latchkey"
            } else {
                "latchkey"
            },
            secure,
            origins: vec![origin],
        }
    }

    /// Also accepts forms posted from `public_url`'s origin when it differs from the issuer's: the pages mailed
    /// links open (password reset) are served from there.
    #[must_use]
    pub fn with_public_url(mut self, public_url: &str) -> Self {
        if let Ok(url) = url::Url::parse(public_url) {
            let origin = url.origin().ascii_serialization();
            if !self.origins.contains(&origin) {
                self.origins.push(origin);
            }
        }
        self
    }

    /// The cookie's secret, when the request carries one of the right shape.
    pub fn presented(&self, req: &HttpRequest) -> Option<PlainToken> {
        req.cookie(self.name)
            .map(|c| c.value().to_owned())
            .filter(|v| v.starts_with(SESSION_PREFIX) && v.len() <= 128)
            .map(|v| PlainToken::from_presented(&v))
    }

    /// `Set-Cookie` for `secret`: HttpOnly, SameSite=Lax (sent on the top-level navigation from the client that
    /// starts a sign-in, not on cross-site POSTs), Path=/, Secure over https. A session cookie: the browser
    /// drops it when closed; the server's idle and absolute lifetimes apply either way.
    pub fn cookie(&self, secret: &PlainToken) -> Cookie<'static> {
        Cookie::build(self.name, secret.expose().to_owned())
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure)
            .finish()
    }

    /// Whether a POST comes from one of our own pages: an `Origin` (or `Sec-Fetch-Site`) naming another site is
    /// refused even with a valid CSRF token (DESIGN.md §15). Our pages send `Referrer-Policy: no-referrer`, under
    /// which browsers send `Origin: null` even for a same-origin form (Fetch §3.1, "serializing a request
    /// origin"); then `Sec-Fetch-Site` decides, and without it the CSRF token alone.
    pub fn same_origin(&self, req: &HttpRequest) -> bool {
        let headers = req.headers();
        match headers
            .get(header::ORIGIN)
            .map(actix_web::http::header::HeaderValue::as_bytes)
        {
            Some(b"null") | None => {}
            Some(origin) => return self.origins.iter().any(|ours| origin == ours.as_bytes()),
        }
        headers
            .get("sec-fetch-site")
            .is_none_or(|v| matches!(v.as_bytes(), b"same-origin" | b"none"))
    }
}

/// CSRF tokens bound to the browser cookie: HMAC-SHA256 of its secret under a key derived from the master key,
/// so every replica checks every other's tokens and a token is worthless with another cookie (OWASP "signed
/// double-submit cookie"). Signing in replaces the cookie, and with it every token.
pub struct Csrf {
    key: ring::hmac::Key,
}

impl Csrf {
    pub fn new(key: ring::hmac::Key) -> Self {
        Self { key }
    }

    pub fn token(&self, cookie: &PlainToken) -> String {
        URL_SAFE_NO_PAD.encode(ring::hmac::sign(&self.key, cookie.expose().as_bytes()))
    }

    /// Constant-time check of `presented` against `cookie`.
    pub fn verify(&self, cookie: &PlainToken, presented: &str) -> bool {
        URL_SAFE_NO_PAD.decode(presented).is_ok_and(|tag| {
            ring::hmac::verify(&self.key, cookie.expose().as_bytes(), &tag).is_ok()
        })
    }
}

/// A page response: never cached, never framed, no inline code, no referrer leaking the query, HSTS over https.
pub fn page(status: actix_web::http::StatusCode, hsts: bool) -> HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        // Also for what a `<meta>` can't cover (redirects); /robots.txt asks crawlers not to come at all.
        .insert_header((
            "x-robots-tag",
            HeaderValue::from_static("noindex, nofollow"),
        ));
    if hsts {
        response.insert_header((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    response
}

/// A redirect (303 See Other: the next request is a GET whatever the method of this one) with the page headers.
pub fn see_other(location: &str, hsts: bool) -> HttpResponseBuilder {
    let mut response = page(actix_web::http::StatusCode::SEE_OTHER, hsts);
    response.insert_header((header::LOCATION, location.to_owned()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csrf_token_is_worthless_with_another_cookie() {
        let csrf = Csrf::new(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7; 32]));
        let (a, b) = (
            PlainToken::generate(SESSION_PREFIX),
            PlainToken::generate(SESSION_PREFIX),
        );
        let token = csrf.token(&a);
        assert!(csrf.verify(&a, &token));
        assert!(!csrf.verify(&b, &token));
        assert!(!csrf.verify(&a, "not base64!"));
        assert!(!csrf.verify(&a, ""));
    }

    #[test]
    fn the_cookie_gets_the_host_prefix_only_over_https() {
        let https = CookiePolicy::for_issuer("https://id.example.com/auth");
        assert_eq!(
            (https.name, https.secure, https.origins[0].as_str()),
            ("__Host-latchkey", true, "https://id.example.com")
        );
        let http = CookiePolicy::for_issuer("http://127.0.0.1:8080");
        assert_eq!(
            (http.name, http.secure, http.origins[0].as_str()),
            ("latchkey", false, "http://127.0.0.1:8080")
        );
    }
}
