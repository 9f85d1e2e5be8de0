//! Self-service registration and email verification (DESIGN.md §22).
//!
//! A registration is answered the same way whether or not the address has an account: the page checks what it
//! can check without looking anything up (the policy, the address's shape and domain, the password rules), hashes
//! the password (every registration pays for one argon2 hash, on the bounded pool, so the slow hash is never a
//! cheap way in for a flood: a full queue sheds with 503), and queues the request: one insert. Off the request path
//! a background task looks the address up: a new address becomes an unverified account and a verification link by
//! mail; an address that has an account gets a "someone tried to register with your address" notice instead (within
//! the account's mail limit). Neither the page, its status nor its timing depends on which.
//!
//! The link's `GET` only shows a button, because mail scanners open links; the `POST` verifies the address once.

use crate::domain::audit::{self, Actor, AuditAction};
use crate::domain::letters::{Letter, LetterWriter, Wording};
use crate::domain::passwords::{Password, PasswordError, PasswordHasher};
use crate::domain::signing::MasterKey;
use crate::domain::throttle::{AccountKey, Throttle};
use crate::domain::users::{self, NewUser, SOURCE_REGISTRATION, User, UserError, normalize_email};
use crate::infra::metrics::Metrics;
use crate::store::registrations::{
    KIND_REGISTER, KIND_RESEND, RegistrationRequestRow, UsedVerification, VerificationRow,
};
use crate::store::users::NewUserRow;
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;
use crate::values::locale::Locale;
use crate::values::roles::Roles;
use crate::values::secret::PlainToken;

/// Who may create an account on the hosted pages (`registration`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Only operators create accounts (CLI, admin API): an identity provider lets no stranger in unless told to.
    Closed,
    /// Only people an operator invited.
    Invite,
    /// Anyone with an address the policy accepts.
    Open,
}

/// Prefix of email verification tokens, so secret scanners can recognise one.
pub const VERIFICATION_PREFIX: &str = "lk_ev_";

/// Longest authorization request carried through a registration (it goes back into a URL).
const MAX_RETURN_TO: usize = 4096;

/// Requests handled per round.
const BATCH: i64 = 50;

#[derive(Clone, Debug)]
pub struct RegistrationSettings {
    pub mode: RegistrationMode,
    /// Accepted address domains, lowercase (empty: any).
    pub email_domains: Vec<String>,
    /// A self-registered account signs in only once verified.
    pub require_verified_email: bool,
    /// Seconds a verification link works.
    pub verification_ttl: i64,
    /// The base URL links are built from (`public_url`, else the issuer).
    pub public_url: String,
}

impl RegistrationSettings {
    /// Whether anyone may register on the page.
    pub fn is_open(&self) -> bool {
        self.mode == RegistrationMode::Open
    }
}

/// Why a registration was not taken: each is about what the person typed or the policy, never about whether an
/// account exists.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("registration is not open")]
    Closed,
    #[error("that is not an email address")]
    InvalidEmail,
    #[error("addresses of this domain can't register")]
    DomainNotAllowed,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a person typed on the registration page.
pub struct Registration<'a> {
    pub email: &'a str,
    pub password: &'a Password,
    /// The authorization request the registration started from (a query string), if any.
    pub return_to: Option<&'a str>,
    /// The language of the page: the verification mail speaks it.
    pub locale: Option<&'a Locale>,
}

/// Takes a registration: checked against the policy, the password hashed, and queued for
/// [`RequestHandling::handle_requests`]. The same work for every address that passes the checks.
pub async fn register(
    store: &Store,
    hasher: &PasswordHasher,
    settings: &RegistrationSettings,
    registration: Registration<'_>,
    now: i64,
) -> Result<(), RegistrationError> {
    if !settings.is_open() {
        return Err(RegistrationError::Closed);
    }
    let email = normalize_email(registration.email).map_err(|_| RegistrationError::InvalidEmail)?;
    if !domain_allowed(&settings.email_domains, &email) {
        return Err(RegistrationError::DomainNotAllowed);
    }
    let password_hash = hasher.hash(registration.password).await?;
    store
        .queue_registration_request(RegistrationRequestRow {
            id: uuid::Uuid::now_v7().to_string(),
            kind: KIND_REGISTER.to_owned(),
            email,
            password_hash: Some(password_hash),
            return_to: registration
                .return_to
                .filter(|r| r.len() <= MAX_RETURN_TO)
                .map(str::to_owned),
            created_at: now,
            locale: registration.locale.map(ToString::to_string),
        })
        .await?;
    Ok(())
}

/// Registers a user on behalf of an application (the admin API, for automation): an account as `/register`
/// creates it (source `registration`, address unverified, `require_verified_email` applies) and a verification
/// link mailed to it, in one transaction, audited as a registration by the operator's client. Unlike the page, the
/// answer says when the address or username is taken: the caller is trusted with the directory.
pub async fn register_for_operator(
    store: &Store,
    hasher: &PasswordHasher,
    mailer: LinkMailer<'_>,
    new: NewUser,
    actor: &Actor,
    now: i64,
) -> Result<User, UserError> {
    let new = NewUser {
        email_verified: false,
        ..new
    };
    let (row, user) = users::prepare_user(hasher, new, SOURCE_REGISTRATION, now).await?;
    let (link, mail) = verification_link(
        mailer,
        NewLink {
            user: &user.id,
            email: &user.email,
            previous_email: None,
            return_to: None,
        },
        now,
    )
    .map_err(|e| UserError::Store(StoreError::Unavailable(e)))?;
    store.insert_verification(Some(row), link, mail).await?;
    audit::record(
        store,
        actor,
        AuditAction::UserRegister,
        &format!("user:{}", user.id),
        serde_json::json!({ "source": SOURCE_REGISTRATION, "by": "operator" }),
        now,
    )
    .await;
    Ok(user)
}

/// Asks for a new verification link for `email`: queued when it is an address at all, answered the same either way.
/// `true` when something was queued.
pub async fn resend(
    store: &Store,
    email: &str,
    locale: Option<&Locale>,
    now: i64,
) -> Result<bool, StoreError> {
    let Ok(email) = normalize_email(email) else {
        return Ok(false);
    };
    store
        .queue_registration_request(RegistrationRequestRow {
            id: uuid::Uuid::now_v7().to_string(),
            kind: KIND_RESEND.to_owned(),
            email,
            password_hash: None,
            return_to: None,
            created_at: now,
            locale: locale.map(ToString::to_string),
        })
        .await?;
    Ok(true)
}

/// Whether `email` (normalised) is of an allowed domain: exactly, case-insensitively; an empty list allows all.
fn domain_allowed(domains: &[String], email: &str) -> bool {
    let domain = email.rsplit('@').next().unwrap_or_default();
    domains.is_empty() || domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
}

/// What handling queued requests needs.
pub struct RequestHandling<'a> {
    pub store: &'a Store,
    pub master: &'a MasterKey,
    pub throttle: &'a Throttle,
    pub settings: &'a RegistrationSettings,
    pub letters: &'a dyn LetterWriter,
    pub metrics: &'a Metrics,
}

impl RequestHandling<'_> {
    /// Handles the waiting requests, oldest first. Answers how many mails were queued.
    pub async fn handle_requests(&self, now: i64) -> anyhow::Result<usize> {
        let mut queued = 0;
        for request in self.store.waiting_registration_requests(BATCH).await? {
            if self.handle(&request, now).await? {
                queued += 1;
            } else {
                self.store.drop_registration_request(&request.id).await?;
            }
        }
        Ok(queued)
    }

    /// `false` when no mail is due (the request is then dropped) or another replica handled the request.
    async fn handle(&self, request: &RegistrationRequestRow, now: i64) -> anyhow::Result<bool> {
        let existing = self.store.find_user_by_email(&request.email).await?;
        match (request.kind.as_str(), existing) {
            (KIND_REGISTER, None) => {
                let Some(password_hash) = request.password_hash.clone() else {
                    return Ok(false);
                };
                let user = NewUserRow {
                    id: UserId::new(uuid::Uuid::now_v7().to_string()),
                    email: request.email.clone(),
                    username: None,
                    password_hash,
                    roles: Roles::default(),
                    tenant: None,
                    disabled: false,
                    created_at: now,
                    updated_at: now,
                    email_verified: false,
                    source: SOURCE_REGISTRATION.to_owned(),
                    display_name: None,
                };
                let (link, mail) = self.verification(&user.id, &user.email, request, now)?;
                let done = self
                    .store
                    .complete_registration_request(
                        &request.id,
                        Some(user.clone()),
                        Some(link),
                        mail,
                    )
                    .await?;
                if done {
                    tracing::info!(user = %user.id, "registered; verification link mailed");
                    self.metrics.account_event("registered");
                    audit::record(
                        self.store,
                        &Actor::end_user(user.id.as_str(), None),
                        AuditAction::UserRegister,
                        &format!("user:{}", user.id),
                        serde_json::json!({ "source": SOURCE_REGISTRATION }),
                        now,
                    )
                    .await;
                }
                Ok(done)
            }
            // Someone registers with an address that has an account: its owner is told, within the account's mail
            // limit; the person registering sees what a new registration sees.
            (KIND_REGISTER, Some(user)) => {
                self.metrics
                    .account_event("registration_for_existing_address");
                if user.disabled || self.mail_limited(&user.id).await {
                    return Ok(false);
                }
                let link = self.page("/password/forgot");
                let mail = self
                    .letters
                    .write(
                        locale(request).as_ref(),
                        Letter::AddressTaken { link: &link },
                    )
                    .to(&user.email)
                    .into_outbox(self.master, now)?;
                Ok(self
                    .store
                    .complete_registration_request(&request.id, None, None, mail)
                    .await?)
            }
            (KIND_RESEND, Some(user)) if !user.email_verified && !user.disabled => {
                if self.mail_limited(&user.id).await {
                    return Ok(false);
                }
                let (link, mail) = self.verification(&user.id, &user.email, request, now)?;
                Ok(self
                    .store
                    .complete_registration_request(&request.id, None, Some(link), mail)
                    .await?)
            }
            _ => Ok(false),
        }
    }

    /// Per account, whoever asks from wherever: a victim's mailbox can't be flooded from many addresses.
    async fn mail_limited(&self, user: &UserId) -> bool {
        let limited = self
            .throttle
            .reset_mail(&AccountKey::user(user))
            .await
            .is_err();
        if limited {
            tracing::info!(%user, "account mail limit reached: no mail for this request");
        }
        limited
    }

    /// A new verification link for `email` of `user`, and its mail.
    fn verification(
        &self,
        user: &UserId,
        email: &str,
        request: &RegistrationRequestRow,
        now: i64,
    ) -> anyhow::Result<(VerificationRow, crate::store::outbox::OutboxRow)> {
        let locale = locale(request);
        verification_link(
            LinkMailer {
                settings: self.settings,
                master: self.master,
                wording: Wording {
                    writer: self.letters,
                    locale: locale.as_ref(),
                },
            },
            NewLink {
                user,
                email,
                previous_email: None,
                return_to: request.return_to.clone(),
            },
            now,
        )
    }

    fn page(&self, path: &str) -> String {
        format!("{}{path}", self.settings.public_url.trim_end_matches('/'))
    }
}

/// The language of the page a queued request came from.
fn locale(request: &RegistrationRequestRow) -> Option<Locale> {
    request.locale.as_deref().and_then(Locale::parse)
}

/// What mailing a verification link needs.
#[derive(Clone, Copy)]
pub struct LinkMailer<'a> {
    pub settings: &'a RegistrationSettings,
    pub master: &'a MasterKey,
    pub wording: Wording<'a>,
}

/// What a new verification link is for.
pub struct NewLink<'a> {
    pub user: &'a UserId,
    /// The address the link proves (and mail goes to).
    pub email: &'a str,
    /// For a change of address: the user's address now, which the link replaces with `email`.
    pub previous_email: Option<&'a str>,
    pub return_to: Option<String>,
}

/// A new verification link, stored only as its hash, and its mail (sealed into the outbox row): a change of
/// address gets the change letter, anything else the verification letter.
pub fn verification_link(
    mailer: LinkMailer<'_>,
    link: NewLink<'_>,
    now: i64,
) -> anyhow::Result<(VerificationRow, crate::store::outbox::OutboxRow)> {
    let token = PlainToken::generate(VERIFICATION_PREFIX);
    let url = format!(
        "{}/verify-email?token={}",
        mailer.settings.public_url.trim_end_matches('/'),
        token.expose()
    );
    let letter = match link.previous_email {
        Some(_) => Letter::ChangeEmail { link: &url },
        None => Letter::VerifyEmail { link: &url },
    };
    let mail = mailer
        .wording
        .write(letter)
        .to(link.email)
        .into_outbox(mailer.master, now)?;
    let row = VerificationRow {
        token_hash: token.hash(),
        user_id: link.user.clone(),
        email: link.email.to_owned(),
        return_to: link.return_to,
        created_at: now,
        expires_at: now + mailer.settings.verification_ttl,
        used_at: None,
        previous_email: link.previous_email.map(str::to_owned),
    };
    Ok((row, mail))
}

/// What a usable link would do when confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Verify the user's address.
    Verify,
    /// Move the user to a new address.
    ChangeAddress,
}

/// What a verification link can still do (the page shows its button only then), `None` when it can't be used.
/// Consumes nothing.
pub async fn usable(
    store: &Store,
    token: &PlainToken,
    now: i64,
) -> Result<Option<LinkPurpose>, StoreError> {
    Ok(store
        .find_usable_verification(&token.hash(), now)
        .await?
        .map(|link| match link.previous_email {
            Some(_) => LinkPurpose::ChangeAddress,
            None => LinkPurpose::Verify,
        }))
}

/// What confirming a link did.
#[derive(Debug)]
pub enum Verified {
    /// The address is verified; where the person was going, if the registration started from an authorization
    /// request.
    Address { return_to: Option<String> },
    /// The account moved to the new address (verified); the old address was told.
    Changed,
    /// The account stays at its address: another account has the new one by now.
    AddressTaken,
}

/// Verifies the address through the link's `token`, once, for a person at `address`; a change link moves the
/// account to its address and mails `notice` to the old one. `None` when the link is unknown, used, expired, its
/// user disabled or no longer at the address it starts from.
pub async fn verify(
    store: &Store,
    master: &MasterKey,
    metrics: &Metrics,
    token: &PlainToken,
    wording: Wording<'_>,
    address: std::net::IpAddr,
    now: i64,
) -> Result<Option<Verified>, VerifyError> {
    let hash = token.hash();
    // The old address is told in the same transaction as the change: sealed now, stored only if the change is made.
    let notice = match store.find_verification(&hash).await? {
        Some(link) => match &link.previous_email {
            Some(previous) => Some(
                wording
                    .write(Letter::AddressChanged {
                        new_email: &link.email,
                    })
                    .to(previous)
                    .into_outbox(master, now)
                    .map_err(VerifyError::Mail)?,
            ),
            None => None,
        },
        None => return Ok(None),
    };
    let used = match store.use_verification(hash, notice, now).await {
        Ok(Some(used)) => used,
        Ok(None) => return Ok(None),
        // Another account took the address between the check and the change (a unique index): nothing changed.
        Err(StoreError::Conflict) => return Ok(Some(Verified::AddressTaken)),
        Err(e) => return Err(e.into()),
    };
    let user = used.link().user_id.clone();
    let actor = Actor::end_user(user.as_str(), Some(address));
    let subject = format!("user:{user}");
    Ok(Some(match used {
        UsedVerification::Verified(link) => {
            metrics.account_event("email_verified");
            audit::record(
                store,
                &actor,
                AuditAction::UserVerifyEmail,
                &subject,
                serde_json::json!({}),
                now,
            )
            .await;
            Verified::Address {
                return_to: link.return_to,
            }
        }
        UsedVerification::Changed(_) => {
            metrics.account_event("email_changed");
            audit::record(
                store,
                &actor,
                AuditAction::UserChangeEmail,
                &subject,
                serde_json::json!({}),
                now,
            )
            .await;
            Verified::Changed
        }
        UsedVerification::AddressTaken(_) => {
            metrics.account_event("email_change_address_taken");
            Verified::AddressTaken
        }
    }))
}

/// Why a link could not be confirmed for a reason other than the link itself.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(anyhow::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_list_admits_its_domains_exactly_and_an_empty_one_admits_all() {
        let domains = vec!["example.org".to_owned()];
        assert!(domain_allowed(&domains, "ada@example.org"));
        assert!(domain_allowed(&domains, "ada@EXAMPLE.org"));
        assert!(!domain_allowed(&domains, "ada@mail.example.org"));
        assert!(!domain_allowed(&domains, "ada@example.org.evil.test"));
        assert!(domain_allowed(&[], "ada@anything.test"));
    }
}
