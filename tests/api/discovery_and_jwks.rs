//! Authorization server metadata (RFC 8414), the JWK set (RFC 7517) and the probes for orchestrators.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{ClientSpec, TestApp, header};

const METADATA_PATHS: [&str; 2] = [
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
];

fn strings(value: &Value) -> HashSet<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

#[tokio::test]
async fn rfc8414_3_both_metadata_paths_describe_the_token_endpoint() {
    let app = TestApp::spawn().await;
    app.create_client(ClientSpec {
        scopes: vec!["read".into(), "profile".into()],
        ..ClientSpec::default()
    })
    .await;

    for path in METADATA_PATHS {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let metadata: Value = response.json().await.expect("JSON metadata");

        assert_eq!(metadata["issuer"], app.issuer.as_str(), "{path}");
        assert_eq!(
            metadata["token_endpoint"],
            format!("{}/token", app.issuer),
            "{path}"
        );
        assert_eq!(
            metadata["jwks_uri"],
            format!("{}/.well-known/jwks.json", app.issuer),
            "{path}"
        );
        let grants = strings(&metadata["grant_types_supported"]);
        assert!(
            grants.contains("password") && grants.contains("refresh_token"),
            "{path}: {grants:?}"
        );
        let methods = strings(&metadata["token_endpoint_auth_methods_supported"]);
        for method in ["client_secret_basic", "client_secret_post", "none"] {
            assert!(methods.contains(method), "{path}: {methods:?}");
        }
        let scopes = strings(&metadata["scopes_supported"]);
        for scope in ["read", "profile"] {
            assert!(scopes.contains(scope), "{path}: {scopes:?}");
        }
    }
}

#[tokio::test]
async fn rfc8414_3_the_advertised_jwks_uri_serves_the_key_set() {
    let app = TestApp::spawn().await;
    let metadata: Value = app
        .get(METADATA_PATHS[0])
        .await
        .json()
        .await
        .expect("JSON metadata");

    let jwks_uri = metadata["jwks_uri"].as_str().expect("jwks_uri");
    let response = app.http.get(jwks_uri).send().await.expect("GET jwks_uri");

    assert_eq!(response.status(), StatusCode::OK);
    let jwks: Value = response.json().await.expect("a JSON key set");
    assert!(!jwks["keys"].as_array().expect("keys").is_empty());
}

#[tokio::test]
async fn rfc7517_the_jwks_publishes_rs256_signing_keys_and_never_a_private_member() {
    let app = TestApp::spawn().await;

    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let jwks: Value = response.json().await.expect("a JSON key set");

    let keys = jwks["keys"].as_array().expect("RFC 7517 §5: a keys array");
    assert!(!keys.is_empty());
    let mut kids = HashSet::new();
    for key in keys {
        assert_eq!(key["kty"], "RSA", "{key}");
        assert_eq!(key["use"], "sig", "{key}");
        assert_eq!(key["alg"], "RS256", "{key}");
        assert!(
            key["n"].as_str().is_some_and(|n| n.len() >= 342),
            "a 2048-bit modulus: {key}"
        );
        assert_eq!(key["e"], "AQAB", "{key}");
        let kid = key["kid"].as_str().expect("a kid").to_owned();
        assert!(kids.insert(kid), "kids are unique: {jwks}");
        // RFC 7518 §6.3.2: the private members.
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(
                key.get(private).is_none(),
                "private member {private} published: {key}"
            );
        }
    }
    let active = app.state.keys.snapshot().active.kid().to_owned();
    assert!(kids.contains(&active), "the signing key is published");
}

#[tokio::test]
async fn rfc9111_the_jwks_is_cacheable_with_an_etag_that_revalidates_to_304() {
    let app = TestApp::spawn().await;

    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cache_control = header(response.headers(), "cache-control").expect("Cache-Control");
    let max_age: u64 = cache_control
        .strip_prefix("public, max-age=")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            panic!("Cache-Control: public, max-age=N expected, got {cache_control}")
        });
    assert!(max_age > 0);
    let etag = header(response.headers(), "etag").expect("an ETag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "RFC 9110 §8.8.3 entity-tag: {etag}"
    );

    let revalidated = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        header(revalidated.headers(), "etag").as_deref(),
        Some(etag.as_str())
    );
    assert!(revalidated.bytes().await.unwrap().is_empty());

    let stale = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_health_probes_answer_200() {
    let app = TestApp::spawn().await;

    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn rfc9110_13_1_2_if_none_match_uses_the_weak_comparison() {
    let app = TestApp::spawn().await;
    let response = app.get("/.well-known/jwks.json").await;
    let etag = header(response.headers(), "etag").expect("an ETag");

    // Caches and compressing proxies may hand the validator back weakened; If-None-Match compares weakly.
    let weak = format!("W/{etag}");
    let revalidated = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .header("if-none-match", format!("\"other\", {weak}"))
        .send()
        .await
        .unwrap();

    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn rfc8414_2_a_configured_issuer_names_the_metadata_urls_and_the_tokens() {
    let app =
        TestApp::spawn_with(|config| config.issuer = Some("https://auth.example.org/".into()))
            .await;
    let (user, client) = app.user_and_client().await;

    let metadata: Value = app
        .get(METADATA_PATHS[0])
        .await
        .json()
        .await
        .expect("JSON metadata");
    assert_eq!(metadata["issuer"], "https://auth.example.org");
    assert_eq!(metadata["token_endpoint"], "https://auth.example.org/token");
    assert_eq!(
        metadata["jwks_uri"],
        "https://auth.example.org/.well-known/jwks.json"
    );

    let tokens = app.login(&client, &user).await;
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(claims.iss, "https://auth.example.org");
}

#[tokio::test]
async fn rfc8414_3_1_an_issuer_with_a_path_also_serves_the_path_inserted_metadata_url() {
    let app =
        TestApp::spawn_with(|config| config.issuer = Some("https://example.org/auth".into())).await;

    let response = app
        .get("/.well-known/oauth-authorization-server/auth")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let metadata: Value = response.json().await.expect("JSON metadata");
    // §3.3: the issuer in the metadata is the one the client started from.
    assert_eq!(metadata["issuer"], "https://example.org/auth");
    assert_eq!(metadata["token_endpoint"], "https://example.org/auth/token");

    // The root well-known URLs still answer (a proxy stripping /auth forwards those), other paths don't.
    for path in METADATA_PATHS {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        app.get("/.well-known/oauth-authorization-server/other")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
