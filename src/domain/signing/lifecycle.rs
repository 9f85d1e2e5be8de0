//! The key lifecycle as a pure plan: given the key table and the clock, which step is due (DESIGN.md §8).
//!
//! `next` (published, not signing) → `active` (the one signer) → `retired` (published until every token it signed
//! has expired) → removed. A key signs only after it has been published for the JWKS max-age plus the replicas'
//! poll interval plus a margin, so a verifier that honours `Cache-Control` knows every kid before it meets it.

use std::time::Duration;

use crate::store::signing_keys::SigningKeyRow;
use crate::store::types::KeyState;
use crate::values::ids::Kid;

/// Slack for clock differences between replicas when deciding that a window has passed.
pub const MARGIN: Duration = Duration::from_secs(2);
/// Clock skew verifiers may allow on `exp`: a retired key stays published this much longer.
pub const VERIFIER_LEEWAY: Duration = Duration::from_secs(60);

/// Timing of rotation, derived from configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPolicy {
    pub rotation_interval: Duration,
    pub publish_ahead: Duration,
    /// `Cache-Control: max-age` of the JWKS: a third of `publish_ahead`, between 1 s and 15 min.
    pub jwks_max_age: Duration,
    /// How often every replica re-reads the key table: a sixth of `publish_ahead`, between 1 s and 10 s.
    pub poll_interval: Duration,
    /// Longest lifetime of a token a key signs (access tokens).
    pub token_lifetime: Duration,
}

impl KeyPolicy {
    /// Derives the policy from the configured rotation interval, publication window and access-token lifetime.
    pub fn new(
        rotation_interval: Duration,
        publish_ahead: Duration,
        token_lifetime: Duration,
    ) -> Self {
        Self {
            rotation_interval,
            publish_ahead,
            jwks_max_age: (publish_ahead / 3)
                .clamp(Duration::from_secs(1), Duration::from_secs(900)),
            poll_interval: (publish_ahead / 6)
                .clamp(Duration::from_secs(1), Duration::from_secs(10)),
            token_lifetime,
        }
    }

    /// The shortest time a `next` key must have been published before it may sign.
    pub fn safe_publication(&self) -> Duration {
        whole_seconds(self.jwks_max_age + self.poll_interval + MARGIN)
    }

    /// When a key retired at `retired_at` may leave the JWKS: after every token it signed has expired.
    pub fn remove_after(&self, retired_at: i64) -> i64 {
        retired_at + secs(self.token_lifetime + VERIFIER_LEEWAY + self.jwks_max_age)
    }

    /// Earliest moment a `next` key created at `created_at` may be promoted, whatever its schedule says.
    pub fn earliest_activation(&self, created_at: i64) -> i64 {
        created_at + secs(self.safe_publication())
    }

    /// When the `next` key `row` starts signing: its schedule, but never before the safe publication.
    pub fn activation_of(&self, row: &SigningKeyRow) -> i64 {
        row.activate_after
            .unwrap_or(row.created_at + secs(self.publish_ahead))
            .max(self.earliest_activation(row.created_at))
    }

    /// When the next key will start signing, judged from the key table at `now`: the published `next` key's
    /// activation, else the active key's scheduled rotation (as [`plan`] will schedule it). `None` without a key.
    pub fn next_signs_at(&self, rows: &[SigningKeyRow], now: i64) -> Option<i64> {
        let next = rows
            .iter()
            .filter(|r| r.state == KeyState::Next)
            .min_by_key(|r| r.created_at);
        if let Some(next) = next {
            return Some(self.activation_of(next));
        }
        let active = rows.iter().find(|r| r.state == KeyState::Active)?;
        let rotation_due =
            active.activated_at.unwrap_or(active.created_at) + secs(self.rotation_interval);
        let publish_ahead = secs(self.publish_ahead);
        Some(if now >= rotation_due - publish_ahead {
            rotation_due.max(now + publish_ahead)
        } else {
            rotation_due
        })
    }
}

/// One change to the key table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Publish a new key that starts signing at `activate_after`.
    CreateNext { activate_after: i64 },
    /// Make the `next` key the signer; the active one retires.
    Promote { kid: Kid },
    /// A retired key whose tokens have all expired leaves the JWKS.
    Remove { kid: Kid },
}

/// The steps due at `now`, in the order to apply them.
pub fn plan(rows: &[SigningKeyRow], policy: &KeyPolicy, now: i64) -> Vec<Step> {
    let mut steps = Vec::new();
    let next = rows
        .iter()
        .filter(|r| r.state == KeyState::Next)
        .min_by_key(|r| r.created_at);
    let active = rows.iter().find(|r| r.state == KeyState::Active);
    match (next, active) {
        (Some(next), _) => {
            let due = next
                .activate_after
                .unwrap_or(next.created_at + secs(policy.publish_ahead));
            if now >= due && now >= policy.earliest_activation(next.created_at) {
                steps.push(Step::Promote {
                    kid: next.kid.clone(),
                });
            }
        }
        (None, Some(active)) => {
            let rotation_due =
                active.activated_at.unwrap_or(active.created_at) + secs(policy.rotation_interval);
            if now >= rotation_due - secs(policy.publish_ahead) {
                steps.push(Step::CreateNext {
                    activate_after: rotation_due.max(now + secs(policy.publish_ahead)),
                });
            }
        }
        (None, None) => {}
    }
    for retired in rows.iter().filter(|r| r.state == KeyState::Retired) {
        if retired.remove_after.is_some_and(|t| now >= t) {
            steps.push(Step::Remove {
                kid: retired.kid.clone(),
            });
        }
    }
    steps
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}

fn whole_seconds(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(publish_ahead: u64, interval: u64) -> KeyPolicy {
        KeyPolicy::new(
            Duration::from_secs(interval),
            Duration::from_secs(publish_ahead),
            Duration::from_secs(900),
        )
    }

    fn row(kid: &str, state: KeyState, created_at: i64) -> SigningKeyRow {
        SigningKeyRow::bare(kid, state, created_at)
    }

    #[test]
    fn the_default_jwks_max_age_is_shorter_than_the_publication_window() {
        let p = policy(3_600, 30 * 86_400);
        assert_eq!(p.jwks_max_age, Duration::from_secs(900));
        assert_eq!(p.poll_interval, Duration::from_secs(10));
        assert!(p.safe_publication() < p.publish_ahead);
    }

    #[test]
    fn a_next_key_is_published_one_window_before_the_rotation_is_due() {
        let p = policy(60, 1_000);
        let rows = [row("a", KeyState::Active, 0)];
        assert!(plan(&rows, &p, 939).is_empty());
        assert_eq!(
            plan(&rows, &p, 940),
            vec![Step::CreateNext {
                activate_after: 1_000
            }]
        );
    }

    #[test]
    fn a_next_key_is_promoted_only_after_its_window_and_the_safe_minimum() {
        let p = policy(60, 1_000);
        let mut next = row("b", KeyState::Next, 100);
        next.activate_after = Some(105); // scheduled too early, e.g. by hand
        let rows = [row("a", KeyState::Active, 0), next];
        let safe = p.earliest_activation(100);
        assert!(plan(&rows, &p, safe - 1).is_empty());
        assert_eq!(
            plan(&rows, &p, safe),
            vec![Step::Promote { kid: "b".into() }]
        );
    }

    #[test]
    fn a_retired_key_leaves_once_its_last_token_has_expired() {
        let p = policy(60, 100_000);
        let mut old = row("old", KeyState::Retired, 0);
        old.remove_after = Some(p.remove_after(500));
        assert!(p.remove_after(500) >= 500 + 900 + 60);
        let rows = [row("a", KeyState::Active, 500), old];
        assert!(plan(&rows, &p, p.remove_after(500) - 1).is_empty());
        assert_eq!(
            plan(&rows, &p, p.remove_after(500)),
            vec![Step::Remove { kid: "old".into() }]
        );
    }

    #[test]
    fn the_next_signer_is_the_published_key_or_else_the_scheduled_rotation() {
        let p = policy(60, 1_000);
        let active = [row("a", KeyState::Active, 0)];
        assert_eq!(p.next_signs_at(&active, 10), Some(1_000));
        // Overdue (the service was down): as `plan` schedules it, a full window from now.
        assert_eq!(p.next_signs_at(&active, 5_000), Some(5_060));
        let mut next = row("b", KeyState::Next, 950);
        next.activate_after = Some(1_010);
        assert_eq!(
            p.next_signs_at(&[active[0].clone(), next], 960),
            Some(1_010)
        );
        assert_eq!(p.next_signs_at(&[], 0), None);
    }

    #[test]
    fn revoked_keys_are_never_promoted_or_scheduled() {
        let p = policy(60, 1_000);
        let rows = [
            row("a", KeyState::Active, 0),
            row("r", KeyState::Revoked, 0),
        ];
        assert!(plan(&rows, &p, 10).is_empty());
    }
}
