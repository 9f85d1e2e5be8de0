//! `POST /token` (RFC 6749 §3.2): reads and checks the request, authenticates the client, parses the grant's typed
//! request and dispatches to its grant.

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};

use super::client_auth::{authenticate_request, authenticate_request_reading};
use super::grants::refresh_token::RefreshRequest;
use super::grants::{self, TokenResponse, known_parameter};
use super::post_body::{MAX_BODY_BYTES, read_form};
use super::web_origin::check_origin;
use crate::domain::clients::{GrantType, SUPPORTED_GRANTS};
use crate::domain::form::Form;
use crate::domain::oauth_error::OAuthError;
use crate::domain::throttle::Source;
use crate::http::cors;
use crate::http::source::source_address;
use crate::state::AppState;

/// Registers `/token`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/token")
            .wrap(from_fn(cors::clients_post))
            // actix enforces the limit: a declared length above it is refused before any byte is read, a chunked
            // body as soon as it crosses it.
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route(web::post().to(token))
            .default_service(web::to(super::http_response::post_only)),
    );
}

#[tracing::instrument(name = "token", skip_all, fields(grant_type, client_id))]
async fn token(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OAuthError> {
    let form = match read_form(&req, body, known_parameter) {
        Ok(form) => form,
        Err(response) => return Ok(*response),
    };
    let result = dispatch(&req, &form, &state).await;
    // Labelled by the grant asked for, when it is one we know (a bounded label, whatever the client sent).
    let grant = form
        .get("grant_type")
        .and_then(GrantType::parse)
        .filter(|g| SUPPORTED_GRANTS.contains(g))
        .map_or("unsupported", |g| g.as_str());
    let outcome = match &result {
        Ok(_) => "success",
        Err(e) => e.code.as_str(),
    };
    state.metrics.grant(grant, outcome);
    result
}

/// Authenticates the client, parses the grant's request and runs the grant.
async fn dispatch(
    req: &HttpRequest,
    form: &Form,
    state: &AppState,
) -> Result<HttpResponse, OAuthError> {
    let grant_type = grants::parameters::required(form, "grant_type")?;
    // The hot path, a refresh, reads its client and its token in one round trip. What a bad request gets is
    // unchanged: the client is authenticated first, the refresh request's own errors come after.
    let refresh = (GrantType::parse(grant_type) == Some(GrantType::RefreshToken))
        .then(|| RefreshRequest::parse(form).ok())
        .flatten();
    let (client, refresh) = match refresh {
        Some(request) => {
            let hash = request.refresh_token.hash();
            let (client, found) =
                authenticate_request_reading(state, req, form, async |store, id| {
                    store.find_client_and_refresh_token(id, &hash).await
                })
                .await?;
            (client, Some((request, found)))
        }
        None => (authenticate_request(state, req, form).await?, None),
    };
    let span = tracing::Span::current();
    span.record("client_id", client.id.as_str());
    // Before any grant runs: a code is never redeemed for a page that can't read the answer.
    check_origin(req, &client)?;
    let grant = GrantType::parse(grant_type)
        .filter(|g| SUPPORTED_GRANTS.contains(g))
        .ok_or_else(OAuthError::unsupported_grant_type)?;
    span.record("grant_type", grant.as_str());
    if !client.allows(grant) {
        return Err(OAuthError::unauthorized_client(
            "the client may not use this grant type",
        ));
    }
    let response = match grant {
        GrantType::Password => {
            let request = grants::password::PasswordRequest::parse(form)?;
            let source = Source {
                address: source_address(req),
                device: state.throttle.devices.presented(req),
            };
            let (response, cookie) =
                grants::password::grant(state, &client, request, &source).await?;
            // A client that keeps cookies is now a known device for this account (see `throttle`).
            let mut http = token_response(&response);
            if let Err(e) = http.add_cookie(&cookie) {
                tracing::warn!(error = %e, "cannot set the device cookie");
            }
            return Ok(http);
        }
        GrantType::RefreshToken => {
            // Read above with the client, unless the request had no usable refresh token: then this is its error.
            let (request, found) = if let Some(read) = refresh {
                read
            } else {
                let request = RefreshRequest::parse(form)?;
                let found = state
                    .store
                    .find_refresh_token(&request.refresh_token.hash())
                    .await?;
                (request, found)
            };
            grants::refresh_token::grant(state, &client, request, found).await?
        }
        GrantType::AuthorizationCode => {
            let request = grants::authorization_code::CodeRequest::parse(form)?;
            grants::authorization_code::grant(state, &client, request).await?
        }
        GrantType::ClientCredentials => {
            let request = grants::client_credentials::ClientCredentialsRequest::parse(form)?;
            grants::client_credentials::grant(state, &client, request).await?
        }
    };
    Ok(token_response(&response))
}

/// §5.1: tokens are never cached.
fn token_response(body: &TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(body)
}
