//! Password hashing: argon2id PHC strings, verified on a bounded pool of threads (DESIGN.md §4). Imported legacy
//! hashes (bcrypt, scrypt, PBKDF2: `domain::password_formats`) are verified on the same pool, and replaced by argon2id
//! at their owner's first successful sign-in.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arc_swap::ArcSwap;
use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::RngExt;
use subtle::ConstantTimeEq;
use tokio::sync::{Semaphore, TryAcquireError};

use crate::domain::dummy_hashes::{self, DUMMY_PASSWORD, Dummies};
use crate::domain::password_formats::{self, Cost, HashFormat, NO_PASSWORD, ParsedHash};
use crate::infra::metrics::Metrics;
use crate::values::secret::SecretString;

/// Passwords are 8..=1024 bytes, no composition rules (OWASP ASVS 2.1.1, 2.1.2, 2.1.9).
pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("passwords must be at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    #[error("passwords must be at most {MAX_PASSWORD_LEN} bytes")]
    TooLong,
    /// OWASP ASVS 2.1.7: on a list of commonly used (leaked) passwords.
    #[error("this password is one of the most commonly used ones; choose another")]
    Common,
    #[error("password hashing failed")]
    Hashing(#[source] anyhow::Error),
    /// Every hashing thread is busy and the queue is full: refused at once, nothing was checked (load shedding).
    #[error("too many password checks are waiting; retry later")]
    Busy,
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
    /// Accepts a password for storage: the length rules apply, and a password from the shipped list of common
    /// ones is refused.
    pub fn new(value: String) -> Result<Self, PasswordError> {
        if value.len() > MAX_PASSWORD_LEN {
            return Err(PasswordError::TooLong);
        }
        if value.chars().count() < MIN_PASSWORD_LEN {
            return Err(PasswordError::TooShort);
        }
        if is_common(&value) {
            return Err(PasswordError::Common);
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

/// The shipped list of common passwords (`src/common_passwords.txt`), compared in lowercase.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether `password` is on the list of common passwords.
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .any(|line| line == lower)
}

/// Outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The stored hash used other parameters than the configured ones, or another format: rehash it now that we
    /// know the password.
    pub needs_rehash: bool,
    /// The stored hash's format.
    pub format: HashFormat,
    /// The stored hash could not be read (it fails closed: no match, after a dummy's work).
    pub unreadable: bool,
}

/// Hashes and verifies passwords with the configured argon2id parameters on a fixed pool of `concurrency` threads.
///
/// A fixed pool (rather than tokio's blocking pool, which grows to hundreds of threads) bounds memory: each thread
/// keeps one reusable `memory_kib` buffer, so the process holds at most `concurrency × memory_kib` for hashing,
/// and logins can never starve the async workers. At most `queue_limit` more wait for a thread; beyond that a
/// request fails at once with [`PasswordError::Busy`], so a flood of guesses costs a queue of known length rather
/// than ever-growing latency and memory for everyone (load shedding).
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    pool: Arc<HashPool>,
    /// Real hashes verified for unknown users, so that "no such user" costs what "wrong password" costs.
    dummies: Arc<ArcSwap<Dummies>>,
    /// Where the wait for a thread is recorded.
    metrics: Metrics,
}

impl PasswordHasher {
    pub fn new(
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
        concurrency: usize,
        queue_limit: usize,
    ) -> anyhow::Result<Self> {
        let params = Params::new(memory_kib, iterations, parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let dummy_hash = hash_with(&params, DUMMY_PASSWORD);
        // The caller's thread (start-up) hashes once and never again: it keeps no argon2 memory.
        release_thread_memory();
        let dummy_hash = dummy_hash?;
        let key =
            ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &ring::rand::SystemRandom::new())
                .map_err(|_| anyhow::anyhow!("no randomness for the dummy-hash key"))?;
        Ok(Self {
            params,
            pool: Arc::new(HashPool::new(concurrency.max(1), queue_limit)?),
            dummies: Arc::new(ArcSwap::from_pointee(Dummies::new(
                key,
                vec![(1, dummy_hash)],
            ))),
            metrics: Metrics::disabled(),
        })
    }

    /// Picks unknown logins' dummies with `key` (derive it from the master key: every replica must pick alike).
    pub fn key_dummies(&self, key: ring::hmac::Key) {
        let rekeyed = self.dummies.load().rekeyed(key);
        self.dummies.store(Arc::new(rekeyed));
    }

    /// Makes unknown logins cost what stored hashes cost (see `domain::dummy_hashes`): `census` holds the stored hashes'
    /// PHC heads (`$argon2id$v=19$m=…,t=…,p=…`) with how many hashes use each; a dummy is hashed on the pool for
    /// each of the most common costs. Without any stored hash, the configured parameters stay.
    pub async fn follow_stored_costs(
        &self,
        census: impl IntoIterator<Item = (String, u64)>,
    ) -> Result<(), PasswordError> {
        let current = self.dummies.load_full();
        let mut hashes = Vec::new();
        let configured = Cost::Argon2 {
            m_kib: self.params.m_cost(),
            t: self.params.t_cost(),
            p: self.params.p_cost(),
        };
        for (cost, share) in dummy_hashes::costs_to_follow(census, configured) {
            // A cost that already has its dummy keeps it: only new costs cost a hash run (and its memory).
            if let Some(made) = current.made_with(cost) {
                hashes.push((share, made.to_string()));
                continue;
            }
            // Not a password check: kept out of the queue's metrics.
            let hash = self
                .pool
                .run(&Metrics::disabled(), move || dummy_for(cost))
                .await?;
            hashes.push((share, hash));
        }
        let key = self.dummies.load().key().clone();
        self.dummies.store(Arc::new(Dummies::new(key, hashes)));
        Ok(())
    }

    /// Records the queue's waits and refusals into `metrics`.
    #[must_use]
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Self { metrics, ..self }
    }

    /// Checks waiting for a hashing thread now.
    pub fn queue_depth(&self) -> usize {
        self.pool.waiting.load(Ordering::Acquire)
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: &Password) -> Result<String, PasswordError> {
        let params = self.params.clone();
        let password = password.clone();
        self.pool
            .run(&self.metrics, move || hash_with(&params, password.bytes()))
            .await
    }

    /// Verifies `password` against `stored`, or, when there is no user (or a user without a password), against the
    /// dummy hash `login` gets (see [`Self::follow_stored_costs`]). The dummy is picked either way, so both paths do
    /// the same work. A stored hash that can't be read fails closed, after the dummy's work.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
        login: &str,
    ) -> Result<Verified, PasswordError> {
        let dummy = self.dummies.load().pick(login);
        let real: Option<Arc<str>> = stored.filter(|s| *s != NO_PASSWORD).map(Arc::from);
        let is_real = real.is_some();
        let params = self.params.clone();
        let password = password.clone();
        let verified = self
            .pool
            .run(&self.metrics, move || {
                let Some(real) = real else {
                    return verify_stored(&params, password.bytes(), &dummy);
                };
                if let Ok(verified) = verify_stored(&params, password.bytes(), &real) {
                    return Ok(verified);
                }
                // The same work as any other failure, then no match.
                let _ = verify_stored(&params, password.bytes(), &dummy);
                Ok(Verified {
                    matches: false,
                    needs_rehash: false,
                    format: HashFormat::Argon2,
                    unreadable: true,
                })
            })
            .await?;
        let matches = verified.matches && is_real;
        if matches && verified.format != HashFormat::Argon2 {
            self.metrics.legacy_password_login(verified.format.as_str());
        }
        Ok(Verified {
            matches,
            ..verified
        })
    }

    /// Counts a stored hash of `format` replaced by the configured argon2id.
    pub fn rehashed(&self, format: HashFormat) {
        self.metrics.password_rehashed(format.as_str());
    }
}

/// Verifies `password` against a stored hash of any supported format (argon2 with this thread's memory).
pub fn verify_stored(
    configured: &Params,
    password: &[u8],
    stored: &str,
) -> anyhow::Result<Verified> {
    let parsed = password_formats::parse(stored)?;
    if let ParsedHash::Argon2 { .. } = parsed {
        return verify_phc(configured, password, stored);
    }
    Ok(Verified {
        matches: parsed.verify_legacy(password)?,
        needs_rehash: true,
        format: parsed.format(),
        unreadable: false,
    })
}

/// A dummy hash of `cost`, in its format.
fn dummy_for(cost: Cost) -> anyhow::Result<String> {
    match cost {
        Cost::Argon2 { m_kib, t, p } => {
            let params = Params::new(m_kib, t, p, None)
                .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
            hash_with(&params, DUMMY_PASSWORD)
        }
        other => password_formats::hash_legacy(other, DUMMY_PASSWORD),
    }
}

/// Verifies `password` against a PHC string, reusing this thread's argon2 memory. Public so the benchmark measures
/// the ceiling with exactly the code logins run.
pub fn verify_phc(configured: &Params, password: &[u8], phc: &str) -> anyhow::Result<Verified> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
    let algorithm =
        Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let params =
        Params::try_from(&parsed).map_err(|e| anyhow::anyhow!("stored hash parameters: {e}"))?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        anyhow::bail!("stored hash lacks a salt or an output");
    };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params.clone());
    let mut computed = vec![0u8; expected.as_bytes().len()];
    with_thread_memory(&params, configured, |memory| {
        argon2.hash_password_into_with_memory(password, salt, &mut computed, memory)
    })
    .map_err(|e| anyhow::anyhow!("argon2 verification failed: {e}"))?;
    let matches = bool::from(computed.ct_eq(expected.as_bytes()));
    let needs_rehash = algorithm != Algorithm::Argon2id || !same_cost(&params, configured);
    Ok(Verified {
        matches,
        needs_rehash,
        format: HashFormat::Argon2,
        unreadable: false,
    })
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads for argon2, fed through a queue whose length the semaphore bounds; callers waiting for a
/// permit are counted and bounded too.
struct HashPool {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    permits: Semaphore,
    waiting: AtomicUsize,
    queue_limit: usize,
}

impl HashPool {
    fn new(threads: usize, queue_limit: usize) -> anyhow::Result<Self> {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = Arc::new(std::sync::Mutex::new(receiver));
        for i in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("latchkey-argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = receiver
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => break, // the hasher was dropped
                        }
                    }
                })?;
        }
        Ok(Self {
            jobs: std::sync::Mutex::new(sender),
            permits: Semaphore::new(threads),
            waiting: AtomicUsize::new(0),
            queue_limit,
        })
    }

    /// Runs `work` on a pool thread; at most one job per thread is queued or running at a time, at most
    /// `queue_limit` callers wait for their turn, and any more are refused with [`PasswordError::Busy`].
    async fn run<T: Send + 'static>(
        &self,
        metrics: &Metrics,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, PasswordError> {
        // tokio's semaphore is fair: `try_acquire` never overtakes a caller already waiting.
        let _permit = match self.permits.try_acquire() {
            Ok(permit) => {
                metrics.password_waited(std::time::Duration::ZERO);
                permit
            }
            Err(TryAcquireError::NoPermits) => {
                let Some(_place) = QueuePlace::take(&self.waiting, self.queue_limit) else {
                    metrics.password_shed();
                    return Err(PasswordError::Busy);
                };
                let queued = std::time::Instant::now();
                let permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|e| PasswordError::Hashing(e.into()))?;
                metrics.password_waited(queued.elapsed());
                permit
            }
            Err(e @ TryAcquireError::Closed) => return Err(PasswordError::Hashing(e.into())),
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _ = done.send(span.in_scope(work));
        });
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(job)
            .map_err(|_| {
                PasswordError::Hashing(anyhow::anyhow!("password hashing pool stopped"))
            })?;
        result
            .await
            .map_err(|_| PasswordError::Hashing(anyhow::anyhow!("password hashing job was lost")))?
            .map_err(PasswordError::Hashing)
    }
}

/// A place in the hashing queue, given back when the caller gets its thread or gives up (a dropped request).
struct QueuePlace<'a>(&'a AtomicUsize);

impl<'a> QueuePlace<'a> {
    fn take(waiting: &'a AtomicUsize, limit: usize) -> Option<Self> {
        waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(waiting))
    }
}

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn argon2_for(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn same_cost(a: &Params, b: &Params) -> bool {
    a.m_cost() == b.m_cost() && a.t_cost() == b.t_cost() && a.p_cost() == b.p_cost()
}

thread_local! {
    /// This thread's argon2 memory, kept between uses: hashing and verifying reuse it instead of allocating the
    /// configured `m` (19 MiB by default) each time. Allocated per call (argon2's own `hash_password` does: an
    /// aligned allocation of the whole matrix), glibc kept most of each one: the process grew by about `m` per
    /// registration to ~350 MiB after a few dozen, while sign-ins, which already reused this buffer, stayed flat.
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `work` with `params.block_count()` blocks of this thread's argon2 memory. Memory beyond what `configured`
/// needs (an imported hash's higher cost) is given back after the call.
fn with_thread_memory<T>(
    params: &Params,
    configured: &Params,
    work: impl FnOnce(&mut [Block]) -> T,
) -> T {
    MEMORY.with_borrow_mut(|memory| {
        let blocks = params.block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        // Every block is overwritten before it is read, so the buffer needs no clearing between uses.
        let result = work(&mut memory[..blocks]);
        if memory.len() > configured.block_count() {
            memory.truncate(configured.block_count());
            memory.shrink_to_fit();
        }
        result
    })
}

/// Gives this thread's argon2 memory back.
fn release_thread_memory() {
    MEMORY.with_borrow_mut(|memory| *memory = Vec::new());
}

/// An argon2id PHC string of `password` with a new 16-byte random salt (the size argon2's own salts have), computed
/// in this thread's argon2 memory.
fn hash_with(params: &Params, password: &[u8]) -> anyhow::Result<String> {
    let salt: [u8; 16] = rand::rng().random();
    let mut output = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    let argon2 = argon2_for(params);
    with_thread_memory(params, params, |memory| {
        argon2.hash_password_into_with_memory(password, &salt, &mut output, memory)
    })
    .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("argon2 salt: {e}"))?),
        hash: Some(Output::new(&output).map_err(|e| anyhow::anyhow!("argon2 output: {e}"))?),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(m: u32) -> PasswordHasher {
        PasswordHasher::new(m, 1, 1, 2, 64).unwrap()
    }

    #[test]
    fn a_hash_made_in_the_thread_memory_is_a_standard_phc_string_argon2_itself_verifies() {
        use argon2::PasswordVerifier as _;
        let params = Params::new(256, 1, 1, None).unwrap();
        let phc = hash_with(&params, b"correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert_eq!(parsed.salt.unwrap().as_ref().len(), 16);
        let argon2 = argon2_for(&params);
        assert!(argon2.verify_password(b"correct horse", &parsed).is_ok());
        assert!(argon2.verify_password(b"wrong horse", &parsed).is_err());
        assert_ne!(
            phc,
            hash_with(&params, b"correct horse").unwrap(),
            "a new salt each time"
        );
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hasher(256);
        let pw = Password::new("correct horse".into()).unwrap();
        let stored = h.hash(&pw).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            h.verify(&pw, Some(&stored), "e:user")
                .await
                .unwrap()
                .matches
        );
        let wrong = Password::presented("incorrect horse").unwrap();
        assert!(
            !h.verify(&wrong, Some(&stored), "e:user")
                .await
                .unwrap()
                .matches
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_matches_even_with_the_dummy_password() {
        let h = hasher(256);
        let pw = Password::presented("latchkey-dummy-password").unwrap();
        assert!(!h.verify(&pw, None, "e:nobody").await.unwrap().matches);
    }

    #[tokio::test]
    async fn changed_parameters_ask_for_a_rehash() {
        let pw = Password::new("correct horse".into()).unwrap();
        let stored = hasher(256).hash(&pw).await.unwrap();
        let v = hasher(512)
            .verify(&pw, Some(&stored), "e:user")
            .await
            .unwrap();
        assert!(v.matches && v.needs_rehash);
        assert!(
            !hasher(256)
                .verify(&pw, Some(&stored), "e:user")
                .await
                .unwrap()
                .needs_rehash
        );
    }

    /// The memory cost of the dummy `login` gets.
    fn dummy_memory(h: &PasswordHasher, login: &str) -> u32 {
        let dummy = h.dummies.load().pick(login);
        match password_formats::cost_of_head(&dummy).unwrap() {
            Cost::Argon2 { m_kib, .. } => m_kib,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_cost_that_already_has_its_dummy_is_not_hashed_again() {
        let h = hasher(512);
        let before = h.dummies.load().pick("e:nobody");
        // Every stored hash has the configured cost (the usual census at start): the dummy made then is kept, not
        // hashed again (a fresh one would have a fresh salt).
        h.follow_stored_costs([("$argon2id$v=19$m=512,t=1,p=1$".to_owned(), 7)])
            .await
            .unwrap();
        assert_eq!(h.dummies.load().pick("e:nobody"), before);
    }

    #[tokio::test]
    async fn unknown_logins_cost_what_the_stored_hashes_cost() {
        let h = hasher(512);
        assert_eq!(
            dummy_memory(&h, "e:nobody"),
            512,
            "without a census: the configured cost"
        );
        h.follow_stored_costs([
            ("$argon2id$v=19$m=256,t=1,p=1$".to_owned(), 3),
            ("$argon2id$v=19$m=128,t=1,p=1$".to_owned(), 1),
        ])
        .await
        .unwrap();
        let logins: Vec<String> = (0..400).map(|i| format!("e:user{i}@example.org")).collect();
        let memories: Vec<u32> = logins.iter().map(|l| dummy_memory(&h, l)).collect();
        assert!(
            memories.iter().all(|m| [256, 128].contains(m)),
            "never the configured cost nobody has"
        );
        assert!(memories.contains(&256) && memories.contains(&128));
        // Keyed alike, two replicas pick alike.
        let other = hasher(512);
        other
            .follow_stored_costs([
                ("$argon2id$v=19$m=256,t=1,p=1$".to_owned(), 3),
                ("$argon2id$v=19$m=128,t=1,p=1$".to_owned(), 1),
            ])
            .await
            .unwrap();
        let key = || ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7; 32]);
        h.key_dummies(key());
        other.key_dummies(key());
        assert!(
            logins
                .iter()
                .all(|l| dummy_memory(&h, l) == dummy_memory(&other, l))
        );
        // The dummies are real hashes: an unknown login is verified against one, and never matches.
        let pw = Password::presented("latchkey-dummy-password").unwrap();
        assert!(!h.verify(&pw, None, "e:nobody").await.unwrap().matches);
    }

    #[test]
    fn verification_agrees_with_the_argon2_crate() {
        use argon2::PasswordVerifier as _;
        let params = Params::new(256, 1, 1, None).unwrap();
        let phc = hash_with(&params, b"correct horse").unwrap();
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            argon2_for(&params)
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(verify_phc(&params, b"correct horse", &phc).unwrap().matches);
        assert!(!verify_phc(&params, b"correct horsf", &phc).unwrap().matches);
        // The reused buffer from a larger hash must not leak into a smaller one.
        let big = Params::new(1024, 1, 1, None).unwrap();
        let big_phc = hash_with(&big, b"other").unwrap();
        assert!(verify_phc(&big, b"other", &big_phc).unwrap().matches);
        assert!(verify_phc(&params, b"correct horse", &phc).unwrap().matches);
    }

    type Job = tokio::task::JoinHandle<Result<(), PasswordError>>;

    /// A pool of one thread and one queue place, both taken: the thread by a job blocked until `release` is sent
    /// to, the place by a job waiting for it.
    struct Saturated {
        pool: Arc<HashPool>,
        release: std::sync::mpsc::Sender<()>,
        running: Job,
        queued: Job,
    }

    async fn saturated() -> Saturated {
        let pool = Arc::new(HashPool::new(1, 1).unwrap());
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let running = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(&Metrics::disabled(), move || {
                    let _ = blocked.recv();
                    Ok(())
                })
                .await
            }
        });
        eventually(|| pool.permits.available_permits() == 0).await;
        let queued = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(&Metrics::disabled(), || Ok(())).await }
        });
        eventually(|| pool.waiting.load(Ordering::Acquire) == 1).await;
        Saturated {
            pool,
            release,
            running,
            queued,
        }
    }

    /// Waits (briefly) until `condition` holds.
    async fn eventually(condition: impl Fn() -> bool) {
        for _ in 0..5_000 {
            if condition() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        panic!("the condition never held");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_at_once_without_doing_the_work() {
        let Saturated {
            pool,
            release,
            running,
            queued,
        } = saturated().await;

        let worked = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let shed = pool
            .run(&Metrics::disabled(), {
                let worked = worked.clone();
                move || {
                    worked.store(true, Ordering::Release);
                    Ok(())
                }
            })
            .await;
        assert!(matches!(shed, Err(PasswordError::Busy)), "{shed:?}");
        assert!(
            !worked.load(Ordering::Acquire),
            "a shed check must cost nothing"
        );

        release.send(()).unwrap();
        running.await.unwrap().unwrap();
        queued.await.unwrap().unwrap();
        assert_eq!(pool.waiting.load(Ordering::Acquire), 0);
        pool.run(&Metrics::disabled(), || Ok(())).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_gives_up_frees_its_place_in_the_queue() {
        let Saturated {
            pool,
            release,
            running,
            queued,
        } = saturated().await;
        queued.abort();
        eventually(|| pool.waiting.load(Ordering::Acquire) == 0).await;
        release.send(()).unwrap();
        running.await.unwrap().unwrap();
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
