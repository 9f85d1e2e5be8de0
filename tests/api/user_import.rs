//! Importing users with their existing password hashes (issue 18): every accepted format signs in with its old
//! password (password grant and hosted page) and is upgraded to the configured argon2id on the first success; a
//! wrong password fails and upgrades nothing; imports are idempotent by email, report every row, refuse bad rows
//! one by one, are bounded, audited and counted; the CLI imports a JSON-lines file.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, ADMIN_READ, AdminApi, AuthRequest, Browser, Cli, ClientSpec, TestApp, TestClient,
    TestUser, expect_error, expect_problem, expect_tokens, tag,
};

/// What every test server's argon2id hashes start with (the test configuration's parameters).
const CONFIGURED: &str = "$argon2id$v=19$m=1024,t=1,p=1$";

/// Django 4.2's own test vector (`tests/auth_tests/test_hashers.py`): `make_password("lètmein", "seasalt")`.
const DJANGO_VECTOR: (&str, &str) = (
    "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=",
    "lètmein",
);
/// PHP's manual (`password_verify`): a `$2y$` hash of "rasmuslerdorf".
const PHP_2Y_VECTOR: (&str, &str) = (
    "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a",
    "rasmuslerdorf",
);

fn salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..]);
    salt
}

/// A hash of `password` in each accepted format, made with the crates the issue names (cheap parameters), plus the
/// two fixed vectors from outside. Each is (format, hash, password).
fn hashes_of_every_format(password: &str) -> Vec<(&'static str, String, String)> {
    let pw = password.as_bytes();
    let bcrypt_2b = bcrypt::hash_with_salt(pw, 4, salt())
        .expect("bcrypt")
        .to_string();
    let bcrypt_2a = bcrypt::hash_with_salt(pw, 5, salt())
        .expect("bcrypt")
        .format_for_version(bcrypt::Version::TwoA);
    let scrypt = {
        let params = scrypt::Params::new(5, 8, 1).expect("scrypt parameters");
        let salt = salt();
        let mut out = [0u8; 32];
        scrypt::scrypt(pw, &salt, &params, &mut out).expect("scrypt");
        format!(
            "$scrypt$ln=5,r=8,p=1${}${}",
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(out)
        )
    };
    let pbkdf2_phc = {
        let salt = salt();
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<pbkdf2::sha2::Sha256>(pw, &salt, 1_000, &mut out);
        format!(
            "$pbkdf2-sha256$i=1000,l=32${}${}",
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(out)
        )
    };
    let django = {
        let salt = format!("s{}", &tag()[..8]);
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<pbkdf2::sha2::Sha256>(pw, salt.as_bytes(), 2_000, &mut out);
        format!(
            "pbkdf2_sha256$2000${salt}${}",
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    };
    let argon2i = {
        use argon2::PasswordHasher as _;
        let params = argon2::Params::new(256, 2, 1, None).expect("argon2 parameters");
        argon2::Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params)
            .hash_password(pw)
            .expect("argon2")
            .to_string()
    };
    let mut all: Vec<(&'static str, String, String)> = [
        ("bcrypt $2b$", bcrypt_2b),
        ("bcrypt $2a$", bcrypt_2a),
        ("scrypt", scrypt),
        ("pbkdf2-sha256 PHC", pbkdf2_phc),
        ("Django pbkdf2_sha256", django),
        ("argon2i, other parameters", argon2i),
    ]
    .into_iter()
    .map(|(format, hash)| (format, hash, password.to_owned()))
    .collect();
    all.push((
        "Django's own vector",
        DJANGO_VECTOR.0.to_owned(),
        DJANGO_VECTOR.1.to_owned(),
    ));
    all.push((
        "PHP's $2y$ vector",
        PHP_2Y_VECTOR.0.to_owned(),
        PHP_2Y_VECTOR.1.to_owned(),
    ));
    all
}

/// `POST /admin/v1/users/import` with JSON lines.
fn import_lines(admin: &AdminApi, rows: &[Value]) -> reqwest::RequestBuilder {
    let body: String = rows.iter().map(|r| r.to_string() + "\n").collect();
    admin
        .request(Method::POST, "/admin/v1/users/import")
        .header(CONTENT_TYPE, "application/x-ndjson")
        .body(body)
}

async fn stored_hash(app: &TestApp, email: &str) -> String {
    app.state
        .store
        .find_user_by_email(email)
        .await
        .expect("the store")
        .expect("the user")
        .password_hash
}

fn imported_user(email: &str, password: &str) -> TestUser {
    TestUser {
        id: String::new(),
        email: email.to_owned(),
        username: None,
        password: password.to_owned(),
        roles: Vec::new(),
        tenant: None,
    }
}

#[tokio::test]
async fn every_format_signs_in_with_its_old_password_and_is_upgraded_to_argon2id_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let client = app
        .create_client(ClientSpec::with_grants(&["password", "refresh_token"]))
        .await;
    let web_app = app.create_client(ClientSpec::web_app()).await;
    let formats = hashes_of_every_format("old password from elsewhere");
    // Each format twice: one user signs in with the password grant, the other on the hosted page.
    let mut rows = Vec::new();
    for (i, (_, hash, _)) in formats.iter().enumerate() {
        for surface in ["grant", "page"] {
            rows.push(json!({ "email": format!("{surface}-{i}-{}@example.org", tag()), "password_hash": hash }));
        }
    }
    let (report, _) = admin.expect(import_lines(&admin, &rows), 200).await;
    assert_eq!(report["created"], rows.len(), "{report}");
    assert_eq!(report["invalid"], 0, "{report}");

    for (i, (format, hash, password)) in formats.iter().enumerate() {
        let grant_user = imported_user(rows[2 * i]["email"].as_str().unwrap(), password);
        let page_user = imported_user(rows[2 * i + 1]["email"].as_str().unwrap(), password);
        assert_eq!(&stored_hash(&app, &grant_user.email).await[..4], &hash[..4]);

        // A wrong password fails and upgrades nothing.
        let wrong = app
            .password_grant_as(&client, &grant_user.email, "not the old password", None)
            .await;
        expect_error(wrong, 400, "invalid_grant").await;
        let stored = stored_hash(&app, &grant_user.email).await;
        assert!(
            !stored.starts_with(CONFIGURED),
            "{format}: upgraded by a wrong password"
        );

        // The old password works through the password grant, and the hash becomes the configured argon2id.
        app.login(&client, &grant_user).await;
        let upgraded = stored_hash(&app, &grant_user.email).await;
        assert!(
            upgraded.starts_with(CONFIGURED),
            "{format}: {}",
            &upgraded[..20]
        );
        app.login(&client, &grant_user).await;
        assert_eq!(
            stored_hash(&app, &grant_user.email).await,
            upgraded,
            "{format}: upgraded once"
        );

        // ...and on the hosted sign-in page.
        let browser = Browser::new(&app);
        let redirect = browser
            .sign_in(&app, &AuthRequest::new(&web_app), &page_user)
            .await;
        assert!(
            redirect.param("code").is_some(),
            "{format}: signed in on the page"
        );
        assert!(
            stored_hash(&app, &page_user.email)
                .await
                .starts_with(CONFIGURED),
            "{format}: upgraded by the page"
        );
    }
}

#[tokio::test]
async fn importing_is_idempotent_by_email_and_reports_every_row_in_input_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let client = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;
    let existing = app.create_user(crate::helpers::UserSpec::default()).await;
    let hash = |pw: &str| bcrypt::hash_with_salt(pw, 4, salt()).unwrap().to_string();
    let (a, b) = (
        format!("a-{}@example.org", tag()),
        format!("b-{}@example.org", tag()),
    );
    let rows = vec![
        json!({ "email": a, "username": format!("a{}", &tag()[..8]), "roles": ["reader"], "tenant": "acme",
                "password_hash": hash("first password") }),
        // The existing account: reported, left as it is (its password still works, not this hash's).
        json!({ "email": existing.email.to_uppercase(), "password_hash": hash("an attacker's password") }),
        json!({ "email": b, "disabled": true, "password_hash": hash("second password") }),
        // The same email again in one batch: as if imported one after the other.
        json!({ "email": a, "password_hash": hash("another") }),
    ];
    // As a JSON array this time.
    let (first, _) = admin
        .expect(
            admin.post("/admin/v1/users/import", &Value::from(rows.clone())),
            200,
        )
        .await;
    let statuses: Vec<&str> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["created", "exists", "created", "exists"],
        "{first}"
    );
    assert_eq!(
        first["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["row"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(first["results"][1]["id"], existing.id.as_str());
    assert_eq!(first["results"][3]["id"], first["results"][0]["id"]);
    assert_eq!(
        (first["created"].as_u64(), first["exists"].as_u64()),
        (Some(2), Some(2))
    );

    // The imported attributes are the user's.
    let (user, _) = admin
        .expect(
            admin.get(&format!(
                "/admin/v1/users/{}",
                first["results"][0]["id"].as_str().unwrap()
            )),
            200,
        )
        .await;
    assert_eq!(
        (user["roles"].clone(), user["tenant"].clone()),
        (json!(["reader"]), json!("acme"))
    );
    // Imported disabled: the right password does not sign in.
    let disabled = app
        .password_grant_as(&client, &b, "second password", None)
        .await;
    expect_error(disabled, 400, "invalid_grant").await;
    // The existing account kept its password.
    app.login(&client, &existing).await;
    let refused = app
        .password_grant_as(&client, &existing.email, "an attacker's password", None)
        .await;
    expect_error(refused, 400, "invalid_grant").await;

    // The same input again creates nobody.
    let (again, _) = admin
        .expect(
            admin.post("/admin/v1/users/import", &Value::from(rows)),
            200,
        )
        .await;
    assert_eq!(
        (again["created"].as_u64(), again["exists"].as_u64()),
        (Some(0), Some(4)),
        "{again}"
    );
}

#[tokio::test]
async fn bad_rows_are_refused_one_by_one_with_a_reason_and_never_fail_the_batch() {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let client = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;
    let existing = app
        .create_user(crate::helpers::UserSpec {
            username: Some(format!("taken{}", &tag()[..8])),
            ..Default::default()
        })
        .await;
    let good = bcrypt::hash_with_salt("pw", 4, salt()).unwrap().to_string();
    let email = || format!("row-{}@example.org", tag());
    let name = format!("n{}", &tag()[..8]);
    let secretish = "$2b$15$abcdefghijklmnopqrstuuVf9a/5Wn0uh5AgeBHwbhdNtRsthGuQC";
    let body = [
        json!({ "email": email(), "password_hash": good }).to_string(),
        json!({ "email": email() }).to_string(),
        json!({ "email": email(), "password_hash": good, "verified": true }).to_string(),
        json!({ "email": "not-an-address", "password_hash": good }).to_string(),
        json!({ "email": email(), "username": "has space", "password_hash": good }).to_string(),
        json!({ "email": email(), "password_hash": secretish }).to_string(),
        json!({ "email": email(), "password_hash": "$scrypt$ln=22,r=8,p=1$c2FsdHNhbHRzYWx0$J3Eg4ep/3gbIRypzYvIXFgAmZsdcJhQ0nRmDRM/1AkE" }).to_string(),
        json!({ "email": email(), "password_hash": "pbkdf2_sha256$50000000$salt$J3Eg4ep/3gbIRypzYvIXFgAmZsdcJhQ0nRmDRM/1AkE=" }).to_string(),
        json!({ "email": email(), "password_hash": "hunter2 in plain text" }).to_string(),
        json!({ "email": email(), "username": existing.username.clone().unwrap(), "password_hash": good }).to_string(),
        json!({ "email": email(), "username": name, "password_hash": good }).to_string(),
        json!({ "email": email(), "username": name, "password_hash": good }).to_string(),
        "{ not json".to_owned(),
        String::new(),
        json!(42).to_string(),
        json!({ "email": email(), "password_hash": null }).to_string(),
    ]
    .join("\n");
    let request = admin
        .request(Method::POST, "/admin/v1/users/import")
        .header(CONTENT_TYPE, "application/x-ndjson")
        .body(body);
    let (report, _) = admin.expect(request, 200).await;
    let results = report["results"].as_array().unwrap();
    let expected = [
        (1, "created", ""),
        (2, "invalid", "missing field `password_hash`"),
        (3, "invalid", "unknown field `verified`"),
        (4, "invalid", "not an email address"),
        (5, "invalid", "usernames are"),
        (6, "invalid", "cost 15: at most 14"),
        (7, "invalid", "too costly"),
        (8, "invalid", "at most 2000000"),
        (9, "invalid", "not a supported password hash"),
        (10, "invalid", "another user has this username"),
        (11, "created", ""),
        (12, "invalid", "another user has this username"),
        (13, "invalid", "line 13 is not JSON"),
        (15, "invalid", "expected struct ImportRow"),
        (16, "created", ""),
    ];
    assert_eq!(results.len(), expected.len(), "{report}");
    for (result, (row, status, says)) in results.iter().zip(expected) {
        assert_eq!(result["row"], row, "{result}");
        assert_eq!(result["status"], status, "{result}");
        let reason = result["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(says), "row {row}: {reason}");
    }
    let text = report.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains(&secretish[7..]),
        "never a hash in the report"
    );
    assert_eq!(
        (report["created"].as_u64(), report["invalid"].as_u64()),
        (Some(3), Some(12))
    );

    // A user imported without a password can't sign in with any (they must reset it).
    let no_password = results[14]["email"].as_str().unwrap();
    for password in ["!", "anything at all"] {
        let refused = app
            .password_grant_as(&client, no_password, password, None)
            .await;
        expect_error(refused, 400, "invalid_grant").await;
    }
}

#[tokio::test]
async fn an_import_is_bounded_in_rows_and_bytes_and_needs_the_admin_scope() {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let row = |i: usize| json!({ "email": format!("u{i}@example.org"), "password_hash": null });
    let too_many: Vec<Value> = (0..10_001).map(row).collect();
    let (problem, _) =
        expect_problem(import_lines(&admin, &too_many).send().await.unwrap(), 413).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("10000 rows"),
        "{problem}"
    );
    let huge = format!("[{}]", " ".repeat(9 * 1024 * 1024));
    let response = admin
        .request(Method::POST, "/admin/v1/users/import")
        .header(CONTENT_TYPE, "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    expect_problem(response, 413).await;
    // Nothing of the refused batch was imported.
    let (page, _) = admin
        .expect(admin.get("/admin/v1/users?email=u1@example.org"), 200)
        .await;
    assert_eq!(page["items"], json!([]));

    let response = admin
        .request(Method::POST, "/admin/v1/users/import")
        .header(CONTENT_TYPE, "text/csv")
        .body("email,password_hash")
        .send()
        .await
        .unwrap();
    expect_problem(response, 415).await;
    let response = admin
        .post(
            "/admin/v1/users/import",
            &json!({ "email": "a@example.org" }),
        )
        .send()
        .await
        .unwrap();
    let (problem, _) = expect_problem(response, 400).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("JSON array"),
        "{problem}"
    );

    let reader = app.admin_api(ADMIN_READ).await;
    let response = import_lines(&reader, &[row(1)]).send().await.unwrap();
    expect_problem(response, 403).await;
    // 10,000 rows are taken.
    let (report, _) = admin
        .expect(import_lines(&admin, &too_many[..10_000]), 200)
        .await;
    assert_eq!(report["created"], 10_000);
}

#[tokio::test]
async fn an_import_is_audited_and_imports_and_upgrades_are_counted_by_format() {
    let app = TestApp::spawn_with(|config| {
        config.metrics_bind = Some("127.0.0.1:0".parse().expect("an address"));
    })
    .await;
    let admin = app.admin_api(ADMIN).await;
    let client = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;
    let hash = bcrypt::hash_with_salt("pw from before", 4, salt())
        .unwrap()
        .to_string();
    let email = format!("audited-{}@example.org", tag());
    let rows = [
        json!({ "email": email, "password_hash": hash }),
        json!({ "email": email, "password_hash": hash }),
        json!({ "email": "bad", "password_hash": hash }),
    ];
    admin.expect(import_lines(&admin, &rows), 200).await;
    app.login(&client, &imported_user(&email, "pw from before"))
        .await;

    let (audit, _) = admin
        .expect(admin.get("/admin/v1/audit?limit=10"), 200)
        .await;
    let record = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "user.import")
        .unwrap_or_else(|| panic!("an import record: {audit}"));
    assert_eq!(record["actor"], format!("client:{}", admin.client.id));
    assert_eq!(record["subject"], "users");
    assert_eq!(
        record["detail"],
        json!({ "rows": 3, "created": 1, "exists": 1, "invalid": 1, "created_by_format": { "bcrypt": 1 } })
    );
    assert!(
        !audit.to_string().contains(&hash[7..]),
        "never a hash in the audit trail"
    );

    let metrics = app
        .http
        .get(app.metrics_url.as_deref().expect("a metrics listener"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"latchkey_users_imported_total{result="created"} 1"#,
        r#"latchkey_users_imported_total{result="exists"} 1"#,
        r#"latchkey_users_imported_total{result="invalid"} 1"#,
        r#"latchkey_legacy_password_logins_total{format="bcrypt"} 1"#,
        r#"latchkey_password_rehashes_total{from="bcrypt"} 1"#,
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
}

#[tokio::test]
async fn a_stored_hash_that_cannot_be_read_fails_closed() {
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_client().await;
    let stored = stored_hash(&app, &user.email).await;
    let id = latchkey::values::ids::UserId::new(user.id.clone());
    for broken in [
        "$2b$12$truncated",
        "$argon2id$v=19$m=1024,t=1,p=1$",
        "pbkdf2_sha256$x$y$z",
        "",
    ] {
        let current = stored_hash(&app, &user.email).await;
        assert!(
            app.state
                .store
                .replace_password_hash(&id, &current, broken, app.state.clock.now())
                .await
                .unwrap()
        );
        let refused = app.password_grant(&client, &user).await;
        expect_error(refused, 400, "invalid_grant").await;
        assert_eq!(
            stored_hash(&app, &user.email).await,
            broken,
            "left as it is"
        );
    }
    let current = stored_hash(&app, &user.email).await;
    app.state
        .store
        .replace_password_hash(&id, &current, &stored, app.state.clock.now())
        .await
        .unwrap();
    app.login(&client, &user).await;
}

#[tokio::test]
async fn the_cli_imports_a_json_lines_file_and_the_users_sign_in_with_their_old_passwords() {
    let cli = Cli::new().await;
    let (django_hash, django_password) = DJANGO_VECTOR;
    let bcrypt_hash = bcrypt::hash_with_salt("bcrypt password", 4, salt())
        .unwrap()
        .to_string();
    let lines = [
        json!({ "email": "django@example.org", "username": "djangofan", "password_hash": django_hash }),
        json!({ "email": "bcrypt@example.org", "roles": ["ops"], "password_hash": bcrypt_hash }),
    ];
    let file = cli.cwd.path().join("users.jsonl");
    std::fs::write(
        &file,
        lines
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let path = file.to_str().unwrap();

    let report = cli.run(&["users", "import", path, "--json"]).await.json();
    assert_eq!(
        (report["created"].as_u64(), report["exists"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    // Again: nothing new, and a text summary.
    let again = cli.run(&["users", "import", path]).await;
    again.assert_succeeded();
    assert!(
        again
            .stdout
            .contains("created 0, already existed 2, invalid 0"),
        "{again:?}"
    );
    // A file with a bad row: reported, the others imported, a failing exit.
    let bad = cli.cwd.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        format!(
            "{}\n{}\n",
            json!({ "email": "third@example.org", "password_hash": null }),
            json!({ "email": "fourth@example.org", "password_hash": "md5:abc" })
        ),
    )
    .unwrap();
    let failed = cli.run(&["users", "import", bad.to_str().unwrap()]).await;
    failed.assert_failed_saying(&["1 rows were invalid"]);
    assert!(
        failed
            .stdout
            .contains("row 2 (fourth@example.org): password_hash: not a supported"),
        "{failed:?}"
    );
    let missing = cli.run(&["users", "import", "no-such-file.jsonl"]).await;
    missing.assert_failed_saying(&["cannot read", "no-such-file.jsonl"]);

    let app = cli.server().await;
    let client: TestClient = app
        .create_client(ClientSpec::with_grants(&["password"]))
        .await;
    for (login, password, email) in [
        ("djangofan", django_password, "django@example.org"),
        (
            "bcrypt@example.org",
            "bcrypt password",
            "bcrypt@example.org",
        ),
    ] {
        let tokens =
            expect_tokens(app.password_grant_as(&client, login, password, None).await).await;
        assert!(!tokens.access_token.is_empty());
        assert!(
            stored_hash(&app, email).await.starts_with(CONFIGURED),
            "{email}"
        );
    }
    let third = app
        .password_grant_as(&client, "third@example.org", "anything", None)
        .await;
    expect_error(third, 400, "invalid_grant").await;
}

/// The census the dummy hashes follow cuts every format after its parameters, on both backends: Django's hashes
/// (no leading `$`) and the PHC formats without a version would otherwise be counted per salt.
#[tokio::test]
async fn the_census_counts_imported_hashes_by_format_and_parameters() {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let formats = hashes_of_every_format("census");
    let mut rows: Vec<Value> = Vec::new();
    for copy in 0..2 {
        for (i, (_, hash, _)) in formats.iter().enumerate() {
            rows.push(json!({ "email": format!("c{copy}-{i}-{}@example.org", tag()), "password_hash": hash }));
        }
        // Fresh salts for the second copy of the generated formats.
        let again = hashes_of_every_format("census");
        for (i, (_, hash, _)) in again.iter().enumerate().take(6) {
            rows.push(json!({ "email": format!("d{copy}-{i}-{}@example.org", tag()), "password_hash": hash }));
        }
    }
    rows.push(json!({ "email": format!("none-{}@example.org", tag()), "password_hash": null }));
    let (report, _) = admin.expect(import_lines(&admin, &rows), 200).await;
    assert_eq!(report["invalid"], 0, "{report}");
    let census = app
        .state
        .store
        .password_hash_costs()
        .await
        .expect("the census");
    let count = |head: &str| {
        census
            .iter()
            .find(|c| c.head == head)
            .map_or(0, |c| c.hashes)
    };
    for (head, hashes) in [
        ("$2b$04$", 4),
        ("$2a$05$", 4),
        ("$scrypt$ln=5,r=8,p=1$", 4),
        ("$pbkdf2-sha256$i=1000,l=32$", 4),
        ("pbkdf2_sha256$2000$", 4),
        ("$argon2i$v=19$m=256,t=2,p=1$", 4),
        ("pbkdf2_sha256$600000$", 2),
        ("$2y$10$", 2),
    ] {
        assert_eq!(count(head), hashes, "{head} in {census:?}");
    }
    assert!(
        census.iter().all(|c| c.head != "!"),
        "no cost for users without a password"
    );
}

/// An imported account records where it came from, and `email_verified` when the old system had verified the
/// address (the claim is false otherwise); imported accounts are never held back by `require_verified_email`.
#[tokio::test]
async fn an_imported_row_may_say_its_address_was_verified() {
    let app = TestApp::spawn().await;
    let admin = app.admin_api(ADMIN).await;
    let (verified, unverified) = (
        format!("v-{}@example.org", tag()),
        format!("u-{}@example.org", tag()),
    );
    let rows = json!([
        { "email": verified, "password_hash": null, "email_verified": true },
        { "email": unverified, "password_hash": null },
    ]);
    let (report, _) = admin
        .expect(admin.post("/admin/v1/users/import", &rows), 200)
        .await;
    assert_eq!(report["created"], 2);
    for (email, expected) in [(&verified, true), (&unverified, false)] {
        let user = app
            .state
            .store
            .find_user_by_email(email)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.email_verified, expected, "{email}");
        assert_eq!(user.source, "import");
    }
}
