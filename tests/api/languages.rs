//! Languages (issue 19): every page and mail from the Fluent catalogues, chosen by the authorization request's
//! `ui_locales` (OIDC Core §3.1.2.1), then `Accept-Language` (RFC 9110 §12.5.4), then `default_locale`; operators
//! override any message or add a language from `locales_dir`; copy that states a lifetime reads its setting; mail
//! is multipart (text and HTML) in the language of the page that caused it.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use reqwest::StatusCode;

use crate::helpers::{
    AuthRequest, Browser, TempDir, TestApp, TestClient, TestUser, UserSpec, hidden_fields,
    test_config,
};
use crate::password_reset::{forgot, wait_for_mails};
use latchkey::config::HumanDuration;

/// The sign-in page of a fresh request from `client` (extra parameters in `with`), as `browser` sees it.
async fn sign_in_page(
    app: &TestApp,
    browser: &Browser,
    client: &TestClient,
    with: &[(&str, &str)],
) -> String {
    let request = with
        .iter()
        .fold(AuthRequest::new(client), |r, (k, v)| r.with(k, Some(v)));
    let response = browser.authorize(app, &request).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("the sign-in page")
}

fn html_lang(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("an <html lang>") + 12;
    let end = start + html[start..].find('"').expect("a closing quote");
    &html[start..end]
}

#[tokio::test]
async fn rfc_9110_12_5_4_accept_language_picks_german_by_quality_and_html_lang_follows() {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let browser = Browser::speaking(&app, "it;q=1.0, de-AT;q=0.9, en;q=0.5");
    let html = sign_in_page(&app, &browser, &client, &[]).await;
    assert_eq!(
        html_lang(&html),
        "de",
        "Italian is not spoken; de-AT is answered by German"
    );
    assert!(html.contains("E-Mail-Adresse oder Benutzername"), "{html}");
    assert!(html.contains("Passwort vergessen?"));

    // Without any preference: the default, English.
    let html = sign_in_page(&app, &Browser::new(&app), &client, &[]).await;
    assert_eq!(html_lang(&html), "en");
    assert!(html.contains("Email or username"));
}

#[tokio::test]
async fn oidc_core_3_1_2_1_ui_locales_beats_accept_language_and_carries_to_the_failed_sign_in_page()
{
    let app = TestApp::spawn().await;
    let (user, client) = app.user_and_web_app().await;
    let browser = Browser::speaking(&app, "de");
    let html = sign_in_page(&app, &browser, &client, &[("ui_locales", "xx fr-CA de")]).await;
    assert_eq!(
        html_lang(&html),
        "fr",
        "the first spoken ui_locales tag, fr-CA answered by French"
    );
    assert!(html.contains("Mot de passe oublié"), "{html}");
    assert!(
        hidden_fields(&html)
            .iter()
            .any(|(k, v)| k == "ui_locales" && v == "xx fr-CA de"),
        "the form carries ui_locales with the request"
    );

    // A wrong password: the form again (303 to it, DESIGN.md §23), still in French although the browser asks for
    // German: the request it carries keeps ui_locales.
    let response = browser
        .submit_sign_in(&app, &html, &user.email, "not the password")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let again = follow(&app, &browser, &response).await;
    assert_eq!(html_lang(&again), "fr");
    assert!(again.contains("le mot de passe est incorrect"), "{again}");

    // A stale form (no CSRF token) gets the form again with its notice, in the request's language too.
    let mut form: Vec<_> = hidden_fields(&html)
        .into_iter()
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    form.push(("username".into(), user.email.clone()));
    let refused = browser
        .post_form(&app, "/login", &form, Some(&app.address))
        .await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let page = follow(&app, &browser, &refused).await;
    assert_eq!(html_lang(&page), "fr");
    assert!(page.contains("Rien n’a été envoyé"), "{page}");
}

/// The page a 303 leads to, fetched by the same browser.
async fn follow(app: &TestApp, browser: &Browser, response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = browser.get(&app.url(&location)).await;
    assert_eq!(page.status(), StatusCode::OK, "{location}");
    page.text().await.unwrap()
}

#[tokio::test]
async fn a_language_nobody_speaks_gets_the_configured_default() {
    let app = TestApp::spawn().await;
    let (_, client) = app.user_and_web_app().await;
    let browser = Browser::speaking(&app, "ja, zh;q=0.8, *;q=0.1");
    let html = sign_in_page(&app, &browser, &client, &[("ui_locales", "tlh")]).await;
    assert_eq!(html_lang(&html), "en");

    let spanish = TestApp::spawn_with(|c| c.default_locale = "es".into()).await;
    let (_, client) = spanish.user_and_web_app().await;
    let browser = Browser::speaking(&spanish, "ja");
    let html = sign_in_page(&spanish, &browser, &client, &[]).await;
    assert_eq!(html_lang(&html), "es");
    assert!(html.contains("Iniciar sesión"));
    // French is refused outright (q=0), so Spanish (the default) answers.
    let browser = Browser::speaking(&spanish, "fr;q=0");
    assert_eq!(
        html_lang(&sign_in_page(&spanish, &browser, &client, &[]).await),
        "es"
    );
}

#[tokio::test]
async fn oidc_discovery_3_advertises_ui_locales_supported_default_first() {
    let app = TestApp::spawn_with(|c| c.default_locale = "de".into()).await;
    let metadata: serde_json::Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata["ui_locales_supported"],
        serde_json::json!(["de", "en", "es", "fr"])
    );
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn an_override_changes_one_message_and_a_new_language_folder_adds_a_language() {
    let locales = TempDir::new();
    write(
        locales.path(),
        "de/custom.ftl",
        "sign-in-button = Weiter mit { $product }\n",
    );
    write(
        locales.path(),
        "nl/latchkey.ftl",
        "sign-in-title = Inloggen\nsign-in-heading = Inloggen\npassword-label = Wachtwoord\n",
    );
    let dir = locales.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.locales_dir = Some(dir);
        c.product_name = "Acme ID".into();
    })
    .await;
    let (_, client) = app.user_and_web_app().await;

    let german = sign_in_page(&app, &Browser::speaking(&app, "de"), &client, &[]).await;
    assert!(
        german.contains("Weiter mit Acme ID"),
        "the override, with its variable"
    );
    assert!(
        german.contains("Passwort vergessen?"),
        "every other message stays shipped"
    );

    let dutch = sign_in_page(&app, &Browser::speaking(&app, "nl-BE"), &client, &[]).await;
    assert_eq!(html_lang(&dutch), "nl");
    assert!(dutch.contains("<h1>Inloggen</h1>"));
    assert!(dutch.contains("Wachtwoord"));
    assert!(
        dutch.contains("Forgot your password?"),
        "what nl lacks is English"
    );

    let metadata: serde_json::Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata["ui_locales_supported"],
        serde_json::json!(["en", "de", "es", "fr", "nl"])
    );
}

#[test]
fn an_invalid_override_file_stops_the_start_naming_the_file_and_line() {
    let locales = TempDir::new();
    write(
        locales.path(),
        "fr/broken.ftl",
        "sign-in-title = Connexion\nsign-in-heading Connexion sans signe égal\n",
    );
    let mut config = test_config("sqlite://unused.db");
    config.locales_dir = Some(locales.path().to_owned());
    let error = latchkey::app::letters(&config)
        .expect_err("a syntax error must stop the start")
        .to_string();
    assert!(error.contains("broken.ftl line 2"), "{error}");

    // A message with a variable no setting provides fails just as clearly.
    write(
        locales.path(),
        "fr/broken.ftl",
        "sign-in-title = Bonjour { $prenom }\n",
    );
    let error = latchkey::app::letters(&config)
        .expect_err("unknown variable")
        .to_string();
    assert!(
        error.contains("sign-in-title") && error.contains("prenom"),
        "{error}"
    );

    // A folder that is not a language.
    std::fs::remove_file(locales.path().join("fr/broken.ftl")).unwrap();
    write(
        locales.path(),
        "not a language/x.ftl",
        "sign-in-title = x\n",
    );
    let error = latchkey::app::letters(&config)
        .expect_err("bad folder")
        .to_string();
    assert!(error.contains("not a language"), "{error}");
}

/// The parts of a multipart message: (Content-Type, decoded body) each.
fn mime_parts(raw: &str) -> Vec<(String, String)> {
    let boundary = raw
        .split("boundary=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a multipart boundary");
    raw.split(&format!("--{boundary}"))
        .skip(1)
        .filter(|part| !part.starts_with("--"))
        .map(|part| {
            let (head, body) = part.split_once("\r\n\r\n").expect("part headers");
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix(&format!("{name}: "))
                            .map(|_| l[name.len() + 2..].to_owned())
                    })
                    .unwrap_or_default()
            };
            let body = match header("content-transfer-encoding").as_str() {
                "quoted-printable" => quoted_printable(body),
                "base64" => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(body.split_whitespace().collect::<String>())
                        .expect("base64"),
                )
                .expect("UTF-8"),
                _ => body.to_owned(),
            };
            (header("content-type"), body)
        })
        .collect()
}

/// RFC 2045 §6.7: soft line breaks and `=XX` octets.
fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let mut out = Vec::new();
    let mut rest = joined.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        let octet = (first == b'=' && tail.len() >= 2)
            .then(|| std::str::from_utf8(&tail[..2]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = octet {
            out.push(byte);
            rest = &tail[2..];
        } else {
            out.push(first);
            rest = tail;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

#[tokio::test]
async fn the_reset_mail_speaks_the_language_of_the_page_is_multipart_and_states_the_setting() {
    let mail = TempDir::new();
    let path = mail.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.mail_dir = Some(path);
        c.password_reset_ttl = HumanDuration(Duration::from_secs(90 * 60));
    })
    .await;
    let user: TestUser = app.create_user(UserSpec::default()).await;
    let browser = Browser::speaking(&app, "es-MX, en;q=0.5");
    let page = forgot(&app, &browser, &user.email).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert_eq!(html_lang(&page), "es");
    assert!(page.contains("es válido durante 90 minutos"), "{page}");

    wait_for_mails(mail.path(), 1).await;
    let file = std::fs::read_dir(mail.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .expect("the mail's file");
    let raw = std::fs::read_to_string(file).unwrap();
    assert!(raw.contains("multipart/alternative"), "{raw}");
    // RFC 2047: the subject is encoded; its product name is ASCII and shows through.
    let subject = raw
        .lines()
        .find(|l| l.starts_with("Subject: "))
        .expect("a subject");
    assert!(subject.contains("Latchkey"), "{subject}");
    let parts = mime_parts(&raw);
    assert_eq!(parts.len(), 2, "text and HTML");
    let (text_type, text) = &parts[0];
    let (html_type, html) = &parts[1];
    assert!(text_type.starts_with("text/plain"), "{text_type}");
    assert!(html_type.starts_with("text/html"), "{html_type}");
    for body in [text, html] {
        assert!(body.contains("válido durante 90 minutos"), "{body}");
        assert!(body.contains("/password/reset?token=lk_pr_"), "{body}");
    }
    assert!(html.contains("<html lang=\"es\">"));
    assert!(html.contains("Elegir una contraseña nueva"), "the button");
    assert!(
        !html.contains("<img") && !html.contains("<style"),
        "inline styles, no remote images"
    );
}

#[tokio::test]
async fn the_forgot_page_states_a_one_minute_lifetime_in_the_singular() {
    let app =
        TestApp::spawn_with(|c| c.password_reset_ttl = HumanDuration(Duration::from_secs(60)))
            .await;
    let user: TestUser = app.create_user(UserSpec::default()).await;
    let page = forgot(&app, &Browser::new(&app), &user.email).await;
    let page = page.text().await.unwrap();
    assert!(page.contains("works once, for 1 minute."), "{page}");
}
