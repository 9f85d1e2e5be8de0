//! End users: who can log in, with which roles and tenant.

use crate::domain::audit::{self, Actor};
use crate::domain::passwords::{Password, PasswordError, PasswordHasher};
use crate::domain::preconditions::IfMatch;
use crate::domain::revocation::{RevocationError, Revocations};
use crate::domain::validation::is_plain_identifier;
use crate::store::revocations::UserRevocation;
use crate::store::users::{NewUserRow, UserAttributes, UserRow};
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;
use crate::values::roles::Roles;

/// Why a change to users was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(String),
    #[error("a user with this email or username already exists")]
    Conflict,
    #[error("user {0:?} not found")]
    NotFound(String),
    /// `If-Match` named a version that is no longer the current one.
    #[error("the user has changed since the version named in If-Match")]
    PreconditionFailed,
    /// Concurrent changes kept overtaking this one.
    #[error("the user is being changed concurrently; try again")]
    Busy,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<RevocationError> for UserError {
    fn from(e: RevocationError) -> Self {
        match e {
            RevocationError::Store(e) => e.into(),
            RevocationError::DenylistUnavailable => Self::Store(StoreError::Unavailable(
                anyhow::anyhow!("the denylist is unavailable"),
            )),
        }
    }
}

impl From<StoreError> for UserError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::Conflict,
            other => Self::Store(other),
        }
    }
}

/// A user as the domain sees it (the password hash stays in the store row).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct User {
    /// UUIDv7, assigned by Latchkey.
    #[schema(value_type = String)]
    pub id: UserId,
    /// Lowercased.
    pub email: String,
    pub username: Option<String>,
    /// The name the user is shown by: the `name` claim (OIDC Core §5.1) with the `profile` scope.
    pub display_name: Option<String>,
    /// The `roles` claim of the user's access tokens.
    pub roles: Vec<String>,
    /// The `tenant` claim.
    pub tenant: Option<String>,
    /// A disabled user can't sign in and has no live session or token.
    pub disabled: bool,
    /// The user proved control of `email` (a link mailed there was used, or an operator said so).
    pub email_verified: bool,
    /// How the account came to be: `operator` (CLI, admin API), `registration` (self-service), `invitation` or
    /// `import`.
    pub source: String,
    /// UNIX seconds.
    pub created_at: i64,
    #[serde(skip)]
    pub version: i64,
}

impl User {
    /// The strong entity tag of this version of the user (admin API `ETag`, `If-Match`).
    pub fn entity_tag(&self) -> String {
        crate::domain::preconditions::entity_tag(
            "user",
            self.id.as_str(),
            self.created_at,
            self.version,
        )
    }
}

impl User {
    /// The user a row holds (its columns were parsed when it was read).
    pub fn from_row(row: &UserRow) -> Self {
        let roles = row.roles.as_slice().to_vec();
        Self {
            id: row.id.clone(),
            email: row.email.clone(),
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            roles,
            tenant: row.tenant.clone(),
            disabled: row.disabled,
            email_verified: row.email_verified,
            source: row.source.clone(),
            created_at: row.created_at,
            version: row.version,
        }
    }

    /// Whether a correct password is enough to sign in: not while a self-registered account has not verified its
    /// address and the policy requires it (operator-created and imported accounts are vouched for by the
    /// operator).
    pub fn may_sign_in(&self, require_verified_email: bool) -> bool {
        !(require_verified_email && !self.email_verified && self.source == SOURCE_REGISTRATION)
    }
}

/// How an account came to be (the `source` of a user).
pub const SOURCE_OPERATOR: &str = "operator";
pub const SOURCE_REGISTRATION: &str = "registration";

/// What a user typed to say who they are: an email address (has `@`, matched lowercased) or a username (exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Email(String),
    Username(String),
}

impl Login {
    /// Normalises a login as typed. Usernames can't contain `@` and emails must, so a login names at most one user.
    pub fn parse(text: &str) -> Self {
        if text.contains('@') {
            Self::Email(text.to_lowercase())
        } else {
            Self::Username(text.to_owned())
        }
    }

    /// Whether this login names the user with `email` (stored lowercased) and `username`.
    pub fn names(&self, email: &str, username: Option<&str>) -> bool {
        match self {
            Self::Email(login) => login == email,
            Self::Username(login) => username == Some(login.as_str()),
        }
    }

    /// The login as one string for counting attempts (`e:` or `u:` before it, so the two never collide).
    pub fn account_key(&self) -> String {
        match self {
            Self::Email(email) => format!("e:{email}"),
            Self::Username(name) => format!("u:{name}"),
        }
    }
}

#[derive(Debug)]
pub struct NewUser {
    pub email: String,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub roles: Vec<String>,
    pub tenant: Option<String>,
    pub password: Password,
    /// The operator vouches for the address (`email_verified` is true from the start).
    pub email_verified: bool,
}

/// Checks the shape of an email address: one `@`, both sides non-empty, no spaces or controls, at most 254 bytes
/// (RFC 5321 §4.5.3.1.3). Deliverability is not our business here. Returns it lowercased.
pub fn normalize_email(email: &str) -> Result<String, UserError> {
    let email = email.trim();
    let ok = email.len() <= 254
        && email.split('@').count() == 2
        && email.split('@').all(|part| !part.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(email.to_lowercase())
    } else {
        Err(UserError::Invalid(format!(
            "{email:?} is not an email address"
        )))
    }
}

/// A role: a plain identifier that may also contain `:` (namespaced roles such as `billing:admin`).
fn is_role(role: &str) -> bool {
    !role.is_empty()
        && role.len() <= 64
        && role
            .split(':')
            .all(|part| part.is_empty() || is_plain_identifier(part, 64))
        && role.chars().any(|c| c != ':')
}

pub(crate) fn check_roles(roles: &[String]) -> Result<(), UserError> {
    match roles.iter().find(|role| !is_role(role)) {
        Some(role) => Err(UserError::Invalid(format!(
            "role {role:?} must be 1-64 characters of A-Z a-z 0-9 . _ - ~ :"
        ))),
        None if roles.len() > 100 => Err(UserError::Invalid("a user has at most 100 roles".into())),
        None => Ok(()),
    }
}

pub(crate) fn check_tenant(tenant: Option<&str>) -> Result<(), UserError> {
    match tenant {
        Some(tenant)
            if tenant.is_empty() || tenant.len() > 128 || tenant.chars().any(char::is_control) =>
        {
            Err(UserError::Invalid(
                "a tenant is 1-128 printable characters".into(),
            ))
        }
        _ => Ok(()),
    }
}

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME: usize = 100;

/// A display name as typed: trimmed; empty means none. At most [`MAX_DISPLAY_NAME`] characters, no control
/// characters (it goes into tokens and onto pages).
pub fn check_display_name(name: &str) -> Result<Option<String>, UserError> {
    let name = name.trim();
    if name.chars().count() > MAX_DISPLAY_NAME || name.chars().any(char::is_control) {
        return Err(UserError::Invalid(format!(
            "a display name is at most {MAX_DISPLAY_NAME} characters, without control characters"
        )));
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// No '@' in usernames, so a login string names at most one user.
pub(crate) fn check_username(username: &str) -> Result<(), UserError> {
    if is_plain_identifier(username, 64) {
        Ok(())
    } else {
        Err(UserError::Invalid(
            "usernames are 1-64 characters of A-Z a-z 0-9 . _ - ~".into(),
        ))
    }
}

/// Creates a user an operator asked for (CLI, admin API), audited.
pub async fn create_user(
    store: &Store,
    hasher: &PasswordHasher,
    new: NewUser,
    actor: &Actor,
    now: i64,
) -> Result<User, UserError> {
    let (row, user) = prepare_user(hasher, new, SOURCE_OPERATOR, now).await?;
    store.insert_user(row).await?;
    audit::record(
        store,
        actor,
        audit::AuditAction::UserCreate,
        &format!("user:{}", user.id),
        serde_json::to_value(&user).unwrap_or_default(),
        now,
    )
    .await;
    Ok(user)
}

/// The row for a new user (checked, the password hashed on the pool) and the user it becomes, from `source`.
pub(crate) async fn prepare_user(
    hasher: &PasswordHasher,
    new: NewUser,
    source: &str,
    now: i64,
) -> Result<(NewUserRow, User), UserError> {
    let email = normalize_email(&new.email)?;
    if let Some(username) = &new.username {
        check_username(username)?;
    }
    let display_name = match &new.display_name {
        Some(name) => check_display_name(name)?,
        None => None,
    };
    check_roles(&new.roles)?;
    check_tenant(new.tenant.as_deref())?;
    let password_hash = hasher.hash(&new.password).await?;
    let id = UserId::new(uuid::Uuid::now_v7().to_string());
    let row = NewUserRow {
        id: id.clone(),
        email: email.clone(),
        username: new.username.clone(),
        password_hash,
        roles: Roles::new(new.roles.clone()),
        tenant: new.tenant.clone(),
        disabled: false,
        created_at: now,
        updated_at: now,
        email_verified: new.email_verified,
        source: source.to_owned(),
        display_name: display_name.clone(),
    };
    let user = User {
        id,
        email,
        username: new.username,
        display_name,
        roles: new.roles,
        tenant: new.tenant,
        disabled: false,
        email_verified: new.email_verified,
        source: source.to_owned(),
        created_at: now,
        version: 0,
    };
    Ok((row, user))
}

/// Up to `limit` users after the user id `after`, in creation order.
pub async fn page_users(
    store: &Store,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<User>, UserError> {
    Ok(store
        .users_page(after, limit)
        .await?
        .iter()
        .map(User::from_row)
        .collect())
}

/// The user with this (normalised) email address, if any.
pub async fn find_by_email(store: &Store, email: &str) -> Result<Option<User>, UserError> {
    Ok(store
        .find_user_by_email(email)
        .await?
        .as_ref()
        .map(User::from_row))
}

/// The user with this id.
pub async fn get_user(store: &Store, id: &UserId) -> Result<User, UserError> {
    match store.find_user(id).await? {
        Some(row) => Ok(User::from_row(&row)),
        None => Err(UserError::NotFound(id.to_string())),
    }
}

/// What an update may change; `None` leaves a field as it is (`tenant: Some(None)` removes the tenant).
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub roles: Option<Vec<String>>,
    pub tenant: Option<Option<String>>,
    pub disabled: Option<bool>,
    /// `Some(None)` removes the username.
    pub username: Option<Option<String>>,
    /// `Some(None)` removes the display name.
    pub display_name: Option<Option<String>>,
}

/// Changes a user's roles, tenant or disabled flag. With `if_match`, only while the user is still at a tag it names
/// (RFC 9110 §13.1.1). Disabling logs the user out everywhere, as [`set_disabled`] does. New roles and tenant reach
/// tokens issued from now on (a refresh re-reads them).
pub async fn update_user(
    store: &Store,
    revocations: &Revocations,
    actor: &Actor,
    id: &UserId,
    changes: UserChanges,
    if_match: Option<&IfMatch>,
    now: i64,
) -> Result<User, UserError> {
    if let Some(roles) = &changes.roles {
        check_roles(roles)?;
    }
    if let Some(tenant) = &changes.tenant {
        check_tenant(tenant.as_deref())?;
    }
    if let Some(Some(username)) = &changes.username {
        check_username(username)?;
    }
    let display_name = match &changes.display_name {
        Some(Some(name)) => Some(check_display_name(name)?),
        Some(None) => Some(None),
        None => None,
    };
    // Without a precondition, a concurrent change is retried on the new version rather than lost or refused.
    for _ in 0..3 {
        let current = get_user(store, id).await?;
        if let Some(condition) = if_match
            && !condition.matches(&current.entity_tag())
        {
            return Err(UserError::PreconditionFailed);
        }
        let roles = changes.roles.clone().unwrap_or(current.roles.clone());
        let tenant = changes.tenant.clone().unwrap_or(current.tenant.clone());
        let disabled = changes.disabled.unwrap_or(current.disabled);
        let username = changes.username.clone().unwrap_or(current.username.clone());
        let display_name = display_name.clone().unwrap_or(current.display_name.clone());
        let attributes = UserAttributes {
            roles: Roles::new(roles.clone()),
            tenant: tenant.clone(),
            disabled,
            username: username.clone(),
            display_name: display_name.clone(),
        };
        if store
            .update_user_attributes(id, current.version, attributes, now)
            .await?
        {
            if disabled && !current.disabled {
                revocations.revoke_user(id, "user disabled", now).await?;
            }
            // What was asked to change, with its new value (`tenant: null` = removed).
            let mut detail = serde_json::Map::new();
            if changes.roles.is_some() {
                detail.insert("roles".into(), roles.into());
            }
            if changes.tenant.is_some() {
                detail.insert("tenant".into(), tenant.into());
            }
            if let Some(disabled) = changes.disabled {
                detail.insert("disabled".into(), disabled.into());
            }
            if changes.username.is_some() {
                detail.insert("username".into(), username.into());
            }
            if changes.display_name.is_some() {
                detail.insert("display_name".into(), display_name.into());
            }
            let action = if actor.is_end_user() {
                audit::AuditAction::UserUpdateProfile
            } else {
                audit::AuditAction::UserUpdate
            };
            audit::record(
                store,
                actor,
                action,
                &format!("user:{id}"),
                detail.into(),
                now,
            )
            .await;
            return get_user(store, id).await;
        }
        if if_match.is_some() {
            return Err(UserError::PreconditionFailed);
        }
    }
    Err(UserError::Busy)
}

pub async fn list_users(store: &Store) -> Result<Vec<User>, UserError> {
    Ok(store
        .list_users()
        .await?
        .iter()
        .map(User::from_row)
        .collect())
}

/// A user named by id, email or username (as operators type them).
async fn find(store: &Store, who: &str) -> Result<UserRow, UserError> {
    match store.find_user(&UserId::new(who)).await? {
        Some(row) => Ok(row),
        None => match Login::parse(who) {
            Login::Email(email) => store.find_user_by_email(&email).await?,
            Login::Username(name) => store.find_user_by_username(&name).await?,
        }
        .ok_or_else(|| UserError::NotFound(who.to_owned())),
    }
}

/// The user `who` names: an id, an email address or a username (the CLI's way of naming users).
pub async fn lookup(store: &Store, who: &str) -> Result<User, UserError> {
    find(store, who).await.map(|row| User::from_row(&row))
}

/// Disables (or enables) a user. Disabling also logs the user out everywhere: every session, refresh-token family
/// and access token issued so far is revoked.
pub async fn set_disabled(
    store: &Store,
    revocations: &Revocations,
    actor: &Actor,
    who: &str,
    disabled: bool,
    now: i64,
) -> Result<User, UserError> {
    let row = find(store, who).await?;
    store.set_user_disabled(&row.id, disabled, now).await?;
    if disabled {
        revocations
            .revoke_user(&row.id, "user disabled", now)
            .await?;
    }
    let action = if disabled {
        audit::AuditAction::UserDisable
    } else {
        audit::AuditAction::UserEnable
    };
    audit::record(
        store,
        actor,
        action,
        &format!("user:{}", row.id),
        serde_json::json!({}),
        now,
    )
    .await;
    let mut user = User::from_row(&row);
    user.disabled = disabled;
    Ok(user)
}

/// Logout everywhere: revokes every session, refresh-token family and access token of the user.
pub async fn revoke_sessions(
    store: &Store,
    revocations: &Revocations,
    actor: &Actor,
    who: &str,
    now: i64,
) -> Result<(User, UserRevocation), UserError> {
    let row = find(store, who).await?;
    let ended = revocations
        .revoke_user(&row.id, "logged out everywhere", now)
        .await?;
    audit::record(
        store,
        actor,
        audit::AuditAction::UserRevokeSessions,
        &format!("user:{}", row.id),
        serde_json::json!({ "families_revoked": ended.families, "sessions_revoked": ended.sessions }),
        now,
    )
    .await;
    Ok((User::from_row(&row), ended))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape_and_lowercased() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "ada",
            "@x",
            "ada@",
            "a@b@c",
            "a da@x.org",
            &format!("{}@x.org", "a".repeat(250)),
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_login_with_an_at_sign_is_an_email_and_is_lowercased() {
        assert_eq!(
            Login::parse("Ada@Example.ORG"),
            Login::Email("ada@example.org".into())
        );
        assert_eq!(Login::parse("Ada"), Login::Username("Ada".into()));
    }

    #[test]
    fn a_colon_in_a_role_does_not_skip_the_other_rules() {
        for good in ["admin", "billing:admin", "urn:acme:reader", "a.b_c-d~e"] {
            assert!(is_role(good), "{good}");
        }
        for bad in [
            "",
            ":",
            "::",
            "a:b c",
            "a:<script>",
            "x:\n",
            "ns:é",
            &format!("a:{}", "b".repeat(63)),
        ] {
            assert!(!is_role(bad), "{bad:?}");
        }
    }
}
