//! CORS for browser apps (DESIGN.md §21, RFC 9700 §2.6): public documents for any origin; `/token`, `/revoke` and
//! `/userinfo` for the web origins of registered clients; nothing anywhere else. And the per-client origin check:
//! a page may act only as a client whose origin it is on, refused before a code is redeemed.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    ADMIN, AuthRequest, Browser, Cli, ClientSpec, TestApp, TestClient, UserSpec, expect_error,
    expect_problem, expect_tokens, header,
};

const SPA: &str = "https://spa.example.com";
const SPA_CALLBACK: &str = "https://spa.example.com/callback";
const OTHER_SPA: &str = "https://other.example.com";
const STRANGER: &str = "https://evil.example.net";

/// A public single-page app of the code flow, redirecting to `callback`, with `web_origins` set (or not).
fn spa(callback: &str, web_origins: &[&str]) -> ClientSpec {
    ClientSpec {
        public: true,
        grants: vec!["authorization_code".into(), "refresh_token".into()],
        scopes: vec!["read".into()],
        redirect_uris: vec![callback.to_owned()],
        web_origins: web_origins.iter().map(|o| (*o).to_owned()).collect(),
        ..ClientSpec::default()
    }
}

/// A CORS preflight of `method` at `path` from `origin`, asking to send `Authorization` and `Content-Type`.
async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.http
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .expect("OPTIONS")
}

fn allow_origin(headers: &HeaderMap) -> Option<String> {
    header(headers, "access-control-allow-origin")
}

fn cors_headers(headers: &HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

fn varies_by_origin(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("origin"))
        })
}

/// A POST of a form to `path` with an `Origin`, as a page's `fetch` sends it.
async fn post_from(
    app: &TestApp,
    path: &str,
    origin: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.http.post(app.url(path)).form(form);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.expect("POST")
}

/// Signs a new user in for `client` (redirecting to `callback`); returns the code and the PKCE verifier.
async fn code_for(app: &TestApp, client: &TestClient, callback: &str) -> (String, String) {
    let user = app.create_user(UserSpec::default()).await;
    let request = AuthRequest::new(client).with("redirect_uri", Some(callback));
    let redirect = Browser::new(app).sign_in(app, &request, &user).await;
    (
        redirect.param("code").expect("a code").to_owned(),
        request.pkce.verifier.clone(),
    )
}

async fn redeem_from(
    app: &TestApp,
    origin: Option<&str>,
    client: &TestClient,
    code: &str,
    callback: &str,
    verifier: &str,
) -> reqwest::Response {
    post_from(
        app,
        "/token",
        origin,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.id),
            ("code", code),
            ("redirect_uri", callback),
            ("code_verifier", verifier),
        ],
    )
    .await
}

#[tokio::test]
async fn discovery_the_jwks_and_the_revocation_feed_are_readable_from_any_origin_without_credentials()
 {
    let app = TestApp::spawn().await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/.well-known/jwks.json",
        "/revocations?after=0",
    ] {
        let response = app
            .http
            .get(app.url(path))
            .header("origin", STRANGER)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            allow_origin(response.headers()).as_deref(),
            Some("*"),
            "{path}"
        );
        assert_eq!(
            header(response.headers(), "access-control-allow-credentials"),
            None,
            "{path}: never credentials"
        );
        let path = path.split('?').next().unwrap_or(path);
        let answer = preflight(&app, path, STRANGER, "GET").await;
        assert_eq!(answer.status(), StatusCode::NO_CONTENT, "{path} preflight");
        assert_eq!(
            allow_origin(answer.headers()).as_deref(),
            Some("*"),
            "{path}"
        );
    }
    // The JWKS's ETag is readable, for a conditional refetch.
    let jwks = app.get("/.well-known/jwks.json").await;
    assert!(
        header(jwks.headers(), "access-control-expose-headers")
            .is_some_and(|h| h.to_lowercase().contains("etag"))
    );
}

#[tokio::test]
async fn token_revoke_and_userinfo_answer_preflights_for_a_registered_web_origin_only() {
    let app = TestApp::spawn().await;
    app.create_client(spa(SPA_CALLBACK, &[SPA, OTHER_SPA]))
        .await;
    for (path, method) in [
        ("/token", "POST"),
        ("/revoke", "POST"),
        ("/userinfo", "GET"),
    ] {
        for origin in [SPA, OTHER_SPA] {
            let answer = preflight(&app, path, origin, method).await;
            let headers = answer.headers();
            assert_eq!(answer.status(), StatusCode::NO_CONTENT, "{path}");
            assert_eq!(allow_origin(headers).as_deref(), Some(origin), "{path}");
            assert!(
                header(headers, "access-control-allow-methods").is_some_and(|m| m.contains(method)),
                "{path}: {headers:?}"
            );
            let allowed = header(headers, "access-control-allow-headers")
                .unwrap_or_default()
                .to_lowercase();
            assert!(
                allowed.contains("authorization") && allowed.contains("content-type"),
                "{path}: {allowed}"
            );
            assert!(
                header(headers, "access-control-max-age").is_some(),
                "{path}"
            );
            assert_eq!(header(headers, "access-control-allow-credentials"), None);
            assert!(varies_by_origin(headers), "{path}: Vary: Origin");
        }
        let refused = preflight(&app, path, STRANGER, method).await;
        assert!(
            cors_headers(refused.headers()).is_empty(),
            "{path}: an unregistered origin gets no CORS header: {:?}",
            refused.headers()
        );
        assert!(varies_by_origin(refused.headers()), "{path}");
    }
    // The echo is exactly the registered origin: no prefix or suffix tricks.
    for near in [
        "https://spa.example.com.evil.net",
        "https://evil-spa.example.com",
        "http://spa.example.com",
        "https://spa.example.com:444",
        "null",
    ] {
        let refused = preflight(&app, "/token", near, "POST").await;
        assert_eq!(allow_origin(refused.headers()), None, "{near}");
    }
}

#[tokio::test]
async fn the_hosted_pages_introspection_the_admin_api_and_health_send_no_cors_headers() {
    let app = TestApp::spawn().await;
    let client = app.create_client(spa(SPA_CALLBACK, &[])).await;
    let authorize = format!(
        "/authorize?{}",
        AuthRequest::new(&client)
            .with("redirect_uri", Some(SPA_CALLBACK))
            .query()
    );
    for (method, path) in [
        (Method::GET, authorize.as_str()),
        (Method::POST, "/login"),
        (Method::GET, "/logout"),
        (Method::GET, "/password/forgot"),
        (Method::POST, "/introspect"),
        (Method::GET, "/admin/v1/clients"),
        (Method::GET, "/admin/openapi.json"),
        (Method::GET, "/healthz"),
        (Method::GET, "/assets/latchkey.css"),
        (Method::POST, "/account/logout-everywhere"),
    ] {
        let response = app
            .http
            .request(method.clone(), app.url(path))
            .header("origin", SPA)
            .send()
            .await
            .expect("request");
        assert!(
            cors_headers(response.headers()).is_empty(),
            "{method} {path}: {:?}",
            response.headers()
        );
        let path = path.split('?').next().unwrap_or(path);
        let answer = preflight(&app, path, SPA, method.as_str()).await;
        assert!(
            cors_headers(answer.headers()).is_empty(),
            "preflight {path}: {:?}",
            answer.headers()
        );
    }
}

#[tokio::test]
async fn error_answers_carry_the_cors_headers_so_the_app_can_read_them() {
    let app = TestApp::spawn().await;
    let client = app.create_client(spa(SPA_CALLBACK, &[])).await;
    let verifier = "v".repeat(43);
    let wrong_code = redeem_from(
        &app,
        Some(SPA),
        &client,
        "lk_ac_nope",
        SPA_CALLBACK,
        &verifier,
    )
    .await;
    assert_eq!(allow_origin(wrong_code.headers()).as_deref(), Some(SPA));
    assert!(varies_by_origin(wrong_code.headers()));
    expect_error(wrong_code, 400, "invalid_grant").await;

    let no_token = app
        .http
        .get(app.url("/userinfo"))
        .header("origin", SPA)
        .send()
        .await
        .expect("GET /userinfo");
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(allow_origin(no_token.headers()).as_deref(), Some(SPA));
    assert!(header(no_token.headers(), "www-authenticate").is_some());
    let exposed = header(no_token.headers(), "access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        exposed.contains("www-authenticate") && exposed.contains("retry-after"),
        "{exposed}"
    );

    // 405 and an unknown client too.
    let get_token = app
        .http
        .get(app.url("/token"))
        .header("origin", SPA)
        .send()
        .await
        .expect("GET /token");
    assert_eq!(get_token.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(allow_origin(get_token.headers()).as_deref(), Some(SPA));
    let unknown = post_from(
        &app,
        "/revoke",
        Some(SPA),
        &[("token", "x"), ("client_id", "nobody")],
    )
    .await;
    assert_eq!(allow_origin(unknown.headers()).as_deref(), Some(SPA));
    expect_error(unknown, 401, "invalid_client").await;
}

#[tokio::test]
async fn a_page_on_another_clients_origin_is_refused_before_the_code_is_redeemed() {
    let app = TestApp::spawn().await;
    let victim = app.create_client(spa(SPA_CALLBACK, &[])).await;
    app.create_client(spa(&format!("{OTHER_SPA}/cb"), &[]))
        .await;
    let (code, verifier) = code_for(&app, &victim, SPA_CALLBACK).await;

    // A page on the other app's origin (known, so it may read the refusal) presents the victim's public id.
    let refused = redeem_from(
        &app,
        Some(OTHER_SPA),
        &victim,
        &code,
        SPA_CALLBACK,
        &verifier,
    )
    .await;
    assert_eq!(allow_origin(refused.headers()).as_deref(), Some(OTHER_SPA));
    expect_error(refused, 400, "unauthorized_client").await;
    // So does a page on an origin no client has (it can't even read the refusal).
    let refused = redeem_from(
        &app,
        Some(STRANGER),
        &victim,
        &code,
        SPA_CALLBACK,
        &verifier,
    )
    .await;
    assert_eq!(allow_origin(refused.headers()), None);
    expect_error(refused, 400, "unauthorized_client").await;

    // Nothing was redeemed: the app's own page gets the tokens, readable.
    let redeemed = redeem_from(&app, Some(SPA), &victim, &code, SPA_CALLBACK, &verifier).await;
    assert_eq!(allow_origin(redeemed.headers()).as_deref(), Some(SPA));
    let tokens = expect_tokens(redeemed).await;

    // The refresh and the revocation are bound to the origin the same way.
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", victim.id.as_str()),
        ("refresh_token", tokens.refresh_token()),
    ];
    expect_error(
        post_from(&app, "/token", Some(OTHER_SPA), &form).await,
        400,
        "unauthorized_client",
    )
    .await;
    let revoke = [
        ("token", tokens.refresh_token()),
        ("client_id", victim.id.as_str()),
    ];
    expect_error(
        post_from(&app, "/revoke", Some(STRANGER), &revoke).await,
        400,
        "unauthorized_client",
    )
    .await;
    // The family is alive: neither the refused refresh nor the refused revocation touched it.
    let refreshed = expect_tokens(post_from(&app, "/token", Some(SPA), &form).await).await;
    assert_ne!(refreshed.refresh_token(), tokens.refresh_token());
}

#[tokio::test]
async fn requests_without_origin_are_unaffected_and_server_side_clients_are_not_checked() {
    let app = TestApp::spawn().await;
    // A public client from a native app or a server: no Origin, no check.
    let public = app.create_client(spa(SPA_CALLBACK, &[])).await;
    let (code, verifier) = code_for(&app, &public, SPA_CALLBACK).await;
    expect_tokens(redeem_from(&app, None, &public, &code, SPA_CALLBACK, &verifier).await).await;

    // A confidential client without web origins behind a proxy that adds an Origin: its secret proves it.
    let server_side = app
        .create_client(ClientSpec::with_grants(&["client_credentials"]))
        .await;
    let answer = app
        .http
        .post(app.token_url())
        .basic_auth(&server_side.id, server_side.secret.as_deref())
        .header("origin", STRANGER)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("POST /token");
    assert_eq!(
        allow_origin(answer.headers()),
        None,
        "nothing a page may read"
    );
    expect_tokens(answer).await;

    // A confidential client given web origins is used from browsers: checked like a public one.
    let browser_side = app
        .create_client(ClientSpec {
            web_origins: vec![SPA.into()],
            ..ClientSpec::with_grants(&["client_credentials"])
        })
        .await;
    for (origin, ok) in [(SPA, true), (STRANGER, false)] {
        let answer = app
            .http
            .post(app.token_url())
            .basic_auth(&browser_side.id, browser_side.secret.as_deref())
            .header("origin", origin)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("POST /token");
        if ok {
            expect_tokens(answer).await;
        } else {
            expect_error(answer, 400, "unauthorized_client").await;
        }
    }
}

#[tokio::test]
async fn by_default_a_clients_web_origins_are_those_of_its_redirect_uris_and_the_admin_api_sets_them()
 {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let created = admin
        .post(
            "/admin/v1/clients",
            &json!({
                "client_id": "spa", "public": true,
                "grant_types": ["authorization_code", "refresh_token"],
                "redirect_uris": [SPA_CALLBACK, "https://spa.example.com/silent", "com.example.app:/cb",
                                  "http://127.0.0.1:5173/cb"],
            }),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: serde_json::Value = created.json().await.expect("JSON");
    assert_eq!(body["web_origins"], json!([]));
    assert_eq!(
        body["effective_web_origins"],
        json!([SPA, "http://127.0.0.1:5173"])
    );
    let allowed = |origin: &'static str| {
        let app = &app;
        async move { allow_origin(preflight(app, "/token", origin, "POST").await.headers()) }
    };
    assert_eq!(allowed(SPA).await.as_deref(), Some(SPA));
    assert_eq!(allowed(OTHER_SPA).await, None);

    // Set explicitly (normalized as browsers send it), the default no longer applies: at once on this server.
    let patched = admin
        .patch(
            "/admin/v1/clients/spa",
            &json!({ "web_origins": ["https://OTHER.example.com:443"] }),
            None,
        )
        .send()
        .await
        .expect("PATCH");
    assert_eq!(patched.status(), StatusCode::OK);
    let body: serde_json::Value = patched.json().await.expect("JSON");
    assert_eq!(body["web_origins"], json!([OTHER_SPA]));
    assert_eq!(allowed(OTHER_SPA).await.as_deref(), Some(OTHER_SPA));
    assert_eq!(allowed(SPA).await, None);
    let got: serde_json::Value = admin
        .get("/admin/v1/clients/spa")
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(got["effective_web_origins"], json!([OTHER_SPA]));

    // An empty list returns to the default.
    let reset = admin
        .patch("/admin/v1/clients/spa", &json!({ "web_origins": [] }), None)
        .send()
        .await
        .expect("PATCH");
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(allowed(SPA).await.as_deref(), Some(SPA));

    // Deleted, the client's origins go with it.
    let deleted = admin
        .request(Method::DELETE, "/admin/v1/clients/spa")
        .send()
        .await
        .expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(allowed(SPA).await, None);
}

#[tokio::test]
async fn the_admin_api_refuses_what_is_not_one_web_origin() {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let good = admin
        .post(
            "/admin/v1/clients",
            &json!({
                "client_id": "spa", "public": true, "grant_types": ["authorization_code"],
                "redirect_uris": [SPA_CALLBACK], "web_origins": ["http://[::1]:5173", "https://SPA.example.com:443"],
            }),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(good.status(), StatusCode::CREATED);
    let body: serde_json::Value = good.json().await.expect("JSON");
    assert_eq!(body["web_origins"], json!(["http://[::1]:5173", SPA]));
    for bad in [
        "*",
        "null",
        "https://*.example.com",
        "https://spa.example.com/",
        "https://spa.example.com/app",
        "https://spa.example.com?x",
        "https://user@spa.example.com",
        "http://spa.example.com",
        "spa.example.com",
        "com.example.app:",
    ] {
        let created = admin
            .post(
                "/admin/v1/clients",
                &json!({
                    "client_id": format!("spa-{}", crate::helpers::tag()), "public": true,
                    "grant_types": ["authorization_code"], "redirect_uris": [SPA_CALLBACK],
                    "web_origins": [bad],
                }),
            )
            .send()
            .await
            .expect("POST");
        let (problem, _) = expect_problem(created, 400).await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("origin")),
            "{bad}: {problem}"
        );
    }
    let client = app.create_client(spa(SPA_CALLBACK, &[])).await;
    let patched = admin
        .patch(
            &format!("/admin/v1/clients/{}", client.id),
            &json!({ "web_origins": ["https://spa.example.com/"] }),
            None,
        )
        .send()
        .await
        .expect("PATCH");
    expect_problem(patched, 400).await;
}

#[tokio::test]
async fn the_cli_sets_checks_and_resets_web_origins() {
    let cli = Cli::new().await;
    let create = |origin: &'static str| {
        let cli = &cli;
        async move {
            cli.run(&[
                "clients",
                "create",
                "--id",
                &format!("spa-{}", crate::helpers::tag()),
                "--public",
                "--grant",
                "authorization_code",
                "--redirect-uri",
                SPA_CALLBACK,
                "--web-origin",
                origin,
                "--json",
            ])
            .await
        }
    };
    for bad in [
        "*",
        "null",
        "https://spa.example.com/",
        "http://spa.example.com",
    ] {
        create(bad).await.assert_failed_saying(&["web origin"]);
    }
    create("https://OTHER.example.com:443")
        .await
        .assert_succeeded();
    let help = cli.run(&["clients", "create", "--help"]).await;
    assert!(
        help.stdout.contains("--web-origin") && help.stdout.contains("Default: the origins"),
        "{help:?}"
    );

    let id = format!("spa-{}", crate::helpers::tag());
    cli.run(&[
        "clients",
        "create",
        "--id",
        &id,
        "--public",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        SPA_CALLBACK,
        "--json",
    ])
    .await
    .assert_succeeded();
    let server = cli.server().await;
    assert_eq!(
        allow_origin(
            preflight(&server, "/token", OTHER_SPA, "POST")
                .await
                .headers()
        )
        .as_deref(),
        Some(OTHER_SPA),
        "the other client's origin"
    );
    let updated = cli
        .run(&[
            "clients",
            "update",
            &id,
            "--web-origin",
            "https://third.example.org",
            "--json",
        ])
        .await
        .json();
    assert_eq!(updated["web_origins"], json!(["https://third.example.org"]));
    cli.run(&[
        "clients",
        "update",
        &id,
        "--web-origin",
        "https://x.example.org/path",
    ])
    .await
    .assert_failed_saying(&["web origin", "path"]);
    // A change by another process reaches the server within its recheck bound (its clock moves past it).
    server.clock.advance(Duration::from_secs(
        latchkey::domain::web_origins::MISS_RECHECK_SECS.unsigned_abs(),
    ));
    assert_eq!(
        allow_origin(
            preflight(&server, "/token", "https://third.example.org", "POST")
                .await
                .headers()
        )
        .as_deref(),
        Some("https://third.example.org")
    );
    let reset = cli
        .run(&["clients", "update", &id, "--default-web-origins", "--json"])
        .await
        .json();
    assert_eq!(reset["web_origins"], json!([]));
    assert_eq!(reset["effective_web_origins"], json!([SPA]));
    cli.run(&["clients", "update", "no-such-client", "--web-origin", SPA])
        .await
        .assert_failed_saying(&["not found"]);
}

#[tokio::test]
async fn a_client_registered_on_another_replica_is_known_within_the_recheck_bound_and_a_removed_one_within_the_maximum_age()
 {
    let first = TestApp::spawn().await;
    let second = first.spawn_another().await;
    // The second replica has loaded its set (the origin is unknown there).
    assert_eq!(
        allow_origin(preflight(&second, "/token", SPA, "POST").await.headers()),
        None
    );
    let admin = first.admin_api(ADMIN).await;
    let created = admin
        .post(
            "/admin/v1/clients",
            &json!({ "client_id": "spa", "public": true, "grant_types": ["authorization_code"],
                     "redirect_uris": [SPA_CALLBACK] }),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), StatusCode::CREATED);
    let seconds = |s: i64| Duration::from_secs(s.unsigned_abs());
    first
        .clock
        .advance(seconds(latchkey::domain::web_origins::MISS_RECHECK_SECS));
    assert_eq!(
        allow_origin(preflight(&second, "/token", SPA, "POST").await.headers()).as_deref(),
        Some(SPA)
    );
    let patched = admin
        .patch(
            "/admin/v1/clients/spa",
            &json!({ "web_origins": [OTHER_SPA] }),
            None,
        )
        .send()
        .await
        .expect("PATCH");
    assert_eq!(patched.status(), StatusCode::OK);
    first
        .clock
        .advance(seconds(latchkey::domain::web_origins::MAX_AGE_SECS));
    assert_eq!(
        allow_origin(preflight(&second, "/token", SPA, "POST").await.headers()),
        None
    );
    assert_eq!(
        allow_origin(
            preflight(&second, "/token", OTHER_SPA, "POST")
                .await
                .headers()
        )
        .as_deref(),
        Some(OTHER_SPA)
    );
}
