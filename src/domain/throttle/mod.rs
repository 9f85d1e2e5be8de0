//! Brute-force and abuse defence (OWASP ASVS 2.2.1, OWASP Authentication Cheat Sheet): the rules every surface
//! applies, counted in Redis when it is configured (shared by replicas) and in this process otherwise.
//!
//! - **Per account**: failed sign-ins against one account from unknown sources (no valid device cookie for it)
//!   share one counter, whatever their address and whether they named the account by username or by email; over
//!   `login_failure_limit` in `login_failure_window`, unknown sources are refused until the window ends. A login
//!   naming nobody is counted the same way under its normalised text, so the answer says nothing about whether an
//!   account exists. Only failed passwords count: an attempt holds a place while its password is checked and
//!   gives it back unless it failed; a refused (429) or shed (503) attempt never counts, so correct passwords can't
//!   lock an account however many arrive at once (too many at once get 503 "busy", never a lock). A completed
//!   password reset clears the account's counter.
//! - **Per device**: a browser or client that signed in to the account before carries a device cookie and has
//!   its own counter with the same limit, so guessing from elsewhere never locks its owner out. The cookie names
//!   the account (not the login form used) and the time of its last password reset: a reset ends every earlier
//!   device cookie.
//! - **Per address**: failed passwords (known or unknown accounts) and failed client authentication count
//!   against `address_failure_limit`; every request to the credential endpoints counts against
//!   `address_request_limit` per minute; forgot-password requests against `forgot_password_limit`. An IPv6
//!   source is its network of `ipv6_source_prefix` bits (a /64 by default), an IPv4 source its address.

pub mod account;
pub mod device;
pub mod limiter;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

pub use account::AccountKey;
pub use device::{Device, DeviceCookies, PresentedDevice};
pub use limiter::{Decision, Eviction, Limiter, Reservation, Reserved, Rule};

use crate::infra::clock::SharedClock;
use crate::infra::redis::SharedRedis;
use crate::values::address::SourceBlock;

/// The limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub login_failures: u32,
    pub login_failure_window: Duration,
    pub address_failures: u32,
    pub address_requests_per_minute: u32,
    pub forgot_password_requests: u32,
    /// IPv6 sources count per network of this many leading bits.
    pub ipv6_source_prefix: u8,
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
    ipv6_source_prefix: u8,
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

/// Why a sign-in attempt may not begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Too many failures (429 with `Retry-After`).
    Throttled(Throttled),
    /// Failures and attempts in flight fill the account's window: retry in a moment (503). Not a failure.
    Busy,
}

/// Who is trying: the source address, and the device cookie it presented (checked against the account once it
/// is known).
#[derive(Debug, Clone)]
pub struct Source {
    pub address: IpAddr,
    pub device: Option<PresentedDevice>,
}

/// A sign-in attempt under way: holds its place in the account's (or device's) window until it ends.
#[derive(Debug)]
pub struct Attempt {
    place: Reservation,
    address: String,
}

impl Throttle {
    /// In-process windows run on `clock`; Redis windows on Redis' own clock.
    pub fn new(
        redis: Option<Arc<SharedRedis>>,
        clock: SharedClock,
        devices: DeviceCookies,
        limits: Limits,
    ) -> Self {
        Self::with_limiter(Limiter::new(redis, clock), devices, limits)
    }

    /// The rules on `limiter`.
    pub fn with_limiter(limiter: Limiter, devices: DeviceCookies, limits: Limits) -> Self {
        let window = limits.login_failure_window;
        let rule = |name, limit, window, eviction| Rule {
            name,
            limit,
            window,
            eviction,
        };
        Self {
            limiter,
            devices,
            account: rule(
                "login-account",
                limits.login_failures,
                window,
                Eviction::Never,
            ),
            device: rule(
                "login-device",
                limits.login_failures,
                window,
                Eviction::Never,
            ),
            // Per-address counters are filled by cheap requests from fresh sources: they make room by evicting
            // (losing one lets a source start its window again); account and device counters never do.
            address_failures: rule(
                "failures-address",
                limits.address_failures,
                window,
                Eviction::Oldest,
            ),
            address_requests: rule(
                "requests-address",
                limits.address_requests_per_minute,
                Duration::from_secs(60),
                Eviction::Oldest,
            ),
            forgot: rule(
                "forgot-address",
                limits.forgot_password_requests,
                window,
                Eviction::Oldest,
            ),
            // Losing one lets that account get one more window of mails: never a lock, so it may make room.
            reset_mail: rule(
                "reset-mail-account",
                limits.reset_mails,
                window,
                Eviction::Oldest,
            ),
            ipv6_source_prefix: limits.ipv6_source_prefix,
        }
    }

    /// The counter key of `address`: its IPv6 network, or the IPv4 address.
    fn source(&self, address: IpAddr) -> String {
        SourceBlock::of(address, self.ipv6_source_prefix).to_string()
    }

    /// Counts a request to a credential endpoint from `address`.
    pub async fn request(&self, address: IpAddr) -> Result<(), Throttled> {
        limited(
            self.limiter
                .hit(&self.address_requests, &self.source(address))
                .await,
        )
    }

    /// Counts a forgot-password request from `address`.
    pub async fn forgot_password(&self, address: IpAddr) -> Result<(), Throttled> {
        limited(self.limiter.hit(&self.forgot, &self.source(address)).await)
    }

    /// Counts a reset mail to `account`, whoever asked from wherever: over the limit, none is sent.
    pub async fn reset_mail(&self, account: &AccountKey) -> Result<(), Throttled> {
        limited(self.limiter.hit(&self.reset_mail, account.as_str()).await)
    }

    /// Begins a sign-in to `account` from `source`, whose device cookie (if any) was found valid for the account
    /// (`device`): refused if the address is over its failures, else the attempt holds a place in the account's
    /// window (or the device's) while its password is checked, so that concurrent guesses can't all slip in under
    /// the limit while the first ones are still hashing. End it with [`Self::failed`] or [`Attempt::succeeded`];
    /// only a failure keeps its place. A refusal is never counted.
    pub async fn begin(
        &self,
        account: &AccountKey,
        address: IpAddr,
        device: Option<&Device>,
    ) -> Result<Attempt, Refused> {
        let address = self.source(address);
        limited(self.limiter.peek(&self.address_failures, &address).await)
            .map_err(Refused::Throttled)?;
        let (rule, key) = match device {
            Some(device) => (&self.device, device.id()),
            None => (&self.account, account.as_str()),
        };
        match self.limiter.reserve(rule, key).await {
            Reserved::Yes(place) => Ok(Attempt { place, address }),
            Reserved::Limited { retry_after } => Err(Refused::Throttled(Throttled { retry_after })),
            Reserved::Busy => Err(Refused::Busy),
        }
    }

    /// The attempt failed (a wrong password, an unknown account): it keeps its place, and counts against the
    /// address.
    pub async fn failed(&self, attempt: Attempt) {
        attempt.place.settle(true).await;
        self.limiter
            .hit(&self.address_failures, &attempt.address)
            .await;
    }

    /// A completed password reset proves control of the account's mailbox: its failures from unknown sources are
    /// forgotten (the reset page then makes the browser a known device).
    pub async fn account_recovered(&self, account: &AccountKey) {
        self.limiter.clear(&self.account, account.as_str()).await;
    }

    /// Counts a request to a credential endpoint from `address` and checks the address's failures (client
    /// authentication may not be tried while it is over: guessing secrets counts as failures), in one count.
    pub async fn client_request(&self, address: IpAddr) -> Result<(), Throttled> {
        let address = self.source(address);
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
            .hit(&self.address_failures, &self.source(address))
            .await;
    }
}

impl Attempt {
    /// The attempt was not a failed password (it succeeded, or could not be checked): its place is freed.
    pub async fn succeeded(self) {
        self.place.settle(false).await;
    }
}

fn limited(decision: Decision) -> Result<(), Throttled> {
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after } => Err(Throttled { retry_after }),
    }
}
