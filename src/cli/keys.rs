//! `latchkey keys`: list, rotate and revoke signing keys, and re-seal them under a new master key.

use std::fmt::Write as _;

use clap::Subcommand;
use serde_json::json;

use super::output::{Output, timestamp};
use crate::app::Services;
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::domain::signing::admin::{self as key_admin, RotateOutcome};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys with their state, schedule, when each last signed and the live refresh-token families
    /// still carrying it
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Start a rotation: publish a `next` key that signs after key_publish_ahead
    Rotate {
        /// Promote the published `next` key at once (refused while verifiers may not know it yet)
        #[arg(long)]
        now: bool,
        #[command(flatten)]
        output: Output,
    },
    /// Emergency: remove a key from the JWKS, switch signing away from it, and revoke the refresh tokens issued
    /// with access tokens it signed
    Revoke {
        /// The key's kid. A kid is base64url and may begin with `-`: it is never taken for an option.
        #[arg(allow_hyphen_values = true)]
        kid: String,
        /// Why (written to the audit log)
        #[arg(long, required = true)]
        reason: String,
        #[command(flatten)]
        output: Output,
    },
    /// Re-seal every signing key under the current master key (after rotating it; set
    /// LATCHKEY_MASTER_KEY_PREVIOUS to the old one)
    Rewrap {
        #[command(flatten)]
        output: Output,
    },
}

/// Runs a `keys` command; a change is announced to the replicas when Redis carries key-change notices.
pub(super) async fn run(command: KeysCommand, config: &Config) -> anyhow::Result<()> {
    let services = Services::for_command(config).await?;
    let (store, master, policy) = (&services.store, &services.master, &services.policy);
    let changed = match command {
        KeysCommand::List { output } => {
            let keys = key_admin::list(store, crate::store::now()).await?;
            output.print(serde_json::to_value(&keys)?, || {
                let mut lines = vec![format!(
                    "{:<44}  {:<8}  {:<20}  {:<20}  {:<20}  {:<20}  {:<20}  {}",
                    "KID",
                    "STATE",
                    "CREATED",
                    "ACTIVATES/ACTIVATED",
                    "RETIRED",
                    "LEAVES JWKS",
                    "LAST SIGNED",
                    "LIVE FAMILIES"
                )];
                lines.extend(keys.iter().map(|k| {
                    format!(
                        "{:<44}  {:<8}  {:<20}  {:<20}  {:<20}  {:<20}  {:<20}  {}",
                        k.kid,
                        k.state,
                        timestamp(Some(k.created_at)),
                        timestamp(k.activated_at.or(k.activates_at)),
                        timestamp(k.retired_at),
                        timestamp(k.leaves_jwks_at),
                        timestamp(k.last_signed_at),
                        k.live_refresh_families,
                    )
                }));
                lines.join("\n")
            });
            false
        }
        KeysCommand::Rotate { now, output } => {
            let outcome = if now {
                key_admin::rotate_now(store, policy, &Actor::command_line(), crate::store::now())
                    .await
                    .map_err(key_command_error)?
            } else {
                key_admin::rotate(
                    store,
                    master,
                    policy,
                    config.key_bits,
                    &Actor::command_line(),
                    crate::store::now(),
                )
                .await
                .map_err(key_command_error)?
            };
            output.print(serde_json::to_value(&outcome)?, || match &outcome {
                RotateOutcome::Scheduled { kid, activates_at } => {
                    format!(
                        "published key {kid}; it signs from {}",
                        timestamp(Some(*activates_at))
                    )
                }
                RotateOutcome::AlreadyScheduled { kid, activates_at } => format!(
                    "a rotation is already under way: key {kid} signs from {}",
                    timestamp(Some(*activates_at))
                ),
                RotateOutcome::Promoted { kid } => format!("key {kid} signs from now on"),
            });
            !matches!(outcome, RotateOutcome::AlreadyScheduled { .. })
        }
        KeysCommand::Revoke {
            kid,
            reason,
            output,
        } => {
            let revocation = key_admin::revoke(
                store,
                master,
                config.key_bits,
                &kid,
                &reason,
                &Actor::command_line(),
                crate::store::now(),
            )
            .await
            .map_err(key_command_error)?;
            output.print(
                json!({
                    "kid": kid,
                    "revoked": true,
                    "new_active": revocation.new_active,
                    "families_revoked": revocation.families_revoked,
                }),
                || {
                    let mut text = format!("revoked key {kid}; it has left the JWKS");
                    if let Some(new) = &revocation.new_active {
                        let _ = write!(text, "\nkey {new} signs from now on");
                    }
                    let _ = write!(
                        text,
                        "\nrevoked {} refresh-token families",
                        revocation.families_revoked
                    );
                    text
                },
            );
            true
        }
        KeysCommand::Rewrap { output } => {
            let kids = key_admin::rewrap(store, master)
                .await
                .map_err(key_command_error)?;
            output.print(
                json!({ "rewrapped": kids, "master_key_id": master.id() }),
                || {
                    format!(
                        "re-sealed {} key(s) under master key {}",
                        kids.len(),
                        master.id()
                    )
                },
            );
            false
        }
    };
    if changed && let Some(notices) = &services.notices {
        notices.publish().await;
    }
    Ok(())
}

/// A key operation's refusal, with what to do about it on the command line.
fn key_command_error(e: key_admin::AdminError) -> anyhow::Error {
    use key_admin::{AdminError, KeyRefusal};
    if let AdminError::Invalid(KeyRefusal::NoReason) = e {
        return anyhow::anyhow!(
            "--reason must say why the key is revoked (it goes to the audit log)"
        );
    }
    let hint = match &e {
        AdminError::Invalid(KeyRefusal::NoNextKey { .. }) => "; run `latchkey keys rotate` first",
        AdminError::Invalid(KeyRefusal::SealedByUnknownMasterKey { .. }) => {
            "; set LATCHKEY_MASTER_KEY_PREVIOUS to the key that sealed it"
        }
        _ => "",
    };
    anyhow::anyhow!("{e}{hint}")
}
