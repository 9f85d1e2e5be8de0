//! `latchkey audit`: read the audit trail of operator changes.

use clap::Subcommand;

use super::output::{Output, timestamp};
use crate::app::Services;
use crate::config::Config;
use crate::domain::audit;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit records, newest first
    List {
        /// How many records to show
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=1000))]
        limit: i64,
        /// Only records older than the record with this id (the last id of a previous page)
        #[arg(long, value_name = "ID")]
        before: Option<String>,
        #[command(flatten)]
        output: Output,
    },
}

/// Runs an `audit` command.
pub(super) async fn run(command: AuditCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        AuditCommand::List {
            limit,
            before,
            output,
        } => {
            let services = Services::for_command(config).await?;
            let records = audit::list(&services.store, before.as_deref(), limit).await?;
            output.print(serde_json::to_value(&records)?, || {
                records
                    .iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {}@{}  {}  {}  {}",
                            r.id,
                            timestamp(Some(r.at)),
                            r.actor,
                            r.source.as_deref().unwrap_or("-"),
                            r.action,
                            r.subject,
                            r.detail
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}
