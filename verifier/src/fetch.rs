//! GET requests to the issuer: a bounded body, and no redirect from https down to http.

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, IF_NONE_MATCH};
use reqwest::{StatusCode, redirect};

use crate::error::FetchError;

/// JWK sets and metadata are a few KiB; a bigger body is a misconfiguration or an attack.
const MAX_BODY: usize = 1024 * 1024;
const MAX_REDIRECTS: usize = 5;

/// What a GET returned.
pub(crate) enum Fetched {
    Body {
        headers: HeaderMap,
        body: Vec<u8>,
    },
    /// 304 to our `If-None-Match` (RFC 9110 §15.4.5): the cached copy is still current.
    NotModified {
        headers: HeaderMap,
    },
}

/// The HTTP client all fetches go through.
pub(crate) fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("latchkey-verifier/", env!("CARGO_PKG_VERSION")))
        // A key set fetched over https must not be handed to a plain-http hop, where anyone could swap the keys.
        .redirect(redirect::Policy::custom(|attempt| {
            let downgrade = attempt.url().scheme() != "https"
                && attempt.previous().iter().any(|url| url.scheme() == "https");
            if downgrade {
                attempt.error("refusing a redirect from https to http")
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        }))
        .build()
}

/// GETs `url`, conditionally when `etag` is given.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    accept: &'static str,
    etag: Option<&str>,
) -> Result<Fetched, FetchError> {
    let request_error = |e: reqwest::Error| FetchError::Request {
        url: url.to_owned(),
        message: error_chain(&e),
    };
    let mut request = client.get(url).header(ACCEPT, accept);
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let mut response = request.send().await.map_err(request_error)?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED && etag.is_some() {
        return Ok(Fetched::NotModified {
            headers: response.headers().clone(),
        });
    }
    if status != StatusCode::OK {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        });
    }
    let too_large = || FetchError::TooLarge {
        url: url.to_owned(),
        limit: MAX_BODY,
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(request_error)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body {
        headers: response.headers().clone(),
        body,
    })
}

/// reqwest's own message is often just "error sending request": the cause (refused, timed out, TLS) is below it.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
