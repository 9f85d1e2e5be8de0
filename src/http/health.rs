//! Probes for orchestrators: `/healthz` says the process answers, `/readyz` that it can issue tokens.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::retry_after::RETRY_AFTER_SECS;
use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "status": "ok" }))
}

/// Ready when the database answers; the key ring always holds an active key once the server runs.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({ "status": "ready", "active_kid": state.keys.snapshot().active.kid() })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS))
                .json(serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }))
        }
    }
}
