//! Resource owner password credentials grant (RFC 6749 §4.3). For first-party confidential clients only: RFC 9700
//! §2.4 says it MUST NOT be used and the authorization code flow replaces it; operators opt in per client.

use actix_web::cookie::Cookie;

use super::parameters::{required, scope_parameter, within};
use super::response::TokenResponse;
use crate::domain::authentication::{self, SignInAttempt};
use crate::domain::clients::Client;
use crate::domain::form::Form;
use crate::domain::mfa::factors;
use crate::domain::oauth_error::{BAD_CREDENTIALS, OAuthError};
use crate::domain::passwords::Password;
use crate::domain::throttle::Source;
use crate::domain::tokens::issuer::IssueError;
use crate::domain::users::Login;
use crate::state::AppState;
use crate::values::scope::Scope;

/// Parameters of this grant besides the common ones (§4.3.2).
pub const PARAMETERS: &[&str] = &["username", "password"];

/// A password grant request, parsed.
#[derive(Debug)]
pub struct PasswordRequest {
    pub login: Login,
    pub password: Password,
    pub scope: Option<Scope>,
}

impl PasswordRequest {
    pub fn parse(form: &Form) -> Result<Self, OAuthError> {
        let login = Login::parse(required(form, "username")?);
        // Rejected before hashing: a megabyte password must not cost a megabyte of argon2 input.
        let password = Password::presented(required(form, "password")?)?;
        Ok(Self {
            login,
            password,
            scope: scope_parameter(form)?,
        })
    }
}

/// Issues tokens for the request's user, and the device cookie that makes a client keeping cookies a known device
/// for the account (see `throttle`).
pub async fn grant(
    state: &AppState,
    client: &Client,
    request: PasswordRequest,
    source: &Source,
) -> Result<(TokenResponse, Cookie<'static>), OAuthError> {
    let scope = within(request.scope.as_ref(), &client.scope)?;
    let signed_in = authentication::authenticate(
        &state.store,
        &state.hasher,
        &state.throttle,
        SignInAttempt {
            login: &request.login,
            password: &request.password,
            source,
        },
        state.clock.now(),
    )
    .await?;
    // Only after the right password: says nothing about the account to someone who doesn't know it.
    if !signed_in
        .user
        .may_sign_in(state.registration.require_verified_email)
    {
        return Err(OAuthError::invalid_grant(
            "the account's email address is not verified yet: open the link that was mailed to it",
        ));
    }
    // RFC 9700 §2.4: this grant can't ask for a second factor. A user who has one, or whom a policy (global, the
    // client's, a role's) requires to use one, would be signed in with a password alone: refused, unless the
    // operator explicitly allowed it for this client. Only after the right password, like the check above.
    if !client.password_grant_without_mfa
        && (state.mfa.required(Some(client), &signed_in.user)
            || factors::factors(&state.store, &signed_in.user.id, state.passkeys.is_some())
                .await?
                .any())
    {
        return Err(OAuthError::invalid_grant(
            "this sign-in needs a second factor, which the password grant can't ask for (RFC 9700 §2.4): use \
             the authorization code flow",
        ));
    }
    let issued = state
        .issuer
        .start(&signed_in.user, client, &scope, &scope)
        .await
        .map_err(|e| match e {
            // Disabled between the password check and the claim: the same answer as a disabled user.
            IssueError::Rejected => OAuthError::invalid_grant(BAD_CREDENTIALS),
            other => other.into(),
        })?;
    Ok((
        issued.into(),
        signed_in.device_cookie(&state.throttle.devices),
    ))
}
