//! Checking a user's password: the one function every surface calls (the password grant now, the hosted sign-in
//! page next), so the protections below can't differ between them (DESIGN.md §13).

use actix_web::cookie::Cookie;

use crate::domain::password_formats::HashFormat;
use crate::domain::passwords::{Password, PasswordError, PasswordHasher};
use crate::domain::throttle::{
    AccountKey, Device, DeviceCookies, Refused, Source, Throttle, Throttled,
};
use crate::domain::users::{Login, User};
use crate::store::users::UserRow;
use crate::store::{Store, StoreError};

/// One sign-in attempt: who it claims to be, the password, and where it comes from.
pub struct SignInAttempt<'a> {
    pub login: &'a Login,
    pub password: &'a Password,
    pub source: &'a Source,
}

/// A successful sign-in: the user, and what the device cookie to give back is bound to.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    account: AccountKey,
    password_changed_at: i64,
    device: Option<Device>,
}

impl SignedIn {
    /// When the user's password last changed (what device and trusted-browser cookies are bound to).
    pub fn password_changed_at(&self) -> i64 {
        self.password_changed_at
    }

    /// The cookie that makes the client a known device for this account (the same device id if it was one).
    pub fn device_cookie(&self, devices: &DeviceCookies) -> Cookie<'static> {
        devices.issue(
            &self.account,
            self.password_changed_at,
            self.device.as_ref(),
        )
    }
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
/// - the account is looked up first, so that its username and its email count against one limit (an unknown
///   login is counted under its own text, the same way);
/// - brute-force limits next (`throttle`): a throttled attempt costs no argon2 work and gets the same answer for
///   every account, known or not; only failures keep their place in the counters, per account (or device) and per
///   address; a refused or shed attempt never counts;
/// - argon2id runs on the hasher's bounded pool, never on an HTTP worker;
/// - an unknown user costs one verification against a dummy hash (no timing oracle, OWASP ASVS 2.2.x);
/// - a disabled user gets the same answer as a wrong password, after the same work;
/// - a hash made with other parameters than the configured ones, or imported in another format (bcrypt, scrypt,
///   PBKDF2), is replaced by the configured argon2id (rehash on login); a failure there only postpones the upgrade;
/// - a stored hash that can't be read fails closed (a wrong password, after the same work) and is logged.
pub async fn authenticate(
    store: &Store,
    hasher: &PasswordHasher,
    throttle: &Throttle,
    attempt: SignInAttempt<'_>,
    now: i64,
) -> Result<SignedIn, AuthError> {
    let row = match attempt.login {
        Login::Email(email) => store.find_user_by_email(email).await?,
        Login::Username(username) => store.find_user_by_username(username).await?,
    };
    let (account, password_changed_at) = match &row {
        Some(row) => (AccountKey::user(&row.id), row.password_changed_at),
        None => (AccountKey::unknown(&attempt.login.account_key()), 0),
    };
    let device = attempt.source.device.as_ref().and_then(|presented| {
        throttle
            .devices
            .verify(presented, &account, password_changed_at)
    });
    let place = throttle
        .begin(&account, attempt.source.address, device.as_ref())
        .await
        .map_err(|refused| match refused {
            Refused::Throttled(throttled) => AuthError::Throttled(throttled),
            Refused::Busy => AuthError::Busy,
        })?;
    let result = check(store, hasher, attempt.login, row, attempt.password, now).await;
    if matches!(result, Err(AuthError::InvalidCredentials)) {
        throttle.failed(place).await;
    } else {
        place.succeeded().await;
    }
    Ok(SignedIn {
        user: result?,
        account,
        password_changed_at,
        device,
    })
}

async fn check(
    store: &Store,
    hasher: &PasswordHasher,
    login: &Login,
    row: Option<UserRow>,
    password: &Password,
    now: i64,
) -> Result<User, AuthError> {
    let verified = hasher
        .verify(
            password,
            row.as_ref().map(|r| r.password_hash.as_str()),
            &login.account_key(),
        )
        .await?;
    if verified.unreadable
        && let Some(row) = &row
    {
        tracing::warn!(user = %row.id, "the stored password hash can't be read; the sign-in fails");
    }
    let row = match row {
        Some(row) if verified.matches && !row.disabled => row,
        _ => return Err(AuthError::InvalidCredentials),
    };
    if verified.needs_rehash {
        rehash(store, hasher, &row, password, verified.format, now).await;
    }
    Ok(User::from_row(&row))
}

async fn rehash(
    store: &Store,
    hasher: &PasswordHasher,
    row: &UserRow,
    password: &Password,
    format: HashFormat,
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
        Ok(true) => {
            hasher.rehashed(format);
            tracing::info!(user = %row.id, from = format.as_str(), "password rehashed with the current parameters");
        }
        Ok(false) => {}
        Err(e) if matches!(e.downcast_ref::<PasswordError>(), Some(PasswordError::Busy)) => {
            tracing::info!(user = %row.id, "password rehash postponed: the hasher is saturated");
        }
        Err(e) => tracing::warn!(user = %row.id, error = %e, "password rehash failed"),
    }
}
