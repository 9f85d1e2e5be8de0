//! Timing oracles (issue 16, finding 6): how long an answer takes must not say whether an account exists.
//!
//! Each test takes many interleaved samples for an existing and an unknown account (the order alternating from
//! round to round, so drift and load fall on both alike) and compares the medians. The tolerance is wide enough for
//! a loaded 2-core machine and well below the differences these tests were written against (printed on every run;
//! see the README's security notes). The tests of this group measure one at a time, and use argon2 parameters low
//! enough for seconds, with the ratio between old and new parameters kept as large as production's changes are.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, TestClient, hidden_fields, tag, test_config};

/// One measuring test at a time: two of them at once would measure each other.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Rounds per test: one sample of each kind per round.
const ROUNDS: usize = 80;

/// How far apart the two kinds may be: `floor`, or `relative` of the smaller median if that is more.
struct Tolerance {
    floor: Duration,
    relative: f64,
}

/// Per-round samples of both kinds.
struct Samples {
    known: Vec<Duration>,
    unknown: Vec<Duration>,
}

/// What the samples say, in microseconds.
struct Verdict {
    known: f64,
    unknown: f64,
    /// The median of the rounds' differences (known − unknown): robust to drift, since a round's two samples are
    /// taken back to back.
    paired: f64,
    allowed: f64,
}

impl Samples {
    /// `ROUNDS` rounds after a few unrecorded ones (connections, caches); each round samples both kinds, in
    /// alternating order, with a pause after each sample so that work a request left behind is done.
    async fn take(sample: &mut impl AsyncFnMut(bool) -> Duration) -> Self {
        let mut samples = Self {
            known: Vec::with_capacity(ROUNDS),
            unknown: Vec::with_capacity(ROUNDS),
        };
        for round in 0..ROUNDS + 5 {
            for known in [round % 2 == 0, round % 2 != 0] {
                let took = sample(known).await;
                if round >= 5 {
                    if known {
                        samples.known.push(took);
                    } else {
                        samples.unknown.push(took);
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        samples
    }

    fn verdict(&self, tolerance: &Tolerance) -> Verdict {
        let micros = |d: &Duration| d.as_secs_f64() * 1e6;
        let known = median(self.known.iter().map(micros).collect());
        let unknown = median(self.unknown.iter().map(micros).collect());
        let paired = median(
            self.known
                .iter()
                .zip(&self.unknown)
                .map(|(k, u)| micros(k) - micros(u))
                .collect(),
        );
        let allowed = micros(&tolerance.floor).max(known.min(unknown) * tolerance.relative);
        Verdict {
            known,
            unknown,
            paired,
            allowed,
        }
    }
}

/// The median of `values`.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Measures `sample` and asserts that both kinds take as long, within `tolerance`. A measurement disturbed by
/// other load is taken once more; a real difference shows in both (the differences these tests were written
/// against were 2 to 30 times the tolerance).
async fn assert_alike(
    what: &str,
    tolerance: &Tolerance,
    mut sample: impl AsyncFnMut(bool) -> Duration,
) {
    let mut verdicts = Vec::new();
    for _ in 0..2 {
        let verdict = Samples::take(&mut sample).await.verdict(tolerance);
        eprintln!(
            "{what}: median known {:.0} µs, unknown {:.0} µs, paired difference {:+.0} µs (allowed ±{:.0} µs)",
            verdict.known, verdict.unknown, verdict.paired, verdict.allowed
        );
        if verdict.paired.abs() <= verdict.allowed {
            return;
        }
        verdicts.push(verdict);
    }
    let last = &verdicts[verdicts.len() - 1];
    panic!(
        "{what}: an existing account answers in {:.0} µs (median), an unknown one in {:.0} µs: rounds differ by \
         {:+.0} µs (median), more than {:.0} µs, in every measurement",
        last.known, last.unknown, last.paired, last.allowed
    );
}

/// A server whose limits never refuse the many requests a measurement makes from one address.
async fn measured_app(configure: impl FnOnce(&mut latchkey::config::Config)) -> TestApp {
    TestApp::spawn_with(|c| {
        c.login_failure_limit = 1_000_000;
        c.address_failure_limit = 1_000_000;
        c.address_request_limit = 0;
        c.forgot_password_limit = 1_000_000;
        configure(c);
    })
    .await
}

/// How long one request takes, until its whole body is read.
async fn timed(request: reqwest::RequestBuilder, expected: StatusCode) -> Duration {
    let started = Instant::now();
    let response = request.send().await.expect("the request");
    let status = response.status();
    response.bytes().await.expect("the body");
    let took = started.elapsed();
    assert_eq!(status, expected);
    took
}

/// A failed password grant for `login`.
fn wrong_password(app: &TestApp, client: &TestClient, login: &str) -> reqwest::RequestBuilder {
    app.http
        .post(app.token_url())
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[
            ("grant_type", "password"),
            ("username", login),
            ("password", "not the password at all"),
        ])
}

#[tokio::test]
async fn forgot_password_takes_as_long_for_an_existing_account_as_for_an_unknown_one() {
    let _measuring = MEASURING.lock().await;
    let app = measured_app(|_| {}).await;
    let (user, _) = app.user_and_client().await;
    let unknown = format!("nobody-{}@example.org", tag());
    let browser = Browser::new(&app);
    let page = browser.get(&app.url("/password/forgot")).await;
    let fields = hidden_fields(&page.text().await.expect("the forgot page"));
    let form_for = |email: &str| {
        let mut form = fields.clone();
        form.push(("email".into(), email.to_owned()));
        form
    };
    let (known_form, unknown_form) = (form_for(&user.email), form_for(&unknown));

    let tolerance = Tolerance {
        floor: Duration::from_micros(250),
        relative: 0.25,
    };
    assert_alike("POST /password/forgot", &tolerance, async |known| {
        let form = if known { &known_form } else { &unknown_form };
        let request = browser
            .http
            .post(app.url("/password/forgot"))
            .header("origin", &app.address)
            .form(form);
        // POST-redirect-GET: the same 303 to "check your email" for every address.
        timed(request, StatusCode::SEE_OTHER).await
    })
    .await;
}

#[tokio::test]
async fn a_failed_sign_in_takes_as_long_for_an_existing_account_as_for_an_unknown_one() {
    let _measuring = MEASURING.lock().await;
    let app = measured_app(|_| {}).await;
    let (user, client) = app.user_and_client().await;
    let unknown = format!("nobody-{}@example.org", tag());

    let tolerance = Tolerance {
        floor: Duration::from_micros(250),
        relative: 0.25,
    };
    assert_alike("failed password grant", &tolerance, async |known| {
        let login = if known { &user.email } else { &unknown };
        timed(
            wrong_password(&app, &client, login),
            StatusCode::BAD_REQUEST,
        )
        .await
    })
    .await;
}

#[tokio::test]
async fn after_an_argon2_parameter_change_a_failed_sign_in_to_an_old_hash_takes_as_long_as_to_an_unknown_account()
 {
    let _measuring = MEASURING.lock().await;
    // Hashes made with the old parameters (those of every test: 1 MiB, one pass)...
    let before = measured_app(|_| {}).await;
    let (user, client) = before.user_and_client().await;
    // ...and a server configured with new ones, twelve times the cost (production's 19 MiB × 2 after 12 MiB × 2
    // would be less; a jump to 64 MiB × 3 more).
    let mut config = test_config(before.database.url());
    config.password_hash_memory_kib = 4096;
    config.password_hash_iterations = 3;
    config.login_failure_limit = 1_000_000;
    config.address_failure_limit = 1_000_000;
    config.address_request_limit = 0;
    config.redis_prefix.clone_from(&before.config.redis_prefix);
    let app = TestApp::spawn_on(before.database.clone(), config).await;
    let unknown = format!("nobody-{}@example.org", tag());

    let tolerance = Tolerance {
        floor: Duration::from_micros(250),
        relative: 0.25,
    };
    assert_alike(
        "failed password grant, stored hash with older parameters",
        &tolerance,
        async |known| {
            let login = if known { &user.email } else { &unknown };
            timed(
                wrong_password(&app, &client, login),
                StatusCode::BAD_REQUEST,
            )
            .await
        },
    )
    .await;
}

/// Issue 18: registering an address that has an account takes as long as registering a new one: both check the
/// policy, hash the password and queue one insert; the account is looked up off the request path.
#[tokio::test]
async fn registering_takes_as_long_for_an_existing_address_as_for_a_new_one() {
    let _measuring = MEASURING.lock().await;
    let app = measured_app(|c| c.registration = latchkey::config::RegistrationMode::Open).await;
    let (user, _) = app.user_and_client().await;
    let browser = Browser::new(&app);
    let page = browser.get(&app.url("/register")).await;
    let fields = hidden_fields(&page.text().await.expect("the registration page"));
    let form_for = |email: &str| {
        let mut form = fields.clone();
        form.push(("email".into(), email.to_owned()));
        form.push(("password".into(), "a long enough passphrase".into()));
        form.push(("password_again".into(), "a long enough passphrase".into()));
        form
    };
    let known_form = form_for(&user.email);

    let tolerance = Tolerance {
        floor: Duration::from_micros(250),
        relative: 0.25,
    };
    assert_alike("POST /register", &tolerance, async |known| {
        // A new address each time: one registered before is an existing address by now.
        let fresh = form_for(&format!("new-{}@example.org", tag()));
        let form = if known { &known_form } else { &fresh };
        let request = browser
            .http
            .post(app.url("/register"))
            .header("origin", &app.address)
            .form(form);
        timed(request, StatusCode::OK).await
    })
    .await;
}

#[tokio::test]
async fn with_a_store_of_imported_bcrypt_hashes_a_failed_sign_in_takes_as_long_as_to_an_unknown_account()
 {
    let _measuring = MEASURING.lock().await;
    let app = measured_app(|_| {}).await;
    let client = app
        .create_client(crate::helpers::ClientSpec::with_grants(&["password"]))
        .await;
    let admin = app.admin_api(crate::helpers::ADMIN).await;
    // Every stored hash is an imported bcrypt one, of a cost ten times the test argon2id's (1 MiB, one pass):
    // without dummies of their format, an unknown login would cost argon2id and answer ten times faster.
    let rows: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            let mut salt = [0u8; 16];
            salt.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            serde_json::json!({
                "email": format!("imported-{i}-{}@example.org", tag()),
                "password_hash": bcrypt::hash_with_salt("their old password", 7, salt).expect("bcrypt").to_string(),
            })
        })
        .collect();
    let (report, _) = admin
        .expect(
            admin.post(
                "/admin/v1/users/import",
                &serde_json::Value::from(rows.clone()),
            ),
            200,
        )
        .await;
    assert_eq!(report["created"], 20);
    // The census that runs every 10 minutes, now.
    let costs = app
        .state
        .store
        .password_hash_costs()
        .await
        .expect("the census");
    app.state
        .hasher
        .follow_stored_costs(costs.into_iter().map(|c| (c.head, c.hashes as u64)))
        .await
        .expect("dummies for the stored costs");
    let known = rows[0]["email"].as_str().expect("an email").to_owned();
    let unknown = format!("nobody-{}@example.org", tag());

    let tolerance = Tolerance {
        floor: Duration::from_micros(250),
        relative: 0.25,
    };
    assert_alike(
        "failed password grant, imported bcrypt hashes",
        &tolerance,
        async |is_known| {
            let login = if is_known { &known } else { &unknown };
            timed(
                wrong_password(&app, &client, login),
                StatusCode::BAD_REQUEST,
            )
            .await
        },
    )
    .await;
}
