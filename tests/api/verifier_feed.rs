//! `latchkey-verifier` polling the real server's revocation feed (`GET /revocations`): a token revoked at Latchkey,
//! by `jti`, by family (`sid`) or by user (a keyed hash of `sub`, to the millisecond), is refused by the verifier
//! within a poll interval plus the request; a verifier that can no longer read the feed fails closed after its
//! staleness bound.

use std::time::{Duration, Instant, SystemTime};

use latchkey_verifier::{Claims, Verifier, VerifyError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::helpers::eventually;
use crate::helpers::{ClientSpec, TestApp, TestClient};
use crate::revocation_precision::{logout_everywhere, mint_around, user_without_refresh};

/// Short, so the tests take a fraction of a second per revocation.
const POLL: Duration = Duration::from_millis(200);

/// How long a test waits for a revocation to reach the verifier: the guarantee is one `POLL` plus a request; the
/// rest is slack for a loaded machine.
const WITHIN: Duration = Duration::from_secs(3);

/// A resource server for `client`'s tokens, polling `app`'s feed (found at `{issuer}/revocations`).
async fn feed_verifier(app: &TestApp, client: &TestClient) -> Verifier {
    Verifier::builder()
        .issuer(app.issuer.clone())
        .audience(&client.id)
        .revocation_feed(POLL)
        .discover()
        .await
        .expect("a verifier polling the feed")
}

/// Waits until `verifier` refuses `token` as revoked.
async fn refused_within(verifier: &Verifier, token: &str, what: &str) {
    eventually(what, WITHIN, async || match verifier.verify(token).await {
        Ok(_) => None,
        Err(VerifyError::Revoked) => Some(()),
        Err(other) => panic!("{what}: refused for another reason: {other:?}"),
    })
    .await;
}

async fn verifies(verifier: &Verifier, token: &str) -> Claims {
    verifier
        .verify(token)
        .await
        .unwrap_or_else(|e| panic!("the token does not verify: {e:?}"))
}

async fn revoke(app: &TestApp, client: &TestClient, token: &str) {
    let response = app.post_as(client, "/revoke", &[("token", token)]).await;
    assert_eq!(response.status(), 200, "RFC 7009 §2.2: 200");
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_by_a_polling_verifier_within_the_poll_interval() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let tokens = app.login(&client, &user).await;
    let other = app.login(&client, &user).await;
    let verifier = feed_verifier(&app, &client).await;
    assert_eq!(verifies(&verifier, &tokens.access_token).await.sub, user.id);
    assert!(verifier.revocations_read_at().is_some());

    revoke(&app, &client, &tokens.access_token).await;

    refused_within(&verifier, &tokens.access_token, "the revoked jti").await;
    verifies(&verifier, &other.access_token).await;
}

#[tokio::test]
async fn a_verifier_built_after_a_revocation_refuses_the_token_from_its_first_verification() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let tokens = app.login(&client, &user).await;
    revoke(&app, &client, &tokens.access_token).await;

    let verifier = feed_verifier(&app, &client).await;

    assert!(matches!(
        verifier.verify(&tokens.access_token).await,
        Err(VerifyError::Revoked)
    ));
}

#[tokio::test]
async fn revoking_a_refresh_token_makes_the_verifier_refuse_the_access_tokens_of_its_family_by_sid()
{
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let first = app.login(&client, &user).await;
    let second = app.refresh(&client, first.refresh_token()).await;
    let elsewhere = app.login(&client, &user).await;
    let verifier = feed_verifier(&app, &client).await;
    let family = verifies(&verifier, &first.access_token)
        .await
        .sid()
        .map(str::to_owned);
    assert!(
        family.is_some(),
        "a token issued with a refresh token carries its family"
    );
    assert_eq!(
        verifies(&verifier, &second.access_token).await.sid(),
        family.as_deref()
    );

    revoke(&app, &client, second.refresh_token()).await;

    refused_within(&verifier, &second.access_token, "the family's latest token").await;
    // The family entry covers the token issued before the rotation too, and no other login of the user.
    refused_within(&verifier, &first.access_token, "the family's first token").await;
    verifies(&verifier, &elsewhere.access_token).await;
}

#[tokio::test]
async fn logging_out_everywhere_makes_the_verifier_refuse_older_tokens_of_the_user_by_sub_only() {
    let app = TestApp::spawn().await;
    let user = app.create_user(crate::helpers::UserSpec::default()).await;
    let bystander = app.create_user(crate::helpers::UserSpec::default()).await;
    // No refresh token, so no `sid`: only the user entry can refuse these tokens.
    let client = app
        .create_client(ClientSpec {
            scopes: vec!["read".into(), "latchkey:logout_everywhere".into()],
            ..ClientSpec::with_grants(&["password"])
        })
        .await;
    let older = app.login(&client, &user).await;
    let theirs = app.login(&client, &bystander).await;
    let verifier = feed_verifier(&app, &client).await;
    assert_eq!(verifies(&verifier, &older.access_token).await.sid(), None);

    let response = app
        .http
        .post(app.url("/account/logout-everywhere"))
        .bearer_auth(&older.access_token)
        .send()
        .await
        .expect("POST /account/logout-everywhere");
    assert_eq!(response.status(), 204);

    refused_within(&verifier, &older.access_token, "the user's older token").await;
    verifies(&verifier, &theirs.access_token).await;
    let newer = app.login(&client, &user).await;
    verifies(&verifier, &newer.access_token).await;
}

#[tokio::test]
async fn a_verifier_refuses_exactly_the_tokens_signed_before_a_user_revocation_even_in_its_second()
{
    let app = TestApp::spawn().await;
    let (user, client) = user_without_refresh(&app).await;
    let verifier = feed_verifier(&app, &client).await;
    let around = mint_around(&app, &client, &user, async || {
        logout_everywhere(&app, &user).await;
        user.clone()
    })
    .await;
    let last_before = around.before.last().expect("tokens before");
    refused_within(
        &verifier,
        last_before,
        "the last token before the revocation",
    )
    .await;

    let mut survivors = 0;
    for token in &around.before {
        survivors += usize::from(verifier.verify(token).await.is_ok());
    }
    let mut refused_after = 0;
    for token in &around.after {
        refused_after += usize::from(verifier.verify(token).await.is_err());
    }
    assert_eq!(
        (survivors, refused_after),
        (0, 0),
        "of {} tokens signed before the revocation {survivors} verify; of {} signed after it {refused_after} \
         are refused",
        around.before.len(),
        around.after.len(),
    );
}

#[tokio::test]
async fn a_verifier_that_cannot_reach_the_feed_fails_closed_after_ten_poll_intervals() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let tokens = app.login(&client, &user).await;
    let feed = EmptyFeed::start().await;
    let verifier = Verifier::builder()
        .issuer(app.issuer.clone())
        .audience(&client.id)
        .revocation_feed(POLL)
        .revocation_feed_uri(&feed.url)
        .discover()
        .await
        .expect("a verifier polling the stand-in feed");
    verifies(&verifier, &tokens.access_token).await;

    feed.close().await;
    let closed = Instant::now();

    // The last list is kept for a while: within the bound the token still verifies.
    verifies(&verifier, &tokens.access_token).await;
    let default_bound = POLL * latchkey_verifier::DEFAULT_STALENESS_INTERVALS;
    eventually(
        "failing closed",
        default_bound + WITHIN,
        async || match verifier.verify(&tokens.access_token).await {
            Ok(_) => None,
            Err(error @ VerifyError::RevocationsStale { .. }) => Some(error),
            Err(other) => panic!("refused for another reason: {other:?}"),
        },
    )
    .await;
    let last_read = verifier.revocations_read_at().expect("read once");
    let stale_for = SystemTime::now()
        .duration_since(last_read)
        .expect("read in the past");
    assert!(
        stale_for >= default_bound,
        "failed closed after {stale_for:?}, before the bound"
    );
    assert!(
        closed.elapsed() >= default_bound.checked_sub(POLL * 2).unwrap(),
        "failed closed {:?} after the feed went away",
        closed.elapsed()
    );
    let error = verifier.verify(&tokens.access_token).await.unwrap_err();
    assert!(error.is_retryable(), "a stale list is a 503, not a 401");
}

/// A feed on a port of its own that lists nothing, until [`close`](Self::close) makes the port refuse
/// connections.
struct EmptyFeed {
    url: String,
    task: JoinHandle<()>,
}

impl EmptyFeed {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the feed");
        let url = format!(
            "http://{}/revocations",
            listener.local_addr().expect("the feed's address")
        );
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut request = Vec::new();
                let mut buffer = [0; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let body = r#"{"cursor":0,"more":false,"revocations":[]}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        Self { url, task }
    }

    /// Stops listening: the listener is dropped with the task.
    async fn close(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
