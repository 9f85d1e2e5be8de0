//! The dummy hashes unknown logins are verified against, so that "no such user" costs what "wrong password" costs
//! (DESIGN.md §4, §20).
//!
//! One dummy per cost the stored hashes use, each picked for a share of logins equal to its share of the stored
//! hashes. The pick is a keyed hash of the login, so one login always costs the same (as an account does) and
//! nobody can tell which cost an unknown login gets. After an argon2 parameter change, stored hashes keep their old
//! cost until their owner signs in; a dummy with the new parameters alone would make every unknown login slower
//! than almost every account. With costs drawn like the accounts', a login's time says nothing about whether it
//! exists, whatever mix of costs is stored.
//!
//! Imported users bring other formats (bcrypt, scrypt, PBKDF2; see `domain::password_formats`): a cost there is a
//! format and its parameters, and the dummy for it is a hash of that format, verified by the same code. A store of
//! 10,000 bcrypt users and 10 argon2id ones gives almost every unknown login a bcrypt dummy, as almost every account
//! is bcrypt; as users sign in and are rehashed to argon2id, the census (every 10 minutes) moves the shares along.

use std::sync::Arc;

use crate::domain::password_formats::{self, Cost};

/// The text every dummy hash is made from (no login ever matches a dummy: the hasher says so).
pub(crate) const DUMMY_PASSWORD: &[u8] = b"latchkey-dummy-password";
/// Most costs the dummies follow; the rarer ones beyond them count as the most common one.
const MAX_DUMMIES: usize = 8;

/// The dummies, and the key that picks one for a login.
pub(crate) struct Dummies {
    /// Derived from the master key, so that every replica picks the same dummy for a login.
    key: ring::hmac::Key,
    /// (cumulative share, hash); the last cumulative share is the total.
    choices: Vec<(u64, Arc<str>)>,
}

impl Dummies {
    /// `hashes` with the share of stored hashes each stands for.
    pub(crate) fn new(key: ring::hmac::Key, hashes: Vec<(u64, String)>) -> Self {
        let mut cumulative = 0u64;
        let choices = hashes
            .into_iter()
            .map(|(share, hash)| {
                cumulative = cumulative.saturating_add(share.max(1));
                (cumulative, Arc::from(hash))
            })
            .collect();
        Self { key, choices }
    }

    /// The same dummies, picked with `key`.
    pub(crate) fn rekeyed(&self, key: ring::hmac::Key) -> Self {
        Self {
            key,
            choices: self.choices.clone(),
        }
    }

    pub(crate) fn key(&self) -> &ring::hmac::Key {
        &self.key
    }

    /// The dummy already made with `params`, if any (so that following the census hashes only new costs).
    pub(crate) fn made_with(&self, cost: Cost) -> Option<Arc<str>> {
        self.choices
            .iter()
            .find(|(_, hash)| password_formats::cost_of_head(hash) == Some(cost))
            .map(|(_, hash)| hash.clone())
    }

    /// The dummy hash `login` is verified against when it names no account.
    pub(crate) fn pick(&self, login: &str) -> Arc<str> {
        let tag = ring::hmac::sign(&self.key, login.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag.as_ref()[..8]);
        let total = self.choices.last().map_or(1, |(total, _)| (*total).max(1));
        let point = u64::from_le_bytes(first) % total;
        self.choices
            .iter()
            .find(|(cumulative, _)| point < *cumulative)
            .or(self.choices.last())
            .map_or_else(|| Arc::from(""), |(_, hash)| hash.clone())
    }
}

/// The costs to make dummies for, with their shares: `census` holds the stored hashes' heads
/// (`$argon2id$v=19$m=…,t=…,p=…$`, `$2b$12$`, …: see [`password_formats::cost_of_head`]) and how many hashes use each. Heads that can't be read are left out, equal costs
/// merged, and the most common [`MAX_DUMMIES`] kept (the rest count as the most common); `configured` alone when
/// nothing is stored. The result is ordered by cost, not by share: as shares shift (users signing in get rehashed),
/// only the logins at the edges of the shares change dummy, never all of them at once when two shares swap rank.
pub(crate) fn costs_to_follow(
    census: impl IntoIterator<Item = (String, u64)>,
    configured: Cost,
) -> Vec<(Cost, u64)> {
    let mut costs: Vec<(Cost, u64)> = Vec::new();
    for (head, count) in census {
        let Some(cost) = password_formats::cost_of_head(&head) else {
            continue;
        };
        match costs.iter_mut().find(|(c, _)| *c == cost) {
            Some((_, n)) => *n += count,
            None => costs.push((cost, count)),
        }
    }
    costs.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let rest: u64 = costs.iter().skip(MAX_DUMMIES).map(|(_, n)| n).sum();
    costs.truncate(MAX_DUMMIES);
    match costs.first_mut() {
        Some((_, most)) => *most += rest,
        None => costs.push((configured, 1)),
    }
    costs.sort_by_key(|(cost, _)| *cost);
    costs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(m: u32, t: u32) -> Cost {
        Cost::Argon2 { m_kib: m, t, p: 1 }
    }

    fn memory(cost: &Cost) -> u32 {
        match cost {
            Cost::Argon2 { m_kib, .. } => *m_kib,
            _ => 0,
        }
    }

    #[test]
    fn the_census_is_read_merged_and_capped() {
        let mut census = vec![
            ("$argon2id$v=19$m=256,t=1,p=1$".to_owned(), 3),
            ("$argon2i$v=19$m=256,t=1,p=1$".to_owned(), 1),
            ("$argon2id$v=19$m=128,t=1,p=1$c2FsdHNhbHQ$".to_owned(), 2),
            ("not a hash".to_owned(), 100),
        ];
        census.extend((0..10).map(|i| (format!("$argon2id$v=19$m={},t=2,p=1$", 512 + i), 1)));
        let costs = costs_to_follow(census, params(1024, 1));
        assert_eq!(costs.len(), MAX_DUMMIES);
        let share = |m: u32| costs.iter().find(|(p, _)| memory(p) == m).map(|(_, n)| *n);
        assert_eq!(
            share(256),
            Some(4 + 4),
            "merged, plus the rare ones left out"
        );
        assert_eq!(share(128), Some(2));
        assert_eq!(costs.iter().map(|(_, n)| n).sum::<u64>(), 3 + 1 + 2 + 10);
        assert!(
            costs.windows(2).all(|w| w[0].0 < w[1].0),
            "ordered by cost, so that shares swapping rank move no login"
        );
    }

    #[test]
    fn a_shift_in_shares_moves_only_the_logins_at_the_edge() {
        let key = || ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[9; 32]);
        // Old parameters losing ground to new ones as users sign in; the order stays (by cost), the edge moves.
        let before = Dummies::new(key(), vec![(52, "old".into()), (48, "new".into())]);
        let after = Dummies::new(key(), vec![(48, "old".into()), (52, "new".into())]);
        let moved = (0..4000)
            .map(|i| format!("e:user{i}@example.org"))
            .filter(|login| before.pick(login) != after.pick(login))
            .count();
        assert!(
            moved < 300,
            "{moved} of 4000 logins changed cost where about 160 should"
        );
    }

    #[test]
    fn without_stored_hashes_the_configured_cost_is_followed() {
        let costs = costs_to_follow(Vec::new(), params(1024, 3));
        assert_eq!(costs, vec![(params(1024, 3), 1)]);
    }

    #[test]
    fn imported_formats_are_followed_by_their_share() {
        let census = vec![
            ("$2b$12$".to_owned(), 9_000),
            ("$2y$12$".to_owned(), 500),
            ("$argon2id$v=19$m=1024,t=1,p=1$".to_owned(), 400),
            ("pbkdf2_sha256$600000$".to_owned(), 50),
            ("$pbkdf2-sha256$i=600000,l=32$".to_owned(), 30),
            ("$scrypt$ln=14,r=8,p=1$".to_owned(), 20),
            ("!".to_owned(), 7),
        ];
        let costs = costs_to_follow(census, params(1024, 1));
        assert_eq!(
            costs,
            vec![
                (params(1024, 1), 400),
                (Cost::Bcrypt { cost: 12 }, 9_500),
                (
                    Cost::Scrypt {
                        log_n: 14,
                        r: 8,
                        p: 1
                    },
                    20
                ),
                (
                    Cost::Pbkdf2Sha256 {
                        rounds: 600_000,
                        blocks: 1
                    },
                    80
                ),
            ],
            "bcrypt variants and PBKDF2 spellings merged; users without a password are no cost"
        );
    }

    #[test]
    fn logins_are_spread_by_share_and_each_always_gets_the_same_dummy() {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7; 32]);
        let dummies = Dummies::new(key, vec![(3, "three".into()), (1, "one".into())]);
        let picks: Vec<_> = (0..4000)
            .map(|i| dummies.pick(&format!("e:user{i}@example.org")))
            .collect();
        let three = picks.iter().filter(|p| &***p == "three").count();
        assert!(
            (2800..=3200).contains(&three),
            "{three} of 4000 where 3000 are expected"
        );
        assert!(
            (0..50).all(|i| {
                let login = format!("u:someone{i}");
                dummies.pick(&login) == dummies.pick(&login)
            }),
            "one login always costs the same"
        );
        // Another key spreads the same logins otherwise: replicas must share it.
        let other = dummies.rekeyed(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[8; 32]));
        let moved = (0..4000)
            .filter(|i| other.pick(&format!("e:user{i}@example.org")) != picks[*i])
            .count();
        assert!(moved > 500, "{moved}");
    }
}
