//! What a sign-in proved: its authentication methods (RFC 8176 `amr` values) and the level they reach (`acr`,
//! OIDC Core §2). Stored with the session, the authorization code and the refresh-token family as the space-separated
//! `amr` values, so every token issued from a sign-in says how it was made.

use std::collections::BTreeSet;

/// An authentication method reference (RFC 8176 §2). Passkeys add `hwk`/`swk` and `user` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// A password (RFC 8176 `pwd`).
    Password,
    /// A one-time password: a TOTP code or a recovery code (RFC 8176 `otp`).
    OneTimePassword,
    /// A passkey bound to its device (RFC 8176 `hwk`: not backup eligible).
    HardwareKey,
    /// A passkey that may be synced (RFC 8176 `swk`: backup eligible).
    SoftwareKey,
    /// The authenticator verified the user (PIN or biometric) for a passkey (RFC 8176 `user`).
    UserVerification,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "pwd",
            Self::OneTimePassword => "otp",
            Self::HardwareKey => "hwk",
            Self::SoftwareKey => "swk",
            Self::UserVerification => "user",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "pwd" => Some(Self::Password),
            "otp" => Some(Self::OneTimePassword),
            "hwk" => Some(Self::HardwareKey),
            "swk" => Some(Self::SoftwareKey),
            "user" => Some(Self::UserVerification),
            _ => None,
        }
    }
}

/// The methods a sign-in used. `mfa` (RFC 8176 §2) is not stored: it is said whenever two methods were used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthMethods(BTreeSet<Method>);

impl AuthMethods {
    /// A password alone.
    pub fn password() -> Self {
        Self(BTreeSet::from([Method::Password]))
    }

    /// Exactly `methods` (a passkey sign-in: no password).
    pub fn of(methods: &[Method]) -> Self {
        Self(methods.iter().copied().collect())
    }

    /// These methods and `method`.
    #[must_use]
    pub fn with(mut self, method: Method) -> Self {
        self.0.insert(method);
        self
    }

    /// These methods and `other`'s (a password and the passkey that confirmed it).
    #[must_use]
    pub fn and(mut self, other: &Self) -> Self {
        self.0.extend(other.0.iter().copied());
        self
    }

    /// Parses stored text; unknown words are ignored (a later version's methods), and nothing at all reads as a
    /// password sign-in (rows from before methods were recorded).
    pub fn parse(stored: &str) -> Self {
        let methods: BTreeSet<Method> = stored.split(' ').filter_map(Method::parse).collect();
        if methods.is_empty() {
            Self::password()
        } else {
            Self(methods)
        }
    }

    /// The stored form: the methods, space-separated.
    pub fn stored(&self) -> String {
        self.0
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// More than one factor: a second factor was passed.
    pub fn is_multi_factor(&self) -> bool {
        self.0.len() > 1
    }

    /// The `amr` claim (RFC 8176): the methods, and `mfa` when there are several.
    pub fn claim(&self) -> Vec<&'static str> {
        let mut amr: Vec<&'static str> = self.0.iter().map(|m| m.as_str()).collect();
        if self.is_multi_factor() {
            amr.push("mfa");
        }
        amr
    }

    /// The `acr` these methods reach.
    pub fn acr(&self) -> Acr {
        if self.is_multi_factor() {
            Acr::MultiFactor
        } else {
            Acr::Password
        }
    }
}

/// Authentication context class references Latchkey defines (advertised in discovery as `acr_values_supported`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Acr {
    /// One factor: a password.
    Password,
    /// A password and a second factor.
    MultiFactor,
}

impl Acr {
    pub const ALL: [Acr; 2] = [Acr::Password, Acr::MultiFactor];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "urn:latchkey:acr:pwd",
            Self::MultiFactor => "urn:latchkey:acr:mfa",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|acr| acr.as_str() == text)
    }

    /// The level `acr_values` asks for (OIDC Core §3.1.2.1, in order of preference): the lowest level among the
    /// values Latchkey knows, so any session reaching one of them satisfies the request; values it doesn't know are
    /// ignored (acr is a voluntary claim unless requested as essential, which the `claims` parameter would do).
    pub fn requested(acr_values: &str) -> Option<Self> {
        acr_values.split(' ').filter_map(Self::parse).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_and_an_otp_are_mfa_per_rfc_8176() {
        let methods = AuthMethods::password().with(Method::OneTimePassword);
        assert_eq!(methods.claim(), ["pwd", "otp", "mfa"]);
        assert_eq!(methods.acr(), Acr::MultiFactor);
        assert_eq!(AuthMethods::parse(&methods.stored()), methods);
        assert_eq!(AuthMethods::password().claim(), ["pwd"]);
        assert_eq!(AuthMethods::parse(""), AuthMethods::password());
    }

    #[test]
    fn acr_values_ask_for_the_lowest_known_level() {
        assert_eq!(
            Acr::requested("urn:latchkey:acr:mfa"),
            Some(Acr::MultiFactor)
        );
        assert_eq!(
            Acr::requested("urn:latchkey:acr:mfa urn:latchkey:acr:pwd"),
            Some(Acr::Password)
        );
        assert_eq!(Acr::requested("urn:other:loa:3"), None);
    }
}
