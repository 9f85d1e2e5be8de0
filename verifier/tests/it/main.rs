//! Integration tests of latchkey-verifier against a mock issuer on 127.0.0.1:0 (no Latchkey server needed).

mod support;

mod caching;
mod feed;
mod tokens;

#[cfg(feature = "actix-web")]
mod extractor;
#[cfg(feature = "metrics")]
mod metrics;
