//! How `/token` reads a request (RFC 6749 §3.2, §5.2, Appendix B): strict form parsing, exact error codes, and no
//! error that echoes input or turns into a 500.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{ClientSpec, TestApp, TestClient, TestUser, expect_error, expect_tokens};

const FORM: &str = "application/x-www-form-urlencoded";
const LIMIT: usize = 64 * 1024;

/// A url-encoded password-grant body with the client's credentials in it (`client_secret_post`).
fn password_body(user: &TestUser, client: &TestClient) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    serializer
        .append_pair("grant_type", "password")
        .append_pair("username", &user.email)
        .append_pair("password", &user.password)
        .append_pair("client_id", &client.id)
        .append_pair("client_secret", client.secret());
    serializer.finish()
}

#[tokio::test]
async fn rfc6749_5_2_an_unknown_grant_type_is_unsupported_grant_type() {
    let app = TestApp::spawn().await;
    let client = app.create_client(ClientSpec::default()).await;

    for grant in [
        "grant-type-marker",
        "urn:ietf:params:oauth:grant-type:device_code",
        "PASSWORD",
    ] {
        let response = app.post_token(&client, &[("grant_type", grant)]).await;
        let error = expect_error(response, 400, "unsupported_grant_type").await;
        error.assert_does_not_echo("grant-type-marker");
    }
}

#[tokio::test]
async fn rfc6749_4_3_2_a_missing_grant_type_is_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    let response = app
        .post_token(
            &client,
            &[("username", &user.email), ("password", &user.password)],
        )
        .await;

    expect_error(response, 400, "invalid_request").await;
}

#[tokio::test]
async fn rfc6749_5_2_a_grant_the_client_may_not_use_is_unauthorized_client() {
    let app = TestApp::spawn().await;
    let (user, _) = app.user_and_client().await;
    let refresh_only = app
        .create_client(ClientSpec::with_grants(&["refresh_token"]))
        .await;

    let response = app.password_grant(&refresh_only, &user).await;

    expect_error(response, 400, "unauthorized_client").await;
}

#[tokio::test]
async fn rfc6749_3_2_a_repeated_parameter_is_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let body = password_body(&user, &client);

    for extra in [
        "grant_type=password",
        "scope=read&scope=write",
        "username=someone-else",
        "client_id=x",
        "%67rant_type=password", // the same name, percent-encoded
        "repeated-marker=1&repeated-marker=2",
    ] {
        let response = app.post_token_raw(FORM, format!("{body}&{extra}")).await;
        let error = expect_error(response, 400, "invalid_request").await;
        error.assert_does_not_echo("repeated-marker");
        error.assert_does_not_echo("someone-else");
    }
    let response = app
        .post_token_raw(FORM, format!("{body}&grant_type=password"))
        .await;
    let error = expect_error(response, 400, "invalid_request").await;
    let description = error.description.expect("an error_description");
    assert!(
        description.contains("grant_type"),
        "a repeated parameter of ours may be named: {description}"
    );
}

#[tokio::test]
async fn rfc6749_3_2_parameters_in_the_query_string_are_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;

    for query in ["client_secret=query-marker", "grant_type=password", "x"] {
        let response = app
            .http
            .post(format!("{}?{query}", app.token_url()))
            .header("content-type", FORM)
            .body(password_body(&user, &client))
            .send()
            .await
            .expect("POST /token");
        let error = expect_error(response, 400, "invalid_request").await;
        error.assert_does_not_echo("query-marker");
    }
}

#[tokio::test]
async fn rfc6749_appendix_b_a_json_body_or_another_content_type_is_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let json = serde_json::json!({
        "grant_type": "password", "username": user.email, "password": user.password,
        "client_id": client.id, "client_secret": client.secret(),
    })
    .to_string();

    expect_error(
        app.post_token_raw("application/json", json).await,
        400,
        "invalid_request",
    )
    .await;
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded; charset=latin1",
    ] {
        let response = app
            .post_token_raw(content_type, password_body(&user, &client))
            .await;
        expect_error(response, 400, "invalid_request").await;
    }
    let no_content_type = app
        .http
        .post(app.token_url())
        .body(password_body(&user, &client))
        .send()
        .await
        .unwrap();
    expect_error(no_content_type, 400, "invalid_request").await;

    // The control: the same body as a form, with a UTF-8 charset, is accepted.
    let response = app
        .post_token_raw(
            "application/x-www-form-urlencoded; charset=UTF-8",
            password_body(&user, &client),
        )
        .await;
    expect_tokens(response).await;
}

#[tokio::test]
async fn rfc6749_appendix_b_bad_percent_encoding_and_invalid_utf8_are_invalid_request() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let body = password_body(&user, &client);

    for extra in [
        &b"scope=%zz"[..],
        b"scope=%4",
        b"scope=%",
        b"scope=%ff%fe",
        b"scope=\xff\xfe",
        b"%zz=1",
    ] {
        let mut bytes = body.clone().into_bytes();
        bytes.push(b'&');
        bytes.extend_from_slice(extra);
        let response = app.post_token_raw(FORM, bytes).await;
        expect_error(response, 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn rfc9110_15_5_6_methods_other_than_post_are_405() {
    let app = TestApp::spawn().await;

    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let response = app
            .http
            .request(method.clone(), app.token_url())
            .send()
            .await
            .expect("request /token");
        assert_eq!(response.status().as_u16(), 405, "{method}");
        let allow = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(allow.as_deref(), Some("POST"), "{method}");
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_before_it_is_parsed_and_64_kib_is_read() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let body = password_body(&user, &client);

    // Exactly at the limit, padded with a parameter nobody reads: accepted.
    let padding = LIMIT - body.len() - "&pad=".len();
    let at_limit = format!("{body}&pad={}", "a".repeat(padding));
    assert_eq!(at_limit.len(), LIMIT);
    expect_tokens(app.post_token_raw(FORM, at_limit.clone()).await).await;

    // One byte more is 413, even though the body would also fail to parse: size is checked first.
    let over = format!("%zz{at_limit}");
    let response = app.post_token_raw(FORM, over).await;
    expect_error(response, 413, "invalid_request").await;
}

#[tokio::test]
async fn a_chunked_body_over_64_kib_is_413_without_a_content_length() {
    let app = TestApp::spawn().await;

    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect");
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: {FORM}\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n",
        app.port
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    let chunk = "a".repeat(16 * 1024);
    for _ in 0..5 {
        // The server may answer and stop reading before the end: later writes may fail, the answer must not.
        if stream
            .write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
            .await
            .is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;

    let text = String::from_utf8_lossy(&response);
    assert!(
        text.starts_with("HTTP/1.1 413"),
        "expected 413, got: {}",
        text.lines().next().unwrap_or("")
    );
}

#[tokio::test]
async fn no_error_echoes_its_input_and_nothing_a_client_sends_is_a_500() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let marker = "echo-marker-7f3a";
    let bodies: Vec<Vec<u8>> = vec![
        format!("grant_type={marker}&client_id={}&client_secret={}", client.id, client.secret()).into(),
        format!("grant_type=password&username={marker}&password={marker}&client_id={}&client_secret={}", client.id, client.secret()).into(),
        format!("grant_type=password&username={}&password=x&scope={marker}&client_id={}&client_secret={}", user.email, client.id, client.secret()).into(),
        format!("grant_type=refresh_token&refresh_token={marker}&client_id={}&client_secret={}", client.id, client.secret()).into(),
        format!("grant_type=password&client_id={marker}&client_secret={marker}").into(),
        format!("grant_type=password&client_id={marker}").into(),
        format!("{marker}={marker}&{marker}={marker}").into(),
        format!("grant_type=password&username=%zz{marker}").into(),
        [format!("grant_type=password&username={marker}").as_bytes(), b"\xc3\x28"].concat(),
        format!("grant_type=password&username={marker}&password={}", "p".repeat(5000)).into(),
        format!("=&&&=={marker}&grant_type").into(),
        b"\x00\x01\x02".to_vec(),
        Vec::new(),
    ];

    for body in bodies {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(80)
            .collect::<String>();
        let response = app.post_token_raw(FORM, body).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert!(status.is_client_error(), "{status} for {shown}: {text}");
        assert!(
            !text.contains(marker),
            "the error echoes its input for {shown}: {text}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).expect("a JSON error");
        assert!(json["error"].is_string(), "{text}");
    }

    let response = app
        .http
        .post(app.token_url())
        .basic_auth(marker, Some(marker))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .expect("POST /token");
    expect_error(response, 401, "invalid_client")
        .await
        .assert_does_not_echo(marker);
}

/// Issue 17: a redirect URI with a line break, stored before registration refused control characters, made
/// `/authorize` and `/logout` answer 500 (actix refuses such a `Location`). It is never matched or followed now: the
/// user gets the "can't be used" page, never a 500 and never a redirect.
#[tokio::test]
async fn a_stored_redirect_uri_with_control_characters_is_never_a_500_or_a_redirect() {
    use latchkey::store::clients::ClientRow;
    use latchkey::store::types::{GrantType, GrantTypes, TokenEndpointAuthMethod};

    let app = TestApp::spawn().await;
    let bad = "https://app.example.com/cb\r\nSet-Cookie: x=y";
    let uris = serde_json::json!([bad]).to_string();
    app.state
        .store
        .insert_client(&ClientRow {
            id: latchkey::values::ids::ClientId::new("legacy"),
            secret_hash: None,
            grant_types: GrantTypes::new([GrantType::AuthorizationCode]),
            scopes: latchkey::values::scope::Scope::parse("openid").expect("a scope"),
            audiences: "[]".into(),
            created_at: 0,
            redirect_uris: uris.clone(),
            post_logout_redirect_uris: uris,
            token_endpoint_auth_method: TokenEndpointAuthMethod::None,
            require_pkce: true,
            can_introspect: false,
            version: 0,
            web_origins: "[]".into(),
            display: "{}".into(),
            first_party: true,
            mfa_policy: "{}".into(),
        })
        .await
        .expect("a row written as an older version would have");

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let authorize = http
        .get(app.url("/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "legacy"),
            ("redirect_uri", bad),
            ("scope", "openid"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("GET /authorize");
    assert_eq!(authorize.status(), reqwest::StatusCode::BAD_REQUEST);
    assert!(authorize.headers().get("location").is_none());

    let logout = http
        .get(app.url("/logout"))
        .query(&[("client_id", "legacy"), ("post_logout_redirect_uri", bad)])
        .send()
        .await
        .expect("GET /logout");
    assert!(
        logout.status().is_success(),
        "a page, not a 500: {}",
        logout.status()
    );
    assert!(logout.headers().get("location").is_none());
}
