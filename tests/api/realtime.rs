//! Tests that take real time: key windows of seconds watched as they pass, replicas and replica processes, rotation
//! under load, windows on Redis' clock, slow request heads. Run them alone with `cargo test --test api realtime`, or
//! leave them out with `cargo test --test api -- --skip realtime`.

mod key_lifecycle;
mod rate_limits_on_redis;
mod replica_processes;
mod replicas;
mod rotation_under_load;
mod slow_heads;
