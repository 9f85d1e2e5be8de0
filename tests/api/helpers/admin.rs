//! Driving the admin API as automation does: a client registered with the `client_credentials` grant, an admin
//! scope and the admin audience gets a token at `/token`, then speaks JSON to `/admin/v1/…`.

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

use super::{ClientSpec, TestApp, TestClient, expect_tokens, header, tag};

pub(crate) const ADMIN: &str = "latchkey:admin";
pub(crate) const ADMIN_READ: &str = "latchkey:admin:read";

/// An authorised caller of one server's admin API.
pub(crate) struct AdminApi {
    pub base: String,
    pub client: TestClient,
    pub token: String,
    http: reqwest::Client,
}

impl TestApp {
    /// The admin API's audience on this server.
    pub(crate) fn admin_audience(&self) -> String {
        format!("{}/admin", self.issuer)
    }

    /// A service client allowed `scope` for the admin audience (or another audience), without a token yet.
    pub(crate) async fn admin_client(&self, scope: &str, audience: &str) -> TestClient {
        self.create_client(ClientSpec {
            id: format!("automation-{}", tag()),
            grants: vec!["client_credentials".into()],
            scopes: vec![scope.to_owned()],
            audiences: vec![audience.to_owned()],
            ..ClientSpec::default()
        })
        .await
    }

    /// A `client_credentials` access token of `client`.
    pub(crate) async fn service_token(&self, client: &TestClient) -> String {
        expect_tokens(
            self.post_token(client, &[("grant_type", "client_credentials")])
                .await,
        )
        .await
        .access_token
    }

    /// A caller holding a fresh token with `scope` for the admin API.
    pub(crate) async fn admin_api(&self, scope: &str) -> AdminApi {
        let client = self.admin_client(scope, &self.admin_audience()).await;
        let token = self.service_token(&client).await;
        AdminApi {
            base: self.address.clone(),
            client,
            token,
            http: self.http.clone(),
        }
    }
}

impl AdminApi {
    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub(crate) fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> RequestBuilder {
        self.request(Method::POST, path).json(body)
    }

    /// A JSON merge patch (RFC 7396), optionally conditional.
    pub(crate) fn patch(&self, path: &str, body: &Value, if_match: Option<&str>) -> RequestBuilder {
        let request = self
            .request(Method::PATCH, path)
            .header(CONTENT_TYPE, "application/merge-patch+json")
            .body(body.to_string());
        match if_match {
            Some(tag) => request.header("If-Match", tag),
            None => request,
        }
    }

    /// Sends and expects `status` with a JSON body; returns the body and the `ETag`.
    pub(crate) async fn expect(
        &self,
        request: RequestBuilder,
        status: u16,
    ) -> (Value, Option<String>) {
        let response = request.send().await.expect("admin request failed");
        let actual = response.status().as_u16();
        let etag = header(response.headers(), "etag");
        let body = response.text().await.expect("reading the body");
        assert_eq!(actual, status, "expected {status}, got {actual}: {body}");
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
        };
        (json, etag)
    }

    /// Creates a user through the API; returns it and its `ETag`.
    pub(crate) async fn create_user(&self, email: &str) -> (Value, String) {
        let (user, etag) = self
            .expect(
                self.post(
                    "/admin/v1/users",
                    &serde_json::json!({ "email": email, "password": "correct horse battery staple" }),
                ),
                201,
            )
            .await;
        (user, etag.expect("a created user has an ETag"))
    }

    /// Every item of a paged list, walking `next_cursor` with pages of `limit`.
    pub(crate) async fn walk(&self, path: &str, limit: u32) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}?limit={limit}&cursor={c}"),
                None => format!("{path}?limit={limit}"),
            };
            let (page, _) = self.expect(self.get(&url), 200).await;
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }
}

/// Asserts an RFC 9457 problem: the status, `application/problem+json`, `type`/`title`/`status` members, and
/// `Cache-Control: no-store`. Returns the problem and the response's `WWW-Authenticate`.
pub(crate) async fn expect_problem(response: Response, status: u16) -> (Value, Option<String>) {
    let actual = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("reading the problem");
    assert_eq!(actual, status, "expected {status}, got {actual}: {body}");
    assert_eq!(
        header(&headers, CONTENT_TYPE.as_str()).as_deref(),
        Some("application/problem+json"),
        "{body}"
    );
    assert_eq!(
        header(&headers, CACHE_CONTROL.as_str()).as_deref(),
        Some("no-store")
    );
    let problem: Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    assert_eq!(problem["type"], "about:blank", "{body}");
    assert_eq!(problem["status"], status, "{body}");
    assert!(problem["title"].is_string(), "{body}");
    (problem, header(&headers, WWW_AUTHENTICATE.as_str()))
}
