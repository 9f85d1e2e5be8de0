//! What a browser sees where no page answers: a branded 404 for an unknown path and a 405 (with `Allow`) for a
//! page asked with a method it does not have, instead of the browser's own "HTTP ERROR 405". A request that does
//! not ask for HTML (an API client) keeps the bare status; the API surfaces answer their own paths themselves.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::PageError;
use super::settings::PageSettings;

/// Any path no surface registered.
pub(super) async fn not_found(req: HttpRequest, pages: web::Data<PageSettings>) -> HttpResponse {
    if wants_html(&req) {
        PageError::NotFound.render(&pages, &req)
    } else {
        HttpResponse::NotFound().finish()
    }
}

/// A page resource's other methods. Its errors are rendered by the page's own wrapper.
pub(super) fn method_not_allowed(
    allow: &'static str,
) -> impl Fn(HttpRequest) -> std::future::Ready<HttpResponse> + Clone {
    move |req: HttpRequest| {
        let error = PageError::MethodNotAllowed(allow);
        std::future::ready(match req.app_data::<web::Data<PageSettings>>() {
            Some(pages) if wants_html(&req) => error.render(pages, &req),
            _ => {
                let mut response = HttpResponse::MethodNotAllowed().finish();
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
                response
            }
        })
    }
}

/// Whether the client takes an HTML page: a browser's navigation (`Sec-Fetch-Dest: document`) or an `Accept`
/// naming `text/html` (browsers send it on every navigation; API clients send JSON or nothing).
fn wants_html(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers
        .get("sec-fetch-dest")
        .is_some_and(|v| v.as_bytes() == b"document")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}
