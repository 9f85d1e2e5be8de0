//! Which language a page speaks: the authorization request's `ui_locales` (OIDC Core §3.1.2.1: space-separated,
//! in order of preference; carried with the request through its pages, so a failed sign-in's page keeps it), then
//! the browser's `Accept-Language` (RFC 9110 §12.5.4, by q-value), then `default_locale`. A language Latchkey does
//! not speak is skipped; a regional tag is answered by its language (`de-AT` by `de`).

use actix_web::{HttpMessage, HttpRequest, http::header};

use super::catalogue::Catalogues;
use super::settings::{Chrome, PageSettings};
use crate::domain::form::Form;
use crate::values::locale::Locale;

/// Most tags read from one `ui_locales` or `Accept-Language` (a longer list is cut, never an error).
const MAX_TAGS: usize = 16;

/// The `ui_locales` a form carried, kept with the request so that every page of it (its error page too) reads it.
#[derive(Debug, Clone)]
struct CarriedUiLocales(String);

/// Keeps the `ui_locales` of `form` (a POST of a page that carries the authorization request, in its fields or as
/// the `return_to` query of a registration) for this request.
pub(super) fn remember_ui_locales(req: &HttpRequest, form: &Form) {
    let carried = form.get("ui_locales").map(str::to_owned).or_else(|| {
        let return_to = Form::parse(form.get("return_to")?.as_bytes()).ok()?;
        return_to.get("ui_locales").map(str::to_owned)
    });
    if let Some(ui_locales) = carried {
        req.extensions_mut().insert(CarriedUiLocales(ui_locales));
    }
}

impl PageSettings {
    /// The frame of the page answering `req`, in its language.
    pub fn chrome(&self, req: &HttpRequest) -> &Chrome {
        &self.chromes[self.language_index(req)]
    }

    /// The language of `req`, for the mail it causes.
    pub fn locale(&self, req: &HttpRequest) -> Locale {
        self.catalogues.languages()[self.language_index(req)]
            .locale
            .clone()
    }

    fn language_index(&self, req: &HttpRequest) -> usize {
        let carried = req.extensions().get::<CarriedUiLocales>().cloned();
        let ui_locales = carried.map(|c| c.0).or_else(|| {
            Form::parse(req.query_string().as_bytes())
                .ok()
                .and_then(|q| q.get("ui_locales").map(str::to_owned))
        });
        let accept_language = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        negotiate(&self.catalogues, ui_locales.as_deref(), accept_language)
    }
}

/// The index of the language for these preferences (see the module's documentation).
pub(super) fn negotiate(
    catalogues: &Catalogues,
    ui_locales: Option<&str>,
    accept_language: Option<&str>,
) -> usize {
    let requested = ui_locales
        .into_iter()
        .flat_map(|list| list.split(' ').filter(|t| !t.is_empty()).take(MAX_TAGS));
    // RFC 9110 §12.4.2: q=0 means "not acceptable"; the crate keeps such entries, and `*` is no language.
    let accepted = accept_language.into_iter().flat_map(|header| {
        accept_language::parse_with_quality(header)
            .into_iter()
            .take(MAX_TAGS)
            .filter(|(tag, q)| *q > 0.0 && tag != "*")
            .map(|(tag, _)| tag)
    });
    let requested: Vec<String> = requested.map(str::to_owned).chain(accepted).collect();
    requested
        .iter()
        .filter_map(|tag| Locale::parse(tag))
        .find_map(|locale| catalogues.find(&locale))
        .unwrap_or_else(|| catalogues.default_index())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::catalogue::CatalogueSettings;

    fn catalogues(default: &str) -> Catalogues {
        Catalogues::load(&CatalogueSettings {
            product_name: "Latchkey".to_owned(),
            reset_ttl: 3600,
            verification_ttl: 86_400,
            invitation_ttl: 7 * 86_400,
            default_locale: Locale::parse(default).unwrap(),
            locales_dir: None,
        })
        .unwrap()
        .0
    }

    fn lang(c: &Catalogues, ui: Option<&str>, accept: Option<&str>) -> String {
        c.languages()[negotiate(c, ui, accept)].locale.to_string()
    }

    #[test]
    fn ui_locales_come_first_then_accept_language_by_quality_then_the_default() {
        let c = catalogues("en");
        assert_eq!(lang(&c, Some("fr"), Some("de")), "fr");
        assert_eq!(
            lang(&c, Some("xx ES"), Some("de")),
            "es",
            "skips what it doesn't speak"
        );
        assert_eq!(lang(&c, None, Some("it, de;q=0.5, fr;q=0.8")), "fr");
        assert_eq!(
            lang(&c, None, Some("de-AT")),
            "de",
            "a region is answered by its language"
        );
        assert_eq!(
            lang(&c, None, Some("fr;q=0, *")),
            "en",
            "q=0 is 'not acceptable'"
        );
        assert_eq!(lang(&c, Some("  "), Some("garbage;;q=")), "en");
        assert_eq!(lang(&catalogues("es"), None, Some("it")), "es");
    }
}
