//! The token issuer: the one domain service that stores refresh tokens and signs access tokens, for every grant
//! (DESIGN.md §13). Grants decide *whether* to issue; this decides *how*.
//!
//! The access token is signed before the refresh token is stored: storing is the claim (a new family, or the
//! rotation of a presented token), so once it has committed nothing can fail any more, and a failure before it
//! (signing) leaves the presented token unused and still valid. A claim that fails discards the signed token
//! unseen.

use std::sync::Arc;

use super::access_token::{SignedAccessToken, Subject};
use super::id_token::{self, SignIn};
use super::{REFRESH_TOKEN_PREFIX, TokenSettings, access_token};
use crate::domain::clients::{Client, GrantType};
use crate::domain::mfa::amr::AuthMethods;
use crate::domain::revocation::Revocations;
use crate::domain::signing::usage::SigningUsage;
use crate::domain::signing::{KeyRing, KeySet, MasterKey};
use crate::domain::users::User;
use crate::infra::clock::SharedClock;
use crate::infra::metrics::Metrics;
use crate::store::authorization_codes::CodeIssue;
use crate::store::refresh_tokens::{Claim, FamilyRow, TokenRow};
use crate::store::{Store, StoreError};
use crate::values::ids::Kid;
use crate::values::scope::Scope;
use crate::values::secret::{PlainToken, TokenHash};

/// Why nothing was issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The family, token or user stopped being valid before the claim (revoked, expired, disabled, reused).
    #[error("the grant is no longer valid")]
    Rejected,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("signing the access token failed")]
    Signing(#[source] anyhow::Error),
}

/// What a grant hands to the client (RFC 6749 §5.1).
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    /// Seconds.
    pub expires_in: i64,
    pub refresh_token: Option<PlainToken>,
    /// With the `openid` scope (OIDC Core §3.1.3.3).
    pub id_token: Option<String>,
    pub scope: Scope,
}

/// An authorization code being redeemed: its hash and what it recorded about the sign-in.
pub struct CodeRedemption {
    pub code: TokenHash,
    pub sign_in: SignIn,
    /// The hosted session that approved the request; the refresh-token family ends with it.
    pub session_id: Option<String>,
}

/// A refresh token being rotated: the token and the family it belongs to (as read before the claim).
pub struct Rotation<'a> {
    pub presented: &'a PlainToken,
    pub family: &'a FamilyRow,
}

pub struct TokenIssuer {
    pub store: Store,
    pub keys: Arc<KeyRing>,
    pub master: Arc<MasterKey>,
    pub settings: TokenSettings,
    pub clock: SharedClock,
    /// Counts signatures per kid.
    pub metrics: Metrics,
    /// Keeps each key's `last_signed_at`.
    pub usage: SigningUsage,
    /// A claim that finds its token or code reused revokes in its own transaction; the shared denylist learns it
    /// through here before the refusal is sent.
    pub revocations: Revocations,
    /// Derives a refresh token's successor from it (the same on every replica: from the master key).
    pub successor_key: ring::hmac::Key,
}

impl TokenIssuer {
    /// Tokens for a new login of `user` through `client`: an access token with `scope`, and, when the client may
    /// refresh, the first refresh token of a new family granted `granted`.
    pub async fn start(
        &self,
        user: &User,
        client: &Client,
        scope: &Scope,
        granted: &Scope,
    ) -> Result<Issued, IssueError> {
        self.with_current_key(async |keys| {
            let now = self.clock.now();
            // The password grant: a password alone (RFC 9700 §2.4: it can't ask for a second factor).
            let methods = AuthMethods::password();
            let family = client
                .allows(GrantType::RefreshToken)
                .then(|| self.new_family(user, client, granted, keys, (None, &methods), now));
            let sid = family.as_ref().map(|(_, family, _)| family.id.as_str());
            let subject = Subject::from(user)
                .in_family(sid)
                .authenticated_by(&methods);
            let access_token = self.sign(keys, subject, client, scope, now)?.token;
            let Some((token, family, first)) = family else {
                return Ok(Claimed::Done(self.issued(access_token, None, None, scope)));
            };
            let claim = self.store.create_family(family, first).await?;
            Ok(Claimed::from_claim(claim, || {
                self.issued(access_token, Some(token), None, scope)
            }))
        })
        .await
    }

    /// Tokens for a refresh: rotates `rotation.presented` into a successor in the same family, atomically with
    /// every check that could have revoked it since it was read (DESIGN.md §18).
    ///
    /// The successor is derived from the presented token under a key from the master key, not drawn at random:
    /// a repeat of the same refresh within `refresh_reuse_grace` (two tabs, a retry) computes the same successor,
    /// and the store hands it out again when it is still the family's live token. Nothing secret is stored for it,
    /// and there is never a second live branch.
    pub async fn rotate(
        &self,
        user: &User,
        client: &Client,
        scope: &Scope,
        rotation: Rotation<'_>,
    ) -> Result<Issued, IssueError> {
        self.with_current_key(async |keys| {
            let now = self.clock.now();
            let family = rotation.family;
            let methods = AuthMethods::parse(&family.amr);
            let subject = Subject::from(user)
                .in_family(Some(&family.id))
                .authenticated_by(&methods);
            let access_token = self.sign(keys, subject, client, scope, now)?.token;
            let token = PlainToken::derived(
                REFRESH_TOKEN_PREFIX,
                &self.successor_key,
                rotation.presented,
            );
            let next = self.token_row(&token, &family.id, family.expires_at, keys, now);
            let claim = self
                .store
                .rotate_refresh_token(
                    rotation.presented.hash(),
                    &client.id,
                    next,
                    self.settings.refresh_reuse_grace,
                    now,
                )
                .await?;
            match claim {
                Claim::Reused => {
                    tracing::warn!(family = %family.id, "refresh token used twice; family revoked");
                    self.revocations.refill().await;
                }
                Claim::Repeated => {
                    tracing::info!(family = %family.id, "refresh repeated within the grace window");
                    self.metrics.refresh_repeated();
                }
                _ => {}
            }
            Ok(Claimed::from_claim(claim, || {
                self.issued(access_token, Some(token), None, scope)
            }))
        })
        .await
    }

    /// Tokens for an authorization code (RFC 6749 §4.1.3): an access token with `scope`, an ID token when `scope`
    /// holds `openid`, and a refresh token when the client may refresh. Stored atomically with the code's
    /// redemption (DESIGN.md §18); a code redeemed before gets nothing and revokes what it issued then.
    pub async fn redeem(
        &self,
        user: &User,
        client: &Client,
        scope: &Scope,
        redemption: CodeRedemption,
    ) -> Result<Issued, IssueError> {
        self.with_current_key(async |keys| {
            let now = self.clock.now();
            let methods = &redemption.sign_in.methods;
            let family = client.allows(GrantType::RefreshToken).then(|| {
                let origin = (redemption.session_id.clone(), methods);
                self.new_family(user, client, scope, keys, origin, now)
            });
            let sid = family.as_ref().map(|(_, family, _)| family.id.as_str());
            let subject = Subject::from(user)
                .in_family(sid)
                .authenticated_by(methods);
            let SignedAccessToken {
                token: access_token,
                jti,
                expires_at,
            } = self.sign(keys, subject, client, scope, now)?;
            let id_token = if scope.contains("openid") {
                let recipient = id_token::Recipient {
                    user,
                    client_id: client.id.as_str(),
                    scope,
                };
                let token = id_token::sign(
                    &keys.active,
                    &self.settings,
                    recipient,
                    &redemption.sign_in,
                    &access_token,
                    now,
                )
                .map_err(IssueError::Signing)?;
                self.metrics.token_signed(keys.active.kid());
                Some(token)
            } else {
                None
            };
            let (refresh, rows) = match family {
                Some((token, family, first)) => (Some(token), Some((family, first))),
                None => (None, None),
            };
            let issue = CodeIssue {
                family: rows,
                access_token_jti: jti,
                access_token_expires_at: expires_at,
            };
            let claim = self
                .store
                .redeem_code(redemption.code, &client.id, issue, keys.active.kid(), now)
                .await?;
            if claim == Claim::Reused {
                tracing::warn!(client = %client.id, "authorization code used twice; what it issued is revoked");
                self.revocations.refill().await;
            }
            Ok(Claimed::from_claim(claim, || {
                self.issued(access_token, refresh, id_token, scope)
            }))
        })
        .await
    }

    /// An access token for `client` itself (client credentials, RFC 6749 §4.4.3): `sub` is the client id and there
    /// is no refresh token. Nothing is stored, so nothing can be claimed twice; a revoked key is never used
    /// because the ring reloads on every key change.
    pub async fn for_client(&self, client: &Client, scope: &Scope) -> Result<Issued, IssueError> {
        let keys = self.keys.snapshot();
        let now = self.clock.now();
        let access_token = self
            .sign(&keys, Subject::client(client), client, scope, now)?
            .token;
        self.usage.signed(keys.active.kid(), now).await;
        Ok(self.issued(access_token, None, None, scope))
    }

    /// A new refresh-token family granted `granted`, with its first token (not yet stored); `origin`: the session
    /// it comes from, if any, and how the user signed in.
    fn new_family(
        &self,
        user: &User,
        client: &Client,
        granted: &Scope,
        keys: &KeySet,
        origin: (Option<String>, &AuthMethods),
        now: i64,
    ) -> (PlainToken, FamilyRow, TokenRow) {
        let (session_id, methods) = origin;
        let token = PlainToken::generate(REFRESH_TOKEN_PREFIX);
        let family = FamilyRow {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: client.id.clone(),
            user_id: user.id.clone(),
            scope: granted.clone(),
            created_at: now,
            expires_at: now + self.settings.refresh_token_max_lifetime,
            revoked_at: None,
            revoked_reason: None,
            last_used_at: None,
            session_id,
            amr: methods.stored(),
        };
        let first = self.token_row(&token, &family.id, family.expires_at, keys, now);
        (token, family, first)
    }

    /// Runs `attempt` with the current key; if the store says that key was revoked meanwhile (this replica's ring
    /// is stale: the revocation came from another process), reloads the ring and tries once more.
    async fn with_current_key(
        &self,
        attempt: impl AsyncFn(&KeySet) -> Result<Claimed, IssueError>,
    ) -> Result<Issued, IssueError> {
        for _ in 0..2 {
            let keys = self.keys.snapshot();
            match attempt(&keys).await? {
                Claimed::Done(issued) => {
                    self.usage.signed(keys.active.kid(), self.clock.now()).await;
                    return Ok(issued);
                }
                Claimed::Rejected => return Err(IssueError::Rejected),
                Claimed::SignerRevoked => {
                    tracing::warn!(kid = %keys.active.kid(), "the signing key was revoked; reloading the key ring");
                    self.keys
                        .reload(&self.store, &self.master, self.clock.now())
                        .await
                        .map_err(|e| IssueError::Store(StoreError::Unavailable(e.into())))?;
                }
            }
        }
        Err(IssueError::Store(StoreError::Unavailable(anyhow::anyhow!(
            "no unrevoked signing key is loaded"
        ))))
    }

    fn sign(
        &self,
        keys: &KeySet,
        subject: Subject<'_>,
        client: &Client,
        scope: &Scope,
        now: i64,
    ) -> Result<SignedAccessToken, IssueError> {
        let token = access_token::sign(
            &keys.active,
            &self.settings,
            subject,
            client,
            &client.token_audiences(),
            scope,
            now,
        )
        .map_err(IssueError::Signing)?;
        self.metrics.token_signed(keys.active.kid());
        Ok(token)
    }

    fn token_row(
        &self,
        token: &PlainToken,
        family_id: &str,
        family_expires_at: i64,
        keys: &KeySet,
        now: i64,
    ) -> TokenRow {
        TokenRow {
            token_hash: token.hash(),
            family_id: family_id.to_owned(),
            issued_at: now,
            idle_expires_at: (now + self.settings.refresh_token_idle_ttl).min(family_expires_at),
            used_at: None,
            access_token_kid: Kid::new(keys.active.kid()),
        }
    }

    fn issued(
        &self,
        access_token: String,
        refresh: Option<PlainToken>,
        id_token: Option<String>,
        scope: &Scope,
    ) -> Issued {
        Issued {
            access_token,
            expires_in: self.settings.access_token_ttl,
            refresh_token: refresh,
            id_token,
            scope: scope.clone(),
        }
    }
}

/// One attempt's outcome.
enum Claimed {
    Done(Issued),
    Rejected,
    SignerRevoked,
}

impl Claimed {
    fn from_claim(claim: Claim, issued: impl FnOnce() -> Issued) -> Self {
        match claim {
            Claim::Done | Claim::Repeated => Self::Done(issued()),
            Claim::Reused | Claim::Dead => Self::Rejected,
            Claim::SignerRevoked => Self::SignerRevoked,
        }
    }
}
