//! `/admin/v1/users`: creation, paging stable under inserts, conditional changes (RFC 9110 §13.1.1), disabling
//! and logging out everywhere, and the audit trail they leave.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{ADMIN, Cli, ClientSpec, TestApp, expect_error, expect_problem, tag};

const USERS: &str = "/admin/v1/users";

fn email() -> String {
    format!("user-{}@example.org", tag())
}

#[tokio::test]
async fn a_created_user_can_sign_in_and_is_shown_with_its_etag_and_location() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let address = email();
    let response = api
        .post(
            USERS,
            &json!({ "email": address.to_uppercase(), "username": "ada", "password": "correct horse battery staple",
                     "roles": ["billing:admin"], "tenant": "acme" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = crate::helpers::header(response.headers(), "location").expect("Location");
    let etag = crate::helpers::header(response.headers(), "etag").expect("ETag");
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["email"], address, "emails are lowercased");
    assert_eq!(created["roles"], json!(["billing:admin"]));
    assert!(created.get("password").is_none() && created.get("password_hash").is_none());
    assert_eq!(
        location,
        format!("{USERS}/{}", created["id"].as_str().unwrap())
    );

    let (shown, shown_tag) = api.expect(api.get(&location), 200).await;
    assert_eq!(shown, created);
    assert_eq!(shown_tag.as_deref(), Some(etag.as_str()));

    let client = app.create_client(ClientSpec::default()).await;
    let tokens = crate::helpers::expect_tokens(
        app.post_token(
            &client,
            &[
                ("grant_type", "password"),
                ("username", "ada"),
                ("password", "correct horse battery staple"),
            ],
        )
        .await,
    )
    .await;
    let claims = app
        .verify_access_token(&tokens.access_token, &client.id)
        .await;
    assert_eq!(claims.tenant.as_deref(), Some("acme"));
}

#[tokio::test]
async fn bad_users_are_refused_with_problems_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let taken = email();
    api.create_user(&taken).await;
    for (body, status) in [
        (
            json!({ "email": "not-an-email", "password": "correct horse battery" }),
            400,
        ),
        (json!({ "email": email(), "password": "short" }), 400),
        (json!({ "email": email(), "password": "password123" }), 400),
        (
            json!({ "email": email(), "password": "correct horse battery", "roles": ["a b"] }),
            400,
        ),
        (
            json!({ "email": email(), "password": "correct horse battery", "admin": true }),
            400,
        ),
        (json!({ "email": email() }), 400),
        (
            json!({ "email": taken, "password": "correct horse battery" }),
            409,
        ),
    ] {
        let (problem, _) =
            expect_problem(api.post(USERS, &body).send().await.unwrap(), status).await;
        assert!(problem["detail"].is_string(), "{body}: {problem}");
    }
    let not_json = api
        .request(reqwest::Method::POST, USERS)
        .header("content-type", "text/plain")
        .body("email=x")
        .send()
        .await
        .unwrap();
    expect_problem(not_json, 415).await;
    let broken = api
        .request(reqwest::Method::POST, USERS)
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    expect_problem(broken, 400).await;
    expect_problem(
        api.get(&format!("{USERS}/no-such-user"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert_eq!(api.walk(USERS, 50).await.len(), 1);
}

#[tokio::test]
async fn paging_never_repeats_or_skips_a_user_when_others_are_created_meanwhile() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let mut before = HashSet::new();
    for _ in 0..7 {
        before.insert(
            api.create_user(&email()).await.0["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{USERS}?limit=3&cursor={c}"),
            None => format!("{USERS}?limit=3"),
        };
        let response = api.get(&url).send().await.unwrap();
        let link = crate::helpers::header(response.headers(), "link");
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        // A user created between two pages: it sorts after everyone who existed (ids are UUIDv7).
        api.create_user(&email()).await;
        if let Some(next) = page["next_cursor"].as_str() {
            assert_eq!(
                link.as_deref(),
                Some(format!("<{USERS}?limit=3&cursor={next}>; rel=\"next\"").as_str()),
                "RFC 8288"
            );
            cursor = Some(next.to_owned());
        } else {
            assert!(link.is_none());
            break;
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no user is listed twice");
    assert!(
        before.is_subset(&unique),
        "every user that existed is listed"
    );

    for bad in ["?limit=0", "?limit=201", "?limit=x", "?cursor=", "?other=1"] {
        expect_problem(api.get(&format!("{USERS}{bad}")).send().await.unwrap(), 400).await;
    }
}

#[tokio::test]
async fn rfc9110_13_1_1_a_change_with_a_stale_etag_is_refused_with_412() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let (user, etag) = api.create_user(&email()).await;
    let path = format!("{USERS}/{}", user["id"].as_str().unwrap());

    let (changed, new_tag) = api
        .expect(
            api.patch(
                &path,
                &json!({ "roles": ["support"], "tenant": "acme" }),
                Some(&etag),
            ),
            200,
        )
        .await;
    assert_eq!(changed["roles"], json!(["support"]));
    assert_eq!(changed["tenant"], "acme");
    let new_tag = new_tag.expect("ETag");
    assert_ne!(new_tag, etag);

    let (problem, _) = expect_problem(
        api.patch(&path, &json!({ "roles": [] }), Some(&etag))
            .send()
            .await
            .unwrap(),
        412,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("If-Match"));
    expect_problem(
        api.patch(&path, &json!({ "roles": [] }), Some("not-a-tag"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    expect_problem(
        api.patch(
            &path,
            &json!({ "roles": [] }),
            Some(&format!("W/{new_tag}")),
        )
        .send()
        .await
        .unwrap(),
        412,
    )
    .await;

    // `null` removes the tenant (RFC 7396); absent fields stay; `*` matches any version.
    let (cleared, _) = api
        .expect(api.patch(&path, &json!({ "tenant": null }), Some("*")), 200)
        .await;
    assert!(cleared["tenant"].is_null());
    assert_eq!(cleared["roles"], json!(["support"]));
    // Unconditional changes apply to the latest version.
    api.expect(api.patch(&path, &json!({ "roles": ["a", "b"] }), None), 200)
        .await;
    expect_problem(
        api.patch(&format!("{USERS}/missing"), &json!({}), None)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn of_concurrent_changes_with_the_same_etag_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let (user, etag) = api.create_user(&email()).await;
    let path = format!("{USERS}/{}", user["id"].as_str().unwrap());
    let attempts = (0..8).map(|i| {
        let request = api.patch(
            &path,
            &json!({ "roles": [format!("role{i}")] }),
            Some(&etag),
        );
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        7,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn disabling_through_the_api_ends_the_users_tokens_and_sign_ins() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let (user, etag) = api.create_user(&email()).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let client = app.create_client(ClientSpec::default()).await;
    let address = user["email"].as_str().unwrap().to_owned();
    let sign_in = || {
        let (app, client, address) = (&app, &client, address.clone());
        async move {
            app.post_token(
                client,
                &[
                    ("grant_type", "password"),
                    ("username", &address),
                    ("password", "correct horse battery staple"),
                ],
            )
            .await
        }
    };
    let tokens = crate::helpers::expect_tokens(sign_in().await).await;

    let (disabled, _) = api
        .expect(
            api.patch(
                &format!("{USERS}/{id}"),
                &json!({ "disabled": true }),
                Some(&etag),
            ),
            200,
        )
        .await;
    assert_eq!(disabled["disabled"], true);
    expect_error(
        app.refresh_grant(&client, tokens.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
    expect_error(sign_in().await, 400, "invalid_grant").await;

    api.expect(
        api.patch(
            &format!("{USERS}/{id}"),
            &json!({ "disabled": false }),
            None,
        ),
        200,
    )
    .await;
    let again = crate::helpers::expect_tokens(sign_in().await).await;
    let (ended, _) = api
        .expect(
            api.post(&format!("{USERS}/{id}/revoke-sessions"), &json!({})),
            200,
        )
        .await;
    assert_eq!(ended["families_revoked"], 1, "{ended}");
    expect_error(
        app.refresh_grant(&client, again.refresh_token(), None)
            .await,
        400,
        "invalid_grant",
    )
    .await;
    expect_problem(
        api.post(&format!("{USERS}/nobody/revoke-sessions"), &json!({}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn every_change_is_audited_with_who_what_and_where_and_the_cli_reads_it() {
    let cli = Cli::new().await;
    let app = cli.server().await;
    let api = app.admin_api(ADMIN).await;
    let (user, etag) = api.create_user(&email()).await;
    let id = user["id"].as_str().unwrap();
    api.expect(
        api.patch(
            &format!("{USERS}/{id}"),
            &json!({ "roles": ["ops"] }),
            Some(&etag),
        ),
        200,
    )
    .await;
    api.expect(
        api.post(&format!("{USERS}/{id}/revoke-sessions"), &json!({})),
        200,
    )
    .await;
    // A refused change leaves no record.
    expect_problem(
        api.patch(
            &format!("{USERS}/{id}"),
            &json!({ "roles": [] }),
            Some(&etag),
        )
        .send()
        .await
        .unwrap(),
        412,
    )
    .await;
    cli.run(&["users", "disable", id]).await.assert_succeeded();

    let (page, _) = api.expect(api.get("/admin/v1/audit?limit=10"), 200).await;
    // The admin client itself was registered first (by the test's operator): only the user's records here.
    let records: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["subject"].as_str().unwrap().starts_with("user:"))
        .collect();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.disable",
            "user.revoke_sessions",
            "user.update",
            "user.create"
        ],
        "newest first"
    );
    let who = format!("client:{}", api.client.id);
    for record in records.iter().skip(1) {
        assert_eq!(record["actor"], who.as_str());
        assert_eq!(record["source"], "127.0.0.1");
        assert_eq!(record["subject"], format!("user:{id}"));
        assert!((crate::helpers::now() - record["at"].as_i64().unwrap()).abs() < 60);
    }
    assert_eq!(records[2]["detail"]["roles"], json!(["ops"]));
    assert_eq!(
        records[2]["detail"].as_object().unwrap().len(),
        1,
        "only what changed"
    );
    assert!(records[0]["actor"].as_str().unwrap().starts_with("cli:"));
    assert!(
        !records
            .iter()
            .any(|r| r.to_string().contains("correct horse")),
        "no secret in the trail"
    );

    let listed = cli
        .run(&["audit", "list", "--limit", "2", "--json"])
        .await
        .json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["action"], "user.disable");
    let older = cli
        .run(&[
            "audit",
            "list",
            "--before",
            listed[1]["id"].as_str().unwrap(),
            "--json",
        ])
        .await
        .json();
    assert_eq!(older[0]["action"], "user.update");
    let text = cli.run(&["audit", "list"]).await;
    text.assert_succeeded();
    assert!(text.stdout.contains(&who), "{}", text.stdout);
}

#[tokio::test]
async fn automation_finds_a_user_by_email() {
    let app = TestApp::spawn().await;
    let api = app.admin_api(ADMIN).await;
    let address = email();
    let (user, _) = api.create_user(&address).await;
    api.create_user(&email()).await;
    let (found, _) = api
        .expect(
            api.get(&format!("{USERS}?email={}", address.to_uppercase())),
            200,
        )
        .await;
    assert_eq!(found["items"], json!([user]));
    assert!(found.get("next_cursor").is_none());
    let (none, _) = api
        .expect(api.get(&format!("{USERS}?email=nobody@example.org")), 200)
        .await;
    assert_eq!(none["items"], json!([]));
    expect_problem(
        api.get(&format!("{USERS}?email=not-an-email"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}
