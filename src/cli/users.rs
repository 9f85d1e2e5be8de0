//! `latchkey users`: create, import, list, disable and enable end users, log one out everywhere, and invite
//! people.

use std::io::Read;

use clap::Subcommand;
use serde_json::json;

use super::output::Output;
use crate::app::Services;
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::domain::invitations::{self, InvitationSettings, NewInvitation};
use crate::domain::letters::Wording;
use crate::domain::passwords::Password;
use crate::domain::user_import::{self, ImportReport};
use crate::domain::users::{self, NewUser};
use crate::values::locale::Locale;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from standard input, never from the command line
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: Option<String>,
        /// The name the user is shown by (the `name` claim), at most 100 characters
        #[arg(long)]
        display_name: Option<String>,
        /// A role for the `roles` claim (repeatable)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// The `tenant` claim
        #[arg(long)]
        tenant: Option<String>,
        /// Read the password from standard input (required)
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The address is known to be the user's: the email_verified claim is true from the start
        #[arg(long)]
        email_verified: bool,
        #[command(flatten)]
        output: Output,
    },
    /// List users
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Disable a user (by id, email or username) and revoke their sessions and tokens
    Disable {
        user: String,
        #[command(flatten)]
        output: Output,
    },
    /// Log a user out everywhere: revoke every session, refresh token and access token issued to them so far
    RevokeSessions {
        user: String,
        #[command(flatten)]
        output: Output,
    },
    /// Remove a user's second factors (authenticator app and recovery codes), e.g. after they lost both; the user
    /// is told by mail and can set up two-step verification again on the account page. Audited (user.mfa_reset)
    ResetMfa {
        user: String,
        #[command(flatten)]
        output: Output,
    },
    /// Enable a disabled user
    Enable {
        user: String,
        #[command(flatten)]
        output: Output,
    },
    /// Invite someone by email: they get a link to choose a password (and a username); their address is verified
    /// by it. The link works for invitation_ttl (the mail goes out through the running service's outbox)
    Invite {
        #[arg(long)]
        email: String,
        /// A role for the new account's `roles` claim (repeatable)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// The new account's `tenant` claim
        #[arg(long)]
        tenant: Option<String>,
        /// The language of the invitation mail (en, de, fr, es or one added in locales_dir; default: default_locale)
        #[arg(long, value_parser = parse_locale)]
        locale: Option<Locale>,
        #[command(flatten)]
        output: Output,
    },
    /// List invitations (pending, accepted, expired, revoked), newest first
    Invitations {
        #[command(flatten)]
        output: Output,
    },
    /// Withdraw a pending invitation: its link stops working
    RevokeInvitation {
        /// The invitation's id (see `users invitations`)
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Import users with their existing password hashes from FILE (`-`: standard input): JSON lines, or a JSON
    /// array. Each row: {"email", "password_hash" (argon2, bcrypt, scrypt, PBKDF2-SHA256 or Django's
    /// pbkdf2_sha256$…; null: the user must reset), "username"?, "roles"?, "tenant"?, "disabled"?}. An existing
    /// email is left as it is; invalid rows are reported (exit code 1) and the others imported
    Import {
        file: std::path::PathBuf,
        #[command(flatten)]
        output: Output,
    },
}

/// Runs a `users` command.
pub(super) async fn run(command: UsersCommand, config: &Config) -> anyhow::Result<()> {
    let services = Services::for_command(config).await?;
    let revocations = &services.revocations(
        crate::infra::clock::system(),
        config.access_token_ttl.as_secs(),
    );
    match command {
        UsersCommand::Create {
            email,
            username,
            display_name,
            roles,
            tenant,
            password_stdin: _,
            email_verified,
            output,
        } => {
            let password = Password::new(read_password_from_stdin()?)?;
            let user = users::create_user(
                &services.store,
                &services.hasher,
                NewUser {
                    email,
                    username,
                    display_name,
                    roles,
                    tenant,
                    password,
                    email_verified,
                },
                &Actor::command_line(),
                crate::store::now(),
            )
            .await?;
            output.print(json!({ "id": user.id, "email": user.email }), || {
                format!("created user {} ({})", user.id, user.email)
            });
        }
        UsersCommand::List { output } => {
            let all = users::list_users(&services.store).await?;
            output.print(serde_json::to_value(&all)?, || {
                all.iter()
                    .map(|u| {
                        let state = if u.disabled { "disabled" } else { "enabled" };
                        format!(
                            "{}  {}  {}  {}",
                            u.id,
                            u.email,
                            u.username.as_deref().unwrap_or("-"),
                            state
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        UsersCommand::Disable { user, output } => {
            let user = users::set_disabled(
                &services.store,
                revocations,
                &Actor::command_line(),
                &user,
                true,
                crate::store::now(),
            )
            .await?;
            output.print(json!({ "id": user.id, "disabled": true }), || {
                format!(
                    "disabled {} and revoked their sessions and tokens",
                    user.email
                )
            });
        }
        UsersCommand::RevokeSessions { user, output } => {
            let (user, ended) = users::revoke_sessions(
                &services.store,
                revocations,
                &Actor::command_line(),
                &user,
                crate::store::now(),
            )
            .await?;
            output.print(
                json!({ "id": user.id, "families_revoked": ended.families, "sessions_revoked": ended.sessions }),
                || {
                    format!(
                        "logged {} out everywhere: {} refresh-token families and {} sessions revoked; \
                         access tokens issued before now are refused",
                        user.email, ended.families, ended.sessions
                    )
                },
            );
        }
        UsersCommand::ResetMfa { user, output } => {
            let user = users::lookup(&services.store, &user).await?;
            let letters = crate::app::letters(config)?;
            let notice = Wording {
                writer: &letters,
                locale: None,
            }
            .write(crate::domain::letters::Letter::SecondFactorsReset)
            .to(&user.email);
            let removed = crate::domain::mfa::factors::remove(
                &services.store,
                &services.master,
                &Actor::command_line(),
                &user.id,
                notice,
                crate::domain::audit::AuditAction::UserResetMfa,
                crate::store::now(),
            )
            .await?;
            output.print(json!({ "id": user.id, "removed": removed }), || {
                if removed {
                    format!(
                        "removed the second factors of {}; they were told by mail (sent by the running service)",
                        user.email
                    )
                } else {
                    format!("{} has no second factor; nothing changed", user.email)
                }
            });
        }
        UsersCommand::Invite {
            email,
            roles,
            tenant,
            locale,
            output,
        } => {
            let letters = crate::app::letters(config)?;
            let settings = InvitationSettings {
                ttl: config.invitation_ttl.as_secs(),
                public_url: config.public_url(),
            };
            let invitation = invitations::invite(
                &services.store,
                &services.master,
                &settings,
                Wording {
                    writer: &letters,
                    locale: locale.as_ref(),
                },
                NewInvitation {
                    email,
                    roles,
                    tenant,
                },
                &Actor::command_line(),
                crate::store::now(),
            )
            .await?;
            output.print(serde_json::to_value(&invitation)?, || {
                format!(
                    "invited {} (invitation {}); the link works until {}",
                    invitation.email, invitation.id, invitation.expires_at
                )
            });
        }
        UsersCommand::Invitations { output } => {
            let all = invitations::list(&services.store, crate::store::now()).await?;
            output.print(serde_json::to_value(&all)?, || {
                all.iter()
                    .map(|i| format!("{}  {}  {}", i.id, i.email, i.status))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        UsersCommand::RevokeInvitation { id, output } => {
            invitations::revoke(
                &services.store,
                &id,
                &Actor::command_line(),
                crate::store::now(),
            )
            .await?;
            output.print(json!({ "id": id, "status": "revoked" }), || {
                format!("revoked invitation {id}")
            });
        }
        UsersCommand::Import { file, output } => import(&services, &file, &output).await?,
        UsersCommand::Enable { user, output } => {
            let user = users::set_disabled(
                &services.store,
                revocations,
                &Actor::command_line(),
                &user,
                false,
                crate::store::now(),
            )
            .await?;
            output.print(json!({ "id": user.id, "disabled": false }), || {
                format!("enabled {}", user.email)
            });
        }
    }
    Ok(())
}

/// `users import FILE`: the file in parts of at most `MAX_IMPORT_ROWS` rows (one audit record each).
async fn import(
    services: &Services,
    file: &std::path::Path,
    output: &Output,
) -> anyhow::Result<()> {
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?
    };
    let items = if text.trim_start().starts_with('[') {
        user_import::read_json_array(text.as_bytes()).map_err(|e| anyhow::anyhow!(e))?
    } else {
        user_import::read_json_lines(&text)
    };
    let mut report = ImportReport::default();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let part: Vec<_> = items.by_ref().take(user_import::MAX_IMPORT_ROWS).collect();
        report.extend(
            user_import::import_users(
                &services.store,
                &crate::infra::metrics::Metrics::disabled(),
                &Actor::command_line(),
                part,
                crate::store::now(),
            )
            .await?,
        );
    }
    output.print(serde_json::to_value(&report)?, || {
        let mut lines = vec![format!(
            "created {}, already existed {}, invalid {}",
            report.created, report.exists, report.invalid
        )];
        lines.extend(report.results.iter().filter_map(|r| {
            r.reason.as_ref().map(|reason| {
                format!(
                    "row {} ({}): {reason}",
                    r.row,
                    r.email.as_deref().unwrap_or("-")
                )
            })
        }));
        lines.join("\n")
    });
    if report.invalid > 0 {
        anyhow::bail!(
            "{} rows were invalid and not imported (listed above); the others were",
            report.invalid
        );
    }
    Ok(())
}

/// Reads a password from standard input: the whole input, without its final newline.
/// `--locale`: a language tag.
fn parse_locale(tag: &str) -> Result<Locale, String> {
    Locale::parse(tag).ok_or_else(|| format!("{tag:?} is not a language tag (such as de or pt-BR)"))
}

fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(crate::domain::passwords::MAX_PASSWORD_LEN as u64 + 2)
        .read_to_string(&mut text)
        .map_err(|e| anyhow::anyhow!("cannot read the password from standard input: {e}"))?;
    // One trailing line ending (LF or CRLF) is the terminal's, not the password's.
    let password = match text.strip_suffix('\n') {
        Some(line) => line.strip_suffix('\r').unwrap_or(line),
        None => &text,
    };
    Ok(password.to_owned())
}
