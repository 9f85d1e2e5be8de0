//! Brute-force and abuse defence (OWASP ASVS 2.2.1, OWASP Authentication Cheat Sheet): the rules every surface
//! applies, counted in Redis when it is configured (shared by replicas) and in this process otherwise.
//!
//! - **Per account**: failed sign-ins against one account from unknown sources (no valid device cookie for it)
//!   share one counter, whatever their address; over `login_failure_limit` in `login_failure_window`, unknown
//!   sources are refused until the window ends. Unknown accounts are counted exactly the same way, so the answer
//!   says nothing about whether an account exists. Only failed passwords count: a refresh or any other grant
//!   never resets or touches it, and password reset is never locked.
//! - **Per device**: a browser or client that signed in to the account before carries a device cookie and has
//!   its own counter with the same limit, so guessing from elsewhere never locks its owner out.
//! - **Per address**: failed passwords (known or unknown accounts) and failed client authentication count
//!   against `address_failure_limit`; every request to the credential endpoints counts against
//!   `address_request_limit` per minute; forgot-password requests against `forgot_password_limit`.

use std::fmt::Write as _;

pub mod device;
pub mod limiter;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

pub use device::{Device, DeviceCookies};
pub use limiter::{Decision, Limiter, Rule};

use crate::infra::clock::SharedClock;
use crate::infra::redis::SharedRedis;
use crate::values::secret::TokenHash;

/// The limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub login_failures: u32,
    pub login_failure_window: Duration,
    pub address_failures: u32,
    pub address_requests_per_minute: u32,
    pub forgot_password_requests: u32,
    /// Reset mails per account per `login_failure_window`.
    pub reset_mails: u32,
}

pub struct Throttle {
    limiter: Limiter,
    pub devices: DeviceCookies,
    account: Rule,
    device: Rule,
    address_failures: Rule,
    address_requests: Rule,
    forgot: Rule,
    reset_mail: Rule,
}

/// Why an attempt is refused before any password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl Throttled {
    /// Whole seconds for `Retry-After`, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// Who is trying: the source address, and the device if it presented a valid cookie for the account.
#[derive(Debug, Clone)]
pub struct Source {
    pub address: IpAddr,
    pub device: Option<Device>,
}

impl Throttle {
    /// In-process windows run on `clock`; Redis windows on Redis' own clock.
    pub fn new(
        redis: Option<Arc<SharedRedis>>,
        clock: SharedClock,
        devices: DeviceCookies,
        limits: Limits,
    ) -> Self {
        let window = limits.login_failure_window;
        Self {
            limiter: Limiter::new(redis, clock),
            devices,
            account: Rule {
                name: "login-account",
                limit: limits.login_failures,
                window,
            },
            device: Rule {
                name: "login-device",
                limit: limits.login_failures,
                window,
            },
            address_failures: Rule {
                name: "failures-address",
                limit: limits.address_failures,
                window,
            },
            address_requests: Rule {
                name: "requests-address",
                limit: limits.address_requests_per_minute,
                window: Duration::from_secs(60),
            },
            forgot: Rule {
                name: "forgot-address",
                limit: limits.forgot_password_requests,
                window,
            },
            reset_mail: Rule {
                name: "reset-mail-account",
                limit: limits.reset_mails,
                window,
            },
        }
    }

    /// Counts a request to a credential endpoint from `address`.
    pub async fn request(&self, address: IpAddr) -> Result<(), Throttled> {
        limited(
            self.limiter
                .hit(&self.address_requests, &address.to_string())
                .await,
        )
    }

    /// Counts a forgot-password request from `address`.
    pub async fn forgot_password(&self, address: IpAddr) -> Result<(), Throttled> {
        limited(self.limiter.hit(&self.forgot, &address.to_string()).await)
    }

    /// Counts a reset mail to the account `user_id`, whoever asked from wherever: over the limit, none is sent.
    pub async fn reset_mail(&self, user_id: &str) -> Result<(), Throttled> {
        limited(self.limiter.hit(&self.reset_mail, user_id).await)
    }

    /// Starts a sign-in to `account` (the normalised login) from `source`: refused if the address is over its
    /// failures, else the attempt is counted against the account (or the device) *before* the password is checked,
    /// so that concurrent guesses can't all slip in under the limit while the first ones are still hashing. An
    /// attempt that turns out not to be a failure is given back ([`Self::not_failed`]).
    pub async fn begin(&self, account: &str, source: &Source) -> Result<(), Throttled> {
        limited(
            self.limiter
                .peek(&self.address_failures, &source.address.to_string())
                .await,
        )?;
        let (rule, key) = self.attempt_counter(account, source);
        limited(self.limiter.hit(rule, &key).await)
    }

    /// The attempt begun failed (a wrong password, an unknown account): it also counts against the address.
    pub async fn failed(&self, source: &Source) {
        self.limiter
            .hit(&self.address_failures, &source.address.to_string())
            .await;
    }

    /// The attempt begun was not a failed password (it succeeded, or could not be checked): it is given back.
    pub async fn not_failed(&self, account: &str, source: &Source) {
        let (rule, key) = self.attempt_counter(account, source);
        self.limiter.give_back(rule, &key).await;
    }

    fn attempt_counter(&self, account: &str, source: &Source) -> (&Rule, String) {
        match &source.device {
            Some(device) => (&self.device, device.id().to_owned()),
            None => (&self.account, account_key(account)),
        }
    }

    /// Counts a request to a credential endpoint from `address` and checks the address's failures (client
    /// authentication may not be tried while it is over: guessing secrets counts as failures), in one count.
    pub async fn client_request(&self, address: IpAddr) -> Result<(), Throttled> {
        let address = address.to_string();
        let (requests, failures) = self
            .limiter
            .hit_and_peek(
                (&self.address_requests, &address),
                (&self.address_failures, &address),
            )
            .await;
        limited(requests)?;
        limited(failures)
    }

    /// Counts a failed client authentication from `address`.
    pub async fn client_failed(&self, address: IpAddr) {
        self.limiter
            .hit(&self.address_failures, &address.to_string())
            .await;
    }
}

fn limited(decision: Decision) -> Result<(), Throttled> {
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after } => Err(Throttled { retry_after }),
    }
}

/// Accounts are keyed by a hash of the login, so Redis never holds e-mail addresses.
fn account_key(account: &str) -> String {
    let hash = TokenHash::of(account.as_bytes());
    hash.as_bytes()[..16]
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}
