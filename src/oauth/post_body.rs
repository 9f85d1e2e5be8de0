//! Reading the form body of a client's `POST` to a JSON endpoint (`/token`, `/revoke`, `/introspect`): the checks
//! RFC 6749 §3.2 and Appendix B ask of every such request, done once.

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use super::http_response::json_error;
use crate::domain::form::{Form, FormError};
use crate::domain::oauth_error::OAuthError;

/// Largest request body accepted: these requests are a few hundred bytes (a JWT to introspect, a few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body as a form, or the error response to send. `known` names the endpoint's own parameters, so that a
/// repeated one can be named without echoing arbitrary input.
pub fn read_form(
    req: &HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    known: fn(&str) -> Option<&'static str>,
) -> Result<Form, Box<HttpResponse>> {
    let refuse = |e: OAuthError| Box::new(json_error(StatusCode::BAD_REQUEST, &e));
    // §2.3.1, §3.2: parameters travel in the body; one in the URI would end up in logs and proxies.
    if !req.query_string().is_empty() {
        return Err(refuse(OAuthError::invalid_request(
            "parameters must be sent in the request body, not the URI",
        )));
    }
    let body = match body {
        Ok(body) => body,
        Err(e) if matches!(e.as_error::<PayloadError>(), Some(PayloadError::Overflow)) => {
            return Err(Box::new(json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &OAuthError::invalid_request("the request body exceeds 64 KiB"),
            )));
        }
        Err(_) => {
            return Err(refuse(OAuthError::invalid_request(
                "the request body could not be read",
            )));
        }
    };
    if !is_form_content_type(req.headers().get(CONTENT_TYPE)) {
        return Err(refuse(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        )));
    }
    Form::parse(&body).map_err(|e| {
        refuse(match e {
            FormError::Repeated(name) => match known(&name) {
                Some(name) => {
                    OAuthError::invalid_request(format!("the {name} parameter is repeated"))
                }
                None => OAuthError::invalid_request("a parameter is repeated"),
            },
            FormError::BadEncoding => {
                OAuthError::invalid_request("the body is not valid percent-encoding")
            }
            FormError::NotUtf8 => OAuthError::invalid_request("the body is not valid UTF-8"),
        })
    })
}

/// `application/x-www-form-urlencoded`, optionally with a UTF-8 charset (RFC 6749 Appendix B).
fn is_form_content_type(value: Option<&HeaderValue>) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    {
        return false;
    }
    parts.all(|p| match p.split_once('=') {
        Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => charset
            .trim()
            .trim_matches('"')
            .eq_ignore_ascii_case("utf-8"),
        _ => p.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_content_type_allows_only_a_utf8_charset() {
        let check = |v: &'static str| is_form_content_type(Some(&HeaderValue::from_static(v)));
        assert!(check("application/x-www-form-urlencoded"));
        assert!(check("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
        assert!(!check("application/x-www-form-urlencoded; charset=latin1"));
        assert!(!check("application/json"));
        assert!(!is_form_content_type(None));
    }
}
