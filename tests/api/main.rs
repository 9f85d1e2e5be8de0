//! The integration suite: one binary, every test on a real server with a fresh database. `SQLite` by default;
//! `TEST_DATABASE_URL=postgres://…` runs the same tests on `PostgreSQL`. Tests that take real time are grouped in
//! `realtime` (`cargo test --test api -- --skip realtime` leaves them out). Tests that measure response times (known
//! against unknown accounts, a few seconds) are grouped in `timing_oracles`.

mod account;
mod admin_access;
mod admin_clients;
mod admin_keys;
mod admin_openapi;
mod admin_users;
mod authorization_code;
mod browser;
mod browser_spa;
mod brute_force;
mod cli;
mod client_authentication;
mod client_credentials;
mod cors;
mod discovery_and_jwks;
mod file_permissions;
mod helpers;
mod hosted_pages;
mod key_cli;
mod key_encryption;
mod key_helpers;
mod key_revocation;
mod load_shedding;
mod lockout;
mod logout;
mod metrics;
mod oauth2_client;
mod openid_connect;
mod outage;
mod password_grant;
mod password_reset;
mod realtime;
mod refresh_grant;
mod registration;
mod request_validation;
mod revocation;
mod revocation_precision;
mod revocation_races;
mod revocation_replicas;
mod slow_clients;
mod sqlite_writer;
mod storage;
mod timing_oracles;
mod verifier_feed;
