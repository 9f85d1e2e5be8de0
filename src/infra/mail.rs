//! Mail that is never lost (DESIGN.md §17): a message is sealed into the outbox in the same transaction as the
//! event that causes it, and a background sender delivers it over SMTP (`smtp_url`) or into `.eml` files
//! (`mail_dir`, for development), retrying with backoff. A restart or an SMTP outage delays mail; it never drops
//! it and never changes what the user sees.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::domain::signing::MasterKey;
use crate::infra::clock::SharedClock;
use crate::store::Store;
use crate::store::outbox::OutboxRow;
use crate::store::private_files;

/// How long a sender holds a message before another may try it.
const LEASE_SECS: i64 = 60;
/// Longest wait between two attempts at one message.
const MAX_BACKOFF_SECS: i64 = 15 * 60;
/// How often the sender looks for due mail when nothing wakes it.
const POLL: Duration = Duration::from_secs(2);

/// A message, as sealed into the outbox.
#[derive(Debug, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The same message in HTML, sent with `text` as multipart/alternative (RFC 2046 §5.1.4). Absent in rows
    /// sealed before mail had it (they are still delivered, as plain text).
    #[serde(default)]
    pub html: Option<String>,
}

impl Mail {
    /// The outbox row for this message, sealed with `master` (the reset link in it is a secret), due at once.
    pub fn into_outbox(self, master: &MasterKey, now: i64) -> anyhow::Result<OutboxRow> {
        let id = uuid::Uuid::now_v7().to_string();
        let sealed = master.seal(&context(&id), &serde_json::to_vec(&self)?)?;
        Ok(OutboxRow {
            id,
            recipient: self.to,
            sealed_message: sealed,
            master_key_id: master.id().to_owned(),
            created_at: now,
            next_attempt_at: now,
            attempts: 0,
            locked_until: 0,
            sent_at: None,
            last_error: None,
        })
    }
}

fn context(id: &str) -> String {
    format!("mail_outbox:{id}")
}

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message, readable by the owner only (a reset link is a secret).
    Directory(std::path::PathBuf),
}

impl Transport {
    /// From the settings: `smtp_url` (`smtp://`, `smtps://`, with `?tls=required` for STARTTLS; lettre's URL
    /// format) or `mail_dir`. `None` when neither is set: mail then waits in the outbox.
    pub fn configure(
        smtp_url: Option<&str>,
        mail_dir: Option<&std::path::Path>,
    ) -> anyhow::Result<Option<Self>> {
        if let Some(url) = smtp_url {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| anyhow::anyhow!("smtp_url: {e}"))?
                .timeout(Some(Duration::from_secs(10)))
                .build();
            return Ok(Some(Self::Smtp(transport)));
        }
        if let Some(dir) = mail_dir {
            private_files::create_private_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("mail_dir {}: {e}", dir.display()))?;
            return Ok(Some(Self::Directory(dir.to_owned())));
        }
        Ok(None)
    }

    async fn send(&self, message: lettre::Message) -> anyhow::Result<()> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(Into::into),
            Self::Directory(dir) => write_eml(dir, &message.formatted()).await,
        }
    }
}

/// Writes `message` to a new `<uuid>.eml` in `dir`, created 0600 (lettre's file transport leaves it to the
/// umask), under a temporary name first so that a reader never sees half a message.
async fn write_eml(dir: &std::path::Path, message: &[u8]) -> anyhow::Result<()> {
    let name = uuid::Uuid::new_v4().to_string();
    let (partial, done) = (
        dir.join(format!(".{name}.eml.part")),
        dir.join(format!("{name}.eml")),
    );
    let message = message.to_vec();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = private_files::new_private_file().open(&partial)?;
        file.write_all(&message)?;
        file.sync_all()?;
        std::fs::rename(&partial, &done)
    })
    .await?
    .map_err(|e| anyhow::anyhow!("mail_dir: {e}"))
}

/// The background sender: one per process; several replicas share the outbox through leases.
pub struct Sender {
    pub store: Store,
    pub master: Arc<MasterKey>,
    pub transport: Transport,
    pub from: Mailbox,
    pub clock: SharedClock,
    /// Wakes the sender at once when a request queued mail.
    pub wake: Arc<tokio::sync::Notify>,
}

impl Sender {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.deliver_due().await {
                    tracing::warn!(error = %e, "mail outbox unavailable; will retry");
                }
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        })
    }

    /// Sends every message that is due; failures are rescheduled with exponential backoff.
    pub async fn deliver_due(&self) -> anyhow::Result<()> {
        let now = self.clock.now();
        for row in self.store.lease_due_mail(now, LEASE_SECS, 20).await? {
            match self.deliver(&row).await {
                Ok(()) => {
                    self.store.mark_mail_sent(&row.id, self.clock.now()).await?;
                    tracing::info!(mail = %row.id, "mail delivered");
                }
                Err(e) => {
                    let attempts = row.attempts.saturating_add(1);
                    let backoff = (5_i64 << attempts.min(10)).min(MAX_BACKOFF_SECS);
                    tracing::warn!(mail = %row.id, attempts, error = %e, retry_in_secs = backoff, "mail delivery failed");
                    self.store
                        .mark_mail_failed(
                            &row.id,
                            attempts,
                            self.clock.now() + backoff,
                            format!("{e:#}"),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn deliver(&self, row: &OutboxRow) -> anyhow::Result<()> {
        let plain = self
            .master
            .open(&context(&row.id), &row.master_key_id, &row.sealed_message)?;
        let mail: Mail = serde_json::from_slice(&plain)?;
        let builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(mail.to.parse()?)
            .subject(mail.subject);
        let message = match mail.html {
            // Plain text first: clients show the last part they can render (RFC 2046 §5.1.4).
            Some(html) => builder.multipart(lettre::message::MultiPart::alternative_plain_html(
                mail.text, html,
            ))?,
            None => builder
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(mail.text)?,
        };
        self.transport.send(message).await
    }
}
