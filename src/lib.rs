//! Latchkey: an OAuth 2.0 token service. The binary in `main.rs` only parses the command line and calls in here.

pub mod auth;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod config;
pub mod http;
pub mod mail;
pub mod notify;
pub mod oauth;
pub mod pages;
pub mod password_reset;
pub mod passwords;
pub mod revocation;
pub mod scope;
pub mod secret;
pub mod sessions;
pub mod shared_redis;
pub mod signing;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod validation;
