//! Parameters several grants share: `scope` (RFC 6749 §3.3) and required ones (§4.3.2, §6).

use crate::domain::form::Form;
use crate::domain::oauth_error::OAuthError;
use crate::values::scope::Scope;

/// The `scope` parameter, parsed; absent means "what was granted" (§3.3).
pub fn scope_parameter(form: &Form) -> Result<Option<Scope>, OAuthError> {
    form.get("scope")
        .map(|text| {
            Scope::parse(text).map_err(|_| OAuthError::invalid_scope("the scope is malformed"))
        })
        .transpose()
}

/// The scope asked for, which must lie within `allowed`; none asked means all of `allowed` (§3.3).
pub fn within(requested: Option<&Scope>, allowed: &Scope) -> Result<Scope, OAuthError> {
    match requested {
        None => Ok(allowed.clone()),
        Some(scope) if scope.is_subset_of(allowed) => Ok(scope.clone()),
        Some(_) => Err(OAuthError::invalid_scope(
            "the requested scope exceeds what was granted",
        )),
    }
}

/// A required parameter (§4.3.2, §6): missing or empty is `invalid_request`.
pub fn required<'f>(form: &'f Form, name: &'static str) -> Result<&'f str, OAuthError> {
    form.get(name)
        .ok_or_else(|| OAuthError::invalid_request(format!("the {name} parameter is required")))
}
