//! The admin API's `OpenAPI` 3.1 document, generated from the handlers, checked against the real server: its shape
//! here, and by schemathesis (`PyPI`), which generates requests from it (valid and invalid, with and without the
//! token) and checks every response against it.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::helpers::{ADMIN, TestApp, tag};

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_every_admin_operation() {
    let app = TestApp::spawn().await;
    let response = app.get("/admin/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], app.issuer.as_str());
    let flow = &doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], format!("{}/token", app.issuer));
    assert!(
        flow["scopes"]["latchkey:admin"].is_string()
            && flow["scopes"]["latchkey:admin:read"].is_string()
    );
    let operations = [
        ("/admin/v1/users", "get"),
        ("/admin/v1/users", "post"),
        ("/admin/v1/users/import", "post"),
        ("/admin/v1/users/{id}", "get"),
        ("/admin/v1/users/{id}", "patch"),
        ("/admin/v1/users/{id}/revoke-sessions", "post"),
        ("/admin/v1/users/{id}/reset-mfa", "post"),
        ("/admin/v1/invitations", "get"),
        ("/admin/v1/invitations", "post"),
        ("/admin/v1/invitations/{id}", "delete"),
        ("/admin/v1/clients", "get"),
        ("/admin/v1/clients", "post"),
        ("/admin/v1/clients/{id}", "get"),
        ("/admin/v1/clients/{id}", "patch"),
        ("/admin/v1/clients/{id}", "delete"),
        ("/admin/v1/clients/{id}/secret", "post"),
        ("/admin/v1/keys", "get"),
        ("/admin/v1/keys/rotate", "post"),
        ("/admin/v1/keys/{kid}/revoke", "post"),
        ("/admin/v1/audit", "get"),
    ];
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        operations.len(),
        "no undocumented or stray operation"
    );
    for (path, method) in operations {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        let scopes = &operation["security"][0]["oauth2"];
        let expected = if method == "get" {
            "latchkey:admin:read"
        } else {
            "latchkey:admin"
        };
        assert_eq!(scopes, &json!([expected]), "{method} {path}");
        for status in ["401", "403", "503"] {
            let problem = &operation["responses"][status]["content"]["application/problem+json"];
            assert!(problem.is_object(), "{method} {path} documents {status}");
        }
    }
}

/// schemathesis, from `SCHEMATHESIS`, the virtualenv `.ci/run` makes under `target/`, or `PATH`.
fn schemathesis() -> Option<PathBuf> {
    let venv =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/schemathesis/bin/schemathesis");
    std::env::var_os("SCHEMATHESIS")
        .map(PathBuf::from)
        .into_iter()
        .chain([venv])
        .chain(std::env::var_os("PATH").into_iter().flat_map(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("schemathesis"))
                .collect::<Vec<_>>()
        }))
        .find(|p| p.is_file())
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_response_outside_the_document() {
    let Some(schemathesis) = schemathesis() else {
        crate::helpers::service_available(
            "schemathesis (pip install schemathesis)",
            false,
            "schemathesis",
        );
        return;
    };
    let app = TestApp::spawn_with(|config| config.workers = 2).await;
    let api = app.admin_api(ADMIN).await;
    // Something to find: users and clients to page through, show and change.
    for _ in 0..3 {
        api.create_user(&format!("user-{}@example.org", tag()))
            .await;
    }
    api.expect(
        api.post("/admin/v1/clients", &json!({ "client_id": format!("svc-{}", tag()), "grant_types": ["client_credentials"] })),
        201,
    )
    .await;

    // The emergency key revocation runs last and alone: schemathesis finds the signing key's kid through the key
    // list and revokes it, after which every request with the token (signed by that key) is rightly a 401.
    let revocation = [
        "--exclude-path-regex",
        "/keys/.*/revoke",
        "--phases",
        "examples,coverage,fuzzing,stateful",
    ];
    // Alone, it has no links to follow: no stateful phase.
    let revocation_only = [
        "--include-path-regex",
        "/keys/.*/revoke",
        "--phases",
        "examples,coverage,fuzzing",
    ];
    for filter in [revocation, revocation_only] {
        let summary = run_schemathesis(&schemathesis, &app, &api.token, &filter).await;
        eprintln!("{summary}");
        assert!(
            !summary.contains("Authentication failed"),
            "the token stopped working before the run ended:\n{summary}"
        );
    }
}

/// Runs schemathesis over the admin API with `filter`; returns its output, or fails with it.
async fn run_schemathesis(
    schemathesis: &Path,
    app: &TestApp,
    token: &str,
    filter: &[&str],
) -> String {
    let report = crate::helpers::TempDir::new();
    let output = tokio::process::Command::new(schemathesis)
        .args(["run", &app.url("/admin/openapi.json")])
        .args(filter)
        // Every check but "schema-valid requests are accepted": rules such as the common-password list, or that
        // the authorization_code grant needs a redirect URI, are beyond JSON Schema; such requests get a
        // documented 400 problem.
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        // One worker: CPython 3.11 before 3.11.8 shares the AST constructor's recursion counter between threads, so
        // two workers describing Hypothesis filters at once (each parses a source file) can crash the run with
        // "SystemError: AST constructor recursion depth mismatch", a failure of the tool, not of the API.
        .args([
            "--max-examples",
            "20",
            "--workers",
            "1",
            "--seed",
            "20261203",
        ])
        .args([
            "--generation-database",
            "none",
            "--no-color",
            "--request-timeout",
            "10",
        ])
        .arg("--report-dir")
        .arg(report.path())
        .env("SCHEMATHESIS_TELEMETRY", "false")
        // It keeps a cache in its working directory: the report's, never the repository.
        .current_dir(report.path())
        .kill_on_drop(true)
        .output()
        .await
        .expect("running schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("passed"),
        "schemathesis ran no test:\n{stdout}"
    );
    stdout
}
