//! Passkeys (issue 20): WebAuthn Level 2 credentials through `webauthn-rs`, registered on the account page and used
//! to sign in without a password (discoverable credentials, user verification required), or as the second factor
//! after a password (the pending sign-in's user's passkeys are the allowed credentials).
//!
//! A ceremony's state (the challenge and what the answer is checked against) never leaves the server: it is a row
//! bound to the browser cookie it was started for, valid for [`CEREMONY_TTL`] and deleted by the claim that
//! finishes it, so an answer can't be replayed, finished late, or finished by another browser (WebAuthn §13.4.3:
//! challenges are generated and checked by the relying party).
//!
//! The relying party is the public URL (where users see the pages): its host is the RP id, its origin the only
//! origin accepted. WebAuthn needs a domain name there (`localhost` works for development); with an IP address
//! passkeys are off.

pub mod account;

use std::sync::Arc;

use rand::RngExt;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder,
};
use webauthn_rs_proto::{AuthenticatorSelectionCriteria, ResidentKeyRequirement};

use crate::domain::mfa::amr::{AuthMethods, Method};
use crate::domain::users::User;
use crate::store::outbox::OutboxRow;
use crate::store::passkeys::{CeremonyRow, PasskeyRow, PasskeyUse};
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;
use crate::values::secret::TokenHash;

/// How long a ceremony may take, from the options to the authenticator's answer: the five minutes WebAuthn
/// recommends for user verification (§15.1 / the `timeout` the options carry), and a little for the round trips.
pub const CEREMONY_TTL: i64 = 330;

/// The ceremony kinds (`webauthn_ceremonies.kind`).
const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";
const SECOND_FACTOR: &str = "second_factor";

/// The relying party: builds and checks ceremonies. Cheap to clone.
#[derive(Clone)]
pub struct Passkeys {
    webauthn: Arc<Webauthn>,
}

impl std::fmt::Debug for Passkeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkeys")
            .field("rp_id", &self.webauthn.get_allowed_origins())
            .finish()
    }
}

/// Why passkeys are off although configured on.
#[derive(Debug, thiserror::Error)]
#[error(
    "passkeys are off: the public URL {0:?} has no domain name (WebAuthn relying-party ids are domains; use \
     localhost for development)"
)]
pub struct NoRelyingParty(pub String);

/// Why a ceremony failed. None of these says whether an account exists.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// The ceremony is unknown, used already, another browser's, or another user's.
    #[error("no such ceremony for this browser")]
    UnknownCeremony,
    #[error("the ceremony expired")]
    Expired,
    /// The authenticator's answer is not a WebAuthn credential at all.
    #[error("the answer is malformed")]
    Malformed,
    /// webauthn-rs refused the answer (signature, challenge, origin, RP id, user verification, counter...).
    #[error("the answer was refused: {0}")]
    Refused(String),
    /// No passkey has this credential id (never registered, or removed), or its user handle is another.
    #[error("unknown passkey")]
    UnknownPasskey,
    /// The credential id is registered already (WebAuthn §7.1 step 26).
    #[error("the passkey is registered already")]
    AlreadyRegistered,
    /// The passkey's account is disabled.
    #[error("the account is disabled")]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Queueing the mail that tells the user failed (sealing it).
    #[error("queueing the notice failed")]
    Mail(#[source] anyhow::Error),
}

/// A started ceremony: its id (posted back with the answer) and the options for `navigator.credentials`.
#[derive(Debug)]
pub struct Ceremony {
    pub id: String,
    /// `{"publicKey": …}` (and `mediation` for a sign-in), as webauthn-rs writes them.
    pub options: serde_json::Value,
}

/// What the browser posts back to finish a ceremony.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The ceremony's id, from [`Ceremony::id`].
    pub ceremony: &'a str,
    /// The `PublicKeyCredential` the authenticator made, as JSON.
    pub credential: &'a str,
}

/// A passkey's name on the account page: trimmed, 1 to 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let count = text.chars().count();
        ((1..=Self::MAX_CHARS).contains(&count) && !text.chars().any(char::is_control))
            .then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sign-in with a passkey alone: the user and the passkey that proved it.
#[derive(Debug)]
pub struct PasskeySignIn {
    pub user: User,
    pub used: PasskeyUsed,
}

/// A passkey's successful use, and how it proved the user (for `amr`, RFC 8176).
#[derive(Debug)]
pub struct PasskeyUsed {
    /// Our id of the passkey used.
    pub passkey_id: String,
    /// The authenticator verified the user (PIN, biometrics): always so here (webauthn-rs requires it for
    /// passkeys).
    pub user_verified: bool,
    /// The credential may be synced to other devices (the BE flag): a software-held key rather than one bound
    /// to a piece of hardware.
    pub backup_eligible: bool,
}

impl PasskeyUsed {
    /// RFC 8176 §2 methods: `swk` for a key that may be synced (backup eligible), else `hwk`; and `user` when the
    /// authenticator verified the user, which makes two factors (possession and a PIN or biometric), so the claim
    /// also says `mfa` and the sign-in reaches the multi-factor `acr`.
    pub fn methods(&self) -> AuthMethods {
        methods(self.backup_eligible, self.user_verified)
    }
}

/// What a passkey just registered proves when it finishes a sign-in (the enrolment a rule requires): its kind of
/// key, and the user verification webauthn-rs requires of every passkey registration.
pub fn registered_methods(row: &PasskeyRow) -> AuthMethods {
    methods(row.backup_eligible, true)
}

fn methods(backup_eligible: bool, user_verified: bool) -> AuthMethods {
    let key = if backup_eligible {
        Method::SoftwareKey
    } else {
        Method::HardwareKey
    };
    if user_verified {
        AuthMethods::of(&[key, Method::UserVerification])
    } else {
        AuthMethods::of(&[key])
    }
}

impl Passkeys {
    /// The relying party for `public_url`; `product_name` is what authenticators show beside the account.
    pub fn new(public_url: &str, product_name: &str) -> Result<Self, NoRelyingParty> {
        let refuse = || NoRelyingParty(public_url.to_owned());
        let url = Url::parse(public_url).map_err(|_| refuse())?;
        let rp_id = url.domain().ok_or_else(refuse)?.to_owned();
        let mut origin = url.clone();
        origin.set_path("");
        let webauthn = WebauthnBuilder::new(&rp_id, &origin)
            .map_err(|_| refuse())?
            .rp_name(product_name)
            .build()
            .map_err(|_| refuse())?;
        Ok(Self {
            webauthn: Arc::new(webauthn),
        })
    }

    /// Starts registering a passkey for `user` in the browser `browser` (its cookie's hash). The user's passkeys
    /// are excluded (an authenticator holding one says so instead of making a second), and the credential must be
    /// discoverable: it is what signs in without a username (WebAuthn §5.4.6 `residentKey: required`).
    pub async fn start_registration(
        &self,
        store: &Store,
        user: &User,
        browser: &TokenHash,
        now: i64,
    ) -> Result<Ceremony, PasskeyError> {
        let existing = store.passkeys_of(&user.id).await?;
        let handle = existing
            .first()
            .and_then(|p| Uuid::from_slice(&p.user_handle).ok())
            .unwrap_or_else(random_user_handle);
        let exclude = existing.iter().map(|p| p.credential_id.clone()).collect();
        let account = user.username.as_deref().unwrap_or(&user.email);
        let display = user.display_name.as_deref().unwrap_or(account);
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(handle, account, display, Some(exclude))
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let selection = options
            .public_key
            .authenticator_selection
            .get_or_insert_with(AuthenticatorSelectionCriteria::default);
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
        let options = serde_json::to_value(&options).map_err(unexpected)?;
        let state = serde_json::to_string(&RegistrationState {
            user_handle: handle,
            state,
        })
        .map_err(unexpected)?;
        self.begin(
            store,
            REGISTER,
            Some(&user.id),
            browser,
            state,
            options,
            now,
        )
        .await
    }

    /// Finishes a registration: the ceremony is claimed (once, by the browser that started it, for `user`), the
    /// authenticator's answer checked, and the passkey stored under `name` with `notice` (the mail telling the
    /// user) queued in the same transaction.
    #[expect(clippy::too_many_arguments, reason = "the registration's parts")]
    pub async fn finish_registration(
        &self,
        store: &Store,
        user: &User,
        browser: &TokenHash,
        answer: Answer<'_>,
        name: &PasskeyName,
        notice: OutboxRow,
        now: i64,
    ) -> Result<PasskeyRow, PasskeyError> {
        let row = claim(store, answer.ceremony, browser, REGISTER, now).await?;
        if row.user_id.as_ref() != Some(&user.id) {
            return Err(PasskeyError::UnknownCeremony);
        }
        let RegistrationState { user_handle, state } =
            serde_json::from_str(&row.state).map_err(corrupt)?;
        let answer: RegisterPublicKeyCredential =
            serde_json::from_str(answer.credential).map_err(|_| PasskeyError::Malformed)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&answer, &state)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let flags = Flags::of(&passkey)?;
        let row = PasskeyRow {
            id: Uuid::now_v7().to_string(),
            user_id: user.id.clone(),
            credential_id: passkey.cred_id().clone(),
            user_handle: user_handle.as_bytes().to_vec(),
            passkey: serde_json::to_string(&passkey).map_err(unexpected)?,
            sign_count: flags.counter,
            backup_eligible: flags.backup_eligible,
            backed_up: flags.backed_up,
            name: name.as_str().to_owned(),
            created_at: now,
            last_used_at: None,
        };
        match store.insert_passkey(row.clone(), notice).await {
            Ok(()) => Ok(row),
            Err(StoreError::Conflict) => Err(PasskeyError::AlreadyRegistered),
            Err(e) => Err(e.into()),
        }
    }

    /// Starts a sign-in with a discoverable passkey in the browser `browser`: no username, no list of credentials
    /// (the authenticator offers what it holds for this RP id), user verification required.
    pub async fn start_sign_in(
        &self,
        store: &Store,
        browser: &TokenHash,
        now: i64,
    ) -> Result<Ceremony, PasskeyError> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let options = serde_json::to_value(&options).map_err(unexpected)?;
        let state = serde_json::to_string(&state).map_err(unexpected)?;
        self.begin(store, SIGN_IN, None, browser, state, options, now)
            .await
    }

    /// Finishes a sign-in: the ceremony is claimed (once, by the browser that started it), the credential looked
    /// up by its id and user handle, the signature, challenge, origin, RP id, user verification and counter
    /// checked by webauthn-rs, and the use recorded (which fails if the passkey was removed meanwhile).
    pub async fn finish_sign_in(
        &self,
        store: &Store,
        browser: &TokenHash,
        answer: Answer<'_>,
        now: i64,
    ) -> Result<PasskeySignIn, PasskeyError> {
        let row = claim(store, answer.ceremony, browser, SIGN_IN, now).await?;
        let state: DiscoverableAuthentication =
            serde_json::from_str(&row.state).map_err(corrupt)?;
        let answer: PublicKeyCredential =
            serde_json::from_str(answer.credential).map_err(|_| PasskeyError::Malformed)?;
        let (handle, credential_id) = self
            .webauthn
            .identify_discoverable_authentication(&answer)
            .map_err(|_| PasskeyError::Malformed)?;
        let Some(stored) = store.find_passkey_by_credential(credential_id).await? else {
            return Err(PasskeyError::UnknownPasskey);
        };
        if stored.user_handle != handle.as_bytes() {
            return Err(PasskeyError::UnknownPasskey);
        }
        let passkey: Passkey = serde_json::from_str(&stored.passkey).map_err(corrupt)?;
        let result = self
            .webauthn
            .finish_discoverable_authentication_v2(&answer, state, &passkey)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let used = record_use(store, &stored, passkey, &result, now).await?;
        let user = store
            .find_user(&stored.user_id)
            .await?
            .ok_or(PasskeyError::UnknownPasskey)?;
        if user.disabled {
            return Err(PasskeyError::Disabled);
        }
        Ok(PasskeySignIn {
            user: User::from_row(&user),
            used,
        })
    }

    /// Starts the second factor of `user_id`'s pending sign-in in the browser `browser`: the user's passkeys are
    /// the allowed credentials (WebAuthn §5.5 `allowCredentials`), so no other account's passkey can answer, and
    /// webauthn-rs asks for user verification. [`PasskeyError::UnknownPasskey`] when the user has none.
    pub async fn start_second_factor(
        &self,
        store: &Store,
        user_id: &UserId,
        browser: &TokenHash,
        now: i64,
    ) -> Result<Ceremony, PasskeyError> {
        let stored = store.passkeys_of(user_id).await?;
        if stored.is_empty() {
            return Err(PasskeyError::UnknownPasskey);
        }
        let keys = stored
            .iter()
            .map(|row| serde_json::from_str::<Passkey>(&row.passkey).map_err(corrupt))
            .collect::<Result<Vec<_>, _>>()?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&keys)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let options = serde_json::to_value(&options).map_err(unexpected)?;
        let state = serde_json::to_string(&state).map_err(unexpected)?;
        self.begin(
            store,
            SECOND_FACTOR,
            Some(user_id),
            browser,
            state,
            options,
            now,
        )
        .await
    }

    /// Finishes a second factor started by [`Self::start_second_factor`] for `user_id` in this browser: the
    /// ceremony is claimed (once), the answer must come from one of that user's passkeys, and its signature,
    /// challenge, origin, RP id, user verification and counter are checked; the use is recorded.
    pub async fn finish_second_factor(
        &self,
        store: &Store,
        user_id: &UserId,
        browser: &TokenHash,
        answer: Answer<'_>,
        now: i64,
    ) -> Result<PasskeyUsed, PasskeyError> {
        let row = claim(store, answer.ceremony, browser, SECOND_FACTOR, now).await?;
        if row.user_id.as_ref() != Some(user_id) {
            return Err(PasskeyError::UnknownCeremony);
        }
        let state: PasskeyAuthentication = serde_json::from_str(&row.state).map_err(corrupt)?;
        let answer: PublicKeyCredential =
            serde_json::from_str(answer.credential).map_err(|_| PasskeyError::Malformed)?;
        let Some(stored) = store.find_passkey_by_credential(&answer.raw_id).await? else {
            return Err(PasskeyError::UnknownPasskey);
        };
        if &stored.user_id != user_id {
            return Err(PasskeyError::UnknownPasskey);
        }
        let passkey: Passkey = serde_json::from_str(&stored.passkey).map_err(corrupt)?;
        // Checks that the credential is one of the allowed ones, then the signature with the stored key.
        let result = self
            .webauthn
            .finish_passkey_authentication(&answer, &state)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        record_use(store, &stored, passkey, &result, now).await
    }

    #[expect(clippy::too_many_arguments, reason = "one row's columns")]
    async fn begin(
        &self,
        store: &Store,
        kind: &'static str,
        user_id: Option<&UserId>,
        browser: &TokenHash,
        state: String,
        options: serde_json::Value,
        now: i64,
    ) -> Result<Ceremony, PasskeyError> {
        let id = Uuid::new_v4().simple().to_string();
        store
            .insert_ceremony(CeremonyRow {
                id: id.clone(),
                browser_hash: *browser,
                kind: kind.to_owned(),
                user_id: user_id.cloned(),
                state,
                created_at: now,
                expires_at: now + CEREMONY_TTL,
            })
            .await?;
        Ok(Ceremony { id, options })
    }
}

/// Records a passkey's successful use: its counter and backup flags as the authenticator reported them (a
/// removed passkey fails here: [`PasskeyError::UnknownPasskey`]).
async fn record_use(
    store: &Store,
    stored: &PasskeyRow,
    mut passkey: Passkey,
    result: &AuthenticationResult,
    now: i64,
) -> Result<PasskeyUsed, PasskeyError> {
    // webauthn-rs requires user verification for passkeys; checked again where it decides `amr`.
    if !result.user_verified() {
        return Err(PasskeyError::Refused("no user verification".into()));
    }
    passkey.update_credential(result);
    let flags = Flags::of(&passkey)?;
    let used = PasskeyUse {
        passkey: serde_json::to_string(&passkey).map_err(unexpected)?,
        sign_count: flags.counter,
        backup_eligible: flags.backup_eligible,
        backed_up: flags.backed_up,
        at: now,
    };
    if !store
        .record_passkey_use(&stored.user_id, &stored.id, used)
        .await?
    {
        return Err(PasskeyError::UnknownPasskey);
    }
    Ok(PasskeyUsed {
        passkey_id: stored.id.clone(),
        user_verified: result.user_verified(),
        backup_eligible: flags.backup_eligible,
    })
}

/// Claims the ceremony (it is gone afterwards, whatever follows) and checks its age.
async fn claim(
    store: &Store,
    id: &str,
    browser: &TokenHash,
    kind: &'static str,
    now: i64,
) -> Result<CeremonyRow, PasskeyError> {
    if id.is_empty() || id.len() > 64 {
        return Err(PasskeyError::UnknownCeremony);
    }
    let row = store
        .claim_ceremony(id, browser, kind)
        .await?
        .ok_or(PasskeyError::UnknownCeremony)?;
    if row.expires_at <= now {
        return Err(PasskeyError::Expired);
    }
    Ok(row)
}

/// A new WebAuthn user handle: 16 random bytes (§14.6.1: no personal information in it).
fn random_user_handle() -> Uuid {
    let bytes: [u8; 16] = rand::rng().random();
    Uuid::from_bytes(bytes)
}

/// What a registration keeps between its two steps: webauthn-rs's state and the user handle it was made with.
#[derive(serde::Serialize, serde::Deserialize)]
struct RegistrationState {
    user_handle: Uuid,
    state: PasskeyRegistration,
}

/// The counter and backup flags of a passkey, read from its serialized form (webauthn-rs keeps them private).
struct Flags {
    counter: i64,
    backup_eligible: bool,
    backed_up: bool,
}

impl Flags {
    fn of(passkey: &Passkey) -> Result<Self, PasskeyError> {
        let value = serde_json::to_value(passkey).map_err(unexpected)?;
        let cred = &value["cred"];
        Ok(Self {
            counter: cred["counter"].as_i64().unwrap_or(0),
            backup_eligible: cred["backup_eligible"].as_bool().unwrap_or(false),
            backed_up: cred["backup_state"].as_bool().unwrap_or(false),
        })
    }
}

fn corrupt(e: serde_json::Error) -> PasskeyError {
    PasskeyError::Store(StoreError::Corrupt(format!("passkey data: {e}")))
}

fn unexpected(e: serde_json::Error) -> PasskeyError {
    PasskeyError::Store(StoreError::Corrupt(format!("passkey serialization: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mfa::amr::Acr;

    #[test]
    fn the_relying_party_needs_a_domain_name() {
        assert!(Passkeys::new("https://id.example.com/auth", "Latchkey").is_ok());
        assert!(Passkeys::new("http://localhost:8080", "Latchkey").is_ok());
        assert!(Passkeys::new("http://127.0.0.1:8080", "Latchkey").is_err());
        assert!(Passkeys::new("http://[::1]:8080", "Latchkey").is_err());
    }

    #[test]
    fn a_passkey_name_is_trimmed_and_bounded() {
        assert_eq!(
            PasskeyName::parse("  Laptop  ").map(|n| n.0),
            Some("Laptop".into())
        );
        assert!(PasskeyName::parse("   ").is_none());
        assert!(PasskeyName::parse(&"x".repeat(65)).is_none());
        assert!(PasskeyName::parse("a\u{7}b").is_none());
    }

    #[test]
    fn the_methods_name_the_key_kind_and_user_verification_as_a_second_factor() {
        assert_eq!(methods(false, true).claim(), ["hwk", "user", "mfa"]);
        assert_eq!(methods(true, true).claim(), ["swk", "user", "mfa"]);
        assert_eq!(methods(true, true).acr(), Acr::MultiFactor);
        assert_eq!(methods(true, false).claim(), ["swk"]);
    }
}
