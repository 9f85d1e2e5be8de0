//! The admin API's OpenAPI 3.1 document, generated from the handlers' annotations (utoipa) and served at
//! `/admin/openapi.json`. Responses every operation can give (400, 401, 403, 503) are added here once rather than
//! written on each handler.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, Server};
use utoipa::{Modify, OpenApi};

use super::access::{ADMIN_READ_SCOPE, ADMIN_SCOPE};
use super::problem::Problem;
use super::settings::AdminSettings;
use super::{audit, clients, invitations, keys, user_import, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey admin API",
        version = "1",
        description = "Manage users, clients and signing keys, and read the audit trail. Authenticate with an \
            access token from the client_credentials grant carrying the latchkey:admin scope (or \
            latchkey:admin:read to read) and the audience {issuer}/admin. Errors are RFC 9457 problem details; \
            users and clients have ETags and honour If-Match; lists page with an opaque cursor."
    ),
    paths(
        users::list_users, users::create_user, user_import::import_users, users::get_user, users::update_user,
        users::revoke_sessions, users::reset_mfa,
        invitations::list_invitations, invitations::create_invitation, invitations::revoke_invitation,
        clients::list_clients, clients::create_client, clients::get_client, clients::update_client,
        clients::rotate_secret, clients::delete_client,
        keys::list_keys, keys::rotate, keys::revoke,
        audit::list_audit,
    ),
    components(schemas(Problem, crate::domain::user_import::ImportRow)),
    modifiers(&CommonResponses),
    tags(
        (name = "users", description = "End users: create, import with existing password hashes, list, change roles and tenant, disable, log out everywhere"),
        (name = "clients", description = "OAuth clients: register, change, rotate secrets, delete"),
        (name = "keys", description = "Signing keys: list, rotate, emergency revocation"),
        (name = "audit", description = "Who changed what, when and from where"),
    )
)]
pub struct AdminApi;

/// The shape of an `If-Match` value (RFC 9110 §13.1.1): `*` or a list of entity tags.
const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[^"]*"([ \t]*,[ \t]*(W/)?"[^"]*")*)$"#;

/// Adds the responses every admin operation may give, and the shape of `If-Match`.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let has_body = operation.request_body.is_some();
                let mut names_a_resource = false;
                let mut conditional = false;
                for parameter in operation.parameters.iter_mut().flatten() {
                    names_a_resource |= parameter.parameter_in == ParameterIn::Path;
                    if parameter.name == "If-Match" {
                        conditional = true;
                        parameter.schema = Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .pattern(Some(IF_MATCH_PATTERN))
                                .into(),
                        );
                    }
                }
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                };
                add("400", "The request is malformed");
                add(
                    "401",
                    "No access token, or an invalid, expired or revoked one",
                );
                add("403", "The access token lacks the scope");
                add(
                    "503",
                    "The database (or Redis) is unavailable; retry after Retry-After",
                );
                if has_body {
                    add("413", "The body is larger than 64 KiB");
                    add("415", "The body is not JSON");
                }
                if names_a_resource {
                    add("404", "No such resource");
                }
                if conditional {
                    add(
                        "409",
                        "A conflict: concurrent changes kept overtaking this one (retry), or a change of the caller's own client",
                    );
                    add(
                        "412",
                        "The resource changed since the version named in If-Match",
                    );
                }
            }
        }
    }
}

/// The document for an issuer: its server URL and token endpoint filled in.
pub fn document(issuer: &str) -> Vec<u8> {
    let mut doc = AdminApi::openapi();
    doc.servers = Some(vec![Server::new(issuer)]);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "oauth2",
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::ClientCredentials(ClientCredentials::new(
                format!("{issuer}/token"),
                Scopes::from_iter([
                    (ADMIN_SCOPE, "read and change users, clients and keys"),
                    (ADMIN_READ_SCOPE, "read only"),
                ]),
            ))],
            format!(
                "Access tokens of the client_credentials grant with the audience {}",
                super::access::admin_audience(issuer)
            ),
        )),
    );
    let mut doc = serde_json::to_value(&doc).unwrap_or_default();
    add_links(&mut doc);
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}

/// OpenAPI links (§4.8.20) from a creation to what can be done with the created resource, so that clients and
/// stateful testers (schemathesis) can follow them. Written as JSON: utoipa 5 serializes its `Link` with snake_case
/// member names (`operation_id`), which OpenAPI tools don't read.
fn add_links(doc: &mut serde_json::Value) {
    let follow = [
        (
            "/admin/v1/users",
            "$response.body#/id",
            &["get_user", "update_user", "revoke_sessions", "reset_mfa"][..],
        ),
        (
            "/admin/v1/clients",
            "$response.body#/client_id",
            &[
                "get_client",
                "update_client",
                "rotate_secret",
                "delete_client",
            ][..],
        ),
    ];
    for (path, id, operations) in follow {
        let links: serde_json::Map<String, serde_json::Value> = operations
            .iter()
            .map(|operation| {
                let link =
                    serde_json::json!({ "operationId": operation, "parameters": { "id": id } });
                ((*operation).to_owned(), link)
            })
            .collect();
        if let Some(created) = doc
            .pointer_mut(&format!(
                "/paths/{}/post/responses/201",
                path.replace('/', "~1")
            ))
            .and_then(serde_json::Value::as_object_mut)
        {
            created.insert("links".into(), links.into());
        }
    }
}

/// `GET /admin/openapi.json`: public, like the discovery document (it describes the API, holds no data).
pub async fn serve(admin: web::Data<AdminSettings>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(admin.openapi.clone())
}
