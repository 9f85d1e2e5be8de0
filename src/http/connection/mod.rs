//! What every connection goes through before HTTP: a per-source cap on open connections ([`source_cap`]) and a
//! deadline on each request head, the first and every later one on a kept-alive connection ([`head_deadline`]).
//!
//! actix 4 bounds only the first head of a connection (`client_request_timeout`) and clears its keep-alive timer on
//! the first byte of the next request, so a client that completes one request on each of `max_connections`
//! connections and then sends one byte of a second request on each holds every slot for as long as it likes (the
//! slow-headers attack, OWASP "slow HTTP"; issue 16). `HttpServer` has no hook to wrap the stream, so the server
//! (`app::server`) serves through actix-server and actix-http directly with these types in between.

pub mod head_deadline;
pub mod source_cap;
