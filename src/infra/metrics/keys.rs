//! Rotation gauges, read from the key table when Prometheus scrapes: the active key's age, the time until the next
//! key signs, the published keys by state, and each key's state (the series an alert joins per-kid counters with).

use std::collections::BTreeSet;
use std::sync::Mutex;

use metrics::Label;

use super::{KEY_ACTIVE_AGE, KEY_NEXT_SIGNS_IN, KEY_STATE, KEYS_PUBLISHED, Metrics};
use crate::domain::signing::KeyPolicy;
use crate::store::signing_keys::SigningKeyRow;
use crate::store::types::KeyState;

const STATES: [KeyState; 4] = [
    KeyState::Next,
    KeyState::Active,
    KeyState::Retired,
    KeyState::Revoked,
];
/// The states of keys served in the JWKS.
const PUBLISHED: [KeyState; 3] = [KeyState::Next, KeyState::Active, KeyState::Retired];

/// What the key table says at one moment.
#[derive(Debug, PartialEq, Eq)]
pub struct KeyGauges {
    /// Seconds the active key has been signing.
    pub active_age: Option<i64>,
    /// Seconds until the next key signs (0 when it is due).
    pub next_signs_in: Option<i64>,
    /// Keys in the JWKS by state, every published state listed.
    pub published: Vec<(KeyState, usize)>,
    /// Every key in the table with its state.
    pub states: Vec<(String, KeyState)>,
}

impl KeyGauges {
    pub fn read(rows: &[SigningKeyRow], policy: &KeyPolicy, now: i64) -> Self {
        let active_age = rows
            .iter()
            .find(|r| r.state == KeyState::Active)
            .map(|r| (now - r.activated_at.unwrap_or(r.created_at)).max(0));
        let next_signs_in = policy.next_signs_at(rows, now).map(|at| (at - now).max(0));
        // As the JWKS is built (`keyring::build_set`): a retired key leaves once its `remove_after` has passed.
        let published = PUBLISHED
            .iter()
            .map(|state| {
                let count = rows
                    .iter()
                    .filter(|r| r.state == *state && r.remove_after.is_none_or(|t| t > now))
                    .count();
                (*state, count)
            })
            .collect();
        let states = rows.iter().map(|r| (r.kid.to_string(), r.state)).collect();
        Self {
            active_age,
            next_signs_in,
            published,
            states,
        }
    }
}

/// Records [`KeyGauges`], remembering which kids it has shown so that a key deleted from the table drops to 0 in
/// every state rather than keeping its last one.
#[derive(Default)]
pub struct KeyStates {
    shown: Mutex<BTreeSet<String>>,
}

impl KeyStates {
    pub fn record(&self, metrics: &Metrics, gauges: &KeyGauges) {
        if let Some(age) = gauges.active_age {
            metrics.set(KEY_ACTIVE_AGE, &[], age as f64);
        }
        if let Some(seconds) = gauges.next_signs_in {
            metrics.set(KEY_NEXT_SIGNS_IN, &[], seconds as f64);
        }
        for (state, count) in &gauges.published {
            metrics.set(KEYS_PUBLISHED, &[state_label(*state)], *count as f64);
        }
        let mut shown = self
            .shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current: BTreeSet<String> = gauges.states.iter().map(|(kid, _)| kid.clone()).collect();
        for gone in shown.difference(&current) {
            for state in STATES {
                set_state(metrics, gone, state, false);
            }
        }
        for (kid, key_state) in &gauges.states {
            for state in STATES {
                set_state(metrics, kid, state, state == *key_state);
            }
        }
        *shown = current;
    }
}

fn set_state(metrics: &Metrics, kid: &str, state: KeyState, holds: bool) {
    metrics.set(
        KEY_STATE,
        &[Label::new("kid", kid.to_owned()), state_label(state)],
        if holds { 1.0 } else { 0.0 },
    );
}

fn state_label(state: KeyState) -> Label {
    Label::from_static_parts("state", state.as_str())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn row(kid: &str, state: KeyState, created_at: i64) -> SigningKeyRow {
        SigningKeyRow::bare(kid, state, created_at)
    }

    #[test]
    fn gauges_follow_the_key_table() {
        let policy = KeyPolicy::new(
            Duration::from_secs(1_000),
            Duration::from_secs(60),
            Duration::from_secs(900),
        );
        let mut gone = row("gone", KeyState::Retired, 0);
        gone.remove_after = Some(400);
        let mut old = row("old", KeyState::Retired, 100);
        old.remove_after = Some(2_000);
        let rows = [
            gone,
            old,
            row("a", KeyState::Active, 200),
            row("r", KeyState::Revoked, 300),
        ];
        let gauges = KeyGauges::read(&rows, &policy, 500);
        assert_eq!(gauges.active_age, Some(300));
        assert_eq!(gauges.next_signs_in, Some(700));
        assert_eq!(
            gauges.published,
            vec![
                (KeyState::Next, 0),
                (KeyState::Active, 1),
                (KeyState::Retired, 1)
            ]
        );
        assert_eq!(gauges.states.len(), 4);
    }

    #[test]
    fn a_key_that_left_the_table_drops_to_zero() {
        let metrics = Metrics::enabled().unwrap();
        let states = KeyStates::default();
        let gauges = |rows: &[SigningKeyRow]| KeyGauges {
            active_age: None,
            next_signs_in: None,
            published: Vec::new(),
            states: rows.iter().map(|r| (r.kid.to_string(), r.state)).collect(),
        };
        states.record(&metrics, &gauges(&[row("k1", KeyState::Retired, 0)]));
        states.record(&metrics, &gauges(&[]));
        let text = metrics.handle().map(|h| h.render()).unwrap_or_default();
        assert!(
            text.contains(r#"latchkey_signing_key_state{kid="k1",state="retired"} 0"#),
            "{text}"
        );
    }
}
