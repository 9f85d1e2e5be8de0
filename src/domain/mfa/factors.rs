//! A user's second factors: enrolling a TOTP authenticator (confirmed by a first code, its recovery codes shown
//! once), checking a code at sign-in, using a recovery code, regenerating the codes, removing the factors (the user,
//! with their password) and resetting them (an operator). Every change is audited; a recovery code's use, a removal
//! and a reset are mailed to the user (through the outbox, in the same transaction).

use super::Factors;
use super::amr::Method;
use super::recovery::RecoveryCode;
use super::totp::TotpSecret;
use crate::domain::audit::{self, Actor, AuditAction};
use crate::domain::signing::MasterKey;
use crate::domain::signing::master_key::MasterKeyError;
use crate::domain::throttle::{AccountKey, Refused, Source, Throttle, Throttled};
use crate::infra::mail::Mail;
use crate::store::second_factors::{Confirmation, RecoveryCodeRow, TotpRow};
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;

/// Why a factor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FactorError {
    /// The code is wrong, malformed or already used (one answer for all: nothing to learn from it).
    #[error("the code is wrong")]
    WrongCode,
    /// Too many wrong passwords or codes for the account from this source.
    #[error("too many failed attempts")]
    Throttled(Throttled),
    /// The account's limit is full of attempts in flight: retry in a moment. Not a failure.
    #[error("too many attempts at once")]
    Busy,
    /// There is no enrolment to confirm, or no factor to use.
    #[error("no such factor")]
    NoFactor,
    /// The user already has an authenticator: remove it first.
    #[error("an authenticator is already enrolled")]
    AlreadyEnrolled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the sealed factor secret can't be opened")]
    Sealed(#[from] MasterKeyError),
    #[error("queueing the notice failed")]
    Mail(#[source] anyhow::Error),
}

/// What the factor operations use.
#[derive(Clone, Copy)]
pub struct FactorServices<'a> {
    pub store: &'a Store,
    pub master: &'a MasterKey,
    pub throttle: &'a Throttle,
}

/// The context a TOTP secret is sealed under: its user, so a ciphertext can't be moved to another account.
fn sealing_context(user_id: &UserId) -> String {
    format!("totp:{user_id}")
}

/// The second factors `user_id` has; `passkeys_on`: whether passkeys are on (else they don't count).
pub async fn factors(
    store: &Store,
    user_id: &UserId,
    passkeys_on: bool,
) -> Result<Factors, StoreError> {
    let totp = store.find_totp(user_id).await?;
    let totp_confirmed_at = totp.and_then(|row| row.confirmed_at);
    let recovery_codes_left = if totp_confirmed_at.is_some() {
        store.recovery_codes_left(user_id).await?
    } else {
        0
    };
    let passkeys = if passkeys_on {
        store.count_passkeys(user_id).await?
    } else {
        0
    };
    Ok(Factors {
        totp_confirmed_at,
        recovery_codes_left,
        passkeys,
    })
}

/// An enrolment under way: the secret to show (as text and QR code) and which enrolment it is.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: TotpSecret,
    /// Names this enrolment: a confirmation must name the one it was shown (a restarted enrolment has a new one).
    pub started_at: i64,
}

/// Starts an enrolment with a new secret (replacing an unconfirmed one), sealed under the master key.
pub async fn start_enrolment(
    services: FactorServices<'_>,
    user_id: &UserId,
    now: i64,
) -> Result<Enrolment, FactorError> {
    let secret = TotpSecret::generate();
    let sealed = services
        .master
        .seal(&sealing_context(user_id), secret.as_bytes())?;
    let started = services
        .store
        .start_totp(TotpRow {
            user_id: user_id.clone(),
            secret_sealed: sealed,
            sealed_by: services.master.id().to_owned(),
            created_at: now,
            confirmed_at: None,
            last_used_step: 0,
        })
        .await?;
    if !started {
        return Err(FactorError::AlreadyEnrolled);
    }
    Ok(Enrolment {
        secret,
        started_at: now,
    })
}

/// The enrolment under way for `user_id`, if there is one (to show its secret again).
pub async fn enrolment(
    services: FactorServices<'_>,
    user_id: &UserId,
) -> Result<Option<Enrolment>, FactorError> {
    let Some(row) = services.store.find_totp(user_id).await? else {
        return Ok(None);
    };
    if row.confirmed_at.is_some() {
        return Ok(None);
    }
    let secret = open(services.master, &row)?;
    Ok(Some(Enrolment {
        secret,
        started_at: row.created_at,
    }))
}

fn open(master: &MasterKey, row: &TotpRow) -> Result<TotpSecret, MasterKeyError> {
    master
        .open(
            &sealing_context(&row.user_id),
            &row.sealed_by,
            &row.secret_sealed,
        )
        .map(TotpSecret::from_bytes)
}

/// Confirms the enrolment started at `started_at` with a first `code`: the authenticator becomes a factor and the
/// user gets ten recovery codes, returned once; `notice` (the mail telling the user, in their language) is queued
/// with it. Audited.
pub async fn confirm_enrolment(
    services: FactorServices<'_>,
    actor: &Actor,
    user_id: &UserId,
    started_at: i64,
    code: &str,
    notice: Mail,
    now: i64,
) -> Result<Vec<RecoveryCode>, FactorError> {
    let row = services
        .store
        .find_totp(user_id)
        .await?
        .filter(|row| row.confirmed_at.is_none() && row.created_at == started_at)
        .ok_or(FactorError::NoFactor)?;
    let secret = open(services.master, &row)?;
    let step = secret
        .matching_step(code, now, row.last_used_step)
        .ok_or(FactorError::WrongCode)?;
    let codes = RecoveryCode::generate_set();
    let confirmation = Confirmation {
        created_at: started_at,
        recovery_codes: recovery_rows(user_id, &codes, now),
        notice: notice
            .into_outbox(services.master, now)
            .map_err(FactorError::Mail)?,
    };
    if !services
        .store
        .claim_totp_step(user_id, step, Some(confirmation), now)
        .await?
    {
        return Err(FactorError::WrongCode);
    }
    audit::record(
        services.store,
        actor,
        AuditAction::UserEnrolTotp,
        &format!("user:{user_id}"),
        serde_json::json!({ "factor": "totp", "recovery_codes": codes.len() }),
        now,
    )
    .await;
    Ok(codes)
}

fn recovery_rows(user_id: &UserId, codes: &[RecoveryCode], now: i64) -> Vec<RecoveryCodeRow> {
    codes
        .iter()
        .map(|code| RecoveryCodeRow {
            code_hash: code.hash(),
            user_id: user_id.clone(),
            created_at: now,
            used_at: None,
        })
        .collect()
}

/// A second factor as presented on the step page.
#[derive(Debug)]
pub enum Presented {
    Totp(String),
    Recovery(String),
}

/// Checks a presented second factor of `user_id`, under the account's brute-force limits (a wrong code counts
/// like a wrong password, per account or device and per address). A recovery code is used up, audited and mailed
/// (`recovery_notice`, worded by the surface in the user's language). Answers the method it proved.
pub async fn verify(
    services: FactorServices<'_>,
    user_id: &UserId,
    presented: &Presented,
    source: &Source,
    password_changed_at: i64,
    recovery_notice: Mail,
    now: i64,
) -> Result<Method, FactorError> {
    let account = AccountKey::user(user_id);
    let device = source.device.as_ref().and_then(|presented| {
        services
            .throttle
            .devices
            .verify(presented, &account, password_changed_at)
    });
    let place = services
        .throttle
        .begin(&account, source.address, device.as_ref())
        .await
        .map_err(|refused| match refused {
            Refused::Throttled(throttled) => FactorError::Throttled(throttled),
            Refused::Busy => FactorError::Busy,
        })?;
    let result = check(services, user_id, presented, source, recovery_notice, now).await;
    if matches!(result, Err(FactorError::WrongCode)) {
        services.throttle.failed(place).await;
    } else {
        place.succeeded().await;
    }
    result
}

async fn check(
    services: FactorServices<'_>,
    user_id: &UserId,

    presented: &Presented,
    source: &Source,
    recovery_notice: Mail,
    now: i64,
) -> Result<Method, FactorError> {
    let row = services
        .store
        .find_totp(user_id)
        .await?
        .filter(|row| row.confirmed_at.is_some())
        .ok_or(FactorError::WrongCode)?;
    match presented {
        Presented::Totp(code) => {
            let secret = open(services.master, &row)?;
            let step = secret
                .matching_step(code, now, row.last_used_step)
                .ok_or(FactorError::WrongCode)?;
            // The claim is conditional on the step still being later than the last used one: of two requests
            // racing with one code, only one passes.
            if services
                .store
                .claim_totp_step(user_id, step, None, now)
                .await?
            {
                Ok(Method::OneTimePassword)
            } else {
                Err(FactorError::WrongCode)
            }
        }
        Presented::Recovery(text) => {
            let code = RecoveryCode::presented(text).ok_or(FactorError::WrongCode)?;
            let notice = recovery_notice
                .into_outbox(services.master, now)
                .map_err(FactorError::Mail)?;
            if !services
                .store
                .use_recovery_code(user_id, code.hash(), notice, now)
                .await?
            {
                return Err(FactorError::WrongCode);
            }
            let left = services.store.recovery_codes_left(user_id).await?;
            audit::record(
                services.store,
                &Actor::end_user(user_id.as_str(), Some(source.address)),
                AuditAction::UserUseRecoveryCode,
                &format!("user:{user_id}"),
                serde_json::json!({ "recovery_codes_left": left }),
                now,
            )
            .await;
            Ok(Method::OneTimePassword)
        }
    }
}

/// New recovery codes for a user with an authenticator (the old ones stop working), returned once. The caller has
/// re-authenticated the user. Audited.
pub async fn regenerate_recovery_codes(
    services: FactorServices<'_>,
    actor: &Actor,
    user_id: &UserId,
    now: i64,
) -> Result<Vec<RecoveryCode>, FactorError> {
    let codes = RecoveryCode::generate_set();
    if !services
        .store
        .replace_recovery_codes(user_id, recovery_rows(user_id, &codes, now))
        .await?
    {
        return Err(FactorError::NoFactor);
    }
    audit::record(
        services.store,
        actor,
        AuditAction::UserRegenerateRecoveryCodes,
        &format!("user:{user_id}"),
        serde_json::json!({ "recovery_codes": codes.len() }),
        now,
    )
    .await;
    Ok(codes)
}

/// Removes every second factor of the user: by the user (`action` `UserRemoveMfa`, after re-entering their
/// password) or by an operator (`UserResetMfa`, which removes the passkeys too). The user is told by mail (`notice`, in their language); audited.
pub async fn remove(
    store: &Store,
    master: &MasterKey,
    actor: &Actor,
    user_id: &UserId,
    notice: Mail,
    action: AuditAction,
    now: i64,
) -> Result<bool, FactorError> {
    let mail = notice.into_outbox(master, now).map_err(FactorError::Mail)?;
    // An operator's reset removes the user's passkeys too (issue 20); a user turning off the authenticator app
    // keeps them (they are removed one by one on the account page).
    let with_passkeys = action == AuditAction::UserResetMfa;
    let removed = store
        .remove_second_factors(user_id, Some(mail), with_passkeys)
        .await?;
    if removed {
        let factors: &[&str] = if with_passkeys {
            &["totp", "recovery_codes", "passkeys"]
        } else {
            &["totp", "recovery_codes"]
        };
        audit::record(
            store,
            actor,
            action,
            &format!("user:{user_id}"),
            serde_json::json!({ "factors": factors }),
            now,
        )
        .await;
    }
    Ok(removed)
}
