//! The authorization code flow through the hosted sign-in page (RFC 6749 §4.1, RFC 7636, RFC 9207, RFC 9700 §2.1,
//! OIDC Core §3.1), from the client's redirect to tokens, and every way it must refuse.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde::Deserialize;

use crate::helpers::{
    AuthRequest, Browser, ClientSpec, REDIRECT_URI, Redirect, TestApp, UserSpec, expect_error,
    expect_tokens,
};
use crate::revocation::{introspect, resource_server};

/// Claims of an ID token (OIDC Core §2).
#[derive(Debug, Deserialize)]
struct IdClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    auth_time: i64,
    nonce: Option<String>,
    at_hash: String,
}

/// Verifies an ID token against the served JWKS: RS256, `typ: JWT`, issuer, audience.
async fn verify_id_token(app: &TestApp, token: &str, client_id: &str) -> IdClaims {
    let header = jsonwebtoken::decode_header(token).expect("the ID token is not a JWT");
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(
        header.typ.as_deref(),
        Some("JWT"),
        "an ID token is not typed at+jwt"
    );
    let jwks = app.jwks().await;
    let jwk = jwks
        .find(header.kid.as_deref().expect("a kid"))
        .expect("the ID token's key is published");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&app.issuer]);
    validation.set_audience(&[client_id]);
    jsonwebtoken::decode::<IdClaims>(
        token,
        &DecodingKey::from_jwk(jwk).expect("an RSA JWK"),
        &validation,
    )
    .expect("the ID token verifies")
    .claims
}

/// `at_hash` computed independently (OIDC Core §3.1.3.6).
fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    let digest = crate::helpers::sha256(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[tokio::test]
async fn rfc6749_4_1_a_user_signs_in_on_the_hosted_page_and_the_client_gets_tokens_with_pkce() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);

    let redirect = browser.sign_in(&app, &request, &user).await;

    // §4.1.2 and RFC 9207: back to the registered URI with the code, the state and the issuer.
    assert_eq!(redirect.target(), REDIRECT_URI);
    assert_eq!(redirect.param("state"), Some(request.state.as_str()));
    assert_eq!(redirect.param("iss"), Some(app.issuer.as_str()));
    let code = redirect.param("code").expect("a code");
    assert!(
        code.starts_with("lk_ac_") && code.len() >= 6 + 43,
        "a 256-bit code: {code}"
    );

    let tokens = expect_tokens(
        app.code_grant(&client, code, REDIRECT_URI, Some(&request.pkce.verifier))
            .await,
    )
    .await;
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.scope, "email openid profile read");
    let access = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(access.sub, user.id);
    assert_eq!(access.client_id, client.id);

    let id = verify_id_token(
        &app,
        tokens.id_token.as_deref().expect("an ID token"),
        &client.id,
    )
    .await;
    assert_eq!(id.iss, app.issuer);
    assert_eq!(id.sub, user.id);
    assert_eq!(id.aud, client.id);
    assert_eq!(id.nonce.as_deref(), Some(request.nonce.as_str()));
    assert_eq!(id.at_hash, at_hash(&tokens.access_token));
    let now = app.state.clock.now();
    assert!(id.iat <= now && id.exp > now && id.auth_time <= now && id.auth_time > now - 60);

    // The refresh token of a code flow refreshes like any other.
    let refreshed = app.refresh(&client, tokens.refresh_token()).await;
    assert_eq!(refreshed.scope, tokens.scope);
}

#[tokio::test]
async fn a_second_authorization_with_a_session_skips_the_form_single_sign_on() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let other = app.create_client(ClientSpec::web_app()).await;
    let browser = Browser::new(&app);
    let first = browser
        .sign_in(&app, &AuthRequest::new(&client), &user)
        .await;
    assert!(first.param("code").is_some());

    // Another client, same browser: no form, straight back with a code for the same user.
    let request = AuthRequest::new(&other);
    let response = browser.authorize(&app, &request).await;
    let redirect = Redirect::from(&response);
    let code = redirect
        .param("code")
        .expect("a code without signing in again");
    let tokens = expect_tokens(
        app.code_grant(&other, code, REDIRECT_URI, Some(&request.pkce.verifier))
            .await,
    )
    .await;
    let access = app
        .verify_access_token(&tokens.access_token, &other.id)
        .await;
    assert_eq!(access.sub, user.id);
}

#[tokio::test]
async fn oidc_prompt_login_and_an_exceeded_max_age_show_the_form_despite_a_session() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    browser
        .sign_in(&app, &AuthRequest::new(&client), &user)
        .await;

    let forced = AuthRequest::new(&client).with("prompt", Some("login"));
    assert_eq!(
        browser.authorize(&app, &forced).await.status(),
        StatusCode::OK
    );

    app.clock.advance(std::time::Duration::from_secs(120));
    let old_enough = AuthRequest::new(&client).with("max_age", Some("300"));
    assert_eq!(
        browser.authorize(&app, &old_enough).await.status(),
        StatusCode::SEE_OTHER,
        "a sign-in 2 minutes ago satisfies max_age=300"
    );
    let too_old = AuthRequest::new(&client).with("max_age", Some("60"));
    assert_eq!(
        browser.authorize(&app, &too_old).await.status(),
        StatusCode::OK
    );

    // Signing in again moves auth_time forward (the ID token says when the password was entered).
    let redirect = browser.sign_in(&app, &forced, &user).await;
    let tokens = expect_tokens(
        app.code_grant(
            &client,
            redirect.param("code").expect("a code"),
            REDIRECT_URI,
            Some(&forced.pkce.verifier),
        )
        .await,
    )
    .await;
    let id = verify_id_token(
        &app,
        tokens.id_token.as_deref().expect("an ID token"),
        &client.id,
    )
    .await;
    assert!(id.auth_time >= app.state.clock.now() - 5);
}

#[tokio::test]
async fn oidc_3_1_2_6_prompt_none_without_a_session_answers_login_required() {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let request = AuthRequest::new(&client).with("prompt", Some("none"));

    let response = Browser::new(&app).authorize(&app, &request).await;

    let redirect = Redirect::from(&response);
    assert_eq!(redirect.target(), REDIRECT_URI);
    assert_eq!(redirect.param("error"), Some("login_required"));
    assert_eq!(redirect.param("state"), Some(request.state.as_str()));
    assert_eq!(redirect.param("iss"), Some(app.issuer.as_str()));
    assert_eq!(redirect.param("code"), None);
}

#[tokio::test]
async fn rfc6749_4_1_2_1_an_unknown_client_or_a_redirect_uri_not_registered_exactly_never_redirects()
 {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let altered = [
        "https://app.example.com/callback?x=1",  // extra query
        "https://app.example.com/callback/",     // trailing slash
        "https://evil.example.com/callback",     // other host
        "https://APP.example.com/callback",      // case
        "https://user@app.example.com/callback", // userinfo
        "https://app.example.com/callback#frag", // fragment
        "http://app.example.com/callback",       // scheme
        "https://app.example.com:8443/callback", // port (not a loopback URI)
        "https://app.example.com/Callback",      // path case
    ];
    let mut requests: Vec<AuthRequest> = altered
        .iter()
        .map(|uri| AuthRequest::new(&client).with("redirect_uri", Some(uri)))
        .collect();
    requests.push(AuthRequest::new(&client).with("redirect_uri", None));
    requests.push(AuthRequest::new(&client).with("client_id", Some("no-such-client")));
    requests.push(AuthRequest::new(&client).with("client_id", None));

    for request in &requests {
        let response = browser.authorize(&app, request).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{}",
            request.query()
        );
        assert!(
            response.headers().get("location").is_none(),
            "{}",
            request.query()
        );
        let html = response.text().await.expect("an error page");
        assert!(html.contains("<h1>"), "an error page: {html}");
        assert!(!html.contains("evil.example.com"), "input is never echoed");
    }
}

#[tokio::test]
async fn rfc8252_7_3_a_loopback_redirect_uri_may_differ_only_in_its_port() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app
        .create_client(ClientSpec {
            public: true,
            grants: vec!["authorization_code".into()],
            redirect_uris: vec!["http://127.0.0.1/callback".into()],
            ..ClientSpec::default()
        })
        .await;
    let browser = Browser::new(&app);

    let request =
        AuthRequest::new(&client).with("redirect_uri", Some("http://127.0.0.1:49152/callback"));
    let redirect = browser.sign_in(&app, &request, &user).await;
    assert_eq!(redirect.target(), "http://127.0.0.1:49152/callback");
    let tokens = expect_tokens(
        app.code_grant(
            &client,
            redirect.param("code").expect("a code"),
            "http://127.0.0.1:49152/callback",
            Some(&request.pkce.verifier),
        )
        .await,
    )
    .await;
    assert!(
        tokens.refresh_token.is_none(),
        "the client has no refresh grant"
    );

    for uri in [
        "http://127.0.0.1:49152/other",
        "http://localhost:49152/callback",
    ] {
        let response = browser
            .authorize(
                &app,
                &AuthRequest::new(&client).with("redirect_uri", Some(uri)),
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
    }
}

#[tokio::test]
async fn rfc9700_2_1_1_pkce_is_required_and_only_s256_is_accepted() {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let cases = [
        AuthRequest::new(&client)
            .with("code_challenge", None)
            .with("code_challenge_method", None),
        AuthRequest::new(&client).with("code_challenge_method", Some("plain")),
        AuthRequest::new(&client).with("code_challenge_method", None),
        AuthRequest::new(&client).with("code_challenge", Some("too-short")),
    ];
    for request in &cases {
        let redirect = Redirect::from(&browser.authorize(&app, request).await);
        assert_eq!(
            redirect.param("error"),
            Some("invalid_request"),
            "{}",
            request.query()
        );
        assert_eq!(redirect.param("state"), Some(request.state.as_str()));
        assert_eq!(redirect.param("iss"), Some(app.issuer.as_str()));
    }
}

#[tokio::test]
async fn rfc6749_4_1_2_1_other_request_errors_go_back_to_the_client() {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let password_only = app
        .create_client(ClientSpec {
            redirect_uris: vec![REDIRECT_URI.into()],
            ..ClientSpec::with_grants(&["password"])
        })
        .await;
    let browser = Browser::new(&app);
    let cases = [
        (
            AuthRequest::new(&client).with("response_type", Some("token")),
            "unsupported_response_type",
        ),
        (
            AuthRequest::new(&client).with("response_type", None),
            "invalid_request",
        ),
        (
            AuthRequest::new(&client).with("scope", Some("openid admin")),
            "invalid_scope",
        ),
        (
            AuthRequest::new(&client).with("prompt", Some("none login")),
            "invalid_request",
        ),
        (
            AuthRequest::new(&client).with("max_age", Some("soon")),
            "invalid_request",
        ),
        (
            AuthRequest::new(&client).with("request", Some("eyJ...")),
            "request_not_supported",
        ),
        (AuthRequest::new(&password_only), "unauthorized_client"),
    ];
    for (request, error) in &cases {
        let redirect = Redirect::from(&browser.authorize(&app, request).await);
        assert_eq!(redirect.target(), REDIRECT_URI);
        assert_eq!(redirect.param("error"), Some(*error), "{}", request.query());
        assert_eq!(redirect.param("iss"), Some(app.issuer.as_str()));
    }
    // A repeated parameter (§3.1) is refused too; a repeated client_id can't be trusted to redirect.
    let repeated = format!("{}&scope=read", AuthRequest::new(&client).query());
    let response = browser
        .get(&format!("{}/authorize?{repeated}", app.address))
        .await;
    assert_eq!(
        Redirect::from(&response).param("error"),
        Some("invalid_request")
    );
    let repeated = format!("{}&client_id=x", AuthRequest::new(&client).query());
    let response = browser
        .get(&format!("{}/authorize?{repeated}", app.address))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn rfc6749_4_1_2_a_code_is_single_use_and_a_replay_revokes_what_it_issued() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let request = AuthRequest::new(&client);
    let redirect = Browser::new(&app).sign_in(&app, &request, &user).await;
    let code = redirect.param("code").expect("a code");
    let verifier = Some(request.pkce.verifier.as_str());

    let tokens = expect_tokens(app.code_grant(&client, code, REDIRECT_URI, verifier).await).await;
    let replay = app.code_grant(&client, code, REDIRECT_URI, verifier).await;
    expect_error(replay, 400, "invalid_grant").await;

    // The refresh token the first redemption issued is dead now.
    let refresh = app
        .refresh_grant(&client, tokens.refresh_token(), None)
        .await;
    expect_error(refresh, 400, "invalid_grant").await;
}

/// Issue 17 (conformance `oidcc-codereuse`): a client without the refresh_token grant has no family, and the
/// replay used to revoke nothing: the first redemption's access token stayed active. It is refused at once now.
#[tokio::test]
async fn rfc6749_4_1_2_a_replay_revokes_the_access_token_also_without_a_refresh_token() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app
        .create_client(ClientSpec {
            grants: vec!["authorization_code".into()],
            ..ClientSpec::web_app()
        })
        .await;
    let rs = resource_server(&app).await;
    let request = AuthRequest::new(&client).with("scope", Some("openid read"));
    let redirect = Browser::new(&app).sign_in(&app, &request, &user).await;
    let code = redirect.param("code").expect("a code");
    let verifier = Some(request.pkce.verifier.as_str());
    let tokens = expect_tokens(app.code_grant(&client, code, REDIRECT_URI, verifier).await).await;
    assert!(tokens.refresh_token.is_none());
    assert_eq!(
        introspect(&app, &rs, &tokens.access_token).await["active"],
        true
    );

    let replay = app.code_grant(&client, code, REDIRECT_URI, verifier).await;
    expect_error(replay, 400, "invalid_grant").await;

    assert_eq!(
        introspect(&app, &rs, &tokens.access_token).await["active"],
        false
    );
    let userinfo = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
}

/// Issue 17: only a replay that would otherwise have been a valid redemption (same client, redirect URI and PKCE
/// verifier) revokes. Someone who saw a used code (browser history, a log) but has no verifier, or sends another
/// redirect URI, gets `invalid_grant` and the user's login goes on.
#[tokio::test]
async fn rfc6749_4_1_2_an_invalid_replay_of_a_used_code_revokes_nothing() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let other = app.create_client(ClientSpec::web_app()).await;
    let rs = resource_server(&app).await;
    let request = AuthRequest::new(&client);
    let redirect = Browser::new(&app).sign_in(&app, &request, &user).await;
    let code = redirect.param("code").expect("a code");
    let verifier = request.pkce.verifier.as_str();
    let tokens = expect_tokens(
        app.code_grant(&client, code, REDIRECT_URI, Some(verifier))
            .await,
    )
    .await;

    let wrong_verifier = "x".repeat(43);
    let attempts = [
        app.code_grant(&client, code, REDIRECT_URI, None).await,
        app.code_grant(&client, code, REDIRECT_URI, Some(&wrong_verifier))
            .await,
        app.code_grant(
            &client,
            code,
            "https://app.example.com/other",
            Some(verifier),
        )
        .await,
        app.code_grant(&other, code, REDIRECT_URI, Some(verifier))
            .await,
    ];
    for attempt in attempts {
        expect_error(attempt, 400, "invalid_grant").await;
    }

    assert_eq!(
        introspect(&app, &rs, &tokens.access_token).await["active"],
        true
    );
    let refreshed = app.refresh(&client, tokens.refresh_token()).await;
    assert_eq!(
        introspect(&app, &rs, &refreshed.access_token).await["active"],
        true
    );

    // The genuine replay still revokes.
    let replay = app
        .code_grant(&client, code, REDIRECT_URI, Some(verifier))
        .await;
    expect_error(replay, 400, "invalid_grant").await;
    assert_eq!(
        introspect(&app, &rs, &refreshed.access_token).await["active"],
        false
    );
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_issue_tokens_once() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let request = AuthRequest::new(&client);
    let redirect = Browser::new(&app).sign_in(&app, &request, &user).await;
    let code = redirect.param("code").expect("a code").to_owned();

    let attempts = (0..8).map(|_| {
        let (app, client, code, verifier) =
            (&app, &client, code.clone(), request.pkce.verifier.clone());
        async move {
            app.code_grant(client, &code, REDIRECT_URI, Some(&verifier))
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let successes = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(successes, 1, "{statuses:?}");
}

#[tokio::test]
async fn rfc7636_4_6_a_wrong_or_missing_verifier_and_a_verifier_without_challenge_are_refused() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let redirect = browser.sign_in(&app, &request, &user).await;
    let code = redirect.param("code").expect("a code");

    let wrong = crate::helpers::Pkce::new().verifier;
    expect_error(
        app.code_grant(&client, code, REDIRECT_URI, Some(&wrong))
            .await,
        400,
        "invalid_grant",
    )
    .await;
    expect_error(
        app.code_grant(&client, code, REDIRECT_URI, None).await,
        400,
        "invalid_grant",
    )
    .await;
    // Failed attempts don't burn the code: the right verifier still works.
    expect_tokens(
        app.code_grant(&client, code, REDIRECT_URI, Some(&request.pkce.verifier))
            .await,
    )
    .await;

    // RFC 9700 §4.8.2: a client let off PKCE (it uses a nonce) must not send a verifier the request never had.
    let no_pkce = app
        .create_client(ClientSpec {
            allow_no_pkce: true,
            ..ClientSpec::web_app()
        })
        .await;
    let request = AuthRequest::new(&no_pkce)
        .with("code_challenge", None)
        .with("code_challenge_method", None);
    let redirect = Redirect::from(&browser.authorize(&app, &request).await);
    let code = redirect.param("code").expect("SSO: a code at once");
    expect_error(
        app.code_grant(&no_pkce, code, REDIRECT_URI, Some(&request.pkce.verifier))
            .await,
        400,
        "invalid_grant",
    )
    .await;
    expect_tokens(app.code_grant(&no_pkce, code, REDIRECT_URI, None).await).await;
    // Without PKCE, a nonce is required.
    let request = AuthRequest::new(&no_pkce)
        .with("code_challenge", None)
        .with("code_challenge_method", None)
        .with("nonce", None);
    let redirect = Redirect::from(&browser.authorize(&app, &request).await);
    assert_eq!(redirect.param("error"), Some("invalid_request"));
}

#[tokio::test]
async fn rfc6749_4_1_3_a_code_is_bound_to_its_client_and_redirect_uri_and_expires() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let other = app.create_client(ClientSpec::web_app()).await;
    let browser = Browser::new(&app);
    let request = AuthRequest::new(&client);
    let redirect = browser.sign_in(&app, &request, &user).await;
    let code = redirect.param("code").expect("a code");
    let verifier = Some(request.pkce.verifier.as_str());

    for (who, uri) in [
        (&other, REDIRECT_URI),
        (&client, "https://app.example.com/other"),
    ] {
        expect_error(
            app.code_grant(who, code, uri, verifier).await,
            400,
            "invalid_grant",
        )
        .await;
    }
    expect_error(
        app.code_grant(&client, "lk_ac_not-a-code", REDIRECT_URI, verifier)
            .await,
        400,
        "invalid_grant",
    )
    .await;

    // 60 s by default.
    let request = AuthRequest::new(&client);
    let redirect = Redirect::from(&browser.authorize(&app, &request).await);
    app.clock.advance(std::time::Duration::from_secs(61));
    expect_error(
        app.code_grant(
            &client,
            redirect.param("code").expect("a code"),
            REDIRECT_URI,
            Some(&request.pkce.verifier),
        )
        .await,
        400,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn a_code_issued_before_the_user_was_disabled_gets_nothing() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let request = AuthRequest::new(&client);
    let redirect = Browser::new(&app).sign_in(&app, &request, &user).await;

    app.disable_user(&user).await;

    expect_error(
        app.code_grant(
            &client,
            redirect.param("code").expect("a code"),
            REDIRECT_URI,
            Some(&request.pkce.verifier),
        )
        .await,
        400,
        "invalid_grant",
    )
    .await;
}

/// Issue 17 (conformance `oidcc-max-age-1`): OIDC Core §3.1.2.1 says `max_age=0` is equivalent to `prompt=login`.
/// It was accepted within the second of the sign-in (a whole-second compare); now it always shows the form, and
/// `max_age=n` is satisfied only by a sign-in fewer than `n` whole seconds ago on the clock.
#[tokio::test]
async fn oidc_3_1_2_1_max_age_zero_always_asks_for_the_password_again() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::new(&app);
    browser
        .sign_in(&app, &AuthRequest::new(&client), &user)
        .await;

    let zero = AuthRequest::new(&client).with("max_age", Some("0"));
    assert_eq!(
        browser.authorize(&app, &zero).await.status(),
        StatusCode::OK,
        "the sign-in form, even in the second of the sign-in"
    );
    let recent = AuthRequest::new(&client).with("max_age", Some("300"));
    assert_eq!(
        browser.authorize(&app, &recent).await.status(),
        StatusCode::SEE_OTHER,
        "a sign-in moments ago satisfies max_age=300"
    );
    let one = AuthRequest::new(&client).with("max_age", Some("1"));
    app.clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(
        browser.authorize(&app, &one).await.status(),
        StatusCode::OK,
        "a second later on the clock may be up to two seconds: over max_age=1"
    );
}
