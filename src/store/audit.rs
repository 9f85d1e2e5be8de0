//! The audit trail (`audit_log`): who changed what, when and from where. Ids are UUIDv7, so their order is the order
//! of the records, and a page cursor is the last id seen (stable under inserts: new records sort before the first
//! page, never into a later one).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::audit_log;
use super::types::AuditAction;
use super::{Store, StoreError, with_conn, write_tx};

/// Who acts: `client:<id>` for a caller of the admin API, `cli:<os user>` for an operator at the command line,
/// `system` for the service itself; `source` is the caller's address or the CLI's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub source: Option<String>,
    pub action: AuditAction,
    pub subject: String,
    /// JSON object.
    pub detail: String,
}

impl AuditRow {
    /// A new record with a fresh id.
    pub fn new(
        actor: &Actor,
        action: AuditAction,
        subject: &str,
        detail: &serde_json::Value,
        at: i64,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            at,
            actor: actor.name.clone(),
            source: actor.source.clone(),
            action,
            subject: subject.to_owned(),
            detail: detail.to_string(),
        }
    }
}

impl Store {
    pub async fn insert_audit(&self, row: AuditRow) -> Result<(), StoreError> {
        write_tx!(self, StoreError, conn => {
            diesel::insert_into(audit_log::table).values(&row).execute(conn).await?;
            Ok(())
        })
    }

    /// Up to `limit` records older than the record `before` (all when `None`), newest first.
    pub async fn audit_page(
        &self,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        with_conn!(self, conn => {
            let mut query = audit_log::table
                .order(audit_log::id.desc())
                .limit(limit)
                .select(AuditRow::as_select())
                .into_boxed();
            if let Some(before) = before {
                query = query.filter(audit_log::id.lt(before.to_owned()));
            }
            Ok(query.load(conn).await?)
        })
    }
}
