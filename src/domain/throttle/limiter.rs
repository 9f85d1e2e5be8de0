//! Fixed-window counters: in this process, or in Redis so that every replica counts together (one atomic script,
//! windows on Redis' clock). A Redis that can't be reached never means "unlimited": the count falls back to this
//! process, against a stricter limit (half), until Redis answers again. In-process windows run on the injected
//! clock (DESIGN.md §14), in whole seconds like every other lifetime, so tests move time instead of sleeping.
//!
//! Two kinds of counting:
//! - [`Limiter::hit`] counts events (requests, failures) and says whether this one is over the limit;
//! - [`Limiter::reserve`] / [`Reservation::settle`] count *attempts whose outcome is not known yet* (a password
//!   being checked): an attempt holds a place while it runs and only a failure keeps it. A window with `limit`
//!   places is refused ("limited") once `limit` failures are in it, and "busy" (never a failure, never a lock)
//!   while failures and attempts in flight fill it: concurrent guesses can't slip past the limit while the first
//!   ones hash, and concurrent correct sign-ins can't lock an account.
//!
//! The in-process table is bounded per rule. Counters of rules that guard accounts and failures are never evicted
//! to make room: a full table refuses new keys (the stricter answer), so flooding it with fresh keys can't erase a
//! lock. Only rules marked [`Eviction::Oldest`] (cheap per-minute request counters) give up live entries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::infra::clock::SharedClock;
use crate::infra::redis::SharedRedis;

/// Counts `KEYS[1]` up by one and starts its window on the first count; answers the count and the milliseconds
/// left in the window.
const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
";

/// The count and the milliseconds left, without counting.
const PEEK: &str = r"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
";

/// HIT on `KEYS[1]` and PEEK on `KEYS[2]` in one round trip (windows `ARGV[1]` and `ARGV[2]`).
const HIT_AND_PEEK: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local m = tonumber(redis.call('GET', KEYS[2]) or '0')
local ttl2 = redis.call('PTTL', KEYS[2])
return {n, ttl, m, ttl2}
";

/// Most keys the in-process table keeps per rule.
const LOCAL_CAPACITY: usize = 100_000;

/// Reserves a place under `KEYS[1]` (failures, window `ARGV[2]` ms) for an attempt counted in `KEYS[2]` (in flight,
/// expiring after `ARGV[3]` ms should its process die): answers `{0, 0}` when reserved, `{1, ms left}` when the
/// failures alone reach the limit `ARGV[1]`, `{2, 0}` when failures and attempts in flight do.
const RESERVE: &str = r"
local limit = tonumber(ARGV[1])
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
  return {1, ttl}
end
local p = tonumber(redis.call('GET', KEYS[2]) or '0')
if n + p >= limit then return {2, 0} end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {0, 0}
";

/// Ends an attempt reserved with RESERVE: its place in flight (`KEYS[2]`) is freed, and when `ARGV[1]` is 1 (it
/// failed) it is counted in `KEYS[1]`, starting the window (`ARGV[2]` ms) on the first failure.
const SETTLE: &str = r"
local p = tonumber(redis.call('GET', KEYS[2]) or '0')
if p > 0 then redis.call('DECR', KEYS[2]) end
if ARGV[1] == '1' then
  local n = redis.call('INCR', KEYS[1])
  local ttl = redis.call('PTTL', KEYS[1])
  if n == 1 or ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
return 1
";

/// How long an attempt in flight holds its place in Redis if its process dies before settling it.
const IN_FLIGHT_EXPIRY: Duration = Duration::from_secs(60);

/// A limit: at most `limit` events per `window` for one key.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Part of the key, so that rules never share counters.
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
    /// What the in-process table may do with this rule's live counters when it is full.
    pub eviction: Eviction,
}

/// What a full in-process table does for a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eviction {
    /// Never drop a live counter; refuse keys it has no room for (accounts, devices, failures).
    Never,
    /// Drop the live counters nearest the end of their window (per-minute request counters, which cheap requests
    /// fill and whose loss lets a source make at most one more window of requests).
    Oldest,
}

/// What a rule allows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Over the limit: try again after this long.
    Limited {
        retry_after: Duration,
    },
}

impl Decision {
    pub fn is_limited(&self) -> bool {
        matches!(self, Self::Limited { .. })
    }
}

/// The answer to [`Limiter::reserve`].
#[derive(Debug)]
pub enum Reserved {
    /// The attempt may go ahead; settle its place when its outcome is known.
    Yes(Reservation),
    /// The failures in the window reach the limit.
    Limited { retry_after: Duration },
    /// Failures and attempts in flight fill the window: try again in a moment (no failure, no lock).
    Busy,
}

/// A place held by an attempt in flight. Settle it with its outcome; dropped unsettled (the request was cancelled)
/// it is given back as not failed.
#[derive(Debug)]
pub struct Reservation {
    limiter: Arc<Inner>,
    rule: Rule,
    key: String,
    /// Reserved in this process (no Redis, or Redis failed) rather than in Redis.
    local: bool,
    settled: bool,
}

pub struct Limiter {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Option<Arc<SharedRedis>>,
    local: LocalCounters,
    hit: redis::Script,
    peek: redis::Script,
    hit_and_peek: redis::Script,
    reserve: redis::Script,
    settle: redis::Script,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("redis", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

impl Limiter {
    pub fn new(redis: Option<Arc<SharedRedis>>, clock: SharedClock) -> Self {
        Self::with_capacity(redis, clock, LOCAL_CAPACITY)
    }

    /// A limiter whose in-process table holds at most `capacity` keys per rule.
    pub fn with_capacity(
        redis: Option<Arc<SharedRedis>>,
        clock: SharedClock,
        capacity: usize,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                redis,
                local: LocalCounters::new(clock, capacity),
                hit: redis::Script::new(HIT),
                peek: redis::Script::new(PEEK),
                hit_and_peek: redis::Script::new(HIT_AND_PEEK),
                reserve: redis::Script::new(RESERVE),
                settle: redis::Script::new(SETTLE),
            }),
        }
    }

    /// Counts one event for `key` under `rule`; `Limited` when this event is over the limit.
    pub async fn hit(&self, rule: &Rule, key: &str) -> Decision {
        self.count(rule, key, true).await
    }

    /// Whether the next event for `key` would be over the limit, without counting one.
    pub async fn peek(&self, rule: &Rule, key: &str) -> Decision {
        self.count(rule, key, false).await
    }

    /// Holds a place for an attempt under `rule` for `key` until it is settled (see the module comment).
    pub async fn reserve(&self, rule: &Rule, key: &str) -> Reserved {
        let inner = &self.inner;
        let reservation = |local| {
            Reserved::Yes(Reservation {
                limiter: inner.clone(),
                rule: *rule,
                key: key.to_owned(),
                local,
                settled: false,
            })
        };
        let local = |limit| match inner.local.reserve(rule, key, limit) {
            LocalReserve::Yes => reservation(true),
            LocalReserve::Limited(retry_after) => Reserved::Limited { retry_after },
            LocalReserve::Busy => Reserved::Busy,
        };
        if rule.limit == 0 {
            return reservation(true);
        }
        let Some(redis) = &inner.redis else {
            return local(rule.limit);
        };
        let keys = redis_keys(redis, rule, key);
        let script = &inner.reserve;
        let answer = redis
            .run(async |conn| {
                script
                    .key(&keys.0)
                    .key(&keys.1)
                    .arg(rule.limit)
                    .arg(window_ms(rule.window))
                    .arg(window_ms(IN_FLIGHT_EXPIRY))
                    .invoke_async::<(i64, i64)>(conn)
                    .await
            })
            .await;
        match answer {
            Ok((0, _)) => reservation(false),
            Ok((1, ttl_ms)) => Reserved::Limited {
                retry_after: Duration::from_millis(u64::try_from(ttl_ms.max(1000)).unwrap_or(1000)),
            },
            Ok(_) => Reserved::Busy,
            Err(e) => {
                tracing::warn!(error = %e, rule = rule.name, "redis unreachable: rate limit counted in this process, at half the limit");
                local((rule.limit / 2).max(1))
            }
        }
    }

    /// Forgets the failures of `key` under `rule` (a completed password reset clears its account's counter).
    pub async fn clear(&self, rule: &Rule, key: &str) {
        let inner = &self.inner;
        inner.local.clear(rule, key);
        if let Some(redis) = &inner.redis {
            let failures = redis.key(&format!("rate:{}:{key}", rule.name));
            let cleared = redis
                .run(async |conn| {
                    redis::cmd("DEL")
                        .arg(&failures)
                        .query_async::<i64>(conn)
                        .await
                })
                .await;
            if let Err(e) = cleared {
                tracing::warn!(error = %e, rule = rule.name, "redis unreachable: a counter was not cleared");
            }
        }
    }

    /// [`Self::hit`] for `(hit_rule, hit_key)` and [`Self::peek`] for `(peek_rule, peek_key)`, in one Redis round
    /// trip (the per-request check of the credential endpoints runs on every `/token` request).
    pub async fn hit_and_peek(
        &self,
        (hit_rule, hit_key): (&Rule, &str),
        (peek_rule, peek_key): (&Rule, &str),
    ) -> (Decision, Decision) {
        let inner = &self.inner;
        let Some(redis) = &inner.redis else {
            return (
                inner.local_count(hit_rule, hit_key, true, hit_rule.limit),
                inner.local_count(peek_rule, peek_key, false, peek_rule.limit),
            );
        };
        let keys = (
            redis.key(&format!("rate:{}:{hit_key}", hit_rule.name)),
            redis.key(&format!("rate:{}:{peek_key}", peek_rule.name)),
        );
        let windows = (window_ms(hit_rule.window), window_ms(peek_rule.window));
        let script = &inner.hit_and_peek;
        let answer = redis
            .run(async |conn| {
                script
                    .key(&keys.0)
                    .key(&keys.1)
                    .arg(windows.0)
                    .arg(windows.1)
                    .invoke_async::<(i64, i64, i64, i64)>(conn)
                    .await
            })
            .await;
        match answer {
            Ok((n, ttl, m, ttl2)) => (
                judge(hit_rule, n, ttl, true),
                judge(peek_rule, m, ttl2, false),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "redis unreachable: rate limits counted in this process, at half the limit");
                (
                    inner.local_count(hit_rule, hit_key, true, (hit_rule.limit / 2).max(1)),
                    inner.local_count(peek_rule, peek_key, false, (peek_rule.limit / 2).max(1)),
                )
            }
        }
    }

    async fn count(&self, rule: &Rule, key: &str, add: bool) -> Decision {
        let inner = &self.inner;
        if rule.limit == 0 {
            return Decision::Allowed;
        }
        let Some(redis) = &inner.redis else {
            return inner.local.count(rule, key, add, rule.limit);
        };
        let redis_key = redis.key(&format!("rate:{}:{key}", rule.name));
        let script = if add { &inner.hit } else { &inner.peek };
        let answer = redis
            .run(async |conn| {
                script
                    .key(&redis_key)
                    .arg(window_ms(rule.window))
                    .invoke_async::<(i64, i64)>(conn)
                    .await
            })
            .await;
        match answer {
            Ok((count, ttl_ms)) => judge(rule, count, ttl_ms, add),
            Err(e) => {
                tracing::warn!(error = %e, rule = rule.name, "redis unreachable: rate limit counted in this process, at half the limit");
                inner.local.count(rule, key, add, (rule.limit / 2).max(1))
            }
        }
    }
}

impl Inner {
    fn local_count(&self, rule: &Rule, key: &str, add: bool, limit: u32) -> Decision {
        if rule.limit == 0 {
            return Decision::Allowed;
        }
        self.local.count(rule, key, add, limit)
    }
}

impl Reservation {
    /// Ends the attempt: `failed` (a wrong password) keeps its place as a failure; otherwise the place is freed.
    pub async fn settle(mut self, failed: bool) {
        self.settled = true;
        if self.rule.limit == 0 {
            return;
        }
        if self.local {
            self.limiter.local.settle(&self.rule, &self.key, failed);
            return;
        }
        let Some(redis) = &self.limiter.redis else {
            return;
        };
        let keys = redis_keys(redis, &self.rule, &self.key);
        let script = &self.limiter.settle;
        let window = window_ms(self.rule.window);
        let settled = redis
            .run(async |conn| {
                script
                    .key(&keys.0)
                    .key(&keys.1)
                    .arg(if failed { "1" } else { "0" })
                    .arg(window)
                    .invoke_async::<i64>(conn)
                    .await
            })
            .await;
        if let Err(e) = settled {
            // The place in flight expires by itself (IN_FLIGHT_EXPIRY); a failure is still counted, here.
            tracing::warn!(error = %e, rule = self.rule.name, "redis unreachable: an attempt was settled in this process");
            if failed {
                let rule = self.rule;
                let limit = (rule.limit / 2).max(1);
                self.limiter.local.count(&rule, &self.key, true, limit);
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.settled || self.rule.limit == 0 {
            return;
        }
        if self.local {
            self.limiter.local.settle(&self.rule, &self.key, false);
            return;
        }
        // Cancelled mid-attempt (the client went away): free the place in Redis in the background.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let reservation = Self {
            limiter: self.limiter.clone(),
            rule: self.rule,
            key: std::mem::take(&mut self.key),
            local: false,
            settled: false,
        };
        self.settled = true;
        runtime.spawn(reservation.settle(false));
    }
}

fn redis_keys(redis: &SharedRedis, rule: &Rule, key: &str) -> (String, String) {
    (
        redis.key(&format!("rate:{}:{key}", rule.name)),
        redis.key(&format!("rate:{}:{key}:in-flight", rule.name)),
    )
}

fn window_ms(window: Duration) -> u64 {
    u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// What a count read from Redis means for `rule`: a hit is over when it passes the limit, a peek when the next hit
/// would.
fn judge(rule: &Rule, count: i64, ttl_ms: i64, add: bool) -> Decision {
    if rule.limit == 0 {
        return Decision::Allowed;
    }
    let over = if add {
        count > i64::from(rule.limit)
    } else {
        count >= i64::from(rule.limit)
    };
    if over {
        Decision::Limited {
            retry_after: Duration::from_millis(ttl_ms.max(1000) as u64),
        }
    } else {
        Decision::Allowed
    }
}

/// Per-process counters: one table per rule, each bounded in size.
struct LocalCounters {
    tables: Mutex<HashMap<&'static str, Table>>,
    capacity: usize,
    clock: SharedClock,
}

#[derive(Default)]
struct Table {
    windows: HashMap<String, Window>,
    /// A full table is swept at most once a second (a sweep walks every key).
    next_sweep: i64,
}

#[derive(Clone, Copy)]
struct Window {
    count: u32,
    /// Attempts reserved and not yet settled (kept across windows: they end when they settle).
    in_flight: u32,
    /// UNIX seconds; `count` is stale (zero) from then on.
    ends: i64,
}

enum LocalReserve {
    Yes,
    Limited(Duration),
    Busy,
}

/// A rule's window in whole seconds, rounded up (at least 1).
fn window_secs(rule: &Rule) -> i64 {
    i64::try_from(rule.window.as_secs() + u64::from(rule.window.subsec_nanos() > 0))
        .unwrap_or(i64::MAX / 4)
        .max(1)
}

impl LocalCounters {
    fn new(clock: SharedClock, capacity: usize) -> Self {
        Self {
            tables: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            clock,
        }
    }

    /// The tables, or `None` if a panic elsewhere poisoned the lock (callers then refuse rather than allow).
    fn lock(&self) -> Option<MutexGuard<'_, HashMap<&'static str, Table>>> {
        self.tables.lock().ok()
    }

    fn count(&self, rule: &Rule, key: &str, add: bool, limit: u32) -> Decision {
        let now = self.clock.now();
        let refused = Decision::Limited {
            retry_after: rule.window,
        };
        let Some(mut tables) = self.lock() else {
            return refused;
        };
        let table = tables.entry(rule.name).or_default();
        let full = table.windows.len() >= self.capacity;
        let window = if add {
            match table.slot(rule, key, now, self.capacity) {
                Some(window) => window,
                None => return refused,
            }
        } else {
            // A peek never inserts. A key missing from a full table that never evicts may be one that was refused
            // a place: the stricter answer.
            match table.windows.get_mut(key) {
                Some(window) => window,
                None if full && rule.eviction == Eviction::Never => return refused,
                None => return Decision::Allowed,
            }
        };
        if window.ends <= now {
            window.count = 0;
            window.ends = now.saturating_add(window_secs(rule));
        }
        if add {
            window.count = window.count.saturating_add(1);
        }
        let over = if add {
            window.count > limit
        } else {
            window.count >= limit
        };
        if over {
            Decision::Limited {
                retry_after: secs_until(window.ends, now),
            }
        } else {
            Decision::Allowed
        }
    }

    fn reserve(&self, rule: &Rule, key: &str, limit: u32) -> LocalReserve {
        let now = self.clock.now();
        let Some(mut tables) = self.lock() else {
            return LocalReserve::Limited(rule.window);
        };
        let table = tables.entry(rule.name).or_default();
        let Some(window) = table.slot(rule, key, now, self.capacity) else {
            return LocalReserve::Limited(rule.window);
        };
        let failures = if window.ends <= now { 0 } else { window.count };
        if failures >= limit {
            return LocalReserve::Limited(secs_until(window.ends, now));
        }
        if failures.saturating_add(window.in_flight) >= limit {
            return LocalReserve::Busy;
        }
        window.in_flight += 1;
        LocalReserve::Yes
    }

    fn settle(&self, rule: &Rule, key: &str, failed: bool) {
        let now = self.clock.now();
        let Some(mut tables) = self.lock() else {
            return;
        };
        let Some(window) = tables
            .get_mut(rule.name)
            .and_then(|table| table.windows.get_mut(key))
        else {
            return;
        };
        window.in_flight = window.in_flight.saturating_sub(1);
        if failed {
            if window.ends <= now {
                window.count = 0;
                window.ends = now.saturating_add(window_secs(rule));
            }
            window.count = window.count.saturating_add(1);
        }
    }

    fn clear(&self, rule: &Rule, key: &str) {
        if let Some(mut tables) = self.lock()
            && let Some(window) = tables
                .get_mut(rule.name)
                .and_then(|table| table.windows.get_mut(key))
        {
            // Attempts still in flight keep their places until they settle.
            window.count = 0;
        }
    }
}

impl Table {
    /// The window of `key`, made if there is room (after sweeping what is over and, for rules that allow it,
    /// evicting); `None` when a table that never evicts is full.
    fn slot(&mut self, rule: &Rule, key: &str, now: i64, capacity: usize) -> Option<&mut Window> {
        if !self.windows.contains_key(key) && self.windows.len() >= capacity {
            if now >= self.next_sweep {
                self.next_sweep = now.saturating_add(1);
                self.windows
                    .retain(|_, w| w.in_flight > 0 || (w.count > 0 && w.ends > now));
                if self.windows.len() >= capacity && rule.eviction == Eviction::Oldest {
                    // Still full of live windows (a flood of distinct keys): forget the half nearest their end.
                    let mut ends: Vec<i64> = self.windows.values().map(|w| w.ends).collect();
                    ends.sort_unstable();
                    let cut = ends[ends.len() / 2];
                    self.windows.retain(|_, w| w.in_flight > 0 || w.ends > cut);
                }
            }
            if self.windows.len() >= capacity {
                return None;
            }
        }
        Some(self.windows.entry(key.to_owned()).or_insert(Window {
            count: 0,
            in_flight: 0,
            ends: now,
        }))
    }
}

fn secs_until(ends: i64, now: i64) -> Duration {
    Duration::from_secs(u64::try_from(ends.saturating_sub(now)).unwrap_or(0).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::clock::{self, ManualClock};

    const RULE: Rule = Rule {
        name: "test",
        limit: 3,
        window: Duration::from_secs(60),
        eviction: Eviction::Never,
    };

    fn reserved(answer: Reserved) -> Reservation {
        match answer {
            Reserved::Yes(reservation) => reservation,
            other => panic!("expected a place, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_local_counter_allows_the_limit_then_refuses_with_the_time_left() {
        let limiter = Limiter::new(None, clock::system());
        for _ in 0..3 {
            assert_eq!(limiter.hit(&RULE, "k").await, Decision::Allowed);
        }
        assert!(limiter.peek(&RULE, "k").await.is_limited());
        match limiter.hit(&RULE, "k").await {
            Decision::Limited { retry_after } => assert!(retry_after <= RULE.window),
            Decision::Allowed => panic!("the fourth event is over the limit"),
        }
        assert_eq!(limiter.hit(&RULE, "other").await, Decision::Allowed);
    }

    #[tokio::test]
    async fn a_window_ends_when_the_injected_clock_passes_it() {
        let time = ManualClock::new();
        let limiter = Limiter::new(None, Arc::new(time.clone()));
        for _ in 0..3 {
            limiter.hit(&RULE, "k").await;
        }
        assert!(limiter.peek(&RULE, "k").await.is_limited());
        time.advance(RULE.window);
        assert_eq!(limiter.hit(&RULE, "k").await, Decision::Allowed);
    }

    #[tokio::test]
    async fn only_failed_attempts_keep_their_place() {
        let limiter = Limiter::new(None, clock::system());
        for _ in 0..10 {
            reserved(limiter.reserve(&RULE, "k").await)
                .settle(false)
                .await;
        }
        for _ in 0..3 {
            reserved(limiter.reserve(&RULE, "k").await)
                .settle(true)
                .await;
        }
        assert!(matches!(
            limiter.reserve(&RULE, "k").await,
            Reserved::Limited { .. }
        ));
    }

    #[tokio::test]
    async fn attempts_in_flight_make_the_window_busy_never_locked() {
        let limiter = Limiter::new(None, clock::system());
        let first = reserved(limiter.reserve(&RULE, "k").await);
        let second = reserved(limiter.reserve(&RULE, "k").await);
        let third = reserved(limiter.reserve(&RULE, "k").await);
        // Three in flight fill a limit of three: the next is told to retry, and counts for nothing.
        assert!(matches!(limiter.reserve(&RULE, "k").await, Reserved::Busy));
        first.settle(false).await;
        second.settle(false).await;
        drop(third); // cancelled: given back
        for _ in 0..3 {
            reserved(limiter.reserve(&RULE, "k").await)
                .settle(true)
                .await;
        }
        assert!(matches!(
            limiter.reserve(&RULE, "k").await,
            Reserved::Limited { .. }
        ));
    }

    #[tokio::test]
    async fn concurrent_guesses_never_get_more_than_the_limit_checked() {
        let limiter = Limiter::new(None, clock::system());
        let mut places = Vec::new();
        for _ in 0..50 {
            if let Reserved::Yes(place) = limiter.reserve(&RULE, "k").await {
                places.push(place);
            }
        }
        assert_eq!(places.len(), 3);
        for place in places {
            place.settle(true).await;
        }
        assert!(matches!(
            limiter.reserve(&RULE, "k").await,
            Reserved::Limited { .. }
        ));
    }

    #[tokio::test]
    async fn a_cleared_counter_starts_again() {
        let limiter = Limiter::new(None, clock::system());
        for _ in 0..3 {
            reserved(limiter.reserve(&RULE, "k").await)
                .settle(true)
                .await;
        }
        limiter.clear(&RULE, "k").await;
        reserved(limiter.reserve(&RULE, "k").await)
            .settle(false)
            .await;
    }

    #[tokio::test]
    async fn peeking_does_not_count_or_insert() {
        let limiter = Limiter::with_capacity(None, clock::system(), 2);
        for i in 0..10 {
            assert_eq!(
                limiter.peek(&RULE, &format!("k{i}")).await,
                Decision::Allowed
            );
        }
        // Peeks took no room: two keys still fit.
        assert_eq!(limiter.hit(&RULE, "a").await, Decision::Allowed);
        assert_eq!(limiter.hit(&RULE, "b").await, Decision::Allowed);
    }

    #[tokio::test]
    async fn a_full_table_never_evicts_a_lock_and_refuses_new_keys() {
        let time = ManualClock::new();
        let limiter = Limiter::with_capacity(None, Arc::new(time.clone()), 100);
        let rule = Rule {
            window: Duration::from_secs(3_600),
            ..RULE
        };
        for _ in 0..3 {
            reserved(limiter.reserve(&rule, "victim").await)
                .settle(true)
                .await;
        }
        // A flood of fresh keys, a second apart so that every sweep runs.
        for i in 0..1_000 {
            time.advance(Duration::from_secs(1));
            let _ = limiter.hit(&rule, &format!("flood-{i}")).await;
        }
        assert!(matches!(
            limiter.reserve(&rule, "victim").await,
            Reserved::Limited { .. }
        ));
        // Full: a key it has no room for is refused, not allowed.
        assert!(limiter.hit(&rule, "newcomer").await.is_limited());
        assert!(limiter.peek(&rule, "newcomer").await.is_limited());
        assert!(matches!(
            limiter.reserve(&rule, "newcomer").await,
            Reserved::Limited { .. }
        ));
        // Once the windows end, the room comes back.
        time.advance(rule.window);
        assert_eq!(limiter.hit(&rule, "newcomer").await, Decision::Allowed);
    }

    #[tokio::test]
    async fn request_counters_make_room_by_evicting_the_oldest() {
        let time = ManualClock::new();
        let limiter = Limiter::with_capacity(None, Arc::new(time.clone()), 100);
        let requests = Rule {
            window: Duration::from_secs(3_600),
            eviction: Eviction::Oldest,
            ..RULE
        };
        for i in 0..1_000 {
            assert_eq!(
                limiter.hit(&requests, &format!("source-{i}")).await,
                Decision::Allowed,
                "{i}"
            );
            time.advance(Duration::from_secs(1));
        }
        // The rules' tables are apart: another rule's counters were never touched.
        assert_eq!(limiter.hit(&RULE, "k").await, Decision::Allowed);
    }

    #[tokio::test]
    async fn a_zero_limit_is_off() {
        let limiter = Limiter::new(None, clock::system());
        let off = Rule { limit: 0, ..RULE };
        for _ in 0..10 {
            assert_eq!(limiter.hit(&off, "k").await, Decision::Allowed);
            reserved(limiter.reserve(&off, "k").await)
                .settle(true)
                .await;
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_falls_back_to_half_the_limit_in_process() {
        let redis = SharedRedis::new("redis://127.0.0.1:1", "t").unwrap();
        let limiter = Limiter::new(Some(Arc::new(redis)), clock::system());
        let rule = Rule { limit: 4, ..RULE };
        assert_eq!(limiter.hit(&rule, "k").await, Decision::Allowed);
        assert_eq!(limiter.hit(&rule, "k").await, Decision::Allowed);
        assert!(limiter.hit(&rule, "k").await.is_limited());
        reserved(limiter.reserve(&rule, "r").await)
            .settle(true)
            .await;
        reserved(limiter.reserve(&rule, "r").await)
            .settle(true)
            .await;
        assert!(matches!(
            limiter.reserve(&rule, "r").await,
            Reserved::Limited { .. }
        ));
    }
}
