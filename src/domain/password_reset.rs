//! Password reset by email: a request is queued and answered at once, the same for every address; off the
//! request path it becomes a link mailed to the account, if there is one and its mail limit allows. The link's
//! page sets a new password once, and the reset ends every link, session and refresh token of the user.

use actix_web::cookie::Cookie;

use crate::domain::letters::{Letter, LetterWriter, Wording};
use crate::domain::passwords::{Password, PasswordError, PasswordHasher};
use crate::domain::revocation::Revocations;
use crate::domain::signing::MasterKey;
use crate::domain::throttle::{AccountKey, DeviceCookies, Throttle};
use crate::domain::users::normalize_email;
use crate::store::password_resets::{ResetRequestRow, ResetRow};
use crate::store::{Store, StoreError};
use crate::values::locale::Locale;
use crate::values::secret::PlainToken;

/// Prefix of reset tokens, so secret scanners can recognise one.
pub const RESET_PREFIX: &str = "lk_pr_";

#[derive(Clone, Debug)]
pub struct ResetSettings {
    /// Seconds a link works.
    pub ttl: i64,
    /// The public base URL links are built from (setting `public_url`, else the issuer), never from `Host` or
    /// `X-Forwarded-*` (a forged header would otherwise send the user's token to the attacker).
    pub public_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] anyhow::Error),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// Takes "I forgot my password" for `email`: queued, when it is an address at all, for
/// [`RequestHandling::handle_requests`]. The same single insert whatever the address: nothing here depends on
/// whether an account exists, so neither does the answer's timing (DESIGN.md §20). `return_to` (an authorization
/// request the caller checked) goes into the mailed link, so the user ends up back in the application (DESIGN.md
/// §23). `locale` is the language of the page that asked: the mail, written later, speaks it. `true` when
/// something was queued.
pub async fn request(
    store: &Store,
    email: &str,
    return_to: Option<&str>,
    locale: Option<&Locale>,
    now: i64,
) -> Result<bool, ResetError> {
    let Ok(email) = normalize_email(email) else {
        return Ok(false);
    };
    store
        .queue_reset_request(ResetRequestRow {
            id: uuid::Uuid::now_v7().to_string(),
            email,
            created_at: now,
            return_to: return_to.map(str::to_owned),
            locale: locale.map(ToString::to_string),
        })
        .await?;
    Ok(true)
}

/// Requests handled per round.
const BATCH: i64 = 50;

/// What handling queued requests needs.
pub struct RequestHandling<'a> {
    pub store: &'a Store,
    pub master: &'a MasterKey,
    pub throttle: &'a Throttle,
    pub settings: &'a ResetSettings,
    pub letters: &'a dyn LetterWriter,
}

impl RequestHandling<'_> {
    /// Handles the waiting requests, oldest first: a request for an enabled account whose reset-mail limit allows
    /// it becomes a link and its mail (in one transaction that also deletes the request); any other request is
    /// deleted. Answers how many mails were queued.
    pub async fn handle_requests(&self, now: i64) -> Result<usize, ResetError> {
        let mut queued = 0;
        for request in self.store.waiting_reset_requests(BATCH).await? {
            if self.handle(&request, now).await? {
                queued += 1;
            } else {
                self.store.drop_reset_request(&request.id).await?;
            }
        }
        Ok(queued)
    }

    /// `false` when no mail is due (the request is then dropped) or another replica handled the request.
    async fn handle(&self, request: &ResetRequestRow, now: i64) -> Result<bool, ResetError> {
        let user = match self.store.find_user_by_email(&request.email).await? {
            Some(user) if !user.disabled => user,
            _ => return Ok(false),
        };
        // Per account, whoever asks from wherever: a victim's mailbox can't be flooded from many addresses.
        if self
            .throttle
            .reset_mail(&AccountKey::user(&user.id))
            .await
            .is_err()
        {
            tracing::info!(user = %user.id, "reset mail limit reached: no mail for this request");
            return Ok(false);
        }
        let token = PlainToken::generate(RESET_PREFIX);
        let link = format!(
            "{}/password/reset?{}",
            self.settings.public_url.trim_end_matches('/'),
            link_query(&token, request.return_to.as_deref())
        );
        let locale = request.locale.as_deref().and_then(Locale::parse);
        let mail = self
            .letters
            .write(locale.as_ref(), Letter::PasswordReset { link: &link })
            .to(&user.email);
        let row = ResetRow {
            token_hash: token.hash(),
            user_id: user.id,
            created_at: now,
            expires_at: now + self.settings.ttl,
            used_at: None,
        };
        Ok(self
            .store
            .start_password_reset(&request.id, row, mail.into_outbox(self.master, now)?)
            .await?)
    }
}

/// The mailed link's query: the token, and the authorization request to return to.
fn link_query(token: &PlainToken, return_to: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("token", token.expose());
    if let Some(return_to) = return_to {
        query.append_pair("return_to", return_to);
    }
    query.finish()
}

/// The address of the account whose link `token` is, while the link can still be used (the page shows the form
/// only then, with the address for password managers). Consumes nothing.
pub async fn usable(
    store: &Store,
    token: &PlainToken,
    now: i64,
) -> Result<Option<String>, StoreError> {
    Ok(store
        .find_usable_reset(&token.hash(), now)
        .await?
        .map(|(_, email)| email))
}

/// A completed reset: whose it was, and the cookie that makes the browser that completed it a known device.
#[derive(Debug)]
pub struct Recovered {
    account: AccountKey,
    password_changed_at: i64,
}

impl Recovered {
    /// The device cookie for the browser that proved control of the mailbox (bound to this reset: every device
    /// cookie issued before it no longer counts).
    pub fn device_cookie(&self, devices: &DeviceCookies) -> Cookie<'static> {
        devices.issue(&self.account, self.password_changed_at, None)
    }
}

/// Sets `password` through the link's `token`, once. `Ok(None)` when the token is unknown, used, expired or its
/// user disabled. Every session and refresh token of the user ends and a notice is mailed; nobody is signed in.
/// The reset proves control of the mailbox: the account's failed sign-ins from unknown sources are forgotten.
#[expect(
    clippy::too_many_arguments,
    reason = "the services a reset touches, each needed once; a struct of them would only rename the list"
)]
pub async fn complete(
    store: &Store,
    hasher: &PasswordHasher,
    master: &MasterKey,
    revocations: &Revocations,
    throttle: &Throttle,
    wording: Wording<'_>,
    token: &PlainToken,
    password: &Password,
    now: i64,
) -> Result<Option<Recovered>, ResetError> {
    let hash = token.hash();
    let Some((reset, email)) = store.find_usable_reset(&hash, now).await? else {
        return Ok(None);
    };
    let password_hash = hasher.hash(password).await?;
    let notice = wording
        .write(Letter::PasswordChanged)
        .to(&email)
        .into_outbox(master, now)?;
    // Read after the new password's hash, just before the transaction: the user's tokens signed up to here die.
    let revoked_at_ms = revocations.user_revocation_ms(now);
    let done = store
        .complete_password_reset(
            hash,
            &reset.user_id,
            password_hash,
            notice,
            now,
            revoked_at_ms,
        )
        .await?;
    if !done {
        return Ok(None);
    }
    // The reset put the user on the revocation log in its transaction; the shared denylist learns it now.
    revocations.refill().await;
    let account = AccountKey::user(&reset.user_id);
    throttle.account_recovered(&account).await;
    Ok(Some(Recovered {
        account,
        password_changed_at: now,
    }))
}
