//! The stylesheet every page links, and the operator's theme (setting `theme_stylesheet`).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::settings::PageSettings;

/// The stylesheet every page links; themes override its custom properties.
const STYLESHEET: &str = include_str!("../../templates/assets/latchkey.css");

pub(super) async fn stylesheet() -> HttpResponse {
    css(STYLESHEET.to_owned())
}

pub(super) async fn theme_stylesheet(pages: web::Data<PageSettings>) -> HttpResponse {
    match &pages.theme_css {
        Some(text) => css(text.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

fn css(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
