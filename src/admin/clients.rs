//! `/admin/v1/clients`: register, list, show, change (grants, scopes, audiences, URIs, web origins, display
//! metadata, first or third party), rotate the secret, delete.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::access::Access;
use super::paging::{Page, PageQuery, PageRequest};
use super::problem::Problem;
use super::request::{caller, if_match, json_body, path_param};
use super::respond::{page_response, resource, tagged};
use crate::domain::clients::{self, ClientChanges, ClientView, NewClient};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/clients", "GET, POST")
            .route(web::get().to(list_clients))
            .route(web::post().to(create_client)),
    )
    .service(
        resource("/clients/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(get_client))
            .route(web::patch().to(update_client))
            .route(web::delete().to(delete_client)),
    )
    .service(resource("/clients/{id}/secret", "POST").route(web::post().to(rotate_secret)));
}

/// A new client. A confidential client's secret is in the answer, once.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    /// 1-128 characters of `A-Z a-z 0-9 . _ - ~`.
    #[schema(example = "billing-service")]
    pub client_id: String,
    /// No secret: authenticates by PKCE alone (single-page and native apps).
    #[serde(default)]
    pub public: bool,
    /// `authorization_code`, `client_credentials`, `password`, `refresh_token`.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// Scopes the client may request, space-separated.
    #[serde(default)]
    #[schema(example = "orders:read orders:write")]
    pub scope: String,
    /// `aud` of its access tokens (default: the client id).
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Matched exactly (RFC 9700 §2.1): https, http on a loopback host, or a private-use scheme.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Browser origins (`https://host[:port]`, or `http://` on a loopback host; no path) whose single-page apps may
    /// call `/token`, `/revoke` and `/userinfo` (CORS). Empty (the default): the origins of the https and loopback
    /// `redirect_uris`. `*` and `null` are refused.
    #[serde(default)]
    #[schema(example = json!(["https://app.example.com"]))]
    pub web_origins: Vec<String>,
    /// `client_secret_basic` (default) or `client_secret_post`; `none` for a public client.
    pub token_endpoint_auth_method: Option<String>,
    /// `false` lets a confidential client redeem codes without PKCE (it must then send a nonce).
    #[serde(default = "yes")]
    pub require_pkce: bool,
    /// May call `POST /introspect` (a resource server; needs no grant).
    #[serde(default)]
    pub can_introspect: bool,
    /// The name the hosted pages show (1-100 characters; RFC 7591 §2). Unset: the client id.
    #[schema(example = "Acme Dashboard")]
    pub client_name: Option<String>,
    /// An https URL of the app's logo, shown beside its name.
    #[schema(example = "https://acme.example/logo.svg")]
    pub logo_uri: Option<String>,
    /// The app's home page: the pages' "back to" link (https; http only on a loopback host).
    pub client_uri: Option<String>,
    /// The app's privacy policy, linked from the pages.
    pub policy_uri: Option<String>,
    /// The app's terms of service, linked from the pages.
    pub tos_uri: Option<String>,
    /// `true` (default): the operator's own app, no consent page. `false`: a third-party client; users are asked
    /// consent, and the password grant is refused.
    #[serde(default = "yes")]
    pub first_party: bool,
    /// Sign-ins to this client need a second factor (users without one enrol right after the password).
    #[serde(default)]
    pub require_mfa: bool,
    /// Let the password grant sign in users who have a second factor (or when require_mfa is set), although it
    /// can't ask for it (RFC 9700 §2.4). Off by default.
    #[serde(default)]
    pub allow_password_grant_without_mfa: bool,
}

fn yes() -> bool {
    true
}

/// A merge-patch member that may be `null`: absent is `None` (unchanged), `null` is `Some(None)` (cleared).
fn nullable<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// Refuses a change of the caller's own client: an automation must not lock itself out by deleting itself or
/// taking its own admin scope (another admin client or the CLI can). Rotating its own secret is allowed.
fn not_the_caller(caller: &super::access::Caller, id: String) -> Result<String, Problem> {
    if caller.client_id == id {
        Err(Problem::conflict(
            "an admin client can't change or delete itself: use another admin client or the CLI",
        ))
    } else {
        Ok(id)
    }
}

/// A space-separated scope as its tokens (checked by the domain).
fn scope_tokens(scope: &str) -> Vec<String> {
    scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Changes to a client (JSON merge patch, RFC 7396): a present list replaces the stored one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    pub grant_types: Option<Vec<String>>,
    /// Space-separated.
    pub scope: Option<String>,
    pub audiences: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Replaces the web origins; `[]` returns to the default (the redirect URIs' origins).
    pub web_origins: Option<Vec<String>>,
    /// `null` clears it (the pages show the client id).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub client_name: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub logo_uri: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub client_uri: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub policy_uri: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub tos_uri: Option<Option<String>>,
    /// `false` makes the client third-party (consent page, no password grant).
    pub first_party: Option<bool>,
    /// Sign-ins to this client need a second factor.
    pub require_mfa: Option<bool>,
    /// Let the password grant sign in users who have a second factor (RFC 9700 §2.4).
    pub allow_password_grant_without_mfa: Option<bool>,
}

/// A client just created, with its secret (shown this once; Latchkey keeps only its SHA-256).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedClient {
    #[serde(flatten)]
    pub client: ClientView,
    /// `null` for a public client.
    pub client_secret: Option<String>,
}

/// A new secret (shown this once); the previous one no longer works.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewSecret {
    pub client_id: String,
    pub client_secret: String,
}

#[utoipa::path(get, path = "/admin/v1/clients", tag = "clients", params(PageQuery),
    responses((status = 200, description = "A page of clients, by id", body = Page<ClientView>)),
    security(("oauth2" = ["latchkey:admin:read"])))]
pub async fn list_clients(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    caller(&req, &state, Access::Read).await?;
    let request = PageRequest::parse(&req)?;
    let rows =
        clients::page_clients(&state.store, request.after.as_deref(), request.fetch()).await?;
    let page = request.page(rows, |c| c.id.as_str(), |c| c.view());
    Ok(page_response(&req, &request, &page))
}

#[utoipa::path(post, path = "/admin/v1/clients", tag = "clients", request_body = CreateClient,
    responses(
        (status = 201, description = "Created; the secret is shown this once", body = CreatedClient,
            headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "A client with this id exists", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn create_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let new: CreateClient = json_body(&req, &body)?;
    let (client, secret) = clients::create_client(
        &state.store,
        NewClient {
            id: new.client_id,
            public: new.public,
            grants: clients::grant_types(&new.grant_types)?,
            scopes: scope_tokens(&new.scope),
            audiences: new.audiences,
            redirect_uris: new.redirect_uris,
            post_logout_redirect_uris: new.post_logout_redirect_uris,
            web_origins: new.web_origins,
            auth_method: new
                .token_endpoint_auth_method
                .as_deref()
                .map(clients::auth_method)
                .transpose()?,
            allow_no_pkce: !new.require_pkce,
            can_introspect: new.can_introspect,
            display: clients::ClientDisplay {
                client_name: new.client_name,
                logo_uri: new.logo_uri,
                client_uri: new.client_uri,
                policy_uri: new.policy_uri,
                tos_uri: new.tos_uri,
            },
            third_party: !new.first_party,
            require_mfa: new.require_mfa,
            allow_password_grant_without_mfa: new.allow_password_grant_without_mfa,
        },
        &caller.actor(),
        state.clock.now(),
    )
    .await?;
    state.web_origins.invalidate();
    let created = CreatedClient {
        client: client.view(),
        client_secret: secret.as_ref().map(|s| s.expose().to_owned()),
    };
    Ok(super::respond::created(
        &created,
        &client.entity_tag(),
        &format!("/admin/v1/clients/{}", client.id),
    ))
}

#[utoipa::path(get, path = "/admin/v1/clients/{id}", tag = "clients",
    params(("id" = String, Path, description = "The client id")),
    responses(
        (status = 200, description = "The client", body = ClientView, headers(("ETag" = String)))),
    security(("oauth2" = ["latchkey:admin:read"])))]
pub async fn get_client(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    caller(&req, &state, Access::Read).await?;
    let client = clients::get_client(&state.store, &path_param(&req, "id")).await?;
    Ok(tagged(StatusCode::OK, &client.view(), &client.entity_tag()))
}

#[utoipa::path(patch, path = "/admin/v1/clients/{id}", tag = "clients",
    params(("id" = String, Path, description = "The client id"),
        ("If-Match" = Option<String>, Header, description = "Apply only to this version (the ETag of a GET)")),
    request_body(content = ClientPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The client as changed", body = ClientView, headers(("ETag" = String)))),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn update_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let id = not_the_caller(&caller, path_param(&req, "id"))?;
    let condition = if_match(&req)?;
    let patch: ClientPatch = json_body(&req, &body)?;
    let client = clients::update_client(
        &state.store,
        &caller.actor(),
        &id,
        ClientChanges {
            grants: patch
                .grant_types
                .as_deref()
                .map(clients::grant_types)
                .transpose()?,
            scopes: patch.scope.as_deref().map(scope_tokens),
            audiences: patch.audiences,
            redirect_uris: patch.redirect_uris,
            post_logout_redirect_uris: patch.post_logout_redirect_uris,
            web_origins: patch.web_origins,
            client_name: patch.client_name,
            logo_uri: patch.logo_uri,
            client_uri: patch.client_uri,
            policy_uri: patch.policy_uri,
            tos_uri: patch.tos_uri,
            first_party: patch.first_party,
            require_mfa: patch.require_mfa,
            allow_password_grant_without_mfa: patch.allow_password_grant_without_mfa,
        },
        condition.as_ref(),
        state.clock.now(),
    )
    .await?;
    state.web_origins.invalidate();
    Ok(tagged(StatusCode::OK, &client.view(), &client.entity_tag()))
}

#[utoipa::path(post, path = "/admin/v1/clients/{id}/secret", tag = "clients",
    params(("id" = String, Path, description = "The client id"),
        ("If-Match" = Option<String>, Header, description = "Apply only to this version (the ETag of a GET)")),
    responses(
        (status = 200, description = "The new secret, shown this once; the old one no longer works",
            body = NewSecret, headers(("ETag" = String))),
        (status = 400, description = "A public client has no secret", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn rotate_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let condition = if_match(&req)?;
    let (client, secret) = clients::rotate_secret(
        &state.store,
        &caller.actor(),
        &path_param(&req, "id"),
        condition.as_ref(),
        state.clock.now(),
    )
    .await?;
    Ok(tagged(
        StatusCode::OK,
        &NewSecret {
            client_id: client.id.to_string(),
            client_secret: secret.expose().to_owned(),
        },
        &client.entity_tag(),
    ))
}

#[utoipa::path(delete, path = "/admin/v1/clients/{id}", tag = "clients",
    params(("id" = String, Path, description = "The client id"),
        ("If-Match" = Option<String>, Header, description = "Delete only this version (the ETag of a GET)")),
    responses(
        (status = 204, description = "Deleted, with every refresh token issued to it")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn delete_client(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let id = not_the_caller(&caller, path_param(&req, "id"))?;
    let condition = if_match(&req)?;
    clients::delete_client(
        &state.store,
        &caller.actor(),
        &id,
        condition.as_ref(),
        state.clock.now(),
    )
    .await?;
    state.web_origins.invalidate();
    Ok(HttpResponse::NoContent()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .finish())
}
