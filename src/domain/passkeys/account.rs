//! What the account page does with passkeys: list, add (the end of a registration ceremony), rename and remove
//! them, each audited; and the operators' reset. Removing the last passkey asks for the password (re-authentication
//! before the last factor goes, issue 20).

use super::{Answer, PasskeyError, PasskeyName, Passkeys};
use crate::domain::account::{self, AccountActor, AccountError, AccountServices};
use crate::domain::audit::{self, Actor, AuditAction};
use crate::domain::letters::{Letter, Wording};
use crate::domain::passwords::Password;
use crate::store::passkeys::PasskeyRow;
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

/// Why a passkey could not be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    /// The user has no such passkey (removed already, or another user's).
    #[error("no such passkey")]
    NotFound,
    /// It is the last one: the current password must come with the request, and it was missing or wrong.
    #[error("the password is needed to remove the last passkey")]
    PasswordNeeded,
    #[error(transparent)]
    Account(AccountError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The user's passkeys, oldest first.
pub async fn list(store: &Store, user_id: &UserId) -> Result<Vec<PasskeyRow>, StoreError> {
    store.passkeys_of(user_id).await
}

/// Finishes a registration `user_id` started (on the account page, or during a sign-in whose rules require a
/// second factor; see [`Passkeys::finish_registration`]), mails the user (worded by `wording`) and audits it as
/// done by `actor`.
#[expect(clippy::too_many_arguments, reason = "the registration's parts")]
pub async fn add(
    passkeys: &Passkeys,
    services: &AccountServices<'_>,
    user_id: &UserId,
    actor: &Actor,
    browser: &TokenHash,
    answer: Answer<'_>,
    name: &PasskeyName,
    wording: Wording<'_>,
    now: i64,
) -> Result<PasskeyRow, PasskeyError> {
    let user = account::profile(services.store, user_id)
        .await?
        .ok_or(PasskeyError::UnknownCeremony)?;
    let notice = wording
        .write(Letter::FactorAdded {
            passkey: Some(name.as_str()),
        })
        .to(&user.email)
        .into_outbox(services.master, now)
        .map_err(PasskeyError::Mail)?;
    let row = passkeys
        .finish_registration(services.store, &user, browser, answer, name, notice, now)
        .await?;
    services.metrics.passkey_event("registered");
    audit::record(
        services.store,
        actor,
        AuditAction::PasskeyAdd,
        &format!("user:{user_id}"),
        serde_json::json!({ "passkey": row.id, "name": row.name, "backup_eligible": row.backup_eligible }),
        now,
    )
    .await;
    Ok(row)
}

/// Renames one of the actor's passkeys; false when there is no such passkey.
pub async fn rename(
    store: &Store,
    actor: &AccountActor<'_>,
    id: &str,
    name: &PasskeyName,
    now: i64,
) -> Result<bool, StoreError> {
    let renamed = store
        .rename_passkey(actor.user_id, id, name.as_str())
        .await?;
    if renamed {
        audit::record(
            store,
            &actor.audit_actor(),
            AuditAction::PasskeyRename,
            &actor.subject(),
            serde_json::json!({ "passkey": id, "name": name.as_str() }),
            now,
        )
        .await;
    }
    Ok(renamed)
}

/// Removes one of the actor's passkeys. The last one goes only with the right current password (checked through
/// the one authentication path, with its brute-force limits).
pub async fn remove(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    id: &str,
    password: Option<&Password>,
    now: i64,
) -> Result<(), RemoveError> {
    let passkeys = services.store.passkeys_of(actor.user_id).await?;
    if !passkeys.iter().any(|p| p.id == id) {
        return Err(RemoveError::NotFound);
    }
    if passkeys.len() == 1 {
        let password = password.ok_or(RemoveError::PasswordNeeded)?;
        match account::check_password(services, actor, password, now).await {
            Ok(_) => {}
            Err(AccountError::WrongPassword) => return Err(RemoveError::PasswordNeeded),
            Err(e) => return Err(RemoveError::Account(e)),
        }
    }
    if !services.store.delete_passkey(actor.user_id, id).await? {
        return Err(RemoveError::NotFound);
    }
    services.metrics.passkey_event("removed");
    audit::record(
        services.store,
        &actor.audit_actor(),
        AuditAction::PasskeyRemove,
        &actor.subject(),
        serde_json::json!({ "passkey": id }),
        now,
    )
    .await;
    Ok(())
}

/// An operator's factor reset: every passkey of `user_id` goes (issue 20; the reset itself, its audit record and
/// the mail to the user belong to the second-factor reset that calls this). Answers how many there were.
pub async fn delete_passkeys_of(store: &Store, user_id: &UserId) -> Result<usize, StoreError> {
    store.delete_passkeys_of(user_id).await
}
