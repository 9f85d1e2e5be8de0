//! Checking a user's password: the one function every surface calls (the password grant now, the hosted sign-in
//! page next), so the protections below can't differ between them (DESIGN.md §13).

use crate::domain::passwords::{Password, PasswordError, PasswordHasher};
use crate::domain::throttle::{Source, Throttle, Throttled};
use crate::domain::users::{Login, User};
use crate::store::users::UserRow;
use crate::store::{Store, StoreError};

/// One sign-in attempt: who it claims to be, the password, and where it comes from.
pub struct SignInAttempt<'a> {
    pub login: &'a Login,
    pub password: &'a Password,
    pub source: &'a Source,
}

/// Why a sign-in failed. Every credential failure is the same variant: callers can't leak which part was wrong.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown login, wrong password or disabled user.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failures for the account from this source, or from this address: not tried (no password was
    /// checked), whether or not the account exists.
    #[error("too many failed attempts")]
    Throttled(Throttled),
    /// The password hasher shed the check (its queue is full): nothing was verified, so this is not a failed
    /// sign-in and must never count as one; the caller answers "retry later".
    #[error("password checks are saturated")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hashing(PasswordError),
}

impl From<PasswordError> for AuthError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::Busy => Self::Busy,
            other => Self::Hashing(other),
        }
    }
}

/// Checks the attempt's password for its login.
///
/// - brute-force limits first (`throttle`): a throttled attempt costs no argon2 work and gets the same answer for
///   every account, known or not; every failure is counted, per account (or device) and per address;
/// - argon2id runs on the hasher's bounded pool, never on an HTTP worker;
/// - an unknown user costs one verification against a dummy hash (no timing oracle, OWASP ASVS 2.2.x);
/// - a disabled user gets the same answer as a wrong password, after the same work;
/// - a hash made with other parameters than the configured ones is replaced (rehash on login); a failure there
///   only postpones the upgrade.
pub async fn authenticate(
    store: &Store,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    attempt: SignInAttempt<'_>,
    now: i64,
) -> Result<User, AuthError> {
    let account = attempt.login.account_key();
    throttle
        .begin(&account, attempt.source)
        .await
        .map_err(AuthError::Throttled)?;
    let result = check(store, hasher, attempt.login, attempt.password, now).await;
    if matches!(result, Err(AuthError::InvalidCredentials)) {
        throttle.failed(attempt.source).await;
    } else {
        throttle.not_failed(&account, attempt.source).await;
    }
    result
}

async fn check(
    store: &Store,
    hasher: &PasswordHasher,
    login: &Login,
    password: &Password,
    now: i64,
) -> Result<User, AuthError> {
    let row = match login {
        Login::Email(email) => store.find_user_by_email(email).await?,
        Login::Username(username) => store.find_user_by_username(username).await?,
    };
    let verified = hasher
        .verify(
            password,
            row.as_ref().map(|r| r.password_hash.as_str()),
            &login.account_key(),
        )
        .await?;
    let row = match row {
        Some(row) if verified.matches && !row.disabled => row,
        _ => return Err(AuthError::InvalidCredentials),
    };
    if verified.needs_rehash {
        rehash(store, hasher, &row, password, now).await;
    }
    Ok(User::from_row(&row)?)
}

async fn rehash(
    store: &Store,
    hasher: &PasswordHasher,
    row: &UserRow,
    password: &Password,
    now: i64,
) {
    let result = match hasher.hash(password).await {
        Ok(new_hash) => store
            .replace_password_hash(&row.id, &row.password_hash, &new_hash, now)
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => tracing::info!(user = %row.id, "password rehashed with the current parameters"),
        Err(e) if matches!(e.downcast_ref::<PasswordError>(), Some(PasswordError::Busy)) => {
            tracing::info!(user = %row.id, "password rehash postponed: the hasher is saturated");
        }
        Err(e) => tracing::warn!(user = %row.id, error = %e, "password rehash failed"),
    }
}
