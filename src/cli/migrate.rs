//! `latchkey migrate`: apply pending migrations and exit.

use crate::config::Config;

pub(super) async fn migrate(config: &Config) -> anyhow::Result<()> {
    let applied = crate::store::run_migrations(&config.database_url).await?;
    println!("{} migration(s) applied", applied.len());
    Ok(())
}
