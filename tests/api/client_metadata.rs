//! Client display metadata (RFC 7591 §2: `client_name`, `logo_uri`, `client_uri`, `policy_uri`, `tos_uri`) and the
//! first/third-party flag: set and cleared through the admin API, refused with RFC 7591 §3.2.2
//! `invalid_client_metadata` when malformed, and shown on the hosted pages by name, never by raw client id.

use latchkey::domain::clients::ClientDisplay;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    ADMIN, AuthRequest, Browser, ClientSpec, REDIRECT_URI, TestApp, expect_error, expect_problem,
    tag,
};

const CLIENTS: &str = "/admin/v1/clients";

fn acme() -> ClientDisplay {
    ClientDisplay {
        client_name: Some("Acme Dashboard".into()),
        logo_uri: Some("https://cdn.acme.example/logo.svg".into()),
        client_uri: Some("https://acme.example/".into()),
        policy_uri: Some("https://acme.example/privacy".into()),
        tos_uri: Some("https://acme.example/terms".into()),
    }
}

#[tokio::test]
async fn display_metadata_is_set_shown_and_cleared_with_null_through_the_admin_api() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let id = format!("web-{}", tag());
    let (created, _) = api
        .expect(
            api.post(
                CLIENTS,
                &json!({ "client_id": id, "grant_types": ["authorization_code"],
                         "redirect_uris": [REDIRECT_URI], "client_name": "Acme Dashboard",
                         "logo_uri": "https://cdn.acme.example/logo.svg", "client_uri": "https://acme.example/",
                         "policy_uri": "https://acme.example/privacy", "tos_uri": "https://acme.example/terms" }),
            ),
            201,
        )
        .await;
    assert_eq!(created["client_name"], "Acme Dashboard");
    assert_eq!(created["logo_uri"], "https://cdn.acme.example/logo.svg");
    assert_eq!(
        created["first_party"], true,
        "operators' clients are first-party by default"
    );
    let path = format!("{CLIENTS}/{id}");
    // RFC 7396: null removes a member; absent members stay.
    let (patched, _) = api
        .expect(
            api.patch(
                &path,
                &json!({ "logo_uri": null, "client_name": "Acme", "first_party": false }),
                None,
            ),
            200,
        )
        .await;
    assert_eq!(patched["client_name"], "Acme");
    assert!(patched["logo_uri"].is_null(), "{patched}");
    assert_eq!(patched["tos_uri"], "https://acme.example/terms");
    assert_eq!(patched["first_party"], false);
    let (shown, _) = api.expect(api.get(&path), 200).await;
    assert_eq!(shown, patched);
}

#[tokio::test]
async fn malformed_display_metadata_is_refused_as_invalid_client_metadata_rfc_7591_3_2_2() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let bad = [
        json!({ "client_name": "" }),
        json!({ "client_name": "x".repeat(101) }),
        json!({ "client_name": "Acme\u{0007}" }),
        json!({ "client_name": "Acme \u{202E}draob" }),
        json!({ "logo_uri": "http://cdn.acme.example/logo.png" }),
        json!({ "logo_uri": "data:image/png;base64,AAAA" }),
        json!({ "client_uri": "javascript:alert(1)" }),
        json!({ "client_uri": "http://acme.example/" }),
        json!({ "policy_uri": "/privacy" }),
        json!({ "tos_uri": format!("https://acme.example/{}", "t".repeat(2048)) }),
        json!({ "tos_uri": "https://user:secret@acme.example/terms" }),
        // RFC 9700 §2.4: a third party never gets users' passwords.
        json!({ "first_party": false, "grant_types": ["password"] }),
    ];
    for fields in bad {
        let mut body = json!({ "client_id": format!("web-{}", tag()),
                               "grant_types": ["authorization_code"], "redirect_uris": [REDIRECT_URI] });
        for (k, v) in fields.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = api.post(CLIENTS, &body).send().await.unwrap();
        let (problem, _) = expect_problem(response, 400).await;
        assert_eq!(problem["error"], "invalid_client_metadata", "{fields}");
        assert!(problem["detail"].is_string(), "{problem}");
    }
    // A loopback http home page is fine for development (RFC 8252 §7.3 style).
    let body = json!({ "client_id": format!("dev-{}", tag()), "grant_types": ["authorization_code"],
                       "redirect_uris": [REDIRECT_URI], "client_uri": "http://127.0.0.1:3000/" });
    api.expect(api.post(CLIENTS, &body), 201).await;
    // A change is checked as a creation is; the client stays as it was.
    let (created, _) = api
        .expect(
            api.post(
                CLIENTS,
                &json!({ "client_id": format!("svc-{}", tag()), "grant_types": ["password"] }),
            ),
            201,
        )
        .await;
    let path = format!("{CLIENTS}/{}", created["client_id"].as_str().unwrap());
    let response = api
        .patch(&path, &json!({ "first_party": false }), None)
        .send()
        .await
        .unwrap();
    let (problem, _) = expect_problem(response, 400).await;
    assert_eq!(problem["error"], "invalid_client_metadata");
    let (shown, _) = api.expect(api.get(&path), 200).await;
    assert_eq!(shown["first_party"], true);
}

#[tokio::test]
async fn the_sign_in_page_names_the_app_with_its_logo_and_links_never_its_raw_id() {
    let app = TestApp::spawn().await;
    let client = app
        .create_client(ClientSpec {
            display: acme(),
            ..ClientSpec::web_app()
        })
        .await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&app, &AuthRequest::new(&client)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("to continue to <strong>Acme Dashboard</strong>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<img class="app-logo" src="https://cdn.acme.example/logo.svg" alt="""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="https://acme.example/">Back to Acme Dashboard</a>"#),
        "{html}"
    );
    assert!(html.contains(r#"<a href="https://acme.example/privacy">"#));
    assert!(html.contains(r#"<a href="https://acme.example/terms">"#));
    // The id travels in a hidden field, never as text the user reads.
    assert!(!html.contains(&format!("<strong>{}</strong>", client.id)));
    // The logo loads under the pages' CSP: https images only, nothing else from elsewhere.
    assert!(csp.contains("img-src 'self' https:"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");

    // Without a name, the id is all there is to show.
    let plain = app.create_client(ClientSpec::web_app()).await;
    let html = browser
        .authorize(&app, &AuthRequest::new(&plain))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("<strong>{}</strong>", plain.id)));
    assert!(!html.contains("class=\"app-links\""));
}

#[tokio::test]
async fn a_hostile_client_name_is_escaped_on_the_page() {
    let app = TestApp::spawn().await;
    let name = r#"<script>alert("x")</script> & "Acme""#;
    let client = app
        .create_client(ClientSpec {
            display: ClientDisplay {
                client_name: Some(name.into()),
                client_uri: Some("https://acme.example/?a=1&b=\"2\"".into()),
                ..ClientDisplay::default()
            },
            ..ClientSpec::web_app()
        })
        .await;
    let html = Browser::new(&app)
        .authorize(&app, &AuthRequest::new(&client))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
    assert!(!html.contains(r#"b="2""#), "{html}");
}

#[tokio::test]
async fn an_unregistered_redirect_uri_error_page_names_the_known_app_but_never_redirects() {
    let app = TestApp::spawn().await;
    let client = app
        .create_client(ClientSpec {
            display: acme(),
            ..ClientSpec::web_app()
        })
        .await;
    let request =
        AuthRequest::new(&client).with("redirect_uri", Some("https://evil.example/steal"));
    let response = Browser::new(&app).authorize(&app, &request).await;
    // RFC 6749 §4.1.2.1: no redirect to an unregistered URI.
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains("Back to Acme Dashboard"), "{html}");
    assert!(!html.contains("evil.example"), "{html}");
}

#[tokio::test]
async fn the_password_grant_is_refused_to_a_client_stored_as_third_party_rfc_9700_2_4() {
    use latchkey::store::clients::ClientRow;
    use latchkey::store::types::{GrantType, GrantTypes, TokenEndpointAuthMethod};
    use latchkey::values::secret::PlainToken;

    let app = TestApp::spawn().await;
    let user = app.create_user(crate::helpers::UserSpec::default()).await;
    // As a row edited by hand (registration refuses the combination): `Client::allows` still says no.
    let secret = PlainToken::generate("lk_cs_");
    let id = format!("legacy-{}", tag());
    app.state
        .store
        .insert_client(&ClientRow {
            id: latchkey::values::ids::ClientId::new(id.clone()),
            secret_hash: Some(secret.hash()),
            grant_types: GrantTypes::new([GrantType::Password]),
            scopes: latchkey::values::scope::Scope::parse("read").unwrap(),
            audiences: "[]".into(),
            created_at: 0,
            redirect_uris: "[]".into(),
            post_logout_redirect_uris: "[]".into(),
            token_endpoint_auth_method: TokenEndpointAuthMethod::ClientSecretBasic,
            require_pkce: true,
            can_introspect: false,
            version: 0,
            web_origins: "[]".into(),
            display: "{}".into(),
            first_party: false,
            mfa_policy: "{}".into(),
        })
        .await
        .unwrap();
    let client = crate::helpers::TestClient {
        id,
        secret: Some(secret.expose().to_owned()),
    };
    expect_error(
        app.password_grant(&client, &user).await,
        400,
        "unauthorized_client",
    )
    .await;
}

#[tokio::test]
async fn the_cli_sets_shows_and_clears_display_metadata_and_marks_third_parties() {
    let cli = crate::helpers::Cli::new().await;
    let create = |extra: &'static [&'static str]| {
        let mut args = vec![
            "clients",
            "create",
            "--id",
            "acme",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            REDIRECT_URI,
        ];
        args.extend_from_slice(extra);
        args
    };
    cli.run(&create(&["--name", "", "--json"]))
        .await
        .assert_failed_saying(&["client_name"]);
    cli.run(&create(&["--logo-uri", "http://acme.example/logo.png"]))
        .await
        .assert_failed_saying(&["logo_uri", "https"]);
    cli.run(&create(&[
        "--name",
        "Acme Dashboard",
        "--logo-uri",
        "https://cdn.acme.example/logo.svg",
        "--tos-uri",
        "https://acme.example/terms",
        "--third-party",
    ]))
    .await
    .assert_succeeded();
    let shown = cli.run(&["clients", "show", "acme", "--json"]).await.json();
    assert_eq!(shown["client_name"], "Acme Dashboard");
    assert_eq!(shown["tos_uri"], "https://acme.example/terms");
    assert_eq!(shown["first_party"], false);
    let text = cli.run(&["clients", "list"]).await;
    text.assert_succeeded();
    assert!(text.stdout.contains("third-party"), "{}", text.stdout);
    assert!(text.stdout.contains("Acme Dashboard"), "{}", text.stdout);
    // An empty value clears a field; --first-party undoes --third-party.
    cli.run(&[
        "clients",
        "update",
        "acme",
        "--logo-uri",
        "",
        "--first-party",
    ])
    .await
    .assert_succeeded();
    let shown = cli.run(&["clients", "show", "acme", "--json"]).await.json();
    assert!(shown["logo_uri"].is_null(), "{shown}");
    assert_eq!(shown["client_name"], "Acme Dashboard");
    assert_eq!(shown["first_party"], true);
}
