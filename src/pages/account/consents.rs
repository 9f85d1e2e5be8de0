//! `POST /account/consents/revoke`: withdrawing the consent given to a third-party application (issue 19).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::page::{Feedback, Section, account_page};
use super::session::{signed_in, source, to_account};
use crate::domain::audit::Actor;
use crate::domain::consent::{self, ConsentError};
use crate::pages::error::PageError;
use crate::pages::settings::PageSettings;
use crate::state::AppState;
use crate::values::ids::ClientId;

/// `POST /account/consents/revoke`: `client_id`. The application loses its consent and, through the one
/// revocation path, every refresh token it holds for the user; its next request asks again.
pub async fn revoke_consent(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    state: web::Data<AppState>,
    pages: web::Data<PageSettings>,
) -> Result<HttpResponse, PageError> {
    let form = pages.checked_form(&req, &body)?;
    let Some(signed_in) = signed_in(&req, &state, &pages).await? else {
        return Ok(to_account(&pages, None));
    };
    let client_id = form
        .get("client_id")
        .filter(|id| !id.is_empty() && id.len() <= 128)
        .map(ClientId::new)
        .ok_or(PageError::Malformed)?;
    let user_id = &signed_in.session.user_id;
    let actor = Actor::end_user(user_id.as_str(), Some(source(&req, &state).address));
    let result = consent::revoke(
        &state.store,
        &state.revocations,
        &state.metrics,
        &actor,
        user_id,
        &client_id,
        state.clock.now(),
    )
    .await;
    match result {
        Ok(()) => {
            tracing::info!(user = %user_id, client = %client_id, "consent withdrawn on the account page");
            Ok(to_account(&pages, Some("disconnected")))
        }
        Err(ConsentError::NotFound) => {
            let error = pages.chrome(&req).messages.account_connected_unknown;
            let feedback = Feedback::error_in(Section::Connected, error);
            account_page(
                &state,
                &pages,
                &req,
                &signed_in,
                StatusCode::NOT_FOUND,
                feedback,
            )
            .await
        }
        Err(ConsentError::Store(e)) => Err(e.into()),
        Err(ConsentError::Revocation(e)) => Err(e.into()),
    }
}
