//! A browser for the hosted pages: a cookie jar, no automatic redirects (tests read every `Location`), and the
//! sign-in form filled in from the page's own HTML.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt;
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};

use super::{REDIRECT_URI, TestApp, TestClient, TestUser, tag};

/// A PKCE pair (RFC 7636 §4.1-4.2), computed independently of the server.
#[derive(Clone, Debug)]
pub(crate) struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub(crate) fn new() -> Self {
        let bytes: [u8; 32] = rand::rng().random();
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge = URL_SAFE_NO_PAD.encode(super::sha256(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

/// An authorization request a test sends; `new` gives a complete, valid one (PKCE S256, state, nonce, `openid`).
#[derive(Clone, Debug)]
pub(crate) struct AuthRequest {
    pub params: Vec<(String, String)>,
    pub pkce: Pkce,
    pub state: String,
    pub nonce: String,
}

impl AuthRequest {
    pub(crate) fn new(client: &TestClient) -> Self {
        let pkce = Pkce::new();
        let (state, nonce) = (format!("state-{}", tag()), format!("nonce-{}", tag()));
        let params = [
            ("response_type", "code"),
            ("client_id", client.id.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid email profile read"),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Self {
            params,
            pkce,
            state,
            nonce,
        }
    }

    /// Sets (or, with `None`, removes) a parameter.
    pub(crate) fn with(mut self, name: &str, value: Option<&str>) -> Self {
        self.params.retain(|(k, _)| k != name);
        if let Some(value) = value {
            self.params.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    pub(crate) fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.params {
            query.append_pair(k, v);
        }
        query.finish()
    }
}

/// Where a redirect points, with its query parsed.
#[derive(Debug)]
pub(crate) struct Redirect {
    pub url: url::Url,
    pub query: HashMap<String, String>,
}

impl Redirect {
    /// Parses the `Location` of a 303.
    pub(crate) fn from(response: &reqwest::Response) -> Self {
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "expected a 303 redirect"
        );
        let location = super::header(response.headers(), "location").expect("a Location header");
        let url = url::Url::parse(&location).expect("an absolute Location");
        let query = url.query_pairs().into_owned().collect();
        Self { url, query }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// The URL without its query: where the user agent goes.
    pub(crate) fn target(&self) -> String {
        let mut url = self.url.clone();
        url.set_query(None);
        url.to_string()
    }
}

pub(crate) struct Browser {
    pub http: reqwest::Client,
    jar: Arc<Jar>,
    origin: String,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self::build(app, None)
    }

    /// A browser whose user prefers `accept_language` (the `Accept-Language` it sends with every request).
    pub(crate) fn speaking(app: &TestApp, accept_language: &str) -> Self {
        Self::build(app, Some(accept_language))
    }

    fn build(app: &TestApp, accept_language: Option<&str>) -> Self {
        let jar = Arc::new(Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(language) = accept_language {
            headers.insert(
                reqwest::header::ACCEPT_LANGUAGE,
                language.parse().expect("an Accept-Language value"),
            );
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(crate::helpers::IDLE_CONNECTION_REUSE)
            .cookie_provider(jar.clone())
            .build()
            .expect("HTTP client");
        Self {
            http,
            jar,
            origin: app.address.clone(),
        }
    }

    /// `GET /authorize?<request>`.
    pub(crate) async fn authorize(
        &self,
        app: &TestApp,
        request: &AuthRequest,
    ) -> reqwest::Response {
        self.get(&format!("{}/authorize?{}", app.address, request.query()))
            .await
    }

    pub(crate) async fn get(&self, url: &str) -> reqwest::Response {
        self.http
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url} failed: {e}"))
    }

    /// Posts the sign-in form found in `html` with `username` and `password`, from our own origin.
    pub(crate) async fn submit_sign_in(
        &self,
        app: &TestApp,
        html: &str,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let mut form = hidden_fields(html);
        form.push(("username".into(), username.into()));
        form.push(("password".into(), password.into()));
        self.post_form(app, "/login", &form, Some(&self.origin))
            .await
    }

    /// A form POST to `path` with an optional `Origin`.
    pub(crate) async fn post_form(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(String, String)],
        origin: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.http.post(app.url(path)).form(form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path} failed: {e}"))
    }

    /// The whole sign-in: the authorization request shows the form, the form is posted with the user's
    /// credentials, and the answer is the redirect back to the client.
    pub(crate) async fn sign_in(
        &self,
        app: &TestApp,
        request: &AuthRequest,
        user: &TestUser,
    ) -> Redirect {
        let page = self.authorize(app, request).await;
        assert_eq!(
            page.status(),
            StatusCode::OK,
            "the sign-in form was expected"
        );
        let html = page.text().await.expect("the sign-in page");
        let response = self
            .submit_sign_in(app, &html, &user.email, &user.password)
            .await;
        Redirect::from(&response)
    }

    /// The value of Latchkey's cookie in the jar, if any.
    pub(crate) fn cookie(&self, app: &TestApp) -> Option<String> {
        let url = url::Url::parse(&app.address).expect("the app URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("latchkey=").map(str::to_owned))
    }
}

/// The hidden inputs of a page's form, decoded (our templates write one `<input type="hidden" name=… value=…>`
/// per field, escaped by askama).
pub(crate) fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|rest| {
            let attribute = |name: &str| {
                let start = rest
                    .find(&format!("{name}=\""))
                    .unwrap_or_else(|| panic!("a hidden input without {name}"))
                    + name.len()
                    + 2;
                let end = start + rest[start..].find('"').expect("a closing quote");
                unescape(&rest[start..end])
            };
            (attribute("name"), attribute("value"))
        })
        .collect()
}

/// Undoes askama's HTML escaping.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}
