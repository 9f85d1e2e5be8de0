//! `GET /revocations?after=CURSOR` — the revocation feed, so resource servers need not introspect every request:
//! the live denylist entries after a cursor, in the order they were made. `latchkey-verifier` polls it and refuses
//! what it lists; a revoked token is then refused by every polling verifier within its poll interval.
//!
//! Entries name random identifiers only (`jti`, the family `sid`, the user `sub`), never token material, so the
//! feed is public like the JWKS.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::oauth_error::OAuthError;
use crate::state::AppState;
use crate::store::revocations::RevocationRow;
use crate::store::types::RevocationKind;

/// Most entries in one page; `more` says whether to ask again at once.
pub const MAX_PAGE: i64 = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Public like the JWKS (any origin, no credentials: DESIGN.md §21).
    cfg.service(
        web::resource("/revocations")
            .wrap(actix_web::middleware::from_fn(crate::http::cors::public))
            .route(web::get().to(feed)),
    );
}

#[derive(Deserialize)]
struct Query {
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

#[derive(Serialize)]
struct Page {
    /// Pass as `after` next time.
    cursor: i64,
    /// More entries are waiting after `cursor`.
    more: bool,
    revocations: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    seq: i64,
    /// `jti`: one access token; `sid`: every access token carrying that `sid`; `sub`: every access token of that
    /// subject with `iat` before `revoked_at`.
    kind: RevocationKind,
    value: String,
    revoked_at: i64,
    /// After this, every token the entry covers has expired: forget it.
    expires_at: i64,
}

impl From<RevocationRow> for Entry {
    fn from(row: RevocationRow) -> Self {
        Self {
            seq: row.seq,
            kind: row.kind,
            value: row.value,
            revoked_at: row.revoked_at,
            expires_at: row.expires_at,
        }
    }
}

async fn feed(
    query: Result<web::Query<Query>, actix_web::Error>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthError> {
    let query = query.map_err(|_| {
        OAuthError::invalid_request("after and limit must be non-negative integers")
    })?;
    let limit = query.limit.unwrap_or(MAX_PAGE);
    if query.after < 0 || !(1..=MAX_PAGE).contains(&limit) {
        return Err(OAuthError::invalid_request(
            "after must be at least 0 and limit between 1 and 1000",
        ));
    }
    let rows = state
        .revocations
        .feed(query.after, state.clock.now(), limit)
        .await?;
    let page = Page {
        cursor: rows.last().map_or(query.after, |row| row.seq),
        more: rows.len() as i64 == limit,
        revocations: rows.into_iter().map(Entry::from).collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}
