//! End users: who can log in, with which roles and tenant.

use crate::passwords::{Password, PasswordError, PasswordHasher};
use crate::revocation::{RevocationError, Revocations};
use crate::store::revocations::UserRevocation;
use crate::store::users::{NewUserRow, UserRow};
use crate::store::{Store, StoreError};
use crate::validation::is_plain_identifier;

/// Why a change to users was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(String),
    #[error("a user with this email or username already exists")]
    Conflict,
    #[error("user {0:?} not found")]
    NotFound(String),
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
            StoreError::Conflict(_) => Self::Conflict,
            other => Self::Store(other),
        }
    }
}

/// A user as the domain sees it (the password hash stays in the store row).
#[derive(Clone, Debug, serde::Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub username: Option<String>,
    pub roles: Vec<String>,
    pub tenant: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
}

impl User {
    pub fn from_row(row: &UserRow) -> Result<Self, StoreError> {
        let roles = serde_json::from_str(&row.roles)
            .map_err(|_| StoreError::Corrupt(format!("user {}: roles", row.id)))?;
        Ok(Self {
            id: row.id.clone(),
            email: row.email.clone(),
            username: row.username.clone(),
            roles,
            tenant: row.tenant.clone(),
            disabled: row.disabled,
            created_at: row.created_at,
        })
    }
}

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
    pub roles: Vec<String>,
    pub tenant: Option<String>,
    pub password: Password,
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

pub async fn create_user(
    store: &Store,
    hasher: &PasswordHasher,
    new: NewUser,
    now: i64,
) -> Result<User, UserError> {
    let email = normalize_email(&new.email)?;
    // No '@' in usernames, so a login string names at most one user.
    if let Some(username) = &new.username
        && !is_plain_identifier(username, 64)
    {
        return Err(UserError::Invalid(
            "usernames are 1-64 characters of A-Z a-z 0-9 . _ - ~".into(),
        ));
    }
    for role in &new.roles {
        if !is_role(role) {
            return Err(UserError::Invalid(format!(
                "role {role:?} must be 1-64 characters of A-Z a-z 0-9 . _ - ~ :"
            )));
        }
    }
    if let Some(tenant) = &new.tenant
        && (tenant.is_empty() || tenant.len() > 128 || tenant.chars().any(char::is_control))
    {
        return Err(UserError::Invalid(
            "a tenant is 1-128 printable characters".into(),
        ));
    }
    let password_hash = hasher.hash(&new.password).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let row = NewUserRow {
        id: id.clone(),
        email: email.clone(),
        username: new.username.clone(),
        password_hash,
        roles: serde_json::Value::from(new.roles.clone()).to_string(),
        tenant: new.tenant.clone(),
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    store.insert_user(row).await?;
    Ok(User {
        id,
        email,
        username: new.username,
        roles: new.roles,
        tenant: new.tenant,
        disabled: false,
        created_at: now,
    })
}

pub async fn list_users(store: &Store) -> Result<Vec<User>, UserError> {
    Ok(store
        .list_users()
        .await?
        .iter()
        .map(User::from_row)
        .collect::<Result<_, _>>()?)
}

/// A user named by id, email or username (as operators type them).
async fn find(store: &Store, who: &str) -> Result<UserRow, UserError> {
    match store.find_user(who).await? {
        Some(row) => Ok(row),
        None => match Login::parse(who) {
            Login::Email(email) => store.find_user_by_email(&email).await?,
            Login::Username(name) => store.find_user_by_username(&name).await?,
        }
        .ok_or_else(|| UserError::NotFound(who.to_owned())),
    }
}

/// Disables (or enables) a user. Disabling also logs the user out everywhere: every session, refresh-token family
/// and access token issued so far is revoked.
pub async fn set_disabled(
    store: &Store,
    revocations: &Revocations,
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
    let mut user = User::from_row(&row)?;
    user.disabled = disabled;
    Ok(user)
}

/// Logout everywhere: revokes every session, refresh-token family and access token of the user.
pub async fn revoke_sessions(
    store: &Store,
    revocations: &Revocations,
    who: &str,
    now: i64,
) -> Result<(User, UserRevocation), UserError> {
    let row = find(store, who).await?;
    let ended = revocations
        .revoke_user(&row.id, "logged out everywhere", now)
        .await?;
    Ok((User::from_row(&row)?, ended))
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
