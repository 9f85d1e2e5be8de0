//! Self-service account management for a signed-in user (the hosted `/account` page): the profile, a password
//! change, the user's sessions and refresh-token families, an export of what is held about the user, and the
//! deletion of the account.
//!
//! Every action that needs the password goes through [`authentication::authenticate`], the one path that checks a
//! password (argon2 on the bounded pool, brute-force limits: a stolen session can't be used to guess the password
//! faster than the sign-in form allows). Every revocation goes through [`Revocations`] or, for the changes that
//! revoke in the same transaction as they change the user, refills it right after.

use crate::domain::audit::{self, Actor, AuditAction, AuditRecord};
use crate::domain::authentication::{self, AuthError, SignInAttempt};
use crate::domain::letters::{Letter, Wording};
use crate::domain::passwords::{Password, PasswordError, PasswordHasher};
use crate::domain::registration::{self, LinkMailer, NewLink, RegistrationSettings};
use crate::domain::revocation::{RevocationError, Revocations};
use crate::domain::signing::MasterKey;
use crate::domain::throttle::AccountKey;
use crate::domain::throttle::{Source, Throttle};
use crate::domain::users::{self, Login, User, UserChanges, UserError};
use crate::infra::metrics::Metrics;
use crate::store::account::{FamilySummary, PasswordChange};
use crate::store::sessions::SessionRow;
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;

/// Why an account action was not done.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The current password was not right (or the account changed meanwhile): the form asks again.
    #[error("the current password is not right")]
    WrongPassword,
    /// The user (or the session's user) is gone.
    #[error("the account no longer exists")]
    Gone,
    /// The session or family named is not the user's.
    #[error("no such session of this user")]
    NotFound,
    #[error(transparent)]
    Auth(AuthError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(anyhow::Error),
    /// A profile field is not acceptable (the message says which rule).
    #[error("{0}")]
    Invalid(String),
    /// Someone else has that username.
    #[error("the username is taken")]
    UsernameTaken,
    /// The new address is the current one.
    #[error("that is already the account's address")]
    SameAddress,
    /// Too many address changes asked for this account: no more mail for a while.
    #[error("too many address changes; try again later")]
    Throttled,
}

impl From<UserError> for AccountError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Invalid(why) => Self::Invalid(why),
            UserError::Conflict => Self::UsernameTaken,
            UserError::NotFound(_) => Self::Gone,
            UserError::Password(e) => Self::Password(e),
            UserError::Store(e) => Self::Store(e),
            UserError::PreconditionFailed | UserError::Busy => {
                Self::Store(StoreError::Unavailable(anyhow::anyhow!(
                    "the account is being changed concurrently"
                )))
            }
        }
    }
}

impl From<AuthError> for AccountError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials => Self::WrongPassword,
            AuthError::Store(e) => Self::Store(e),
            other => Self::Auth(other),
        }
    }
}

/// The services an account action uses.
pub struct AccountServices<'a> {
    pub store: &'a Store,
    pub hasher: &'a PasswordHasher,
    pub throttle: &'a Throttle,
    pub revocations: &'a Revocations,
    pub master: &'a MasterKey,
    pub metrics: &'a Metrics,
}

/// Who acts: the signed-in user, in which session, from where.
pub struct AccountActor<'a> {
    pub user_id: &'a UserId,
    pub session_id: &'a str,
    pub source: &'a Source,
}

impl AccountActor<'_> {
    pub fn audit_actor(&self) -> Actor {
        Actor::end_user(self.user_id.as_str(), Some(self.source.address))
    }

    pub fn subject(&self) -> String {
        format!("user:{}", self.user_id)
    }
}

/// Where the user is signed in: browser sessions and the apps' refresh-token families.
#[derive(Debug, Clone)]
pub struct Devices {
    pub sessions: Vec<SessionRow>,
    pub families: Vec<FamilySummary>,
}

/// What a revoke names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A browser session on the hosted pages.
    Session,
    /// An app's refresh-token family.
    Family,
}

/// The user, if the account still exists.
pub async fn profile(store: &Store, user_id: &UserId) -> Result<Option<User>, StoreError> {
    Ok(store
        .find_user(user_id)
        .await?
        .map(|row| User::from_row(&row)))
}

/// The user's live sessions and refresh-token families.
pub async fn devices(store: &Store, user_id: &UserId, now: i64) -> Result<Devices, StoreError> {
    Ok(Devices {
        sessions: store.live_sessions_of(user_id, now).await?,
        families: store.live_families_of(user_id, now).await?,
    })
}

/// Re-authentication before a sensitive change (second factors, issue 20): `current` must be the actor's password,
/// checked through the one authentication path and its limits. Answers the user.
pub async fn confirm_password(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    current: &Password,
    now: i64,
) -> Result<User, AccountError> {
    check_password(services, actor, current, now)
        .await
        .map(|(user, _)| user)
}

/// Checks `current` for the actor's account through the one authentication path. Answers the user and the hash
/// that was verified (read after the check, so a rehash on this check is the hash a change must still find).
pub async fn check_password(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    current: &Password,
    now: i64,
) -> Result<(User, String), AccountError> {
    let user = profile(services.store, actor.user_id)
        .await?
        .ok_or(AccountError::Gone)?;
    let login = Login::Email(user.email.clone());
    let signed_in = authentication::authenticate(
        services.store,
        services.hasher,
        services.throttle,
        SignInAttempt {
            login: &login,
            password: current,
            source: actor.source,
        },
        now,
    )
    .await?;
    if &signed_in.user.id != actor.user_id {
        return Err(AccountError::WrongPassword);
    }
    let row = services
        .store
        .find_user(actor.user_id)
        .await?
        .ok_or(AccountError::Gone)?;
    Ok((signed_in.user, row.password_hash))
}

/// Changes the actor's password: `current` must be right; every other session and every refresh-token family
/// ends (this session stays), the user's earlier access tokens are refused, the owner is told by mail, and the
/// change is audited.
pub async fn change_password(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    current: &Password,
    new: &Password,
    wording: Wording<'_>,
    now: i64,
) -> Result<(), AccountError> {
    let (user, verified_hash) = check_password(services, actor, current, now).await?;
    let new_hash = services.hasher.hash(new).await?;
    let notice = wording
        .write(Letter::AccountPasswordChanged)
        .to(&user.email)
        .into_outbox(services.master, now)
        .map_err(AccountError::Mail)?;
    // Read after the slow hash, just before the transaction: every access token signed up to here dies.
    let revoked_at_ms = services.revocations.user_revocation_ms(now);
    let changed = services
        .store
        .change_password(PasswordChange {
            user_id: actor.user_id.clone(),
            verified_hash,
            new_hash,
            keep_session: actor.session_id.to_owned(),
            notice,
            now,
            revoked_at_ms,
            entry_expires_at: services.revocations.user_entry_expiry(revoked_at_ms),
        })
        .await?;
    if !changed {
        return Err(AccountError::WrongPassword);
    }
    services.revocations.refill().await;
    services.metrics.account_event("password_changed");
    audit::record(
        services.store,
        &actor.audit_actor(),
        AuditAction::UserChangePassword,
        &actor.subject(),
        serde_json::json!({ "kept_session": actor.session_id }),
        now,
    )
    .await;
    Ok(())
}

/// What the profile form sends: both fields, as typed (empty removes).
pub struct ProfileChange<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
}

/// Changes the actor's username and display name. A username someone else has is [`AccountError::UsernameTaken`]
/// (usernames are public handles: saying so tells no more than the sign-in form would).
pub async fn update_profile(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    change: ProfileChange<'_>,
    now: i64,
) -> Result<User, AccountError> {
    let username = change.username.trim();
    let changes = UserChanges {
        username: Some((!username.is_empty()).then(|| username.to_owned())),
        display_name: Some(Some(change.display_name.to_owned())),
        ..UserChanges::default()
    };
    let user = users::update_user(
        services.store,
        services.revocations,
        &actor.audit_actor(),
        actor.user_id,
        changes,
        None,
        now,
    )
    .await?;
    services.metrics.account_event("profile_updated");
    Ok(user)
}

/// Asks to move the actor's account to `new_email`: `password` must be right; a link goes to the new address and
/// the account changes only when it is used there (the old address is then told). Nothing about the new address
/// is looked up now, so the answer is the same whether or not another account has it; the link's page says so to
/// whoever holds that mailbox. At most as many such mails per account as reset mails.
pub async fn request_email_change(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    settings: &RegistrationSettings,
    new_email: &str,
    password: &Password,
    wording: Wording<'_>,
    now: i64,
) -> Result<String, AccountError> {
    let new_email = users::normalize_email(new_email)?;
    let (user, _) = check_password(services, actor, password, now).await?;
    if new_email == user.email {
        return Err(AccountError::SameAddress);
    }
    if services
        .throttle
        .reset_mail(&AccountKey::user(actor.user_id))
        .await
        .is_err()
    {
        return Err(AccountError::Throttled);
    }
    let (link, mail) = registration::verification_link(
        LinkMailer {
            settings,
            master: services.master,
            wording,
        },
        NewLink {
            user: actor.user_id,
            email: &new_email,
            previous_email: Some(&user.email),
            return_to: None,
        },
        now,
    )
    .map_err(AccountError::Mail)?;
    services.store.insert_verification(None, link, mail).await?;
    services.metrics.account_event("email_change_requested");
    audit::record(
        services.store,
        &actor.audit_actor(),
        AuditAction::UserRequestEmailChange,
        &actor.subject(),
        serde_json::json!({}),
        now,
    )
    .await;
    Ok(new_email)
}

/// The address the user asked to move to and has not confirmed yet, if any.
pub async fn pending_email_change(
    store: &Store,
    user: &User,
    now: i64,
) -> Result<Option<String>, StoreError> {
    store.pending_email_change(&user.id, &user.email, now).await
}

/// Ends one of the actor's sessions or refresh-token families; one that is not the actor's is
/// [`AccountError::NotFound`], whether or not it exists.
pub async fn revoke_device(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    kind: DeviceKind,
    id: &str,
    now: i64,
) -> Result<(), AccountError> {
    let (owned, what) = match kind {
        DeviceKind::Session => (
            services.store.session_belongs_to(id, actor.user_id).await?,
            "session",
        ),
        DeviceKind::Family => (
            services.store.family_belongs_to(id, actor.user_id).await?,
            "refresh_token_family",
        ),
    };
    if !owned {
        return Err(AccountError::NotFound);
    }
    match kind {
        DeviceKind::Session => {
            services
                .revocations
                .revoke_session(id, "revoked by the user", now)
                .await?;
        }
        DeviceKind::Family => {
            services
                .revocations
                .revoke_family(id, "revoked by the user", now)
                .await?;
        }
    }
    audit::record(
        services.store,
        &actor.audit_actor(),
        AuditAction::SessionRevoke,
        &actor.subject(),
        serde_json::json!({ "kind": what, "id": id }),
        now,
    )
    .await;
    Ok(())
}

/// Logs the actor out everywhere, this browser included.
pub async fn log_out_everywhere(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    now: i64,
) -> Result<(), AccountError> {
    let ended = services
        .revocations
        .revoke_user(actor.user_id, "logged out everywhere", now)
        .await?;
    audit::record(
        services.store,
        &actor.audit_actor(),
        AuditAction::UserRevokeSessions,
        &actor.subject(),
        serde_json::json!({
            "sessions": ended.sessions,
            "refresh_token_families": ended.families,
            "by": "user",
        }),
        now,
    )
    .await;
    Ok(())
}

/// Deletes the actor's account: `password` must be right. Everything the user holds is revoked and the user's
/// access tokens are refused until they expire; the audit records about the user stay (they are the record).
pub async fn delete_account(
    services: &AccountServices<'_>,
    actor: &AccountActor<'_>,
    password: &Password,
    now: i64,
) -> Result<(), AccountError> {
    let (user, verified_hash) = check_password(services, actor, password, now).await?;
    let revoked_at_ms = services.revocations.user_revocation_ms(now);
    let deleted = services
        .store
        .delete_user_everywhere(
            actor.user_id,
            &verified_hash,
            now,
            revoked_at_ms,
            services.revocations.user_entry_expiry(revoked_at_ms),
        )
        .await?;
    if !deleted {
        return Err(AccountError::WrongPassword);
    }
    services.revocations.refill().await;
    services.metrics.account_event("deleted");
    audit::record(
        services.store,
        &actor.audit_actor(),
        AuditAction::UserDelete,
        &actor.subject(),
        serde_json::json!({ "source": user.source }),
        now,
    )
    .await;
    Ok(())
}

/// What Latchkey holds about the user, as JSON: the profile, the live sessions and refresh-token families, and the
/// audit records about the user. Never a password hash or a token.
pub async fn export(
    store: &Store,
    user_id: &UserId,
    now: i64,
) -> Result<serde_json::Value, AccountError> {
    let user = profile(store, user_id).await?.ok_or(AccountError::Gone)?;
    let devices = devices(store, user_id, now).await?;
    let sessions: Vec<_> = devices
        .sessions
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id,
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "source": s.source,
                "expires_at": s.expires_at,
            })
        })
        .collect();
    let families: Vec<_> = devices
        .families
        .iter()
        .map(|f| {
            serde_json::json!({
                "id": f.id,
                "client_id": f.client_id,
                "created_at": f.created_at,
                "last_used_at": f.last_used_at,
                "expires_at": f.expires_at,
            })
        })
        .collect();
    // Passkeys (issue 20): what the account page shows of them, never the key material.
    let passkeys: Vec<_> = store
        .passkeys_of(user_id)
        .await?
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id,
                "name": p.name,
                "created_at": p.created_at,
                "last_used_at": p.last_used_at,
                "backup_eligible": p.backup_eligible,
            })
        })
        .collect();
    let audit: Vec<AuditRecord> = store
        .audit_about(&format!("user:{user_id}"))
        .await?
        .into_iter()
        .map(AuditRecord::from_row)
        .collect();
    Ok(serde_json::json!({
        "exported_at": now,
        "profile": user,
        "sessions": sessions,
        "refresh_token_families": families,
        "passkeys": passkeys,
        "audit": audit,
    }))
}
