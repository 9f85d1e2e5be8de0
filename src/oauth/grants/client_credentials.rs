//! Client credentials grant (RFC 6749 §4.4): a confidential client asks for a token about itself, for calls
//! between services. `sub` is the client id (RFC 9068 §2.2); no refresh token (§4.4.3): the client can simply ask
//! again, with its secret.

use super::parameters::{scope_parameter, within};
use super::response::TokenResponse;
use crate::domain::clients::Client;
use crate::domain::form::Form;
use crate::domain::oauth_error::OAuthError;
use crate::state::AppState;
use crate::values::scope::Scope;

/// Parameters of this grant besides the common ones (§4.4.2): none.
pub const PARAMETERS: &[&str] = &[];

/// A client credentials request, parsed.
#[derive(Debug)]
pub struct ClientCredentialsRequest {
    pub scope: Option<Scope>,
}

impl ClientCredentialsRequest {
    pub fn parse(form: &Form) -> Result<Self, OAuthError> {
        Ok(Self {
            scope: scope_parameter(form)?,
        })
    }
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    request: ClientCredentialsRequest,
) -> Result<TokenResponse, OAuthError> {
    // §4.4: confidential clients only. Registration refuses the grant to public clients; this holds if a row
    // was edited by hand.
    if client.is_public() {
        return Err(OAuthError::unauthorized_client(
            "a public client can't use client_credentials",
        ));
    }
    let scope = within(request.scope.as_ref(), &client.scope)?;
    Ok(state.issuer.for_client(client, &scope).await?.into())
}
