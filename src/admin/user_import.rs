//! `POST /admin/v1/users/import`: users with their existing password hashes, as JSON lines or a JSON array (see
//! `domain::user_import`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;

use super::access::Access;
use super::problem::Problem;
use super::request::caller;
use super::respond::{json, resource};
use crate::domain::user_import::{self, ImportReport, ImportRow, MAX_IMPORT_ROWS};
use crate::state::AppState;

/// Largest import body: 10,000 rows of up to ~800 bytes each.
pub const MAX_IMPORT_BODY: usize = 8 * 1024 * 1024;

/// Registers the route (before `/users/{id}`, which would otherwise take the path).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/users/import", "POST").route(web::post().to(import_users)));
}

#[utoipa::path(post, path = "/admin/v1/users/import", tag = "users",
    request_body(
        description = "Users with their existing password hashes: a JSON array (application/json) or one JSON \
            object per line (application/x-ndjson or application/jsonl), at most 10,000 rows and 8 MiB. Each row \
            should be an ImportRow (see components/schemas/ImportRow); a row that isn't (not an object, a missing \
            or unknown field, a bad value or hash) is reported invalid with its reason in the 200 answer and \
            never fails the other rows, so the array's items are any JSON values here.",
        content(
            (Vec<serde_json::Value> = "application/json"),
            (ImportRow = "application/x-ndjson"),
        )),
    responses(
        (status = 200, description = "Every row's result in input order: created, exists (an account with this \
            email exists; nothing changed) or invalid (with the reason)", body = ImportReport),
        (status = 413, description = "More than 10,000 rows or a body over 8 MiB", body = Problem,
            content_type = "application/problem+json")),
    security(("oauth2" = ["latchkey:admin"])))]
pub async fn import_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let caller = caller(&req, &state, Access::Change).await?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let lines = match content_type.as_deref() {
        Some("application/json") => false,
        Some("application/x-ndjson" | "application/jsonl") => true,
        _ => {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the rows as application/json (an array) or application/x-ndjson (one object per line)",
            ));
        }
    };
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "an import takes at most {MAX_IMPORT_ROWS} rows and {} MiB: split the input",
                MAX_IMPORT_BODY >> 20
            ),
        )
    };
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| Problem::bad_request(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > MAX_IMPORT_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let items = if lines {
        let text = std::str::from_utf8(&body)
            .map_err(|_| Problem::bad_request("the body is not UTF-8"))?;
        user_import::read_json_lines(text)
    } else {
        user_import::read_json_array(&body).map_err(Problem::bad_request)?
    };
    if items.len() > MAX_IMPORT_ROWS {
        return Err(too_large());
    }
    let report = user_import::import_users(
        &state.store,
        &state.metrics,
        &caller.actor(),
        items,
        state.clock.now(),
    )
    .await?;
    Ok(json(StatusCode::OK, &report))
}
