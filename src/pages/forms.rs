//! The form of a hosted page's POST that may change something: read strictly, from our own origin, with the CSRF
//! token of the browser's cookie (DESIGN.md §15).

use actix_web::{HttpRequest, web};

use super::error::PageError;
use super::settings::PageSettings;
use crate::domain::form::Form;

impl PageSettings {
    /// The form of a POST that may change something: parsed strictly and accepted by [`Self::accepts_form`]; a
    /// malformed body is a 400, a missing token or a foreign origin a 403.
    pub fn checked_form(
        &self,
        req: &HttpRequest,
        body: &Result<web::Bytes, actix_web::Error>,
    ) -> Result<Form, PageError> {
        let form = body
            .as_ref()
            .ok()
            .and_then(|b| Form::parse(b).ok())
            .ok_or(PageError::Malformed)?;
        if !self.accepts_form(req, &form) {
            return Err(PageError::FormExpired);
        }
        Ok(form)
    }
}
