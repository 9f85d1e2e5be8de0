use clap::Parser;

use latchkey::cli::{self, Cli};
use latchkey::config::Config;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("latchkey: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    // The runtime beside the HTTP workers (each of which runs its own): background tasks and the connections they
    // open, Redis's among them. Sized by `runtime_threads` (see the configuration).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.runtime_threads())
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("latchkey: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        latchkey::infra::telemetry::init(config.log_format);
        match cli::run(cli, config).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("latchkey: {e:#}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
