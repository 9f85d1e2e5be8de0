//! Strong authentication (issue 20): second factors after the password, the policies that require them, and what a
//! sign-in proved (`amr`/`acr`).
//!
//! The second-factor step is one extension point for every kind of factor: [`FactorKind`] lists the kinds, a user's
//! [`Factors`] say which they have, and the step page offers each of them. A sign-in between its password and its
//! second factor is a [`pending`] row bound to the browser cookie, short-lived, with a limit on wrong codes; wrong
//! codes also count against the account's password limits (`throttle`), device cookies included. A passkey is a
//! kind too: checked by `passkeys` (a signature can't be guessed, so a refused one counts only against the pending
//! sign-in's tries), with its own `amr` values (`hwk`/`swk`, `user`).

pub mod amr;
pub mod factors;
pub mod pending;
pub mod recovery;
pub mod totp;
pub mod trusted;

use crate::domain::clients::Client;
use crate::domain::users::User;
use amr::Acr;

/// `mfa`: whether every user must have a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Users choose; a user who enrolled a factor is always asked for it.
    #[default]
    Optional,
    /// Every sign-in on the hosted pages needs a second factor; a user without one enrols right after the password.
    Required,
}

/// The MFA settings, from configuration.
#[derive(Debug, Clone)]
pub struct MfaSettings {
    pub policy: Policy,
    /// Users with any of these roles must have a second factor, whatever `policy` says.
    pub required_roles: Vec<String>,
    /// How long a sign-in may wait between its password and its second factor, in seconds.
    pub pending_ttl: i64,
    /// Wrong codes a pending sign-in may take before the password must be entered again.
    pub pending_attempts: i32,
    /// How long "trust this browser" lasts, in seconds; 0 turns the choice off.
    pub trusted_browser_ttl: i64,
    /// The name authenticator apps show for the account (the `issuer` of the `otpauth://` URI).
    pub totp_issuer: String,
}

/// A kind of second factor. The step page offers each kind the user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorKind {
    /// A code from an authenticator app (RFC 6238).
    Totp,
    /// One of the single-use recovery codes.
    RecoveryCode,
    /// One of the user's passkeys (WebAuthn), when passkeys are on.
    Passkey,
}

/// The second factors a user has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Factors {
    /// A confirmed authenticator, and when it was confirmed.
    pub totp_confirmed_at: Option<i64>,
    /// Unused recovery codes (they come with the authenticator app).
    pub recovery_codes_left: i64,
    /// Registered passkeys, counted only while passkeys are on (with them off, none could answer the step).
    pub passkeys: i64,
}

impl Factors {
    /// Whether the user has an authenticator app (what the account page's two-step section is about).
    pub fn authenticator_app(&self) -> bool {
        self.totp_confirmed_at.is_some()
    }

    /// Whether the user has a second factor: an authenticator app or a passkey (recovery codes alone are a backup,
    /// not a factor).
    pub fn any(&self) -> bool {
        self.authenticator_app() || self.passkeys > 0
    }

    /// The kinds the second-factor step offers.
    pub fn kinds(&self) -> Vec<FactorKind> {
        let mut kinds = Vec::new();
        if self.passkeys > 0 {
            kinds.push(FactorKind::Passkey);
        }
        if self.authenticator_app() {
            kinds.push(FactorKind::Totp);
        }
        if self.any() && self.recovery_codes_left > 0 {
            kinds.push(FactorKind::RecoveryCode);
        }
        kinds
    }

    /// What changes when the factors are reset or enrolled anew: a trusted browser is bound to it.
    pub fn epoch(&self) -> i64 {
        self.totp_confirmed_at.unwrap_or(0)
    }
}

/// Why a sign-in must pass a second factor, if it must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demand {
    /// No rule requires one (the user may still have enrolled one: then it is asked for, unless the browser is
    /// trusted).
    None,
    /// The global policy, the client or one of the user's roles requires it.
    Policy,
    /// The request asked for it (`acr_values`): a step-up, never skipped for a trusted browser.
    StepUp,
}

impl MfaSettings {
    /// Whether the rules require a second factor of `user` signing in to `client` (the global policy, the client's
    /// `require_mfa`, or one of the user's roles); `None`: the account's own sign-in.
    pub fn required(&self, client: Option<&Client>, user: &User) -> bool {
        self.policy == Policy::Required
            || client.is_some_and(|c| c.require_mfa)
            || user
                .roles
                .iter()
                .any(|role| self.required_roles.contains(role))
    }

    /// What a request for `client` by `user`, asking for `acr` (`acr_values`), demands.
    pub fn demand(&self, client: Option<&Client>, user: &User, acr: Option<Acr>) -> Demand {
        if acr == Some(Acr::MultiFactor) {
            Demand::StepUp
        } else if self.required(client, user) {
            Demand::Policy
        } else {
            Demand::None
        }
    }
}

/// What the sign-in does after the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Done with the password alone.
    Done,
    /// Ask for a second factor.
    SecondFactor,
    /// The user has none and must have one: walk them through enrolment now.
    Enrol,
}

/// The step after the password, for a user with `factors`, under `demand`; `trusted`: the browser carries a valid
/// "trust this browser" cookie for the user, which skips the factor only when no rule demands it.
pub fn next_step(factors: &Factors, demand: Demand, trusted: bool) -> NextStep {
    match (factors.any(), demand) {
        (false, Demand::None) => NextStep::Done,
        (false, _) => NextStep::Enrol,
        (true, Demand::None) if trusted => NextStep::Done,
        (true, _) => NextStep::SecondFactor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_browser_skips_only_a_factor_no_rule_demands() {
        let enrolled = Factors {
            totp_confirmed_at: Some(1),
            recovery_codes_left: 10,
            passkeys: 0,
        };
        let passkey_only = Factors {
            passkeys: 1,
            ..Factors::default()
        };
        let none = Factors::default();
        assert_eq!(next_step(&enrolled, Demand::None, true), NextStep::Done);
        assert_eq!(
            next_step(&enrolled, Demand::None, false),
            NextStep::SecondFactor
        );
        assert_eq!(
            next_step(&enrolled, Demand::Policy, true),
            NextStep::SecondFactor
        );
        assert_eq!(
            next_step(&enrolled, Demand::StepUp, true),
            NextStep::SecondFactor
        );
        assert_eq!(next_step(&none, Demand::None, false), NextStep::Done);
        assert_eq!(next_step(&none, Demand::Policy, false), NextStep::Enrol);
        assert_eq!(next_step(&none, Demand::StepUp, true), NextStep::Enrol);
        assert_eq!(
            enrolled.kinds(),
            [FactorKind::Totp, FactorKind::RecoveryCode]
        );
        assert_eq!(
            next_step(&passkey_only, Demand::Policy, false),
            NextStep::SecondFactor
        );
        assert_eq!(passkey_only.kinds(), [FactorKind::Passkey]);
        assert!(!passkey_only.authenticator_app());
    }
}
