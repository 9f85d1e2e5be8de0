//! The actix-web extractor: RFC 6750 §2.1 bearer tokens in, RFC 6750 §3 challenges out.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::{App, HttpResponse, test, web};
use latchkey_verifier::{Claims, InsufficientScope, Verifier};
use serde_json::{Value, json};

use crate::support::{self, MockIdp, claims, header, key_a};

async fn me(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(claims)
}

async fn orders(claims: Claims) -> Result<HttpResponse, InsufficientScope> {
    claims.require_scope("orders:write")?;
    Ok(HttpResponse::Ok().finish())
}

/// Calls `path` on an app protected by `verifier`, with the given `Authorization` header.
async fn call(verifier: Verifier, path: &str, authorization: Option<&str>) -> ServiceResponse {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(verifier))
            .route("/me", web::get().to(me))
            .route("/orders", web::post().to(orders)),
    )
    .await;
    let mut request = if path == "/orders" {
        test::TestRequest::post()
    } else {
        test::TestRequest::get()
    }
    .uri(path);
    if let Some(value) = authorization {
        request = request.insert_header((AUTHORIZATION, value));
    }
    // Extractor and handler errors are turned into responses by actix itself.
    test::call_service(&app, request.to_request()).await
}

fn challenge(response: &ServiceResponse) -> Option<String> {
    response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[actix_web::test]
async fn a_valid_bearer_token_reaches_the_handler_with_its_claims() {
    let idp = MockIdp::start(&[key_a()]).await;
    let bearer = format!("Bearer {}", key_a().token());
    let response = call(support::verifier(&idp), "/me", Some(&bearer)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = test::read_body_json(response).await;
    assert_eq!(body["sub"], "user-1");
    assert_eq!(body["client_id"], "web-app");
    assert_eq!(body["roles"], json!(["admin"]));
}

#[actix_web::test]
async fn no_credentials_get_a_bare_bearer_challenge_rfc6750_section_3_1() {
    let idp = MockIdp::start(&[key_a()]).await;
    for authorization in [None, Some("Basic dXNlcjpwYXNz")] {
        let response = call(support::verifier(&idp), "/me", authorization).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(challenge(&response).as_deref(), Some("Bearer"));
    }
    assert_eq!(idp.jwks_requests(), 0);
}

#[actix_web::test]
async fn an_invalid_token_gets_401_invalid_token_rfc6750_section_3() {
    let idp = MockIdp::start(&[key_a()]).await;
    let mut expired = claims();
    expired["exp"] = json!(support::now() - 3600);
    let bearer = format!("Bearer {}", key_a().sign(&header(&key_a().kid), &expired));
    let response = call(support::verifier(&idp), "/me", Some(&bearer)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge(&response).as_deref(),
        Some(r#"Bearer error="invalid_token", error_description="the token has expired""#)
    );
}

#[actix_web::test]
async fn a_malformed_authorization_header_gets_400_invalid_request_rfc6750_section_3_1() {
    let idp = MockIdp::start(&[key_a()]).await;
    let response = call(support::verifier(&idp), "/me", Some("Bearer two words")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        challenge(&response)
            .unwrap()
            .starts_with(r#"Bearer error="invalid_request""#)
    );
}

#[actix_web::test]
async fn unreachable_keys_get_503_not_401() {
    let verifier = support::builder()
        .jwks_uri(support::unreachable_jwks_uri())
        .unwrap();
    let bearer = format!("Bearer {}", key_a().token());
    let response = call(verifier, "/me", Some(&bearer)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(challenge(&response), None);
}

#[actix_web::test]
async fn a_missing_scope_gets_403_insufficient_scope_rfc6750_section_3_1() {
    let idp = MockIdp::start(&[key_a()]).await;
    let bearer = format!("Bearer {}", key_a().token());
    let response = call(support::verifier(&idp), "/orders", Some(&bearer)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let challenge = challenge(&response).unwrap();
    assert!(
        challenge.starts_with(r#"Bearer error="insufficient_scope""#),
        "{challenge}"
    );
    assert!(
        challenge.ends_with(r#"scope="orders:write""#),
        "{challenge}"
    );
}
