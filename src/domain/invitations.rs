//! Invitations (DESIGN.md §22): an operator invites an address (CLI `users invite`, admin API); the invitee opens the
//! mailed link, chooses a password (and a username) and has an account whose address is verified by that very link.
//! Invitations expire, can be listed and revoked, and are audited. With `registration = "invite"` they are the only
//! way in besides operators creating accounts.

use serde::Serialize;

use crate::domain::audit::{self, Actor, AuditAction};
use crate::domain::letters::{Letter, Wording};
use crate::domain::passwords::{Password, PasswordHasher};
use crate::domain::signing::MasterKey;
use crate::domain::users::{UserError, check_roles, check_tenant, check_username, normalize_email};
use crate::store::invitations::InvitationRow;
use crate::store::users::NewUserRow;
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;
use crate::values::roles::Roles;
use crate::values::secret::PlainToken;

/// Prefix of invitation tokens, so secret scanners can recognise one.
pub const INVITATION_PREFIX: &str = "lk_iv_";

/// How the account came to be (the `source` of a user).
pub const SOURCE_INVITATION: &str = "invitation";

/// Most invitations listed.
const LIST_LIMIT: i64 = 1000;

#[derive(Clone, Debug)]
pub struct InvitationSettings {
    /// Seconds a link works.
    pub ttl: i64,
    /// The base URL links are built from (`public_url`, else the issuer).
    pub public_url: String,
}

/// What an operator asks for.
#[derive(Debug, Clone, Default)]
pub struct NewInvitation {
    pub email: String,
    pub roles: Vec<String>,
    pub tenant: Option<String>,
}

/// An invitation as operators see it (never its link).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub roles: Vec<String>,
    pub tenant: Option<String>,
    /// `pending`, `accepted`, `expired` or `revoked`.
    pub status: &'static str,
    pub invited_by: String,
    /// UNIX seconds.
    pub created_at: i64,
    pub expires_at: i64,
    /// The account it became, once accepted.
    pub user_id: Option<String>,
}

impl Invitation {
    fn from_row(row: &InvitationRow, now: i64) -> Self {
        let status = if row.accepted_at.is_some() {
            "accepted"
        } else if row.revoked_at.is_some() {
            "revoked"
        } else if row.expires_at <= now {
            "expired"
        } else {
            "pending"
        };
        Self {
            id: row.id.clone(),
            email: row.email.clone(),
            roles: row.roles.as_slice().to_vec(),
            tenant: row.tenant.clone(),
            status,
            invited_by: row.invited_by.clone(),
            created_at: row.created_at,
            expires_at: row.expires_at,
            user_id: row.user_id.clone(),
        }
    }
}

/// Invites `new.email`: checked like a new user, refused when an account has the address already (operators may
/// know that), stored with its mail in one transaction, audited.
pub async fn invite(
    store: &Store,
    master: &MasterKey,
    settings: &InvitationSettings,
    wording: Wording<'_>,
    new: NewInvitation,
    actor: &Actor,
    now: i64,
) -> Result<Invitation, UserError> {
    let email = normalize_email(&new.email)?;
    check_roles(&new.roles)?;
    check_tenant(new.tenant.as_deref())?;
    if store.find_user_by_email(&email).await?.is_some() {
        return Err(UserError::Conflict);
    }
    let token = PlainToken::generate(INVITATION_PREFIX);
    let link = format!(
        "{}/invitation?token={}",
        settings.public_url.trim_end_matches('/'),
        token.expose()
    );
    let mail = wording
        .write(Letter::Invitation { link: &link })
        .to(&email)
        .into_outbox(master, now)
        .map_err(|e| UserError::Store(StoreError::Unavailable(e)))?;
    let row = InvitationRow {
        id: uuid::Uuid::now_v7().to_string(),
        token_hash: token.hash(),
        email,
        roles: Roles::new(new.roles),
        tenant: new.tenant,
        invited_by: actor.name.clone(),
        created_at: now,
        expires_at: now + settings.ttl,
        accepted_at: None,
        revoked_at: None,
        user_id: None,
    };
    store.insert_invitation(row.clone(), mail).await?;
    let invitation = Invitation::from_row(&row, now);
    audit::record(
        store,
        actor,
        AuditAction::UserInvite,
        &format!("invitation:{}", row.id),
        serde_json::json!({ "email": invitation.email, "roles": invitation.roles, "tenant": invitation.tenant }),
        now,
    )
    .await;
    Ok(invitation)
}

/// The newest invitations, whatever their status.
pub async fn list(store: &Store, now: i64) -> Result<Vec<Invitation>, StoreError> {
    Ok(store
        .list_invitations(LIST_LIMIT)
        .await?
        .iter()
        .map(|row| Invitation::from_row(row, now))
        .collect())
}

/// Revokes a pending invitation: its link stops working. Audited.
pub async fn revoke(store: &Store, id: &str, actor: &Actor, now: i64) -> Result<(), UserError> {
    if !store.revoke_invitation(id, now).await? {
        return Err(UserError::NotFound(id.to_owned()));
    }
    audit::record(
        store,
        actor,
        AuditAction::UserInviteRevoke,
        &format!("invitation:{id}"),
        serde_json::json!({}),
        now,
    )
    .await;
    Ok(())
}

/// The invitation behind a link, if it can still be used (the page shows its form only then). Consumes nothing.
pub async fn usable(
    store: &Store,
    token: &PlainToken,
    now: i64,
) -> Result<Option<Invitation>, StoreError> {
    Ok(store
        .find_usable_invitation(&token.hash(), now)
        .await?
        .map(|row| Invitation::from_row(&row, now)))
}

/// Why accepting failed, for the invitee.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// Unknown, used, revoked or expired.
    #[error("the invitation can't be used")]
    Unusable,
    #[error("the username is taken")]
    UsernameTaken,
    #[error(transparent)]
    User(#[from] UserError),
}

/// Accepts the invitation of `token`: creates the account (its address verified by the link, the operator's roles
/// and tenant) with `password` and `username`, once. Audited as the new user.
pub async fn accept(
    store: &Store,
    hasher: &PasswordHasher,
    token: &PlainToken,
    username: Option<&str>,
    password: &Password,
    address: std::net::IpAddr,
    now: i64,
) -> Result<UserId, AcceptError> {
    let hash = token.hash();
    let Some(invitation) = store
        .find_usable_invitation(&hash, now)
        .await
        .map_err(UserError::from)?
    else {
        return Err(AcceptError::Unusable);
    };
    if let Some(username) = username {
        check_username(username)?;
    }
    let password_hash = hasher.hash(password).await.map_err(UserError::from)?;
    let id = UserId::new(uuid::Uuid::now_v7().to_string());
    let user = NewUserRow {
        id: id.clone(),
        email: invitation.email.clone(),
        username: username.map(str::to_owned),
        password_hash,
        roles: invitation.roles.clone(),
        tenant: invitation.tenant.clone(),
        disabled: false,
        created_at: now,
        updated_at: now,
        email_verified: true,
        source: SOURCE_INVITATION.to_owned(),
        display_name: None,
    };
    match store.accept_invitation(hash, user, now).await {
        Ok(true) => {}
        // The username is someone's (or, rarely, the address got an account meanwhile: the form says the name).
        Err(StoreError::Conflict) if username.is_some() => return Err(AcceptError::UsernameTaken),
        // The link was used meanwhile, or an operator gave the address an account.
        Ok(false) | Err(StoreError::Conflict) => return Err(AcceptError::Unusable),
        Err(e) => return Err(UserError::from(e).into()),
    }
    audit::record(
        store,
        &Actor::end_user(id.as_str(), Some(address)),
        AuditAction::UserAcceptInvitation,
        &format!("user:{id}"),
        serde_json::json!({ "invitation": invitation.id }),
        now,
    )
    .await;
    Ok(id)
}
