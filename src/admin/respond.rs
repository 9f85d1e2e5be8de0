//! Admin answers: JSON that is never cached, entity tags, `201 Created` with `Location`, pages with `Link`, and
//! resources that answer 405 with `Allow` for methods they don't have.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::paging;
use super::problem::Problem;

/// A resource whose other methods answer 405 with `Allow` (RFC 9110 §15.5.6).
pub(super) fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Problem::method_not_allowed(allow).error_response()
    }))
}

/// A JSON answer that must not be cached (it may describe secrets' holders and is authorised per caller).
pub(super) fn json(
    status: actix_web::http::StatusCode,
    value: &impl serde::Serialize,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(ContentType::json())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string(value).unwrap_or_default())
}

/// A JSON answer with the entity tag of what it describes.
pub(super) fn tagged(
    status: actix_web::http::StatusCode,
    value: &impl serde::Serialize,
    etag: &str,
) -> HttpResponse {
    let mut response = json(status, value);
    if let Ok(value) = header::HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// 201 Created with the new resource's `Location` and entity tag.
pub(super) fn created(value: &impl serde::Serialize, etag: &str, location: &str) -> HttpResponse {
    let mut response = tagged(actix_web::http::StatusCode::CREATED, value, etag);
    if let Ok(location) = header::HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A page of a list, with its `Link: rel="next"`.
pub(super) fn page_response<T: serde::Serialize + utoipa::ToSchema>(
    req: &HttpRequest,
    request: &paging::PageRequest,
    page: &paging::Page<T>,
) -> HttpResponse {
    let mut response = json(actix_web::http::StatusCode::OK, page);
    if let Some(link) =
        paging::next_link(req, request, page).and_then(|l| header::HeaderValue::from_str(&l).ok())
    {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}
