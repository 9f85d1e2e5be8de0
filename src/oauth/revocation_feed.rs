//! `GET /revocations?after=CURSOR` — the revocation feed, so resource servers need not introspect every request:
//! the live denylist entries after a cursor, in the order they were made. `latchkey-verifier` polls it and refuses
//! what it lists; a revoked token is then refused by every polling verifier within its poll interval.
//!
//! Entries name random identifiers (`jti`, the family `sid`) or a keyed hash of the user (`sub_hmac`: HMAC-SHA256
//! of `sub` under the page's `sub_key`), never token material nor a user id, so the feed is public like the JWKS
//! (`domain::revocation::feed` says what that publishes and why).
//!
//! The format changed with issue 17 (`revoked_at` seconds → `revoked_at_ms`, `sub` → `sub_hmac`): a verifier of the
//! previous release cannot read a page that lists anything (`revoked_at` is missing), so it stops advancing and,
//! once its list is older than its staleness bound, refuses every token: it fails closed, never matches nothing.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::oauth_error::OAuthError;
use crate::domain::revocation::FeedEntry;
use crate::state::AppState;

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
struct Page<'a> {
    /// Pass as `after` next time.
    cursor: i64,
    /// More entries are waiting after `cursor`.
    more: bool,
    /// The HMAC-SHA256 key of `sub_hmac` entries, base64url (public: it only lets whoever knows a `sub` match it).
    sub_key: &'a str,
    revocations: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    seq: i64,
    /// `jti`: one access token; `sid`: every access token carrying that `sid`; `sub_hmac`: every access token whose
    /// `sub` hashes to `value` under `sub_key`, issued at or before `revoked_at_ms` (its `jti`, a UUIDv7, carries
    /// its millisecond; a token whose `jti` does not counts from the start of its `iat`).
    kind: &'static str,
    value: String,
    /// Milliseconds since the Unix epoch, on the issuer's clock.
    revoked_at_ms: i64,
    /// After this (seconds), every token the entry covers has expired: forget it.
    expires_at: i64,
}

impl From<FeedEntry> for Entry {
    fn from(entry: FeedEntry) -> Self {
        Self {
            seq: entry.seq,
            kind: entry.kind.as_str(),
            value: entry.value,
            revoked_at_ms: entry.revoked_at_ms,
            expires_at: entry.expires_at,
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
    let entries = state
        .revocations
        .feed(query.after, state.clock.now(), limit)
        .await?;
    let page = Page {
        cursor: entries.last().map_or(query.after, |entry| entry.seq),
        more: entries.len() as i64 == limit,
        sub_key: state.revocations.feed_key().published(),
        revocations: entries.into_iter().map(Entry::from).collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}
