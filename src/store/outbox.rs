//! The mail outbox (DESIGN.md §17): rows written with the event that causes them, leased by one sender at a time.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::mail_outbox as outbox;
use super::{Store, StoreError, with_conn, write_tx};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub recipient: String,
    /// The message, sealed with the master key (AES-256-GCM); emptied once sent.
    pub sealed_message: Vec<u8>,
    pub master_key_id: String,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub attempts: i32,
    pub locked_until: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Store {
    /// Leases up to `limit` messages that are due, for `lease` seconds: each is claimed by a conditional update,
    /// so of several senders (replicas) one gets it.
    pub async fn lease_due_mail(
        &self,
        now: i64,
        lease: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let candidates: Vec<String> = with_conn!(self, conn => {
            outbox::table
                .filter(outbox::sent_at.is_null())
                .filter(outbox::next_attempt_at.le(now))
                .filter(outbox::locked_until.le(now))
                .order(outbox::next_attempt_at.asc())
                .limit(limit)
                .select(outbox::id)
                .load(conn)
                .await?
        });
        let mut leased = Vec::new();
        for id in candidates {
            let row: Option<OutboxRow> = write_tx!(self, StoreError, conn => {
                let n = diesel::update(
                    outbox::table
                        .find(&id)
                        .filter(outbox::sent_at.is_null())
                        .filter(outbox::locked_until.le(now)),
                )
                .set(outbox::locked_until.eq(now + lease))
                .execute(conn)
                .await?;
                if n == 0 {
                    return Ok(None);
                }
                Ok(Some(outbox::table.find(&id).select(OutboxRow::as_select()).get_result(conn).await?))
            })?;
            leased.extend(row);
        }
        Ok(leased)
    }

    /// A message was delivered: it is marked sent and its content erased.
    pub async fn mark_mail_sent(&self, id: &str, now: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::update(outbox::table.find(&id))
                .set((
                    outbox::sent_at.eq(Some(now)),
                    outbox::sealed_message.eq(Vec::<u8>::new()),
                    outbox::last_error.eq(None::<String>),
                ))
                .execute(conn)
                .await?;
            Ok(())
        })
    }

    /// A delivery failed: try again at `next_attempt_at`.
    pub async fn mark_mail_failed(
        &self,
        id: &str,
        attempts: i32,
        next_attempt_at: i64,
        error: String,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        write_tx!(self, StoreError, conn => {
            diesel::update(outbox::table.find(&id))
                .set((
                    outbox::attempts.eq(attempts),
                    outbox::next_attempt_at.eq(next_attempt_at),
                    outbox::locked_until.eq(0),
                    outbox::last_error.eq(Some(error)),
                ))
                .execute(conn)
                .await?;
            Ok(())
        })
    }

    /// Messages not yet delivered (for operators and tests).
    pub async fn pending_mail(&self) -> Result<Vec<OutboxRow>, StoreError> {
        with_conn!(self, conn => {
            Ok(outbox::table
                .filter(outbox::sent_at.is_null())
                .order(outbox::created_at.asc())
                .select(OutboxRow::as_select())
                .load(conn)
                .await?)
        })
    }
}
