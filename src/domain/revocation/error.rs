//! Why a revocation or a check could not be made.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Redis is unreachable or not yet refilled: the answer would be a guess.
    #[error("the denylist is unavailable")]
    DenylistUnavailable,
}
