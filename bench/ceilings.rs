//! Crypto ceilings of this machine, measured on all cores in one run (see `bench/run.sh`):
//!
//! - argon2id verifications/s at the *configured* parameters (`Config::load(None)`: defaults, the TOML file and
//!   `LATCHKEY_*`), which bound the password grant;
//! - RS256 signatures/s with Latchkey's own signer (private key parsed once), which bound the refresh grant;
//! - RS256 verifications/s of an access token (jsonwebtoken, as `tokens::verify` runs it), which bound
//!   introspection and revocation.
//!
//! `cargo run --release --example ceilings -- [--seconds N]` prints one JSON line.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, Version};
use latchkey::config::Config;
use latchkey::domain::signing::SigningKey;

fn main() -> anyhow::Result<()> {
    let seconds = parse_seconds()?;
    let duration = Duration::from_secs_f64(seconds);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let config = Config::load(None)?;

    let (m, t, p) = (
        config.password_hash_memory_kib,
        config.password_hash_iterations,
        config.password_hash_parallelism,
    );
    let params = Params::new(m, t, p, None)
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let password = b"correct horse battery staple";
    let phc = argon2
        .hash_password(password)
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))?
        .to_string();
    let argon2_rate = on_all_cores(threads, duration, || {
        // Exactly what the server runs per login: parse the stored PHC string, verify with reused memory.
        let verified = latchkey::domain::passwords::verify_phc(&params, password, &phc)
            .expect("own hash verifies");
        assert!(verified.matches);
    });

    let generated = SigningKey::generate(config.key_bits)?;
    let key = &generated.key;
    let issuer = config.issuer();
    let sample = key.sign_jwt(&claims(&issuer))?;
    let payload_bytes = serde_json::to_vec(&claims(&issuer))?.len();
    let rs256 = on_all_cores(threads, duration, || {
        let jwt = key.sign_jwt(&claims(&issuer)).expect("signing works");
        std::hint::black_box(jwt);
    });

    let decoding =
        jsonwebtoken::DecodingKey::from_rsa_components(&generated.jwk.n, &generated.jwk.e)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[&issuer]);
    validation.validate_aud = false;
    let verify = on_all_cores(threads, duration, || {
        let claims = jsonwebtoken::decode::<serde_json::Value>(&sample, &decoding, &validation)
            .expect("own token verifies");
        std::hint::black_box(claims);
    });

    let out = serde_json::json!({
        "rs256_verify_per_s": round1(verify.per_s),
        "rs256_verify_cores_used": verify.cores_used,
        "argon2_verify_per_s": round1(argon2_rate.per_s),
        "rs256_sign_per_s": round1(rs256.per_s),
        "argon2_cores_used": argon2_rate.cores_used,
        "rs256_cores_used": rs256.cores_used,
        "threads": threads,
        "seconds_each": seconds,
        "argon2": { "memory_kib": m, "iterations": t, "parallelism": p },
        "rsa_bits": config.key_bits,
        "claims_bytes": payload_bytes,
        "jwt_bytes": sample.len(),
    });
    println!("{out}");
    Ok(())
}

/// Realistic access-token claims, as `tokens::access_token::sign` builds them (a fresh `jti` each time).
fn claims(issuer: &str) -> serde_json::Value {
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
    )
    .unwrap_or(i64::MAX);
    serde_json::json!({
        "iss": issuer,
        "sub": "0192f3a4-5b6c-7d8e-9f01-23456789abcd",
        "aud": "bench-client",
        "exp": now + 900,
        "iat": now,
        "nbf": now,
        "jti": uuid::Uuid::new_v4().to_string(),
        "client_id": "bench-client",
        "scope": "read write profile",
        "roles": ["user", "auditor"],
        "tenant": "acme-corporation",
    })
}

/// Operations per second of wall time, and the CPU cores the process actually got meanwhile (on a shared machine
/// other processes may take some: then the figure is a floor, not the ceiling).
struct Rate {
    per_s: f64,
    cores_used: Option<f64>,
}

/// CPU time of this process (user + system) from /proc/self/stat, in seconds; None off Linux.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (1-based).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux architecture Rust supports.
    Some(ticks / 100.0)
}

/// Runs `op` in a loop on `threads` threads started together for `duration`.
fn on_all_cores(threads: usize, duration: Duration, op: impl Fn() + Sync) -> Rate {
    let cpu_before = process_cpu_seconds();
    let barrier = Barrier::new(threads);
    let (ops, elapsed) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    let mut n = 0u64;
                    while start.elapsed() < duration {
                        op();
                        n += 1;
                    }
                    (n, start.elapsed())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .fold((0u64, Duration::ZERO), |acc, (n, e)| {
                (acc.0 + n, acc.1.max(e))
            })
    });
    let wall = elapsed.as_secs_f64();
    let cores_used = cpu_before
        .zip(process_cpu_seconds())
        .map(|(a, b)| round2((b - a) / wall));
    Rate {
        per_s: ops as f64 / wall,
        cores_used,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn parse_seconds() -> anyhow::Result<f64> {
    let mut seconds = 3.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--seconds needs a value"))?;
                seconds = value
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--seconds: not a number: {value}"))?;
                anyhow::ensure!(
                    seconds > 0.0 && seconds <= 600.0,
                    "--seconds must be in (0, 600]"
                );
            }
            "-h" | "--help" => {
                println!("usage: ceilings [--seconds N]   (default 3 s per measurement)");
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(seconds)
}
