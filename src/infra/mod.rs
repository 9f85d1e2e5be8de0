//! Infrastructure beside the domain: the injected clock, durable mail, the shared Redis connection and key-change
//! notices over it, Prometheus metrics and log output.

pub mod clock;
pub mod key_notices;
pub mod mail;
pub mod metrics;
pub mod redis;
pub mod telemetry;
