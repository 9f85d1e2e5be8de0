//! Importing users with the password hashes they already have (a migration from another system): JSON lines or a
//! JSON array of rows, idempotent by email, a result per row in input order.
//!
//! Nothing is hashed here: a row's hash is checked for format and cost (`domain::password_formats`) and stored as
//! it came, and the owner's first successful sign-in replaces it by the configured argon2id. So importing 10,000
//! bcrypt users costs 10,000 row inserts, in batches of [`CHUNK`] per transaction, not 10,000 bcrypt runs.
//!
//! Every row is validated as user creation validates (email, username, roles, tenant); a bad row is reported
//! `invalid` with its reason and never fails the others. An email that exists is reported `exists` and left as it
//! is, so running the same file twice creates nobody twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::audit::{self, Actor};
use crate::domain::password_formats::{self, NO_PASSWORD};
use crate::domain::users::{
    UserError, check_display_name, check_roles, check_tenant, check_username, normalize_email,
};
use crate::infra::metrics::Metrics;
use crate::store::users::{ImportedRow, NewUserRow};
use crate::store::{Store, StoreError};
use crate::values::ids::UserId;
use crate::values::roles::Roles;

/// Most rows one import call takes (the admin API answers 413 beyond; the CLI sends a longer file in parts).
pub const MAX_IMPORT_ROWS: usize = 10_000;
/// Rows per transaction: short enough not to hold the SQLite writer long, long enough to insert fast.
const CHUNK: usize = 500;

/// How the account came to be (the `source` of a user).
pub const SOURCE_IMPORT: &str = "import";

/// One user to import. Unknown fields are refused, never dropped.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRow {
    // No schema example: an example would be sent as JSON lines too, which OpenAPI testers can't serialize.
    pub email: String,
    /// 1-64 characters of `A-Z a-z 0-9 . _ - ~`.
    #[serde(default)]
    pub username: Option<String>,
    /// The name the user is shown by (the `name` claim), at most 100 characters.
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub tenant: Option<String>,
    /// Imported disabled (can't sign in until enabled).
    #[serde(default)]
    pub disabled: bool,
    /// The old system verified the address: the `email_verified` claim is true from the start (default false).
    #[serde(default)]
    pub email_verified: bool,
    /// Required: the user's existing hash (argon2 PHC, bcrypt `$2a$`/`$2b$`/`$2y$`, scrypt PHC, PBKDF2-SHA256 PHC
    /// or Django's `pbkdf2_sha256$…`), or `null` for a user who must set a password by reset.
    #[serde(deserialize_with = "required_nullable")]
    #[schema(value_type = Option<String>, required = true, max_length = 512)]
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for ImportRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportRow")
            .field("email", &self.email)
            .field("username", &self.username)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// `password_hash` must be present, and may be `null`.
fn required_nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// One row as read from the input: its position (the array index or the line number, from 1) and its JSON, or
/// why it is not JSON.
pub struct ImportItem {
    pub row: u64,
    pub value: Result<serde_json::Value, String>,
}

/// Reads JSON lines: one object per line; blank lines are skipped (but counted, so `row` is the line number).
pub fn read_json_lines(text: &str) -> Vec<ImportItem> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| ImportItem {
            row: i as u64 + 1,
            value: serde_json::from_str(line)
                .map_err(|e| format!("line {} is not JSON: {e}", i + 1)),
        })
        .collect()
}

/// Reads a JSON array of rows.
pub fn read_json_array(body: &[u8]) -> Result<Vec<ImportItem>, String> {
    let values: Vec<serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| format!("the body must be a JSON array of users: {e}"))?;
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, value)| ImportItem {
            row: i as u64 + 1,
            value: Ok(value),
        })
        .collect())
}

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    Created,
    Exists,
    Invalid,
}

impl RowStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Exists => "exists",
            Self::Invalid => "invalid",
        }
    }
}

/// One row's result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowResult {
    /// The row's position in the input: array index or line number, from 1.
    pub row: u64,
    pub status: RowStatus,
    /// The row's email (lowercased), when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The created user, or the existing one with this email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why the row was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The results of an import, in input order, with their counts.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: u64,
    pub exists: u64,
    pub invalid: u64,
    pub results: Vec<RowResult>,
}

impl ImportReport {
    fn push(&mut self, result: RowResult) {
        match result.status {
            RowStatus::Created => self.created += 1,
            RowStatus::Exists => self.exists += 1,
            RowStatus::Invalid => self.invalid += 1,
        }
        self.results.push(result);
    }

    /// Adds a later part's results (the CLI imports a long file in parts).
    pub fn extend(&mut self, other: Self) {
        for result in other.results {
            self.push(result);
        }
    }
}

/// A row that passed validation, with the format of its hash.
struct Valid {
    row: u64,
    user: NewUserRow,
    format: &'static str,
}

/// Imports `items` (at most [`MAX_IMPORT_ROWS`]): validates each, inserts the valid ones in order, and writes one
/// audit record with the counts (never a hash). A database failure part-way leaves the parts before it imported;
/// running the same input again completes it.
pub async fn import_users(
    store: &Store,
    metrics: &Metrics,
    actor: &Actor,
    items: Vec<ImportItem>,
    now: i64,
) -> Result<ImportReport, UserError> {
    if items.len() > MAX_IMPORT_ROWS {
        return Err(UserError::Invalid(format!(
            "at most {MAX_IMPORT_ROWS} rows per import"
        )));
    }
    let mut results: Vec<Option<RowResult>> = Vec::with_capacity(items.len());
    let mut valid = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match validate(item.value, now) {
            Ok((user, format)) => {
                results.push(None);
                valid.push((
                    index,
                    Valid {
                        row: item.row,
                        user,
                        format,
                    },
                ));
            }
            Err((email, reason)) => results.push(Some(RowResult {
                row: item.row,
                status: RowStatus::Invalid,
                email,
                id: None,
                reason: Some(reason),
            })),
        }
    }
    let mut formats: BTreeMap<&'static str, u64> = BTreeMap::new();
    for chunk in valid.chunks(CHUNK) {
        let outcomes = insert_chunk(store, chunk).await?;
        for ((index, row), outcome) in chunk.iter().zip(outcomes) {
            let (status, id, reason) = match outcome {
                ImportedRow::Created => {
                    *formats.entry(row.format).or_default() += 1;
                    (RowStatus::Created, Some(row.user.id.to_string()), None)
                }
                ImportedRow::Exists(id) => (RowStatus::Exists, Some(id.to_string()), None),
                ImportedRow::UsernameTaken => (
                    RowStatus::Invalid,
                    None,
                    Some("another user has this username".to_owned()),
                ),
            };
            results[*index] = Some(RowResult {
                row: row.row,
                status,
                email: Some(row.user.email.clone()),
                id,
                reason,
            });
        }
    }
    let mut report = ImportReport::default();
    for result in results.into_iter().flatten() {
        report.push(result);
    }
    for status in [RowStatus::Created, RowStatus::Exists, RowStatus::Invalid] {
        let rows = match status {
            RowStatus::Created => report.created,
            RowStatus::Exists => report.exists,
            RowStatus::Invalid => report.invalid,
        };
        if rows > 0 {
            metrics.users_imported(status.as_str(), rows);
        }
    }
    audit::record(
        store,
        actor,
        audit::AuditAction::UserImport,
        "users",
        serde_json::json!({
            "rows": report.results.len(),
            "created": report.created,
            "exists": report.exists,
            "invalid": report.invalid,
            "created_by_format": formats,
        }),
        now,
    )
    .await;
    Ok(report)
}

/// Inserts one chunk; a concurrent insert of one of its emails or usernames (PostgreSQL) makes the chunk's
/// transaction fail as a whole, and it is decided again with that row now existing.
async fn insert_chunk(
    store: &Store,
    chunk: &[(usize, Valid)],
) -> Result<Vec<ImportedRow>, UserError> {
    let rows: Vec<NewUserRow> = chunk.iter().map(|(_, v)| v.user.clone()).collect();
    let mut attempts = 0;
    loop {
        match store.import_users(rows.clone()).await {
            Err(StoreError::Conflict) if attempts < 3 => attempts += 1,
            Err(StoreError::Conflict) => return Err(UserError::Busy),
            other => return Ok(other?),
        }
    }
}

/// A row checked as user creation checks it, and its hash's format and cost; or its email (if readable) and why
/// it was refused (never the hash).
fn validate(
    value: Result<serde_json::Value, String>,
    now: i64,
) -> Result<(NewUserRow, &'static str), (Option<String>, String)> {
    let value = value.map_err(|reason| (None, reason))?;
    let email = value
        .get("email")
        .and_then(serde_json::Value::as_str)
        .map(str::to_lowercase);
    let row: ImportRow =
        serde_json::from_value(value).map_err(|e| (email.clone(), e.to_string()))?;
    let fail = |e: UserError| (email.clone(), e.to_string());
    let email = normalize_email(&row.email).map_err(fail)?;
    let fail = |reason: String| (Some(email.clone()), reason);
    if let Some(username) = &row.username {
        check_username(username).map_err(|e| fail(e.to_string()))?;
    }
    let display_name = match &row.display_name {
        Some(name) => check_display_name(name).map_err(|e| fail(e.to_string()))?,
        None => None,
    };
    check_roles(&row.roles).map_err(|e| fail(e.to_string()))?;
    check_tenant(row.tenant.as_deref()).map_err(|e| fail(e.to_string()))?;
    let (password_hash, format) = match &row.password_hash {
        None => (NO_PASSWORD.to_owned(), "none"),
        Some(text) => {
            let (format, stored) = password_formats::normalize_imported(text)
                .map_err(|e| fail(format!("password_hash: {e}")))?;
            (stored, format.as_str())
        }
    };
    Ok((
        NewUserRow {
            id: UserId::new(uuid::Uuid::now_v7().to_string()),
            email,
            username: row.username,
            password_hash,
            roles: Roles::new(row.roles),
            tenant: row.tenant,
            disabled: row.disabled,
            created_at: now,
            updated_at: now,
            email_verified: row.email_verified,
            source: SOURCE_IMPORT.to_owned(),
            display_name,
        },
        format,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str) -> Result<&'static str, String> {
        let item = read_json_lines(line).pop().expect("a row");
        validate(item.value, 0).map(|(_, f)| f).map_err(|(_, r)| r)
    }

    #[test]
    fn rows_are_validated_like_user_creation_and_their_hash_without_computing_it() {
        let bcrypt = r#""$2b$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96""#;
        assert_eq!(
            check(&format!(
                r#"{{"email":"A@x.org","password_hash":{bcrypt}}}"#
            )),
            Ok("bcrypt")
        );
        assert_eq!(
            check(r#"{"email":"a@x.org","password_hash":null}"#),
            Ok("none")
        );
        for (row, says) in [
            (r#"{"email":"a@x.org"}"#, "missing field `password_hash`"),
            (
                r#"{"email":"a@x.org","password_hash":null,"verified":true}"#,
                "unknown field `verified`",
            ),
            (
                r#"{"email":"nope","password_hash":null}"#,
                "not an email address",
            ),
            (
                r#"{"email":"a@x.org","username":"a@b","password_hash":null}"#,
                "usernames are",
            ),
            (
                r#"{"email":"a@x.org","roles":["a b"],"password_hash":null}"#,
                "role",
            ),
            (
                r#"{"email":"a@x.org","password_hash":"$2b$31$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96"}"#,
                "too costly",
            ),
            (
                r#"{"email":"a@x.org","password_hash":"hunter2"}"#,
                "not a supported password hash",
            ),
            ("{not json", "line 1 is not JSON"),
        ] {
            let error = check(row).expect_err(row);
            assert!(error.contains(says), "{row}: {error}");
            assert!(!error.contains("hunter2"), "never the hash: {error}");
        }
    }

    #[test]
    fn json_lines_are_numbered_by_line() {
        let items = read_json_lines("{\"a\":1}\n\n{\"b\":2}\n");
        assert_eq!(items.iter().map(|i| i.row).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn a_row_debug_never_shows_the_hash() {
        let row: ImportRow =
            serde_json::from_str(r#"{"email":"a@x.org","password_hash":"$2b$secret"}"#).unwrap();
        assert!(!format!("{row:?}").contains("secret"));
    }
}
