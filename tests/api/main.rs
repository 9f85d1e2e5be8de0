//! The integration suite: one binary, every test on a real server with a fresh database. SQLite by default;
//! `TEST_DATABASE_URL=postgres://…` runs the same tests on PostgreSQL.

mod authorization_code;
mod browser;
mod cli;
mod client_authentication;
mod client_credentials;
mod discovery_and_jwks;
mod helpers;
mod hosted_pages;
mod key_cli;
mod key_encryption;
mod key_helpers;
mod key_lifecycle;
mod key_revocation;
mod logout;
mod oauth2_client;
mod openid_connect;
mod outage;
mod password_grant;
mod password_reset;
mod refresh_grant;
mod replicas;
mod request_validation;
mod revocation_races;
mod rotation_under_load;
mod sqlite_writer;
mod storage;
