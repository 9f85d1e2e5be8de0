//! `OpenID` Connect on top of the code flow: `/userinfo` (OIDC Core §5.3, RFC 6750) and discovery that a standard
//! client can run on (OIDC Discovery §3, RFC 8414, RFC 9207).

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    AuthRequest, Browser, ClientSpec, REDIRECT_URI, Redirect, TestApp, TestClient, TestUser,
    Tokens, UserSpec,
};

/// The tokens of a code flow for `user` asking for `scope`.
async fn code_flow_tokens(
    app: &TestApp,
    user: &TestUser,
    client: &TestClient,
    scope: &str,
) -> Tokens {
    let request = AuthRequest::new(client).with("scope", Some(scope));
    app.code_flow(user, client, &request).await.1
}

async fn userinfo(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .get(app.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /userinfo")
}

#[tokio::test]
async fn oidc_5_3_userinfo_returns_the_claims_the_scope_allows() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;

    let full = code_flow_tokens(&app, &user, &client, "openid email profile").await;
    let response = userinfo(&app, &full.access_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let claims: Value = response.json().await.expect("JSON");
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["email"], user.email.as_str());
    assert_eq!(claims["email_verified"], false);
    assert_eq!(
        claims["preferred_username"],
        user.username.as_deref().expect("a username")
    );

    // POST with the token in the body (RFC 6750 §2.2) answers the same.
    let response = app
        .http
        .post(app.url("/userinfo"))
        .form(&[("access_token", full.access_token.as_str())])
        .send()
        .await
        .expect("POST /userinfo");
    assert_eq!(response.status(), StatusCode::OK);

    let narrow = code_flow_tokens(&app, &user, &client, "openid").await;
    let claims: Value = userinfo(&app, &narrow.access_token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(claims["sub"], user.id.as_str());
    assert!(
        claims.get("email").is_none() && claims.get("preferred_username").is_none(),
        "{claims}"
    );
}

/// The payload of a JWT, unverified (the signature is checked elsewhere).
pub(crate) fn jwt_payload(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Issue 17, OIDC Core §5.4: the ID token carries the claims the granted `profile` and `email` scopes release
/// (apps read `email` and `preferred_username` from it, as with Keycloak and Auth0), the same as `/userinfo`, and
/// none of them without those scopes.
#[tokio::test]
async fn oidc_5_4_the_id_token_carries_the_claims_of_the_granted_scopes_only() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;

    let email_only = code_flow_tokens(&app, &user, &client, "openid email").await;
    let claims = jwt_payload(email_only.id_token.as_deref().expect("an ID token"));
    assert_eq!(claims["email"], user.email.as_str());
    assert_eq!(claims["email_verified"], false);
    assert!(claims.get("preferred_username").is_none(), "{claims}");
    let info: Value = userinfo(&app, &email_only.access_token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(info["email"], claims["email"]);

    let profile_only = code_flow_tokens(&app, &user, &client, "openid profile").await;
    let claims = jwt_payload(profile_only.id_token.as_deref().expect("an ID token"));
    assert_eq!(
        claims["preferred_username"],
        user.username.as_deref().expect("a username")
    );
    assert!(claims.get("email").is_none(), "{claims}");

    let bare = code_flow_tokens(&app, &user, &client, "openid").await;
    let claims = jwt_payload(bare.id_token.as_deref().expect("an ID token"));
    for absent in ["email", "email_verified", "preferred_username"] {
        assert!(claims.get(absent).is_none(), "{absent} in {claims}");
    }
}

#[tokio::test]
async fn rfc6750_3_userinfo_refuses_missing_invalid_and_insufficient_tokens() {
    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let tokens = code_flow_tokens(&app, &user, &client, "openid read").await;

    let missing = app
        .http
        .get(app.url("/userinfo"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let challenge =
        crate::helpers::header(missing.headers(), "www-authenticate").expect("a challenge");
    assert!(
        challenge.starts_with("Bearer") && !challenge.contains("error="),
        "{challenge}"
    );

    let id_token = tokens.id_token.clone().expect("an ID token");
    let tampered = format!("{}x", tokens.access_token);
    for bad in [tampered.as_str(), "not-a-jwt", id_token.as_str()] {
        let response = userinfo(&app, bad).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        let challenge =
            crate::helpers::header(response.headers(), "www-authenticate").unwrap_or_default();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }

    // A token without `openid` (a password grant) is not for this endpoint.
    let other = app.create_client(ClientSpec::default()).await;
    let plain = app.login(&other, &user).await;
    let response = userinfo(&app, &plain.access_token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let challenge =
        crate::helpers::header(response.headers(), "www-authenticate").unwrap_or_default();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");

    // Expired (the server's clock moves past exp), and a disabled user's token.
    app.clock.advance(std::time::Duration::from_secs(16 * 60));
    assert_eq!(
        userinfo(&app, &tokens.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = code_flow_tokens(&app, &user, &client, "openid").await;
    app.disable_user(&user).await;
    assert_eq!(
        userinfo(&app, &fresh.access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn oidc_discovery_3_the_metadata_is_openid_complete() {
    let app = TestApp::spawn().await;
    let metadata: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .expect("JSON metadata");

    let issuer = app.issuer.as_str();
    assert_eq!(
        metadata["authorization_endpoint"],
        format!("{issuer}/authorize")
    );
    assert_eq!(metadata["userinfo_endpoint"], format!("{issuer}/userinfo"));
    assert_eq!(
        metadata["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        metadata["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(
        metadata["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    let grants = metadata["grant_types_supported"]
        .as_array()
        .expect("grants");
    assert!(grants.contains(&Value::from("authorization_code")));
    let scopes = metadata["scopes_supported"].as_array().expect("scopes");
    for scope in ["openid", "profile", "email"] {
        assert!(scopes.contains(&Value::from(scope)), "{scope}");
    }
    let claims = metadata["claims_supported"].as_array().expect("claims");
    for claim in [
        "sub",
        "iss",
        "auth_time",
        "nonce",
        "email",
        "preferred_username",
    ] {
        assert!(claims.contains(&Value::from(claim)), "{claim}");
    }
}

#[tokio::test]
async fn the_oauth2_crate_runs_the_code_flow_with_pkce_as_a_standard_client() {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
        RedirectUrl, Scope, TokenResponse, TokenUrl,
    };

    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let oauth = BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret().to_owned()))
        .set_auth_uri(AuthUrl::new(app.url("/authorize")).expect("auth URL"))
        .set_token_uri(TokenUrl::new(app.token_url()).expect("token URL"))
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).expect("redirect URL"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = oauth
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("read".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = Browser::new(&app);
    let page = browser.get(url.as_str()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the sign-in page");
    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    let redirect = crate::helpers::Redirect::from(&response);
    assert_eq!(redirect.param("state"), Some(csrf.secret().as_str()));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let tokens = oauth
        .exchange_code(AuthorizationCode::new(
            redirect.param("code").expect("a code").to_owned(),
        ))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code exchange");
    let claims = app
        .verify_access_token(tokens.access_token().secret(), &client.id)
        .await;
    assert_eq!(claims.sub, user.id);
    assert!(tokens.refresh_token().is_some());
}

#[tokio::test]
async fn the_openidconnect_crate_signs_in_from_discovery_alone_and_verifies_the_id_token() {
    use openidconnect::core::{
        CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
    };
    use openidconnect::{
        AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
        OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
    };

    let app = TestApp::spawn().await;
    let user = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    // The library's own rule: an OIDC HTTP client must not follow redirects.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");

    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(app.issuer.clone()).expect("issuer URL"),
        &http,
    )
    .await
    .expect("discovery (metadata and JWKS)");
    let oidc = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.id.clone()),
        Some(ClientSecret::new(client.secret().to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).expect("redirect URL"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = oidc
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = Browser::new(&app);
    let page = browser.get(url.as_str()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("the sign-in page");
    let response = browser
        .submit_sign_in(&app, &html, &user.email, &user.password)
        .await;
    let redirect = crate::helpers::Redirect::from(&response);
    assert_eq!(redirect.param("state"), Some(csrf.secret().as_str()));

    let tokens = oidc
        .exchange_code(AuthorizationCode::new(
            redirect.param("code").expect("a code").to_owned(),
        ))
        .expect("a token endpoint from discovery")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code exchange");
    let id_token = tokens.id_token().expect("an ID token");
    let id_verifier = oidc.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("the ID token verifies: signature, iss, aud, azp, exp, nonce");
    assert_eq!(claims.subject().as_str(), user.id);
    let expected = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().expect("alg"),
        id_token.signing_key(&id_verifier).expect("the signing key"),
    )
    .expect("at_hash");
    assert_eq!(claims.access_token_hash(), Some(&expected));
    // Issue 17: the claims of the granted profile and email scopes are in the ID token too, as at /userinfo.
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some(user.email.as_str())
    );
    assert_eq!(claims.email_verified(), Some(false));
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        user.username.as_deref()
    );

    let info: CoreUserInfoClaims = oidc
        .user_info(
            tokens.access_token().to_owned(),
            Some(claims.subject().clone()),
        )
        .expect("a userinfo endpoint from discovery")
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some(user.email.as_str()));
    assert_eq!(
        info.preferred_username().map(|u| u.as_str()),
        user.username.as_deref()
    );
}

/// Issue 17, OIDC Core §3.1.2.1: `id_token_hint` and `login_hint` name whom the client expects. A session of
/// another user does not answer such a request: `prompt=none` gets `login_required` (never a code for someone
/// else), an interactive request the sign-in form (prefilled with the `login_hint`). A session of the hinted user
/// answers at once; a hint that is not an ID token this server gave the client is `invalid_request`.
#[tokio::test]
async fn oidc_3_1_2_1_a_session_of_another_user_than_the_hints_name_does_not_answer() {
    let app = TestApp::spawn().await;
    let ada = app.create_user(UserSpec::default()).await;
    let bob = app.create_user(UserSpec::default()).await;
    let client = app.create_client(ClientSpec::web_app()).await;
    let (ada_browser, ada_tokens) = app
        .code_flow(&ada, &client, &AuthRequest::new(&client))
        .await;
    let (_, bob_tokens) = app
        .code_flow(&bob, &client, &AuthRequest::new(&client))
        .await;
    let ada_hint = ada_tokens.id_token.as_deref().expect("an ID token");
    let bob_hint = bob_tokens.id_token.as_deref().expect("an ID token");
    let silent = |hint: (&str, &str)| {
        AuthRequest::new(&client)
            .with("prompt", Some("none"))
            .with(hint.0, Some(hint.1))
    };

    // Ada's session, Bob named: no code, whichever hint names him.
    for hint in [
        ("id_token_hint", bob_hint),
        ("login_hint", bob.email.as_str()),
    ] {
        let redirect = Redirect::from(&ada_browser.authorize(&app, &silent(hint)).await);
        assert_eq!(redirect.param("error"), Some("login_required"), "{hint:?}");
        assert_eq!(redirect.param("code"), None);
    }
    // Interactive: the sign-in form, for Bob.
    let request = AuthRequest::new(&client).with("login_hint", Some(&bob.email));
    let page = ada_browser.authorize(&app, &request).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{}\"", bob.email)), "{html}");

    // Ada named, by ID token or by login (email in any case, or username): a code at once.
    let ada_login = ada.email.to_uppercase();
    let ada_username = ada.username.clone().expect("a username");
    for hint in [
        ("id_token_hint", ada_hint),
        ("login_hint", ada_login.as_str()),
        ("login_hint", ada_username.as_str()),
    ] {
        let redirect = Redirect::from(&ada_browser.authorize(&app, &silent(hint)).await);
        assert!(
            redirect.param("code").is_some(),
            "{hint:?}: {:?}",
            redirect.param("error")
        );
    }

    // Not an ID token of this server for this client: an access token, garbage, another client's ID token.
    let other = app.create_client(ClientSpec::web_app()).await;
    let (_, other_tokens) = app.code_flow(&ada, &other, &AuthRequest::new(&other)).await;
    for bad in [
        ada_tokens.access_token.as_str(),
        "not.a.jwt",
        other_tokens.id_token.as_deref().unwrap(),
    ] {
        let redirect = Redirect::from(
            &ada_browser
                .authorize(&app, &silent(("id_token_hint", bad)))
                .await,
        );
        assert_eq!(redirect.param("error"), Some("invalid_request"));
    }
}
