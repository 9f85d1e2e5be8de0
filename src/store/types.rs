//! Values typed at the storage boundary: what a column holds is parsed once, when the row is read, so domain code
//! compares enums, never strings. Each maps to a `TEXT` column on both backends.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Binary, Text};

use crate::values::secret::TokenHash;

/// Implements `FromSql`/`ToSql` for `Text` on every backend through `parse`/`as_str`.
macro_rules! text_column {
    ($ty:ty, $what:literal) => {
        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                <$ty>::parse(&text)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " {:?}"), text).into())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// What an audit record says was done (`audit_log.action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum AuditAction {
    UserCreate,
    UserUpdate,
    UserRevokeSessions,
    UserDisable,
    UserEnable,
    UserRegister,
    UserVerifyEmail,
    UserInvite,
    UserInviteRevoke,
    UserAcceptInvitation,
    UserImport,
    // The account page (issue 18).
    UserChangePassword,
    UserDelete,
    UserUpdateProfile,
    UserRequestEmailChange,
    UserChangeEmail,
    SessionRevoke,
    // Second factors (issue 20).
    UserEnrolTotp,
    UserUseRecoveryCode,
    UserRegenerateRecoveryCodes,
    UserRemoveMfa,
    UserResetMfa,
    // Consent to third-party clients (issue 19).
    ConsentGrant,
    ConsentRevoke,
    // Passkeys (issue 20).
    PasskeyAdd,
    PasskeyRename,
    PasskeyRemove,
    ClientCreate,
    ClientUpdate,
    ClientRotateSecret,
    ClientDelete,
    KeyRotate,
    KeyPromote,
    KeyRevoke,
}

impl AuditAction {
    pub const ALL: [AuditAction; 34] = [
        Self::UserCreate,
        Self::UserUpdate,
        Self::UserRevokeSessions,
        Self::UserDisable,
        Self::UserEnable,
        Self::UserRegister,
        Self::UserVerifyEmail,
        Self::UserInvite,
        Self::UserInviteRevoke,
        Self::UserAcceptInvitation,
        Self::UserImport,
        Self::UserChangePassword,
        Self::UserDelete,
        Self::UserUpdateProfile,
        Self::UserRequestEmailChange,
        Self::UserChangeEmail,
        Self::SessionRevoke,
        Self::UserEnrolTotp,
        Self::UserUseRecoveryCode,
        Self::UserRegenerateRecoveryCodes,
        Self::UserRemoveMfa,
        Self::UserResetMfa,
        Self::ConsentGrant,
        Self::ConsentRevoke,
        Self::PasskeyAdd,
        Self::PasskeyRename,
        Self::PasskeyRemove,
        Self::ClientCreate,
        Self::ClientUpdate,
        Self::ClientRotateSecret,
        Self::ClientDelete,
        Self::KeyRotate,
        Self::KeyPromote,
        Self::KeyRevoke,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == text)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::UserCreate => "user.create",
            Self::UserUpdate => "user.update",
            Self::UserRevokeSessions => "user.revoke_sessions",
            Self::UserDisable => "user.disable",
            Self::UserEnable => "user.enable",
            Self::UserRegister => "user.register",
            Self::UserVerifyEmail => "user.verify_email",
            Self::UserInvite => "user.invite",
            Self::UserInviteRevoke => "user.invite_revoke",
            Self::UserAcceptInvitation => "user.accept_invitation",
            Self::UserImport => "user.import",
            Self::UserChangePassword => "user.change_password",
            Self::UserDelete => "user.delete",
            Self::UserUpdateProfile => "user.update_profile",
            Self::UserRequestEmailChange => "user.request_email_change",
            Self::UserChangeEmail => "user.change_email",
            Self::SessionRevoke => "session.revoke",
            Self::UserEnrolTotp => "user.mfa_enrol",
            Self::UserUseRecoveryCode => "user.mfa_recovery_code_used",
            Self::UserRegenerateRecoveryCodes => "user.mfa_recovery_codes_regenerated",
            Self::UserRemoveMfa => "user.mfa_remove",
            Self::UserResetMfa => "user.mfa_reset",
            Self::ConsentGrant => "consent.grant",
            Self::ConsentRevoke => "consent.revoke",
            Self::PasskeyAdd => "passkey.add",
            Self::PasskeyRename => "passkey.rename",
            Self::PasskeyRemove => "passkey.remove",
            Self::ClientCreate => "client.create",
            Self::ClientUpdate => "client.update",
            Self::ClientRotateSecret => "client.rotate_secret",
            Self::ClientDelete => "client.delete",
            Self::KeyRotate => "key.rotate",
            Self::KeyPromote => "key.promote",
            Self::KeyRevoke => "key.revoke",
        }
    }
}

text_column!(AuditAction, "audit action");

/// States a signing key moves through (DESIGN.md §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow, serde::Serialize)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    Next,
    Active,
    Retired,
    Revoked,
}

impl KeyState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "next" => Some(Self::Next),
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

text_column!(KeyState, "key state");

/// Grants a client may be allowed to use at `/token` (RFC 6749 §4, RFC 6749 §6).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
    RefreshToken,
    AuthorizationCode,
    ClientCredentials,
}

impl GrantType {
    /// Every grant type a client can be registered for.
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::ClientCredentials,
        GrantType::Password,
        GrantType::RefreshToken,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "password" => Some(Self::Password),
            "refresh_token" => Some(Self::RefreshToken),
            "authorization_code" => Some(Self::AuthorizationCode),
            "client_credentials" => Some(Self::ClientCredentials),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::RefreshToken => "refresh_token",
            Self::AuthorizationCode => "authorization_code",
            Self::ClientCredentials => "client_credentials",
        }
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The grant types of a client: a space-separated `TEXT` column, a sorted set in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, AsExpression, FromSqlRow, serde::Serialize)]
#[serde(transparent)]
#[diesel(sql_type = Text)]
pub struct GrantTypes(Vec<GrantType>);

impl GrantTypes {
    pub fn new(grants: impl IntoIterator<Item = GrantType>) -> Self {
        let mut grants: Vec<_> = grants.into_iter().collect();
        grants.sort();
        grants.dedup();
        Self(grants)
    }

    pub fn contains(&self, grant: GrantType) -> bool {
        self.0.contains(&grant)
    }

    pub fn iter(&self) -> impl Iterator<Item = GrantType> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn parse(text: &str) -> Option<Self> {
        text.split(' ')
            .filter(|g| !g.is_empty())
            .map(GrantType::parse)
            .collect::<Option<Vec<_>>>()
            .map(Self::new)
    }

    fn to_text(&self) -> String {
        self.0
            .iter()
            .map(GrantType::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl<DB: Backend> FromSql<Text, DB> for GrantTypes
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        Self::parse(&text).ok_or_else(|| format!("unknown grant type in {text:?}").into())
    }
}

impl ToSql<Text, diesel::sqlite::Sqlite> for GrantTypes {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
        out.set_value(self.to_text());
        Ok(serialize::IsNull::No)
    }
}

impl ToSql<Text, diesel::pg::Pg> for GrantTypes {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(self.to_text().as_bytes())?;
        Ok(serialize::IsNull::No)
    }
}

/// How a client authenticates at the token endpoint (RFC 7591 §2, `token_endpoint_auth_method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow, serde::Serialize)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    /// HTTP Basic with the client secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// A public client: `client_id` alone, proof by PKCE where a code is involved.
    None,
}

impl TokenEndpointAuthMethod {
    pub const ALL: [TokenEndpointAuthMethod; 3] =
        [Self::ClientSecretBasic, Self::ClientSecretPost, Self::None];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_post" => Some(Self::ClientSecretPost),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

text_column!(TokenEndpointAuthMethod, "token endpoint auth method");

/// What a revocation log entry names (the feed's `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow, serde::Serialize)]
#[diesel(sql_type = Text)]
pub enum RevocationKind {
    /// One access token, by `jti`.
    #[serde(rename = "jti")]
    Token,
    /// Every access token issued in a refresh-token family, by the `sid` they carry.
    #[serde(rename = "sid")]
    Family,
    /// Every access token of a user (`sub`) issued at or before the entry's millisecond (`RevocationRow::revoked_ms`).
    #[serde(rename = "sub")]
    User,
}

impl RevocationKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Token => "jti",
            Self::Family => "sid",
            Self::User => "sub",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "jti" => Some(Self::Token),
            "sid" => Some(Self::Family),
            "sub" => Some(Self::User),
            _ => None,
        }
    }
}

text_column!(RevocationKind, "revocation kind");

impl<DB: Backend> FromSql<Binary, DB> for TokenHash
where
    Vec<u8>: FromSql<Binary, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let bytes = Vec::<u8>::from_sql(bytes)?;
        TokenHash::from_stored(&bytes).ok_or_else(|| "a stored token hash is not 32 bytes".into())
    }
}

impl<DB: Backend> ToSql<Binary, DB> for TokenHash
where
    [u8]: ToSql<Binary, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_bytes().to_sql(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_back_what_it_writes() {
        for state in [
            KeyState::Next,
            KeyState::Active,
            KeyState::Retired,
            KeyState::Revoked,
        ] {
            assert_eq!(KeyState::parse(state.as_str()), Some(state));
        }
        for grant in GrantType::ALL {
            assert_eq!(GrantType::parse(grant.as_str()), Some(grant));
        }
        for method in TokenEndpointAuthMethod::ALL {
            assert_eq!(
                TokenEndpointAuthMethod::parse(method.as_str()),
                Some(method)
            );
        }
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(KeyState::parse("Active"), None);
    }

    #[test]
    fn grant_type_sets_are_sorted_and_deduplicated() {
        let set = GrantTypes::parse("refresh_token password refresh_token").unwrap();
        assert_eq!(set.to_text(), "password refresh_token");
        assert!(GrantTypes::parse("password implicit").is_none());
    }
}
