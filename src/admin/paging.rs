//! Keyset paging (stable under inserts: a page never repeats or skips a row because another was inserted): a page
//! ends with an opaque `next_cursor` naming its last row (today its key), and the next page starts after it. The
//! same cursor is in a `Link: <…>; rel="next"` header (RFC 8288).

use actix_web::HttpRequest;
use serde::{Deserialize, Serialize};

use super::problem::Problem;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// `?limit=&cursor=` of a list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (1-200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1, max_length = 200)]
    pub cursor: Option<String>,
}

/// A page of items.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T: utoipa::ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A parsed [`PageQuery`].
pub struct PageRequest {
    pub limit: i64,
    /// The key of the last row of the previous page.
    pub after: Option<String>,
}

impl PageRequest {
    pub fn parse(req: &HttpRequest) -> Result<Self, Problem> {
        Self::checked(query(req)?)
    }

    /// Checks the paging part of a list's query.
    pub fn checked(query: PageQuery) -> Result<Self, Problem> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Problem::bad_request(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            )));
        }
        if query
            .cursor
            .as_ref()
            .is_some_and(|c| c.is_empty() || c.len() > 200)
        {
            return Err(Problem::bad_request("cursor is not one this API gave"));
        }
        Ok(Self {
            limit,
            after: query.cursor,
        })
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to a page; `key` gives a row's paging key.
    pub fn page<R, T: utoipa::ToSchema>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> &str,
        view: impl Fn(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(usize::try_from(self.limit).unwrap_or(0));
        let next_cursor = more
            .then(|| rows.last().map(|row| key(row).to_owned()))
            .flatten();
        Page {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// The request's query string as `Q` (unknown parameters are a 400).
pub fn query<Q: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<Q, Problem> {
    actix_web::web::Query::<Q>::from_query(req.query_string())
        .map(actix_web::web::Query::into_inner)
        .map_err(|e| Problem::bad_request(format!("invalid query: {e}")))
}

/// The `Link` header for the page after `page`, if there is one.
pub fn next_link<T: utoipa::ToSchema>(
    req: &HttpRequest,
    request: &PageRequest,
    page: &Page<T>,
) -> Option<String> {
    let cursor = page.next_cursor.as_ref()?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("limit", &request.limit.to_string())
        .append_pair("cursor", cursor)
        .finish();
    Some(format!("<{}?{query}>; rel=\"next\"", req.path()))
}
