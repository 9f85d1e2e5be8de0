//! The `latchkey` command line: `serve`, and the operator commands that share its configuration and database.
//! One file per command group; each group's `run` opens what it needs (database, key ring) from the configuration.

mod audit;
mod clients;
mod keys;
mod migrate;
mod output;
mod serve;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;

pub use audit::AuditCommand;
pub use clients::ClientsCommand;
pub use keys::KeysCommand;
pub use output::Output;
pub use users::UsersCommand;

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

/// Runs a parsed command line.
pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { no_migrate } => serve::serve(config, no_migrate).await,
        Command::Migrate => migrate::migrate(&config).await,
        Command::Users(command) => users::run(command, &config).await,
        Command::Clients(command) => clients::run(command, &config).await,
        Command::Keys(command) => keys::run(command, &config).await,
        Command::Audit(command) => audit::run(command, &config).await,
    }
}
