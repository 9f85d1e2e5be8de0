//! An off-the-shelf client library talks to Latchkey: the `oauth2` crate for the password and refresh grants, and
//! the tokens it gets verify against the served JWKS.

use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, ClientSecret, RefreshToken, ResourceOwnerPassword, ResourceOwnerUsername, Scope,
    TokenResponse, TokenUrl,
};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_oauth2_crate_logs_in_and_refreshes_as_a_standard_client() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let oauth = BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret().to_owned()))
        .set_token_uri(TokenUrl::new(app.token_url()).expect("a token URL"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");

    let login = oauth
        .exchange_password(
            &ResourceOwnerUsername::new(user.email.clone()),
            &ResourceOwnerPassword::new(user.password.clone()),
        )
        .add_scope(Scope::new("read".into()))
        .request_async(&http)
        .await
        .expect("the password grant");

    let scopes: Vec<&str> = login
        .scopes()
        .expect("scope in the response")
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(scopes, ["read"]);
    assert_eq!(login.expires_in().map(|d| d.as_secs()), Some(15 * 60));
    let claims = app
        .verify_access_token(login.access_token().secret(), &client.id)
        .await;
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.scope, "read");

    let refresh_token = login
        .refresh_token()
        .expect("a refresh token")
        .secret()
        .clone();
    let refreshed = oauth
        .exchange_refresh_token(&RefreshToken::new(refresh_token.clone()))
        .request_async(&http)
        .await
        .expect("the refresh grant");

    assert_ne!(
        refreshed
            .refresh_token()
            .expect("a rotated refresh token")
            .secret(),
        &refresh_token
    );
    let claims = app
        .verify_access_token(refreshed.access_token().secret(), &client.id)
        .await;
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.client_id, client.id);

    // The spent token, replayed through the library, comes back as the standard invalid_grant error.
    let replay = oauth
        .exchange_refresh_token(&RefreshToken::new(refresh_token))
        .request_async(&http)
        .await;
    match replay {
        Err(oauth2::RequestTokenError::ServerResponse(error)) => {
            assert_eq!(
                error.error(),
                &oauth2::basic::BasicErrorResponseType::InvalidGrant
            );
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}
