//! `GET /account/data` and `POST /account/delete`: what is held about the user, and its end.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{Section, refused};
use super::session::{
    actor, presented_password, services, signed_in, signed_out, source, to_account,
};
use crate::domain::account::{self, AccountError};
use crate::pages::error::PageError;
use crate::pages::security;
use crate::pages::settings::PageSettings;
use crate::state::AppState;

/// `GET /account/data`: what Latchkey holds about the user, as a JSON download.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let data =
        match account::export(&state.store, &signed_in.session.user_id, state.clock.now()).await {
            Ok(data) => data,
            Err(AccountError::Gone) => return Ok(to_account(&pages, None)),
            Err(e) => return Err(e.into()),
        };
    let body = serde_json::to_vec_pretty(&data).map_err(|e| PageError::Unexpected(e.into()))?;
    let mut response = security::page(StatusCode::OK, pages.hsts()).body(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"latchkey-account.json\""),
    );
    Ok(response)
}

/// `POST /account/delete`: `password`. Only when `account_deletion` is on.
pub async fn delete(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let messages = &pages.chrome(&req).messages;
    if !pages.account_deletion {
        return Err(PageError::AccountDeletionOff);
    }
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let refuse = async || {
        let error = messages.account_wrong_password;
        refused(&state, &pages, &req, &signed_in, Section::Delete, error).await
    };
    let Some(password) = presented_password(&form, "password") else {
        return refuse().await;
    };
    let source = source(&req, &state);
    state.throttle.request(source.address).await?;
    let result = account::delete_account(
        &services(&state),
        &actor(&signed_in, &source),
        &password,
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => {
            tracing::info!(user = %signed_in.session.user_id, "account deleted by its user");
            Ok(signed_out(
                &pages,
                &req,
                messages.account_deleted_heading,
                messages.account_deleted_text,
            ))
        }
        Err(AccountError::WrongPassword) => refuse().await,
        Err(AccountError::Gone) => Ok(to_account(&pages, None)),
        Err(e) => Err(e.into()),
    }
}
