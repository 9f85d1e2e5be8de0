//! What a client is told when the service fails closed (database or Redis down, queue full): 503 with this
//! `Retry-After`, the same on every surface.

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECS: u64 = 5;
