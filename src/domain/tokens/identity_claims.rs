//! The standard claims about a user that the granted scopes release (OIDC Core §5.4): the same in the ID token and
//! at `/userinfo`, so an app reading either sees the same user.

use serde::Serialize;

use crate::domain::users::User;

/// `email` and `email_verified` with the `email` scope, `preferred_username` and `name` with `profile` (when the
/// user has a username, a display name). Nothing without those scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdentityClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// True once the user proved control of the address (a verification link, an invitation, or an operator
    /// vouching for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// The display name the user chose (OIDC Core §5.1 `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl IdentityClaims {
    /// What `granted` (a scope test) releases about `user`.
    pub fn released(user: &User, granted: impl Fn(&str) -> bool) -> Self {
        let email = granted("email");
        let profile = granted("profile");
        Self {
            email: email.then(|| user.email.clone()),
            email_verified: email.then_some(user.email_verified),
            preferred_username: profile.then(|| user.username.clone()).flatten(),
            name: profile.then(|| user.display_name.clone()).flatten(),
        }
    }
}
