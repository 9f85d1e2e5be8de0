//! The audit trail: every change an operator makes, through the admin API or the CLI, and every self-service
//! change to an account (registration, verification), is recorded with who made it, when and from where, and can
//! be read back (`latchkey audit list`, `GET /admin/v1/audit`).
//!
//! Records are written by the domain functions that make the changes (users, clients, keys), so no surface can
//! change something without a record. The emergency key revocation writes its record in the revoking transaction;
//! the others write it right after their change commits, and a record that can't be written is logged in full at
//! `error` level instead (the change is not undone).

use serde::Serialize;

pub use crate::store::audit::Actor;
use crate::store::audit::AuditRow;
pub use crate::store::types::AuditAction;
use crate::store::{Store, StoreError};

impl Actor {
    /// A caller of the admin API: the client its access token was issued to, from `address`.
    pub fn admin_client(client_id: &str, address: std::net::IpAddr) -> Self {
        Self {
            name: format!("client:{client_id}"),
            source: Some(address.to_string()),
        }
    }

    /// Whether the actor is an end user acting on their own account (rather than an operator).
    pub fn is_end_user(&self) -> bool {
        self.name.starts_with("user:")
    }

    /// The person a self-service change is about (registration, verification), from `address` when known.
    pub fn end_user(user: &str, address: Option<std::net::IpAddr>) -> Self {
        Self {
            name: format!("user:{user}"),
            source: address.map(|a| a.to_string()),
        }
    }

    /// An operator at the command line: the OS user, on this host.
    pub fn command_line() -> Self {
        let user = std::env::var("SUDO_USER")
            .or_else(|_| std::env::var("USER"))
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty());
        Self {
            name: format!("cli:{user}"),
            source: host,
        }
    }
}

/// One record as the CLI and the admin API show it. Times are UNIX seconds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Orders the records (UUIDv7).
    pub id: String,
    pub at: i64,
    /// `client:<id>` (admin API), `cli:<os user>` (command line), `user:<id>` (self-service).
    pub actor: String,
    /// The caller's address, or the CLI's host.
    pub source: Option<String>,
    /// What was done, e.g. `user.update`, `client.rotate_secret`, `key.revoke`.
    pub action: String,
    /// What it was done to: `user:<id>`, `client:<id>` or `key:<kid>`.
    pub subject: String,
    /// What changed (never a secret).
    pub detail: serde_json::Value,
}

impl AuditRecord {
    pub(crate) fn from_row(row: AuditRow) -> Self {
        Self {
            detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
            id: row.id,
            at: row.at,
            actor: row.actor,
            source: row.source,
            action: row.action.as_str().to_owned(),
            subject: row.subject,
        }
    }
}

/// Records a change that has just committed.
pub async fn record(
    store: &Store,
    actor: &Actor,
    action: AuditAction,
    subject: &str,
    detail: serde_json::Value,
    now: i64,
) {
    let row = AuditRow::new(actor, action, subject, &detail, now);
    if let Err(e) = store.insert_audit(row.clone()).await {
        tracing::error!(
            error = %e,
            actor = %row.actor,
            source = ?row.source,
            action = %row.action,
            subject = %row.subject,
            detail = %row.detail,
            at = row.at,
            "the audit record of a committed change could not be written"
        );
    }
}

/// Up to `limit` records older than `before` (a record id), newest first.
pub async fn list(
    store: &Store,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(store
        .audit_page(before, limit)
        .await?
        .into_iter()
        .map(AuditRecord::from_row)
        .collect())
}
