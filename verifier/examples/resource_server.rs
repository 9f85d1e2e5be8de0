//! A minimal resource server protected by Latchkey access tokens.
//!
//! ```sh
//! LATCHKEY_ISSUER=http://127.0.0.1:8080 LATCHKEY_AUDIENCE=https://api.example.com \
//!     cargo run -p latchkey-verifier --features actix-web --example resource_server
//! curl -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:8081/me
//! ```
//!
//! `LATCHKEY_ISSUER` must be the issuer exactly as Latchkey states it (its `issuer` setting); `LATCHKEY_AUDIENCE` is
//! one of the audiences the client's tokens are issued for (`latchkey clients … --audience`). `BIND` defaults to
//! 127.0.0.1:8081.

use actix_web::{App, HttpResponse, HttpServer, web};
use latchkey_verifier::{Claims, Verifier};

/// Who the token says the caller is. Without a valid token the extractor answers 401 (or 503 when the issuer's keys
/// can't be fetched) and this handler never runs.
async fn me(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(claims)
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = required_env("LATCHKEY_ISSUER")?;
    let audience = required_env("LATCHKEY_AUDIENCE")?;
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8081".to_owned());

    let verifier = Verifier::builder()
        .issuer(issuer)
        .audience(audience)
        .discover()
        .await?;
    println!("verifying tokens with keys from {}", verifier.jwks_uri());
    println!("listening on http://{bind}/me");

    let verifier = web::Data::new(verifier);
    HttpServer::new(move || {
        App::new()
            .app_data(verifier.clone())
            .route("/me", web::get().to(me))
    })
    .bind(bind)?
    .run()
    .await?;
    Ok(())
}

fn required_env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}
