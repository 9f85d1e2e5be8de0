//! Authorization server metadata (RFC 8414), served at both well-known paths clients look for.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::error::OAuthError;
use crate::clients::GrantType;
use crate::scope::Scope;
use crate::state::AppState;

#[derive(Serialize)]
struct Metadata<'a> {
    issuer: &'a str,
    token_endpoint: String,
    jwks_uri: String,
    grant_types_supported: Vec<&'static str>,
    token_endpoint_auth_methods_supported: [&'static str; 3],
    scopes_supported: Vec<String>,
    /// No authorization endpoint yet, so no response types (RFC 8414 §2 requires the member).
    response_types_supported: [&'static str; 0],
}

pub async fn metadata(state: web::Data<AppState>) -> Result<HttpResponse, OAuthError> {
    let issuer = &state.tokens.issuer;
    let mut scopes = Scope::default()
        .iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for text in state.store.all_client_scopes().await? {
        scopes.extend(
            Scope::parse(&text)
                .unwrap_or_default()
                .iter()
                .map(str::to_owned),
        );
    }
    scopes.sort();
    scopes.dedup();
    let body = Metadata {
        issuer,
        token_endpoint: format!("{issuer}/token"),
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        grant_types_supported: GrantType::ALL.iter().map(GrantType::as_str).collect(),
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        scopes_supported: scopes,
        response_types_supported: [],
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(body))
}
