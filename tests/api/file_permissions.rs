//! Files readable by their owner only (issue 16, finding 9): the SQLite database holds password hashes and email
//! addresses, and `.eml` files in `mail_dir` hold reset links; the process's umask (usually 022) must not make
//! them readable by every local user. An existing database file that others can read is reported at start.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::helpers::{
    Browser, TempDir, TestApp, TestDatabase, UserSpec, latchkey_command, random_master_key,
    run_command, test_config,
};
use crate::password_reset::{forgot, wait_for_mails};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_database_its_journal_and_mail_files_are_readable_by_their_owner_only() {
    // A database nobody created yet: the server makes it (on PostgreSQL there is no file; mail is checked alike).
    let database = TestDatabase::empty().await;
    let spool = TempDir::new();
    let mail_dir = spool.path().join("latchkey").join("mail");
    let mut config = test_config(database.url());
    config.mail_dir = Some(mail_dir.clone());
    let app = TestApp::spawn_on(database.clone(), config).await;

    if let Some(file) = database.sqlite_file() {
        for name in ["test.db", "test.db-wal", "test.db-shm"] {
            let path = file.with_file_name(name);
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    for dir in [spool.path().join("latchkey"), mail_dir.clone()] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }

    let user = app.create_user(UserSpec::default()).await;
    forgot(&app, &Browser::new(&app), &user.email).await;
    wait_for_mails(&mail_dir, 1).await;
    let files: Vec<_> = std::fs::read_dir(&mail_dir)
        .expect("mail_dir")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[tokio::test]
async fn an_existing_database_file_readable_by_others_is_reported_at_start() {
    // Always a SQLite file, whatever TEST_DATABASE_URL says: the finding is about files.
    let cwd = TempDir::new();
    let file = cwd.path().join("data").join("db").join("latchkey.db");
    let url = format!("sqlite://{}", file.display());
    let master_key = random_master_key();
    let run = async |args: &[&str]| {
        let env = [
            ("LATCHKEY_DATABASE_URL", url.as_str()),
            ("LATCHKEY_MASTER_KEY", master_key.as_str()),
        ];
        let run = run_command(latchkey_command(cwd.path(), env, args), None).await;
        assert!(run.success, "{args:?}: {run:?}");
        run
    };

    run(&["migrate"]).await;
    for dir in [cwd.path().join("data"), cwd.path().join("data").join("db")] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    assert_eq!(mode(&file), 0o600);
    let quiet = run(&["clients", "list"]).await;
    assert!(
        !quiet.stderr.contains("readable by other local users"),
        "{}",
        quiet.stderr
    );

    // An operator's copy or an old install made it world-readable: said at start, left as it is.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let warned = run(&["clients", "list"]).await;
    assert!(
        warned.stderr.contains("readable by other local users")
            && warned.stderr.contains("latchkey.db"),
        "{}",
        warned.stderr
    );
    assert_eq!(mode(&file), 0o644, "the operator's file is not changed");
}
