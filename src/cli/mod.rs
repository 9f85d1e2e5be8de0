//! The `latchkey` command line: `serve`, and the operator commands that share its configuration and database.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::app::{Application, Services};
use crate::config::Config;
use crate::domain::audit::{self, Actor};
use crate::domain::clients::{self, NewClient};
use crate::domain::passwords::Password;
use crate::domain::revocation::Revocations;
use crate::domain::signing::admin::{self as key_admin, RotateOutcome};
use crate::domain::users::{self, NewUser};

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "A small, fast, safe-by-default OAuth2 token service"
)]
pub struct Cli {
    /// TOML configuration file [default: config/latchkey.toml if present]
    #[arg(long, global = true, env = "LATCHKEY_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the token service (applies pending migrations and creates the first signing key if needed)
    Serve {
        /// Do not apply pending migrations at start-up
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending database migrations and exit
    Migrate,
    /// Manage end users
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage OAuth clients
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// Manage signing keys: rotation, emergency revocation, master-key rewrap
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Read the audit trail of operator changes (admin API and CLI)
    #[command(subcommand)]
    Audit(AuditCommand),
}

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

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from standard input, never from the command line
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: Option<String>,
        /// A role for the `roles` claim (repeatable)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// The `tenant` claim
        #[arg(long)]
        tenant: Option<String>,
        /// Read the password from standard input (required)
        #[arg(long, required = true)]
        password_stdin: bool,
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
    /// Enable a disabled user
    Enable {
        user: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a client; a confidential client's secret is printed once and stored only as a hash
    Create {
        #[arg(long)]
        id: String,
        /// A public client (no secret; authenticates by client_id alone)
        #[arg(long)]
        public: bool,
        /// An allowed grant: authorization_code, client_credentials, password or refresh_token (repeatable)
        #[arg(
            long = "grant",
            value_name = "GRANT",
            required_unless_present = "can_introspect"
        )]
        grants: Vec<String>,
        /// A scope the client may request (repeatable)
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// An `aud` of its access tokens (repeatable; default: the client id)
        #[arg(long = "audience", value_name = "AUDIENCE")]
        audiences: Vec<String>,
        /// A redirection URI, matched exactly (repeatable; https, or http on a loopback host)
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// A URI a logout may return to (repeatable)
        #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
        post_logout_redirect_uris: Vec<String>,
        /// How a confidential client authenticates: client_secret_basic (default) or client_secret_post
        #[arg(long, value_name = "METHOD")]
        auth_method: Option<String>,
        /// Let this confidential client redeem authorization codes without PKCE (it must then send a nonce)
        #[arg(long)]
        allow_no_pkce: bool,
        /// Let this confidential client call POST /introspect (a resource server; needs no grant)
        #[arg(long)]
        can_introspect: bool,
        #[command(flatten)]
        output: Output,
    },
    /// List clients
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Delete a client and every refresh token issued to it
    Delete {
        id: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Args)]
pub struct Output {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

impl Output {
    fn print(&self, value: serde_json::Value, text: impl FnOnce() -> String) {
        if self.json {
            println!("{value}")
        } else {
            println!("{}", text())
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { no_migrate } => {
            let config = Config {
                migrate_on_start: !no_migrate && config.migrate_on_start,
                ..config
            };
            Application::build(config)
                .await?
                .run_until_stopped()
                .await?;
        }
        Command::Migrate => {
            let applied = crate::store::run_migrations(&config.database_url).await?;
            println!("{} migration(s) applied", applied.len());
        }
        Command::Users(command) => {
            let services = Services::for_command(&config).await?;
            let revocations = services.revocations(
                crate::infra::clock::system(),
                config.access_token_ttl.as_secs(),
            );
            users_command(command, &services, &revocations).await?
        }
        Command::Clients(command) => {
            clients_command(command, &Services::for_command(&config).await?).await?
        }
        Command::Keys(command) => {
            keys_command(command, &Services::for_command(&config).await?, &config).await?
        }
        Command::Audit(AuditCommand::List {
            limit,
            before,
            output,
        }) => {
            let services = Services::for_command(&config).await?;
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

async fn users_command(
    command: UsersCommand,
    services: &Services,
    revocations: &Revocations,
) -> anyhow::Result<()> {
    match command {
        UsersCommand::Create {
            email,
            username,
            roles,
            tenant,
            password_stdin: _,
            output,
        } => {
            let password = Password::new(read_password_from_stdin()?)?;
            let user = users::create_user(
                &services.store,
                &services.hasher,
                NewUser {
                    email,
                    username,
                    roles,
                    tenant,
                    password,
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

async fn clients_command(command: ClientsCommand, services: &Services) -> anyhow::Result<()> {
    match command {
        ClientsCommand::Create {
            id,
            public,
            grants,
            scopes,
            audiences,
            redirect_uris,
            post_logout_redirect_uris,
            auth_method,
            allow_no_pkce,
            can_introspect,
            output,
        } => {
            let (client, secret) = clients::create_client(
                &services.store,
                NewClient {
                    id,
                    public,
                    grants,
                    scopes,
                    audiences,
                    redirect_uris,
                    post_logout_redirect_uris,
                    auth_method,
                    allow_no_pkce,
                    can_introspect,
                },
                &Actor::command_line(),
                crate::store::now(),
            )
            .await?;
            let secret = secret.as_ref().map(|s| s.expose().to_owned());
            output.print(json!({ "client_id": client.id, "client_secret": secret }), || match &secret {
                Some(secret) => format!(
                    "created confidential client {}\nclient_secret: {secret}\n(shown once: store it now)",
                    client.id
                ),
                None => format!("created public client {}", client.id),
            });
        }
        ClientsCommand::List { output } => {
            let all = clients::list_clients(&services.store).await?;
            let rows: Vec<_> = all.iter().map(|c| c.view()).collect();
            output.print(serde_json::to_value(&rows)?, || {
                all.iter()
                    .map(|c| {
                        let kind = if c.is_public() {
                            "public"
                        } else {
                            "confidential"
                        };
                        let grants: Vec<_> = c.grants.iter().map(|g| g.as_str()).collect();
                        format!(
                            "{}  {kind}  grants={}  scope={}",
                            c.id,
                            grants.join(","),
                            c.scope
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ClientsCommand::Delete { id, output } => {
            clients::delete_client(
                &services.store,
                &Actor::command_line(),
                &id,
                None,
                crate::store::now(),
            )
            .await?;
            output.print(json!({ "client_id": id, "deleted": true }), || {
                format!("deleted client {id}")
            });
        }
    }
    Ok(())
}

async fn keys_command(
    command: KeysCommand,
    services: &Services,
    config: &Config,
) -> anyhow::Result<()> {
    let (store, master, policy) = (&services.store, &services.master, &services.policy);
    let changed = match command {
        KeysCommand::List { output } => {
            let keys = key_admin::list(store).await?;
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
                    .await?
            } else {
                key_admin::rotate(
                    store,
                    master,
                    policy,
                    config.key_bits,
                    &Actor::command_line(),
                )
                .await?
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
            )
            .await?;
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
                        text.push_str(&format!("\nkey {new} signs from now on"));
                    }
                    text.push_str(&format!(
                        "\nrevoked {} refresh-token families",
                        revocation.families_revoked
                    ));
                    text
                },
            );
            true
        }
        KeysCommand::Rewrap { output } => {
            let kids = key_admin::rewrap(store, master).await?;
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

/// RFC 3339 in UTC, or `-`.
fn timestamp(secs: Option<i64>) -> String {
    secs.and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "-".into())
}

/// Reads a password from standard input: the whole input, without its final newline.
fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(crate::domain::passwords::MAX_PASSWORD_LEN as u64 + 2)
        .read_to_string(&mut text)
        .map_err(|e| anyhow::anyhow!("cannot read the password from standard input: {e}"))?;
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(text.to_owned())
}
