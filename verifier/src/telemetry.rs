//! Optional counters (feature `metrics`), recorded through the `metrics` facade into whatever recorder the resource
//! server installed (for example `metrics-exporter-prometheus`). Without the feature these functions do nothing.
//!
//! The `kid` label is bounded by what the issuer publishes: it is the kid of a key found in the JWKS, and `unknown`
//! for every token whose kid is not there (or could not be read), so forged kids can't multiply the series.

use crate::error::VerifyError;

/// Verifications by `kid` and `outcome` (`ok` or the reason, e.g. `expired`, `bad_signature`, `unknown_kid`).
#[cfg(feature = "metrics")]
pub const VERIFICATIONS: &str = "latchkey_verifier_verifications_total";
/// JWKS fetches by `outcome`: `ok` (a new set), `not_modified` (304, the cached set revalidated) or `error`.
#[cfg(feature = "metrics")]
pub const JWKS_FETCHES: &str = "latchkey_verifier_jwks_fetches_total";

/// The `kid` label of a token whose key was not found.
#[cfg(feature = "metrics")]
const UNKNOWN_KID: &str = "unknown";

/// What a JWKS fetch came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fetch {
    Ok,
    NotModified,
    Error,
}

/// Counts one verification; `kid` is `Some` only when it names a published key.
#[cfg_attr(
    not(feature = "metrics"),
    expect(unused_variables, reason = "recorded only with the feature")
)]
pub(crate) fn verified<T>(kid: Option<&str>, result: &Result<T, VerifyError>) {
    #[cfg(feature = "metrics")]
    {
        let outcome = match result {
            Ok(_) => "ok",
            Err(error) => reason(error),
        };
        let kid = kid.unwrap_or(UNKNOWN_KID).to_owned();
        metrics::counter!(VERIFICATIONS, "kid" => kid, "outcome" => outcome).increment(1);
    }
}

/// Counts one JWKS fetch.
#[cfg_attr(
    not(feature = "metrics"),
    expect(unused_variables, reason = "recorded only with the feature")
)]
pub(crate) fn jwks_fetched(outcome: Fetch) {
    #[cfg(feature = "metrics")]
    {
        let outcome = match outcome {
            Fetch::Ok => "ok",
            Fetch::NotModified => "not_modified",
            Fetch::Error => "error",
        };
        metrics::counter!(JWKS_FETCHES, "outcome" => outcome).increment(1);
    }
}

/// A fixed label for each way a token can fail.
#[cfg(feature = "metrics")]
fn reason(error: &VerifyError) -> &'static str {
    match error {
        VerifyError::Malformed(_) => "malformed",
        VerifyError::DisallowedAlgorithm(_) => "disallowed_algorithm",
        VerifyError::WrongType(_) => "wrong_type",
        VerifyError::ForbiddenHeader(_) => "forbidden_header",
        VerifyError::CriticalHeader => "critical_header",
        VerifyError::MissingKid => "missing_kid",
        VerifyError::UnknownKid(_) => "unknown_kid",
        VerifyError::BadSignature => "bad_signature",
        VerifyError::WrongIssuer(_) => "wrong_issuer",
        VerifyError::WrongAudience => "wrong_audience",
        VerifyError::Expired => "expired",
        VerifyError::NotYetValid => "not_yet_valid",
        VerifyError::IssuedInFuture => "issued_in_future",
        VerifyError::MissingClaim(_) => "missing_claim",
        VerifyError::InvalidClaim(_) => "invalid_claim",
        VerifyError::KeysUnavailable(_) => "keys_unavailable",
        VerifyError::Revoked => "revoked",
        VerifyError::RevocationsStale { .. } => "revocations_stale",
    }
}
