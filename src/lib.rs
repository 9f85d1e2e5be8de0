//! Latchkey: an OAuth 2.0 identity provider and token service. The binary in `main.rs` only parses the command line
//! and calls in here.
//!
//! The tree shows the layers (DESIGN.md §19): the surfaces ([`oauth`], [`pages`], [`admin`], [`http`]) parse a request,
//! call the [`domain`], and map its answer to JSON, a page or a redirect; the domain holds the rules and calls the
//! [`store`]; [`values`] are the types every layer speaks; [`infra`] (clock, mail, Redis, metrics, logs) sits beside;
//! [`app`] wires it all into a server and [`cli`] is the command line. Imports point down this list, never in a
//! circle (`.ci/module_cycles.py` checks).

pub mod admin;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod infra;
pub mod oauth;
pub mod pages;
pub mod state;
pub mod store;
pub mod values;
