//! Password hashing: argon2id PHC strings, verified on a bounded blocking pool (DESIGN.md §4).

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Version,
};
use tokio::sync::Semaphore;

use crate::secret::SecretString;

/// Passwords are 8..=1024 bytes, no composition rules (OWASP ASVS 2.1.1, 2.1.2, 2.1.9).
pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("passwords must be at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    #[error("passwords must be at most {MAX_PASSWORD_LEN} bytes")]
    TooLong,
    #[error("password hashing failed")]
    Hashing(#[source] anyhow::Error),
}

/// A password as typed by its owner; `Debug` never shows it.
#[derive(Clone)]
pub struct Password(SecretString);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl Password {
    /// Accepts a password for storage: the length rules apply.
    pub fn new(value: String) -> Result<Self, PasswordError> {
        if value.len() > MAX_PASSWORD_LEN {
            return Err(PasswordError::TooLong);
        }
        if value.chars().count() < MIN_PASSWORD_LEN {
            return Err(PasswordError::TooShort);
        }
        Ok(Self(SecretString::from(value)))
    }

    /// Accepts a password presented at login: only the upper bound applies (it protects the hasher).
    pub fn presented(value: &str) -> Result<Self, PasswordError> {
        if value.len() > MAX_PASSWORD_LEN {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(SecretString::from(value)))
    }

    fn bytes(&self) -> &[u8] {
        self.0.expose().as_bytes()
    }
}

/// Outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The stored hash used other parameters than the configured ones: rehash it now that we know the password.
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords with the configured argon2id parameters, at most `concurrency` at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// A real hash verified for unknown users, so "no such user" costs what "wrong password" costs.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
        concurrency: usize,
    ) -> anyhow::Result<Self> {
        let params = Params::new(memory_kib, iterations, parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let dummy_hash = hash_with(&params, b"latchkey-dummy-password")?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: &Password) -> Result<String, PasswordError> {
        let params = self.params.clone();
        let password = password.clone();
        self.run_blocking(move || hash_with(&params, password.bytes()))
            .await
    }

    /// Verifies `password` against `stored`, or against the dummy hash when there is no user.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verified, PasswordError> {
        let is_real = stored.is_some();
        let stored: Arc<str> = stored.map_or_else(|| self.dummy_hash.clone(), Arc::from);
        let params = self.params.clone();
        let password = password.clone();
        let verified = self
            .run_blocking(move || {
                let parsed = PasswordHash::new(&stored)
                    .map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
                let matches = argon2_for(&params)
                    .verify_password(password.bytes(), &parsed)
                    .is_ok();
                let needs_rehash = parsed.algorithm != argon2::ARGON2ID_IDENT
                    || Params::try_from(&parsed).map_or(true, |p| !same_cost(&p, &params));
                Ok(Verified {
                    matches,
                    needs_rehash,
                })
            })
            .await?;
        Ok(Verified {
            matches: verified.matches && is_real,
            needs_rehash: verified.needs_rehash,
        })
    }

    /// Runs CPU-heavy work on the blocking pool, never more than `concurrency` at once, so logins can neither
    /// starve the async workers nor queue unbounded memory (each verification holds `memory_kib`).
    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| PasswordError::Hashing(e.into()))?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .map_err(|e| PasswordError::Hashing(e.into()))?
            .map_err(PasswordError::Hashing)
    }
}

fn argon2_for(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn same_cost(a: &Params, b: &Params) -> bool {
    a.m_cost() == b.m_cost() && a.t_cost() == b.t_cost() && a.p_cost() == b.p_cost()
}

fn hash_with(params: &Params, password: &[u8]) -> anyhow::Result<String> {
    argon2_for(params)
        .hash_password(password)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(m: u32) -> PasswordHasher {
        PasswordHasher::new(m, 1, 1, 2).unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hasher(256);
        let pw = Password::new("correct horse".into()).unwrap();
        let stored = h.hash(&pw).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(h.verify(&pw, Some(&stored)).await.unwrap().matches);
        let wrong = Password::presented("incorrect horse").unwrap();
        assert!(!h.verify(&wrong, Some(&stored)).await.unwrap().matches);
    }

    #[tokio::test]
    async fn an_unknown_user_never_matches_even_with_the_dummy_password() {
        let h = hasher(256);
        let pw = Password::presented("latchkey-dummy-password").unwrap();
        assert!(!h.verify(&pw, None).await.unwrap().matches);
    }

    #[tokio::test]
    async fn changed_parameters_ask_for_a_rehash() {
        let pw = Password::new("correct horse".into()).unwrap();
        let stored = hasher(256).hash(&pw).await.unwrap();
        let v = hasher(512).verify(&pw, Some(&stored)).await.unwrap();
        assert!(v.matches && v.needs_rehash);
        assert!(
            !hasher(256)
                .verify(&pw, Some(&stored))
                .await
                .unwrap()
                .needs_rehash
        );
    }

    #[test]
    fn lengths_follow_asvs() {
        assert!(matches!(
            Password::new("short".into()),
            Err(PasswordError::TooShort)
        ));
        assert!(matches!(
            Password::new("x".repeat(1025)),
            Err(PasswordError::TooLong)
        ));
        assert!(Password::new("x".repeat(1024)).is_ok());
        assert!(matches!(
            Password::presented(&"x".repeat(1025)),
            Err(PasswordError::TooLong)
        ));
    }
}
