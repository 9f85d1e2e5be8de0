//! `latchkey serve`: the token service itself.

use crate::app::Application;
use crate::config::Config;

/// Builds the application and serves until stopped; `no_migrate` turns `migrate_on_start` off for this start.
pub(super) async fn serve(config: Config, no_migrate: bool) -> anyhow::Result<()> {
    let config = Config {
        migrate_on_start: !no_migrate && config.migrate_on_start,
        ..config
    };
    Application::build(config)
        .await?
        .run_until_stopped()
        .await?;
    Ok(())
}
