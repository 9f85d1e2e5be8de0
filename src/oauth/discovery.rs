//! Authorization server metadata (RFC 8414), served at both well-known paths clients look for, and at the
//! path-inserted one when the issuer has a path (§3.1).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::error::OAuthError;
use crate::clients::{SUPPORTED_GRANTS, TokenEndpointAuthMethod};
use crate::scope::Scope;
use crate::state::AppState;

#[derive(Serialize)]
struct Metadata<'a> {
    issuer: &'a str,
    token_endpoint: String,
    jwks_uri: String,
    grant_types_supported: Vec<&'static str>,
    token_endpoint_auth_methods_supported: Vec<&'static str>,
    scopes_supported: Vec<String>,
    /// No authorization endpoint yet, so no response types (RFC 8414 §2 requires the member).
    response_types_supported: [&'static str; 0],
}

/// Registers the metadata routes: both well-known paths, and the path-inserted one when the issuer has a path.
pub fn configure(cfg: &mut web::ServiceConfig, issuer: &str) {
    cfg.route(
        "/.well-known/oauth-authorization-server",
        web::get().to(metadata),
    )
    .route("/.well-known/openid-configuration", web::get().to(metadata));
    if let Some(path) = path_inserted_metadata_path(issuer) {
        cfg.route(&path, web::get().to(metadata));
    }
}

async fn metadata(state: web::Data<AppState>) -> Result<HttpResponse, OAuthError> {
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
        grant_types_supported: SUPPORTED_GRANTS.iter().map(|g| g.as_str()).collect(),
        token_endpoint_auth_methods_supported: TokenEndpointAuthMethod::ALL
            .iter()
            .map(TokenEndpointAuthMethod::as_str)
            .collect(),
        scopes_supported: scopes,
        response_types_supported: [],
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(body))
}

/// RFC 8414 §3.1: for an issuer with a path (`https://host/auth`), clients look for the metadata at
/// `https://host/.well-known/oauth-authorization-server/auth`. Latchkey serves that path too, so a reverse proxy that
/// mounts it under `/auth` needs one extra rule forwarding that URL unchanged. `None` for an issuer without a path.
pub fn path_inserted_metadata_path(issuer: &str) -> Option<String> {
    let path = url::Url::parse(issuer)
        .ok()?
        .path()
        .trim_end_matches('/')
        .to_owned();
    (!path.is_empty()).then(|| format!("/.well-known/oauth-authorization-server{path}"))
}

#[cfg(test)]
mod tests {
    use super::path_inserted_metadata_path as path;

    #[test]
    fn rfc8414_3_1_the_well_known_segment_goes_before_the_issuer_path() {
        assert_eq!(path("https://auth.example.org"), None);
        assert_eq!(path("https://auth.example.org/"), None);
        assert_eq!(
            path("https://example.org/auth").as_deref(),
            Some("/.well-known/oauth-authorization-server/auth")
        );
        assert_eq!(
            path("https://example.org/tenants/a/").as_deref(),
            Some("/.well-known/oauth-authorization-server/tenants/a")
        );
    }
}
