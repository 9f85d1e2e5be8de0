//! Authorization server metadata (RFC 8414), served at both well-known paths clients look for, and at the
//! path-inserted one when the issuer has a path (§3.1).

use crate::domain::mfa::amr::Acr;
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::domain::authorization::IDENTITY_SCOPES;
use crate::domain::clients::{SUPPORTED_GRANTS, TokenEndpointAuthMethod};
use crate::domain::oauth_error::OAuthError;
use crate::http::cors;
use crate::state::AppState;
use crate::values::scope::Scope;

/// RFC 8414 §2 and OpenID Connect Discovery 1.0 §3: only what Latchkey does.
#[derive(Serialize)]
struct Metadata<'a> {
    issuer: &'a str,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    /// OpenID Connect RP-Initiated Logout 1.0.
    end_session_endpoint: String,
    jwks_uri: String,
    /// RFC 7009; any registered client, public ones by their id.
    revocation_endpoint: String,
    revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// RFC 7662; confidential clients registered with `--can-introspect`.
    introspection_endpoint: String,
    introspection_endpoint_auth_methods_supported: [&'static str; 2],
    grant_types_supported: Vec<&'static str>,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    token_endpoint_auth_methods_supported: Vec<&'static str>,
    scopes_supported: Vec<String>,
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 1],
    /// RFC 7636: S256 only (RFC 9700 §2.1.1).
    code_challenge_methods_supported: [&'static str; 1],
    claims_supported: [&'static str; 15],
    prompt_values_supported: [&'static str; 4],
    /// Latchkey's authentication levels (OIDC Discovery §3): `acr_values` may ask for one (step-up).
    acr_values_supported: [&'static str; 2],
    /// OIDC Discovery §3: the languages of the pages, for `ui_locales` (OIDC Core §3.1.2.1).
    ui_locales_supported: Vec<String>,
    /// RFC 9207: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: bool,
    claims_parameter_supported: bool,
    request_parameter_supported: bool,
    request_uri_parameter_supported: bool,
}

/// Registers the metadata routes: both well-known paths, and the path-inserted one when the issuer has a path.
/// Public documents: any origin may read them (CORS, DESIGN.md §21), as browser apps start from them.
pub fn configure(cfg: &mut web::ServiceConfig, issuer: &str) {
    let paths = [
        Some("/.well-known/oauth-authorization-server".to_owned()),
        Some("/.well-known/openid-configuration".to_owned()),
        path_inserted_metadata_path(issuer),
    ];
    for path in paths.into_iter().flatten() {
        cfg.service(
            web::resource(path)
                .wrap(from_fn(cors::public))
                .route(web::get().to(metadata)),
        );
    }
}

async fn metadata(state: web::Data<AppState>) -> Result<HttpResponse, OAuthError> {
    let issuer = &state.tokens.issuer;
    let mut scopes = IDENTITY_SCOPES
        .iter()
        .map(|s| (*s).to_owned())
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
        authorization_endpoint: format!("{issuer}/authorize"),
        token_endpoint: format!("{issuer}/token"),
        userinfo_endpoint: format!("{issuer}/userinfo"),
        end_session_endpoint: format!("{issuer}/logout"),
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        revocation_endpoint: format!("{issuer}/revoke"),
        revocation_endpoint_auth_methods_supported: TokenEndpointAuthMethod::ALL
            .iter()
            .map(TokenEndpointAuthMethod::as_str)
            .collect(),
        introspection_endpoint: format!("{issuer}/introspect"),
        introspection_endpoint_auth_methods_supported: [
            TokenEndpointAuthMethod::ClientSecretBasic.as_str(),
            TokenEndpointAuthMethod::ClientSecretPost.as_str(),
        ],
        grant_types_supported: SUPPORTED_GRANTS
            .iter()
            .map(super::super::store::types::GrantType::as_str)
            .collect(),
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        token_endpoint_auth_methods_supported: TokenEndpointAuthMethod::ALL
            .iter()
            .map(TokenEndpointAuthMethod::as_str)
            .collect(),
        scopes_supported: scopes,
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        claims_supported: [
            "iss",
            "sub",
            "aud",
            "azp",
            "exp",
            "iat",
            "auth_time",
            "amr",
            "acr",
            "nonce",
            "at_hash",
            "email",
            "email_verified",
            "preferred_username",
            "name",
        ],
        prompt_values_supported: ["none", "login", "consent", "select_account"],
        acr_values_supported: Acr::ALL.map(Acr::as_str),
        ui_locales_supported: state
            .letters
            .locales()
            .iter()
            .map(ToString::to_string)
            .collect(),
        authorization_response_iss_parameter_supported: true,
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
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
