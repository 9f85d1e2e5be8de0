//! The password-hash formats a user's stored hash may have: Latchkey's own argon2id, and what users are imported
//! with from other systems (argon2 of any variant, bcrypt `$2a$`/`$2b$`/`$2y$`, scrypt and PBKDF2-SHA256 PHC
//! strings, Django's `pbkdf2_sha256$…`). A legacy hash is verified once, at its owner's next sign-in, and then
//! replaced by the configured argon2id (the parameter-change rehash).
//!
//! Parsing never computes a hash, and refuses costs beyond fixed bounds: an imported hash is data from elsewhere,
//! and one with a cost of 2^31 bcrypt rounds or 4 GiB of scrypt memory would make every sign-in to it (and every
//! unknown login given a dummy of its cost) a denial of service. The bounds are the README's.

use std::ops::RangeInclusive;

use argon2::PasswordHash;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use subtle::ConstantTimeEq;

/// The stored "hash" of a user imported without a password: matches nothing (they must reset it).
pub const NO_PASSWORD: &str = "!";

/// Longest hash text accepted (every supported format fits in far less).
const MAX_HASH_LEN: usize = 512;
/// argon2: memory per hash (KiB), memory × passes (KiB), lanes.
pub const ARGON2_MAX_MEMORY_KIB: u32 = 256 * 1024;
pub const ARGON2_MAX_WORK_KIB: u64 = 1024 * 1024;
pub const ARGON2_MAX_LANES: u32 = 16;
/// bcrypt cost (log2 of the rounds): 4 is the format's minimum; 14 takes about a second here.
pub const BCRYPT_COSTS: RangeInclusive<u32> = 4..=14;
/// scrypt: memory `128·r·N` bytes, work `N·r·p` (2^21 is twice the scrypt crate's recommended ln=17, r=8, p=1).
pub const SCRYPT_MAX_MEMORY: u64 = 128 * 1024 * 1024;
pub const SCRYPT_MAX_WORK: u64 = 1 << 21;
/// PBKDF2-SHA256 iterations (Django 5.1 uses 870,000), and output bytes.
pub const PBKDF2_ROUNDS: RangeInclusive<u32> = 1_000..=2_000_000;
const PBKDF2_OUTPUT: RangeInclusive<usize> = 16..=64;

/// The format of a stored hash (a metric label, the import report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashFormat {
    Argon2,
    Bcrypt,
    Scrypt,
    Pbkdf2Sha256,
    DjangoPbkdf2Sha256,
}

impl HashFormat {
    pub const ALL: [Self; 5] = [
        Self::Argon2,
        Self::Bcrypt,
        Self::Scrypt,
        Self::Pbkdf2Sha256,
        Self::DjangoPbkdf2Sha256,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Argon2 => "argon2",
            Self::Bcrypt => "bcrypt",
            Self::Scrypt => "scrypt",
            Self::Pbkdf2Sha256 => "pbkdf2_sha256",
            Self::DjangoPbkdf2Sha256 => "django_pbkdf2_sha256",
        }
    }
}

/// What verifying a hash costs: hashes of equal cost take equal time, whatever their salt (the dummy hashes of
/// unknown logins follow the stored costs, see `domain::dummy_hashes`). Ordered by format, then cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cost {
    /// argon2 (any variant: they cost alike) in KiB, passes, lanes.
    Argon2 {
        m_kib: u32,
        t: u32,
        p: u32,
    },
    Bcrypt {
        cost: u32,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
    },
    /// PHC and Django alike; `blocks` of 32 output bytes each cost `rounds`.
    Pbkdf2Sha256 {
        rounds: u32,
        blocks: u32,
    },
}

/// Why a hash text was refused. Never carries the hash itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashFormatError {
    #[error(
        "not a supported password hash: expected argon2, bcrypt ($2a$/$2b$/$2y$), scrypt or PBKDF2-SHA256 (PHC, or Django's pbkdf2_sha256$…)"
    )]
    Unsupported,
    #[error("malformed {format} hash: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    #[error("{format} hash too costly to verify: {reason}")]
    TooCostly {
        format: &'static str,
        reason: String,
    },
}

fn malformed(format: HashFormat, reason: impl Into<String>) -> HashFormatError {
    HashFormatError::Malformed {
        format: format.as_str(),
        reason: reason.into(),
    }
}

fn too_costly(format: HashFormat, reason: impl Into<String>) -> HashFormatError {
    HashFormatError::TooCostly {
        format: format.as_str(),
        reason: reason.into(),
    }
}

/// A stored hash, understood (and within bounds): how to check a password against it.
pub enum ParsedHash<'a> {
    /// Verified by `passwords::verify_phc` (its thread's reusable memory).
    Argon2 {
        cost: Cost,
    },
    Bcrypt {
        cost: u32,
        text: &'a str,
    },
    Scrypt {
        params: scrypt::Params,
        salt: Vec<u8>,
        expected: Vec<u8>,
    },
    Pbkdf2Sha256 {
        format: HashFormat,
        rounds: u32,
        salt: Vec<u8>,
        expected: Vec<u8>,
    },
}

impl ParsedHash<'_> {
    pub fn format(&self) -> HashFormat {
        match self {
            Self::Argon2 { .. } => HashFormat::Argon2,
            Self::Bcrypt { .. } => HashFormat::Bcrypt,
            Self::Scrypt { .. } => HashFormat::Scrypt,
            Self::Pbkdf2Sha256 { format, .. } => *format,
        }
    }

    pub fn cost(&self) -> Cost {
        match self {
            Self::Argon2 { cost } => *cost,
            Self::Bcrypt { cost, .. } => Cost::Bcrypt { cost: *cost },
            Self::Scrypt { params, .. } => Cost::Scrypt {
                log_n: params.log_n(),
                r: params.r(),
                p: params.p(),
            },
            Self::Pbkdf2Sha256 {
                rounds, expected, ..
            } => Cost::Pbkdf2Sha256 {
                rounds: *rounds,
                blocks: expected.len().div_ceil(32) as u32,
            },
        }
    }

    /// Whether `password` matches (constant-time comparison of the outputs). Not for argon2, which the hasher
    /// verifies with its thread's memory.
    pub fn verify_legacy(&self, password: &[u8]) -> anyhow::Result<bool> {
        match self {
            Self::Argon2 { .. } => anyhow::bail!("argon2 is verified by the hasher"),
            // bcrypt uses the first 72 bytes, as the systems that made these hashes did; it compares with `subtle`.
            Self::Bcrypt { text, .. } => Ok(bcrypt::verify(password, text)?),
            Self::Scrypt {
                params,
                salt,
                expected,
            } => {
                let mut computed = vec![0u8; expected.len()];
                scrypt::scrypt(password, salt, params, &mut computed)
                    .map_err(|e| anyhow::anyhow!("scrypt: {e}"))?;
                Ok(bool::from(computed.ct_eq(expected)))
            }
            Self::Pbkdf2Sha256 {
                rounds,
                salt,
                expected,
                ..
            } => {
                let mut computed = vec![0u8; expected.len()];
                pbkdf2::pbkdf2_hmac::<pbkdf2::sha2::Sha256>(password, salt, *rounds, &mut computed);
                Ok(bool::from(computed.ct_eq(expected)))
            }
        }
    }
}

/// Reads a stored (or imported) hash without computing anything, and checks its cost against the bounds.
pub fn parse(text: &str) -> Result<ParsedHash<'_>, HashFormatError> {
    if text.len() > MAX_HASH_LEN {
        return Err(HashFormatError::Unsupported);
    }
    if text.starts_with("$argon2") {
        parse_argon2(text).map(|(cost, _)| ParsedHash::Argon2 { cost })
    } else if text.starts_with("$2") {
        parse_bcrypt(text)
    } else if text.starts_with("$scrypt$") {
        parse_scrypt(text)
    } else if text.starts_with("$pbkdf2-sha256$") {
        parse_pbkdf2_phc(text)
    } else if text.starts_with("pbkdf2_sha256$") {
        parse_django(text)
    } else {
        Err(HashFormatError::Unsupported)
    }
}

/// The text to store for an imported hash: checked by [`parse`], and spelled so that its head (what the census in
/// `store::users` counts) says its whole cost: an argon2 hash without a version field (the original 1.0, `v=16`
/// implied) gets it, a PBKDF2 PHC string without `l=` gets its output length. Verification is unchanged.
pub fn normalize_imported(text: &str) -> Result<(HashFormat, String), HashFormatError> {
    let parsed = parse(text)?;
    let format = parsed.format();
    match &parsed {
        ParsedHash::Argon2 { .. } => {
            let (_, mut phc) = parse_argon2(text)?;
            if phc.version.is_none() {
                phc.version = Some(0x10);
                return Ok((format, phc.to_string()));
            }
        }
        ParsedHash::Pbkdf2Sha256 { expected, .. } if format == HashFormat::Pbkdf2Sha256 => {
            let mut parts: Vec<String> = text.split('$').map(str::to_owned).collect();
            if let Some(params) = parts.get_mut(2)
                && !params.split(',').any(|p| p.starts_with("l="))
            {
                *params = format!("{params},l={}", expected.len());
                return Ok((format, parts.join("$")));
            }
        }
        _ => {}
    }
    Ok((format, text.to_owned()))
}

/// The cost of a census head (a stored hash cut after its parameters: `$argon2id$v=19$m=…,t=…,p=…$`, `$2b$12$`,
/// `$scrypt$ln=…,r=…,p=…$`, `$pbkdf2-sha256$i=…,l=…$`, `pbkdf2_sha256$600000$`) or of a whole hash.
pub fn cost_of_head(head: &str) -> Option<Cost> {
    let trimmed = head.trim_end_matches('$');
    if head.starts_with("$argon2") {
        return PasswordHash::new(trimmed)
            .ok()
            .and_then(|phc| argon2_cost(&phc).ok());
    }
    if let Some(rest) = head.strip_prefix("pbkdf2_sha256$") {
        let rounds = rest.split('$').next()?.parse().ok()?;
        return Some(Cost::Pbkdf2Sha256 { rounds, blocks: 1 });
    }
    if head.starts_with("$2") {
        let cost = head.get(4..6)?.parse().ok()?;
        return (head.get(3..4) == Some("$")).then_some(Cost::Bcrypt { cost });
    }
    let phc = PasswordHash::new(trimmed).ok()?;
    match phc.algorithm.as_str() {
        "scrypt" => scrypt::Params::try_from(&phc.params)
            .ok()
            .map(|p| Cost::Scrypt {
                log_n: p.log_n(),
                r: p.r(),
                p: p.p(),
            }),
        "pbkdf2-sha256" => {
            let (rounds, len) = pbkdf2_params(&phc).ok()?;
            let len = phc.hash.map_or(len, |h| h.len());
            Some(Cost::Pbkdf2Sha256 {
                rounds,
                blocks: len.div_ceil(32) as u32,
            })
        }
        _ => None,
    }
}

/// A hash of `password` with `cost` in that cost's format (the dummies of unknown logins; argon2 is the hasher's).
pub fn hash_legacy(cost: Cost, password: &[u8]) -> anyhow::Result<String> {
    let rng = ring::rand::SystemRandom::new();
    let salt: [u8; 16] = ring::rand::generate(&rng)
        .map_err(|_| anyhow::anyhow!("no randomness for a salt"))?
        .expose();
    match cost {
        Cost::Argon2 { .. } => anyhow::bail!("argon2 hashes are made by the hasher"),
        Cost::Bcrypt { cost } => Ok(bcrypt::hash_with_salt(password, cost, salt)?.to_string()),
        Cost::Scrypt { log_n, r, p } => {
            let params = scrypt::Params::new(log_n, r, p).map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut out = [0u8; 32];
            scrypt::scrypt(password, &salt, &params, &mut out)
                .map_err(|e| anyhow::anyhow!("scrypt: {e}"))?;
            Ok(format!(
                "$scrypt$ln={log_n},r={r},p={p}${}${}",
                STANDARD_NO_PAD.encode(salt),
                STANDARD_NO_PAD.encode(out)
            ))
        }
        Cost::Pbkdf2Sha256 { rounds, blocks } => {
            let mut out = vec![0u8; (blocks as usize * 32).clamp(32, 64)];
            pbkdf2::pbkdf2_hmac::<pbkdf2::sha2::Sha256>(password, &salt, rounds, &mut out);
            Ok(format!(
                "$pbkdf2-sha256$i={rounds},l={}${}${}",
                out.len(),
                STANDARD_NO_PAD.encode(salt),
                STANDARD_NO_PAD.encode(&out)
            ))
        }
    }
}

fn parse_argon2(text: &str) -> Result<(Cost, PasswordHash), HashFormatError> {
    let phc = PasswordHash::new(text)
        .map_err(|e| malformed(HashFormat::Argon2, format!("not a PHC string ({e})")))?;
    if argon2::Algorithm::try_from(phc.algorithm.as_str()).is_err() {
        return Err(malformed(HashFormat::Argon2, "unknown argon2 variant"));
    }
    if let Some(version) = phc.version
        && argon2::Version::try_from(version).is_err()
    {
        return Err(malformed(HashFormat::Argon2, "unknown version"));
    }
    if phc.salt.is_none() || phc.hash.is_none() {
        return Err(malformed(HashFormat::Argon2, "no salt or no output"));
    }
    let cost = argon2_cost(&phc)?;
    Ok((cost, phc))
}

fn argon2_cost(phc: &PasswordHash) -> Result<Cost, HashFormatError> {
    let params = argon2::Params::try_from(phc)
        .map_err(|e| malformed(HashFormat::Argon2, format!("parameters: {e}")))?;
    let (m_kib, t, p) = (params.m_cost(), params.t_cost(), params.p_cost());
    if m_kib > ARGON2_MAX_MEMORY_KIB
        || u64::from(m_kib) * u64::from(t) > ARGON2_MAX_WORK_KIB
        || p > ARGON2_MAX_LANES
    {
        return Err(too_costly(
            HashFormat::Argon2,
            format!(
                "m={m_kib},t={t},p={p}: at most m={ARGON2_MAX_MEMORY_KIB} KiB, m×t={ARGON2_MAX_WORK_KIB} KiB and p={ARGON2_MAX_LANES}"
            ),
        ));
    }
    Ok(Cost::Argon2 { m_kib, t, p })
}

/// `$2b$12$` + 22 characters of salt + 31 of output, in bcrypt's base64 alphabet.
fn parse_bcrypt(text: &str) -> Result<ParsedHash<'_>, HashFormatError> {
    let format = HashFormat::Bcrypt;
    let bytes = text.as_bytes();
    if !["$2a$", "$2b$", "$2y$"].iter().any(|p| text.starts_with(p)) {
        return Err(malformed(format, "the prefix must be $2a$, $2b$ or $2y$"));
    }
    if bytes.len() != 60 || bytes[6] != b'$' {
        return Err(malformed(format, "expected $2b$NN$ and 53 characters"));
    }
    let cost: u32 = text[4..6]
        .parse()
        .map_err(|_| malformed(format, "the cost is not two digits"))?;
    let alphabet = |c: &u8| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'/';
    if !bytes[7..].iter().all(alphabet) {
        return Err(malformed(format, "salt and output must be bcrypt base64"));
    }
    if !(4..=31).contains(&cost) {
        return Err(malformed(format, format!("cost {cost} is outside 4..=31")));
    }
    if !BCRYPT_COSTS.contains(&cost) {
        return Err(too_costly(
            format,
            format!("cost {cost}: at most {}", BCRYPT_COSTS.end()),
        ));
    }
    Ok(ParsedHash::Bcrypt { cost, text })
}

fn parse_scrypt(text: &str) -> Result<ParsedHash<'_>, HashFormatError> {
    let format = HashFormat::Scrypt;
    let phc = PasswordHash::new(text)
        .map_err(|e| malformed(format, format!("not a PHC string ({e})")))?;
    if phc.version.is_some() {
        return Err(malformed(format, "scrypt hashes have no version"));
    }
    let params = scrypt::Params::try_from(&phc.params)
        .map_err(|e| malformed(format, format!("parameters ln, r, p: {e}")))?;
    let n = 1u64 << params.log_n();
    let memory = 128 * u64::from(params.r()) * n;
    let work = n * u64::from(params.r()) * u64::from(params.p());
    if memory > SCRYPT_MAX_MEMORY || work > SCRYPT_MAX_WORK {
        return Err(too_costly(
            format,
            format!(
                "ln={},r={},p={}: at most 128·r·N = {} MiB of memory and N·r·p = 2^21",
                params.log_n(),
                params.r(),
                params.p(),
                SCRYPT_MAX_MEMORY >> 20
            ),
        ));
    }
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Err(malformed(format, "no salt or no output"));
    };
    if expected.len() < 16 {
        return Err(malformed(format, "the output is shorter than 16 bytes"));
    }
    Ok(ParsedHash::Scrypt {
        params,
        salt: salt.as_ref().to_vec(),
        expected: expected.as_bytes().to_vec(),
    })
}

/// `i` (rounds) and `l` (output length, default 32) of a `$pbkdf2-sha256$` PHC string.
fn pbkdf2_params(phc: &PasswordHash) -> Result<(u32, usize), HashFormatError> {
    let format = HashFormat::Pbkdf2Sha256;
    let mut rounds = None;
    let mut len = 32usize;
    for (name, value) in phc.params.iter() {
        let value = value.decimal().map_err(|_| {
            malformed(
                format,
                format!("parameter {} is not a number", name.as_str()),
            )
        })?;
        match name.as_str() {
            "i" => rounds = Some(value),
            "l" => len = value as usize,
            _ => return Err(malformed(format, "parameters are i and l only")),
        }
    }
    let rounds = rounds.ok_or_else(|| malformed(format, "no iteration count (i=)"))?;
    Ok((rounds, len))
}

fn check_pbkdf2(format: HashFormat, rounds: u32, len: usize) -> Result<(), HashFormatError> {
    if rounds < *PBKDF2_ROUNDS.start() {
        return Err(malformed(
            format,
            format!("{rounds} iterations: at least {}", PBKDF2_ROUNDS.start()),
        ));
    }
    if rounds > *PBKDF2_ROUNDS.end() {
        return Err(too_costly(
            format,
            format!("{rounds} iterations: at most {}", PBKDF2_ROUNDS.end()),
        ));
    }
    if !PBKDF2_OUTPUT.contains(&len) {
        return Err(malformed(format, "the output must be 16 to 64 bytes"));
    }
    Ok(())
}

fn parse_pbkdf2_phc(text: &str) -> Result<ParsedHash<'_>, HashFormatError> {
    let format = HashFormat::Pbkdf2Sha256;
    let phc = PasswordHash::new(text)
        .map_err(|e| malformed(format, format!("not a PHC string ({e})")))?;
    if phc.version.is_some() {
        return Err(malformed(format, "PBKDF2 hashes have no version"));
    }
    let (rounds, _) = pbkdf2_params(&phc)?;
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Err(malformed(format, "no salt or no output"));
    };
    check_pbkdf2(format, rounds, expected.len())?;
    Ok(ParsedHash::Pbkdf2Sha256 {
        format,
        rounds,
        salt: salt.as_ref().to_vec(),
        expected: expected.as_bytes().to_vec(),
    })
}

/// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 of 32 bytes>`: the salt is used as its UTF-8 text.
fn parse_django(text: &str) -> Result<ParsedHash<'_>, HashFormatError> {
    let format = HashFormat::DjangoPbkdf2Sha256;
    let mut parts = text.split('$');
    let (Some(_), Some(rounds), Some(salt), Some(output), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(malformed(
            format,
            "expected pbkdf2_sha256$iterations$salt$hash",
        ));
    };
    let rounds: u32 = rounds
        .parse()
        .map_err(|_| malformed(format, "the iteration count is not a number"))?;
    if salt.is_empty()
        || salt.len() > 128
        || salt.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(malformed(
            format,
            "the salt must be 1-128 printable characters",
        ));
    }
    let expected = STANDARD
        .decode(output)
        .map_err(|_| malformed(format, "the hash is not base64"))?;
    check_pbkdf2(format, rounds, expected.len())?;
    Ok(ParsedHash::Pbkdf2Sha256 {
        format,
        rounds,
        salt: salt.as_bytes().to_vec(),
        expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Django 4.2's own test vector (`tests/auth_tests/test_hashers.py`, `make_password("lètmein", "seasalt")`).
    const DJANGO: &str =
        "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=";
    /// PHP's manual (`password_verify`): "rasmuslerdorf".
    const PHP_2Y: &str = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

    #[test]
    fn every_format_is_recognised_without_computing() {
        let bcrypt = "$2y$12$L6Bc/AlTQHyd9liGgGEZyOFLPHNgyxeEPfgYfBCVxJ7JIlwxyVU3u";
        assert_eq!(parse(bcrypt).unwrap().cost(), Cost::Bcrypt { cost: 12 });
        let scrypt = "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E";
        assert_eq!(
            parse(scrypt).unwrap().cost(),
            Cost::Scrypt {
                log_n: 16,
                r: 8,
                p: 1
            }
        );
        assert_eq!(
            parse(DJANGO).unwrap().format(),
            HashFormat::DjangoPbkdf2Sha256
        );
        for head in [
            "$2y$12$",
            "$scrypt$ln=16,r=8,p=1$",
            "pbkdf2_sha256$600000$",
            "$pbkdf2-sha256$i=4096,l=40$",
            "$argon2id$v=19$m=1024,t=1,p=1$",
        ] {
            assert!(cost_of_head(head).is_some(), "{head}");
        }
        assert_eq!(
            cost_of_head("$pbkdf2-sha256$i=4096,l=40$"),
            Some(Cost::Pbkdf2Sha256 {
                rounds: 4096,
                blocks: 2
            })
        );
    }

    #[test]
    fn the_scrypt_vector_of_passlib_verifies() {
        let scrypt = "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E";
        let parsed = parse(scrypt).unwrap();
        assert!(parsed.verify_legacy(b"password").unwrap());
        assert!(!parsed.verify_legacy(b"passwore").unwrap());
    }

    #[test]
    fn outside_vectors_verify() {
        let php = parse(PHP_2Y).unwrap();
        assert!(php.verify_legacy(b"rasmuslerdorf").unwrap());
        assert!(!php.verify_legacy(b"rasmuslerdorF").unwrap());
        let django = parse(DJANGO).unwrap();
        assert!(django.verify_legacy("lètmein".as_bytes()).unwrap());
        assert!(!django.verify_legacy(b"letmein").unwrap());
    }

    #[test]
    fn made_hashes_verify_and_cost_what_was_asked() {
        for cost in [
            Cost::Bcrypt { cost: 4 },
            Cost::Scrypt {
                log_n: 4,
                r: 8,
                p: 1,
            },
            Cost::Pbkdf2Sha256 {
                rounds: 1000,
                blocks: 1,
            },
        ] {
            let hash = hash_legacy(cost, b"secret words").unwrap();
            let parsed = parse(&hash).unwrap();
            assert_eq!(parsed.cost(), cost);
            assert!(parsed.verify_legacy(b"secret words").unwrap());
            assert!(!parsed.verify_legacy(b"secret wordz").unwrap());
        }
    }

    #[test]
    fn costs_beyond_the_bounds_are_refused_with_the_bound() {
        let too_costly = [
            "$2b$15$L6Bc/AlTQHyd9liGgGEZyOFLPHNgyxeEPfgYfBCVxJ7JIlwxyVU3u".to_owned(),
            "$scrypt$ln=20,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E".to_owned(),
            "$scrypt$ln=14,r=8,p=64$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E".to_owned(),
            "pbkdf2_sha256$9000000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=".to_owned(),
            "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$J3Eg4ep/3gbIRypzYvIXFgAmZsdcJhQ0nRmDRM/1AkE".to_owned(),
        ];
        for hash in &too_costly {
            let error = parse(hash)
                .err()
                .unwrap_or_else(|| panic!("{hash} accepted"));
            assert!(
                matches!(error, HashFormatError::TooCostly { .. }),
                "{hash}: {error}"
            );
            assert!(
                !error.to_string().contains(&hash[10..]),
                "the hash is not repeated"
            );
        }
        for bad in [
            "",
            "plaintext",
            "$2x$12$L6Bc/AlTQHyd9liGgGEZyOFLPHNgyxeEPfgYfBCVxJ7JIlwxyVU3u",
            "$2b$03$L6Bc/AlTQHyd9liGgGEZyOFLPHNgyxeEPfgYfBCVxJ7JIlwxyVU3u",
            "$2b$12$short",
            "pbkdf2_sha256$100$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=",
            "pbkdf2_sha256$600000$seasalt$not base64!",
            "$scrypt$ln=16,r=8,p=1",
            "$argon2id$v=19$m=1024,t=1,p=1",
            NO_PASSWORD,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_pbkdf2_hash_without_its_length_is_stored_with_it() {
        let hash = hash_legacy(
            Cost::Pbkdf2Sha256 {
                rounds: 1000,
                blocks: 2,
            },
            b"pw",
        )
        .unwrap()
        .replace(",l=64", "");
        let (_, stored) = normalize_imported(&hash).unwrap();
        assert!(
            stored.starts_with("$pbkdf2-sha256$i=1000,l=64$"),
            "{stored}"
        );
        assert_eq!(
            cost_of_head("$pbkdf2-sha256$i=1000,l=64$"),
            Some(parse(&stored).unwrap().cost())
        );
        assert!(parse(&stored).unwrap().verify_legacy(b"pw").unwrap());
    }

    #[test]
    fn an_argon2_hash_without_a_version_is_stored_with_v16() {
        let (format, stored) =
            normalize_imported("$argon2i$m=256,t=2,p=1$c2FsdHNhbHQ$S1VVjtw8o9iEv0qQ2nmYzw")
                .unwrap();
        assert_eq!(format, HashFormat::Argon2);
        assert!(
            stored.starts_with("$argon2i$v=16$m=256,t=2,p=1$"),
            "{stored}"
        );
    }
}
