//! Fixed-window counters: in this process, or in Redis so that every replica counts together (one atomic script,
//! windows on Redis' clock). A Redis that can't be reached never means "unlimited": the count falls back to this
//! process, against a stricter limit (half), until Redis answers again. In-process windows run on the injected
//! clock (DESIGN.md §14), in whole seconds like every other lifetime, so tests move time instead of sleeping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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

/// Takes one count back from `KEYS[1]`, never below zero.
const GIVE_BACK: &str = r"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 1
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

/// Most keys the in-process counter keeps; beyond that, expired windows are swept, then the oldest go.
const LOCAL_CAPACITY: usize = 100_000;

/// A limit: at most `limit` events per `window` for one key.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Part of the key, so that rules never share counters.
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
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

pub struct Limiter {
    redis: Option<Arc<SharedRedis>>,
    local: LocalCounters,
    hit: redis::Script,
    peek: redis::Script,
    hit_and_peek: redis::Script,
    give_back: redis::Script,
}

impl Limiter {
    pub fn new(redis: Option<Arc<SharedRedis>>, clock: SharedClock) -> Self {
        Self {
            redis,
            local: LocalCounters::new(clock),
            hit: redis::Script::new(HIT),
            peek: redis::Script::new(PEEK),
            hit_and_peek: redis::Script::new(HIT_AND_PEEK),
            give_back: redis::Script::new(GIVE_BACK),
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

    /// Takes back one event counted for `key` (an attempt that turned out not to count).
    pub async fn give_back(&self, rule: &Rule, key: &str) {
        if rule.limit == 0 {
            return;
        }
        if let Some(redis) = &self.redis {
            let redis_key = redis.key(&format!("rate:{}:{key}", rule.name));
            let script = &self.give_back;
            let given = redis
                .run(async |conn| script.key(&redis_key).invoke_async::<i64>(conn).await)
                .await;
            if given.is_ok() {
                return;
            }
            // Redis failed: the attempt was probably counted here (the fallback); take it back here.
        }
        self.local.give_back(rule, key);
    }

    /// [`Self::hit`] for `(hit_rule, hit_key)` and [`Self::peek`] for `(peek_rule, peek_key)`, in one Redis round
    /// trip (the per-request check of the credential endpoints runs on every `/token` request).
    pub async fn hit_and_peek(
        &self,
        (hit_rule, hit_key): (&Rule, &str),
        (peek_rule, peek_key): (&Rule, &str),
    ) -> (Decision, Decision) {
        let Some(redis) = &self.redis else {
            return (
                self.local_count(hit_rule, hit_key, true, hit_rule.limit),
                self.local_count(peek_rule, peek_key, false, peek_rule.limit),
            );
        };
        let keys = (
            redis.key(&format!("rate:{}:{hit_key}", hit_rule.name)),
            redis.key(&format!("rate:{}:{peek_key}", peek_rule.name)),
        );
        let windows = (
            hit_rule.window.as_millis().max(1) as u64,
            peek_rule.window.as_millis().max(1) as u64,
        );
        let script = &self.hit_and_peek;
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
                    self.local_count(hit_rule, hit_key, true, (hit_rule.limit / 2).max(1)),
                    self.local_count(peek_rule, peek_key, false, (peek_rule.limit / 2).max(1)),
                )
            }
        }
    }

    fn local_count(&self, rule: &Rule, key: &str, add: bool, limit: u32) -> Decision {
        if rule.limit == 0 {
            return Decision::Allowed;
        }
        self.local.count(rule, key, add, limit)
    }

    async fn count(&self, rule: &Rule, key: &str, add: bool) -> Decision {
        if rule.limit == 0 {
            return Decision::Allowed;
        }
        let Some(redis) = &self.redis else {
            return self.local.count(rule, key, add, rule.limit);
        };
        let redis_key = redis.key(&format!("rate:{}:{key}", rule.name));
        let script = if add { &self.hit } else { &self.peek };
        let window_ms = rule.window.as_millis().max(1) as u64;
        let answer = redis
            .run(async |conn| {
                script
                    .key(&redis_key)
                    .arg(window_ms)
                    .invoke_async::<(i64, i64)>(conn)
                    .await
            })
            .await;
        match answer {
            Ok((count, ttl_ms)) => judge(rule, count, ttl_ms, add),
            Err(e) => {
                tracing::warn!(error = %e, rule = rule.name, "redis unreachable: rate limit counted in this process, at half the limit");
                self.local.count(rule, key, add, (rule.limit / 2).max(1))
            }
        }
    }
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

/// Per-process counters, bounded in size.
struct LocalCounters {
    windows: Mutex<HashMap<String, Window>>,
    clock: SharedClock,
}

#[derive(Clone, Copy)]
struct Window {
    count: u32,
    /// UNIX seconds.
    ends: i64,
}

/// A rule's window in whole seconds, rounded up (at least 1).
fn window_secs(rule: &Rule) -> i64 {
    i64::try_from(rule.window.as_secs() + u64::from(rule.window.subsec_nanos() > 0))
        .unwrap_or(i64::MAX / 4)
        .max(1)
}

impl LocalCounters {
    fn new(clock: SharedClock) -> Self {
        Self {
            windows: Mutex::new(HashMap::new()),
            clock,
        }
    }

    fn give_back(&self, rule: &Rule, key: &str) {
        if let Ok(mut windows) = self.windows.lock()
            && let Some(window) = windows.get_mut(&format!("{}:{key}", rule.name))
        {
            window.count = window.count.saturating_sub(1);
        }
    }

    fn count(&self, rule: &Rule, key: &str, add: bool, limit: u32) -> Decision {
        let now = self.clock.now();
        let Ok(mut windows) = self.windows.lock() else {
            // A panic elsewhere poisoned the lock: refuse rather than allow everything.
            return Decision::Limited {
                retry_after: rule.window,
            };
        };
        if windows.len() >= LOCAL_CAPACITY {
            windows.retain(|_, w| w.ends > now);
            if windows.len() >= LOCAL_CAPACITY {
                // Still full of live windows (a flood of distinct keys): forget the ones closest to their end.
                let mut ends: Vec<i64> = windows.values().map(|w| w.ends).collect();
                ends.sort_unstable();
                let cut = ends[ends.len() / 2];
                windows.retain(|_, w| w.ends > cut);
            }
        }
        let full_key = format!("{}:{key}", rule.name);
        let ends = now.saturating_add(window_secs(rule));
        let window = windows.entry(full_key).or_insert(Window { count: 0, ends });
        if window.ends <= now {
            *window = Window { count: 0, ends };
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
                retry_after: Duration::from_secs(window.ends.saturating_sub(now).max(1) as u64),
            }
        } else {
            Decision::Allowed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::clock::{self, ManualClock};

    const RULE: Rule = Rule {
        name: "test",
        limit: 3,
        window: Duration::from_secs(60),
    };

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
    async fn a_count_given_back_frees_its_place() {
        let limiter = Limiter::new(None, clock::system());
        for _ in 0..3 {
            limiter.hit(&RULE, "k").await;
        }
        limiter.give_back(&RULE, "k").await;
        assert_eq!(limiter.hit(&RULE, "k").await, Decision::Allowed);
        assert!(limiter.hit(&RULE, "k").await.is_limited());
    }

    #[tokio::test]
    async fn peeking_does_not_count() {
        let limiter = Limiter::new(None, clock::system());
        for _ in 0..10 {
            assert_eq!(limiter.peek(&RULE, "k").await, Decision::Allowed);
        }
    }

    #[tokio::test]
    async fn a_zero_limit_is_off() {
        let limiter = Limiter::new(None, clock::system());
        let off = Rule { limit: 0, ..RULE };
        for _ in 0..10 {
            assert_eq!(limiter.hit(&off, "k").await, Decision::Allowed);
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
    }
}
