//! Headless Chromium driven over `WebDriver` (Debian `chromium` + `chromium-driver`, `fantoccini` client), with
//! axe-core (npm) injected into pages for an accessibility check. `.ci/run` installs all three; elsewhere a test
//! that finds them missing says it was skipped (under `CI=true` it fails).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::eventually;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Where axe-core's browser build is looked for: `AXE_CORE_JS`, else what `.ci/run` installs.
fn axe_path() -> PathBuf {
    std::env::var_os("AXE_CORE_JS").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/browser-tools/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    )
}

/// The browser build of an npm package `.ci/run` installs under `target/browser-tools`.
pub(crate) fn browser_tool(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/browser-tools/node_modules")
        .join(relative)
}

/// Folder of the screenshots the browser tests save (`target/browser-screenshots`).
pub(crate) fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots")
}

/// A running chromedriver and a browser session on it; both end when this is dropped.
pub(crate) struct Chrome {
    pub client: Client,
    driver: tokio::process::Child,
    axe: String,
}

impl Chrome {
    /// Starts chromedriver and a headless Chromium, or `None` (skipped) when they or axe-core are missing
    /// outside CI. Under `CI=true` a missing piece fails the test: it could not check what it exists for.
    pub(crate) async fn start(test: &str) -> Option<Self> {
        Self::start_needing(test, &[]).await
    }

    /// [`Chrome::start`], when the test also needs `files` (npm packages `.ci/run` installs).
    pub(crate) async fn start_needing(test: &str, files: &[PathBuf]) -> Option<Self> {
        Self::start_with(test, files, &[]).await
    }

    /// [`Chrome::start_needing`] with more Chromium flags (e.g. `--force-dark-mode`).
    pub(crate) async fn start_with(test: &str, files: &[PathBuf], flags: &[&str]) -> Option<Self> {
        let missing: Vec<String> = [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .map(PathBuf::from)
            .chain([axe_path()])
            .chain(files.iter().cloned())
            .filter(|p| !p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !missing.is_empty() {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "{test} needs {missing:?} (installed by .ci/run)"
            );
            super::report_skip(
                test,
                &format!("it needs {missing:?} (bash .ci/run installs them)"),
            );
            return None;
        }
        let axe = std::fs::read_to_string(axe_path()).expect("axe-core's script");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1024,900",
            "--lang=en-US",
        ];
        args.extend_from_slice(flags);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        // rustls finds two crypto backends in this tree (aws-lc-rs and ring): pick the one the service uses.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let url = format!("http://127.0.0.1:{port}");
        let client = eventually(
            "a WebDriver session with chromedriver",
            Duration::from_secs(10),
            async || {
                ClientBuilder::rustls()
                    .expect("a TLS config")
                    .capabilities(capabilities.clone())
                    .connect(&url)
                    .await
                    .map_err(|e| e.to_string())
            },
        )
        .await;
        Some(Self {
            client,
            driver,
            axe,
        })
    }

    /// Saves a PNG of the page as `target/browser-screenshots/<name>.png`.
    pub(crate) async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(screenshot_dir()).expect("the screenshot folder");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png)
            .expect("saving a screenshot");
    }

    /// Runs axe-core on the current page; returns the violations of impact `serious` or `critical`.
    pub(crate) async fn serious_accessibility_violations(&self) -> Vec<Value> {
        self.client
            .execute(&self.axe, vec![])
            .await
            .expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations))
                    .catch(e => done([{ id: 'axe-error', impact: 'critical', description: String(e) }]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        result
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect()
    }

    /// Runs axe-core on the current page with the WCAG 2.0, 2.1 and 2.2 A and AA rules; returns every violation,
    /// whatever its impact.
    pub(crate) async fn wcag_violations(&self) -> Vec<Value> {
        self.client
            .execute(&self.axe, vec![])
            .await
            .expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
                 axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
                    .then(r => done(r.violations))
                    .catch(e => done([{ id: 'axe-error', impact: 'critical', description: String(e) }]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        result.as_array().cloned().unwrap_or_default()
    }

    pub(crate) async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// A stand-in for the client application: answers every request with a small page and records the request
/// targets, so a test reads the code the browser brought back.
pub(crate) struct AppEndpoint {
    pub base: String,
    hits: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl AppEndpoint {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("an address").port()
        );
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 8192];
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buffer[..n]);
                    if let Some(target) = request.split(' ').nth(1) {
                        seen.lock().expect("lock").push(target.to_owned());
                    }
                    let body = "<!doctype html><html lang=\"en\"><title>App</title><main><h1>App</h1></main></html>";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        Self { base, hits, task }
    }

    /// The request targets (path and query) received so far.
    pub(crate) fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("lock").clone()
    }
}

impl Drop for AppEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A static site on a port of its own (another origin than Latchkey's): `files` maps a path to its content type
/// and body; any other path answers `fallback`'s file (a single-page app's routes). Records the request targets.
pub(crate) struct StaticSite {
    pub origin: String,
    hits: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StaticSite {
    pub(crate) async fn start(
        files: Vec<(&'static str, &'static str, String)>,
        fallback: &'static str,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let origin = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("an address").port()
        );
        let files = Arc::new(files);
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (seen, files) = (seen.clone(), files.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let request = String::from_utf8_lossy(&head);
                    let target = request.split(' ').nth(1).unwrap_or("/").to_owned();
                    seen.lock().expect("lock").push(target.clone());
                    let path = target.split('?').next().unwrap_or("/");
                    let file = files
                        .iter()
                        .find(|(p, _, _)| *p == path)
                        .or_else(|| files.iter().find(|(p, _, _)| *p == fallback));
                    let (status, content_type, body) = match file {
                        _ if path == "/favicon.ico" => ("404 Not Found", "text/plain", ""),
                        Some((_, content_type, body)) => ("200 OK", *content_type, body.as_str()),
                        None => ("404 Not Found", "text/plain", ""),
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        Self { origin, hits, task }
    }

    /// The request targets (path and query) received so far.
    pub(crate) fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("lock").clone()
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}
