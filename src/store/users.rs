//! User rows.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::users;
use super::{Store, StoreError, with_conn, write_tx};
use crate::values::ids::UserId;
use crate::values::roles::Roles;

/// A user row. Its `Debug` leaves the password hash out: a hash in a log is an offline guessing target.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub username: Option<String>,
    pub password_hash: String,
    pub roles: Roles,
    pub tenant: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every change the admin API shows (its entity tags are built from it).
    pub version: i64,
    /// UNIX seconds of the last password reset (0: none); device cookies are bound to it.
    pub password_changed_at: i64,
    /// The user proved control of `email` (the `email_verified` claim).
    pub email_verified: bool,
    /// How the account came to be (`users::SOURCE_*`).
    pub source: String,
    /// The name the user is shown by (the `name` claim).
    pub display_name: Option<String>,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("password_hash", &"[redacted]")
            .field("roles", &self.roles)
            .field("tenant", &self.tenant)
            .field("disabled", &self.disabled)
            .field("email_verified", &self.email_verified)
            .field("source", &self.source)
            .field("display_name", &self.display_name)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A user row to insert; owns its values so the write can run on the SQLite writer thread.
#[derive(Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow {
    pub id: UserId,
    pub email: String,
    pub username: Option<String>,
    pub password_hash: String,
    pub roles: Roles,
    pub tenant: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub email_verified: bool,
    pub source: String,
    pub display_name: Option<String>,
}

/// The changeable attributes of a user, as a whole.
#[derive(Debug, Clone)]
pub struct UserAttributes {
    pub roles: Roles,
    pub tenant: Option<String>,
    pub disabled: bool,
    pub username: Option<String>,
    pub display_name: Option<String>,
}

impl Store {
    pub async fn insert_user(&self, row: NewUserRow) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(users::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    /// Finds a user by email (already normalised: lowercase).
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(users::table
                .filter(users::email.eq(email))
                .select(UserRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    pub async fn find_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(users::table
                .filter(users::username.eq(username))
                .select(UserRow::as_select())
                .get_result(conn)
                .await
                .optional()?)
        })
    }

    pub async fn find_user(&self, id: &UserId) -> Result<Option<UserRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(users::table.find(id).select(UserRow::as_select()).get_result(conn).await.optional()?)
        })
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(users::table.order((users::created_at.asc(), users::id.asc())).select(UserRow::as_select()).load(conn).await?)
        })
    }

    /// Up to `limit` users with an id after `after`, by id (UUIDv7: creation order, so paging is stable under
    /// inserts).
    pub async fn users_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<UserRow>, StoreError> {
        with_conn!(self, conn => {
            let mut query = users::table
                .order(users::id.asc())
                .limit(limit)
                .select(UserRow::as_select())
                .into_boxed();
            if let Some(after) = after {
                query = query.filter(users::id.gt(after.to_owned()));
            }
            Ok(query.load(conn).await?)
        })
    }

    /// Sets roles (JSON), tenant and the disabled flag, if the row is still at `version`; bumps the version.
    /// Returns false when the row changed meanwhile (or is gone).
    /// Sets what an operator (or, for the username and display name, the user) may change, while the user is
    /// still at `version`. A username someone else has is [`StoreError::Conflict`].
    pub async fn update_user_attributes(
        &self,
        id: &UserId,
        version: i64,
        attributes: UserAttributes,
        now: i64,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            let n = diesel::update(users::table.find(&id).filter(users::version.eq(version)))
                .set((
                    users::roles.eq(&attributes.roles),
                    users::tenant.eq(&attributes.tenant),
                    users::disabled.eq(attributes.disabled),
                    users::username.eq(&attributes.username),
                    users::display_name.eq(&attributes.display_name),
                    users::updated_at.eq(now),
                    users::version.eq(version + 1),
                ))
                .execute(conn)
                .await?;
            Ok(n == 1)
        })
    }

    /// Replaces a password hash, but only if it is still the one that was verified (a concurrent change wins).
    pub async fn replace_password_hash(
        &self,
        id: &UserId,
        old: &str,
        new: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (id, old, new) = (id.to_owned(), old.to_owned(), new.to_owned());
        write_tx!(self, StoreError, conn => {
            let n = diesel::update(users::table.find(&id).filter(users::password_hash.eq(&old)))
                .set((users::password_hash.eq(&new), users::updated_at.eq(now)))
                .execute(conn)
                .await?;
            Ok(n == 1)
        })
    }
}

/// What an import did with one row (see [`Store::import_users`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportedRow {
    Created,
    /// A user with this email exists (or came earlier in the batch): nothing changed.
    Exists(UserId),
    /// Another user (or an earlier row) has this username.
    UsernameTaken,
}

impl Store {
    /// Inserts `rows` in one transaction, deciding in order: a row whose email exists (or came earlier) is left as
    /// it is, one whose username another user has is refused, the others are inserted. A
    /// concurrent insert of the same email or username (PostgreSQL) fails the whole call with
    /// [`StoreError::Conflict`] and changes nothing: run it again.
    pub async fn import_users(
        &self,
        rows: Vec<NewUserRow>,
    ) -> Result<Vec<ImportedRow>, StoreError> {
        use std::collections::{HashMap, HashSet};
        write_tx!(self, StoreError, conn => {
            let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
            let names: Vec<&str> = rows.iter().filter_map(|r| r.username.as_deref()).collect();
            let mut by_email: HashMap<String, UserId> = users::table
                .filter(users::email.eq_any(&emails))
                .select((users::email, users::id))
                .load::<(String, UserId)>(conn)
                .await?
                .into_iter()
                .collect();
            let mut taken: HashSet<String> = users::table
                .filter(users::username.eq_any(&names))
                .select(users::username)
                .load::<Option<String>>(conn)
                .await?
                .into_iter()
                .flatten()
                .collect();
            let mut outcomes = Vec::with_capacity(rows.len());
            for row in &rows {
                if let Some(id) = by_email.get(&row.email) {
                    outcomes.push(ImportedRow::Exists(id.clone()));
                    continue;
                }
                if let Some(name) = &row.username
                    && !taken.insert(name.clone())
                {
                    outcomes.push(ImportedRow::UsernameTaken);
                    continue;
                }
                by_email.insert(row.email.clone(), row.id.clone());
                outcomes.push(ImportedRow::Created);
                // One statement per row (diesel-async has no multi-row insert on SQLite), all in this transaction:
                // one commit for the chunk, which is what costs.
                diesel::insert_into(users::table).values(row).execute(conn).await?;
            }
            Ok(outcomes)
        })
    }
}

impl Store {
    /// Disables (or re-enables) a user; disabling also revokes every refresh-token family and hosted session the
    /// user has.
    pub async fn set_user_disabled(
        &self,
        id: &UserId,
        disabled: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        use super::schema::{refresh_token_families as families, sessions};
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            let n = diesel::update(users::table.find(&id))
                .set((
                    users::disabled.eq(disabled),
                    users::updated_at.eq(now),
                    users::version.eq(users::version + 1),
                ))
                .execute(conn)
                .await?;
            if disabled && n == 1 {
                diesel::update(
                    families::table.filter(families::user_id.eq(&id)).filter(families::revoked_at.is_null()),
                )
                .set((families::revoked_at.eq(Some(now)), families::revoked_reason.eq(Some("user disabled"))))
                .execute(conn)
                .await?;
                diesel::update(
                    sessions::table.filter(sessions::user_id.eq(&id)).filter(sessions::revoked_at.is_null()),
                )
                .set((sessions::revoked_at.eq(Some(now)), sessions::revoked_reason.eq(Some("user disabled"))))
                .execute(conn)
                .await?;
            }
            Ok(n == 1)
        })
    }
}

/// The head of a stored hash up to its parameters (`$argon2id$v=19$m=19456,t=2,p=1$`, `$2b$12$`,
/// `$scrypt$ln=17,r=8,p=1$`, `$pbkdf2-sha256$i=600000,l=32$`, `pbkdf2_sha256$600000$`) and how many stored password
/// hashes start with it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct HashCostCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub head: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub hashes: i64,
}

/// Cuts each hash after its parameters and counts the heads: argon2 after its third `$` past the first (algorithm,
/// version, parameters), every other format after its second (bcrypt `$2b$12$`, scrypt and PBKDF2 PHC strings have
/// no version; Django's `pbkdf2_sha256$600000$` has no leading `$`, so its first two `$` are its own). Users without
/// a password (`!`) cost nothing and are left out. The same text on both backends but for the name of the string
/// search (`instr` / `strpos`).
const HASH_COSTS_SQL: &str = "SELECT head, count(*) AS hashes FROM (
    SELECT CASE WHEN substr(h, 1, 7) = '$argon2' THEN substr(h, 1, p3) ELSE substr(h, 1, p2) END AS head FROM (
        SELECT h, p2, p2 + FIND(substr(h, p2 + 1), '$') AS p3 FROM (
            SELECT h, p1 + FIND(substr(h, p1 + 1), '$') AS p2 FROM (
                SELECT password_hash AS h, 1 + FIND(substr(password_hash, 2), '$') AS p1 FROM users
                WHERE password_hash <> '!'
            ) AS a
        ) AS b
    ) AS c
) AS d GROUP BY head ORDER BY hashes DESC LIMIT 16";

impl Store {
    /// The password-hash costs in use: the most common parameter heads (at most 16) and how many hashes use each.
    /// One scan of `users`, in the database.
    pub async fn password_hash_costs(&self) -> Result<Vec<HashCostCount>, StoreError> {
        let find = match self.backend() {
            "postgres" => "strpos",
            _ => "instr",
        };
        let sql = HASH_COSTS_SQL.replace("FIND", find);
        with_conn!(self, conn => {
            Ok(diesel::sql_query(sql.clone()).load(conn).await?)
        })
    }
}
