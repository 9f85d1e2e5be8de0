//! The account a sign-in attempt, a device cookie or a reset counts against.

use std::fmt::Write as _;

use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

/// The account an attempt is counted against: the user when the login names one (so the username and the email
/// share one counter), else the normalised login (so an unknown account is counted exactly like a known one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountKey(String);

impl AccountKey {
    /// The key of an existing user.
    pub fn user(id: &UserId) -> Self {
        Self(hashed("user", id.as_str()))
    }

    /// The key of a login that names nobody (`Login::account_key`).
    pub fn unknown(login: &str) -> Self {
        Self(hashed("login", login))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Counter keys are hashes (of the user id, or of the login), so Redis never holds e-mail addresses; the kind is
/// part of what is hashed so that the two can never collide.
fn hashed(kind: &str, value: &str) -> String {
    let hash = TokenHash::of(format!("{kind}\0{value}").as_bytes());
    hash.as_bytes()[..16]
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}
