//! The `ucs-proxy` command.
//!
//! ```text
//! ucs-proxy --config config/default.toml          # run the proxy
//! ucs-proxy check --config config/default.toml    # validate and print the effective config
//! curl -s -XPOST 127.0.0.1:8080/api/v2/ucs/interactions \
//!      -d '{"operationName":"RetrieveInteractionHistory"}'
//! ```

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use ucs_proxy::{build_server, init_logging, Config, Reloader};

/// Caching reverse proxy for the GWS interaction-history API.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The TOML configuration file; environment variables `UCS_PROXY_<SECTION>__<KEY>` override it.
    #[arg(long, short, global = true, env = ucs_proxy::ENV_CONFIG_FILE)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the proxy (the default).
    Run,
    /// Validate the configuration and print the effective one.
    Check,
    /// Read a password on standard input and print its argon2id hash for `[[auth.users]]`.
    HashPassword,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ucs-proxy: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let load = || Config::load(cli.config.as_deref());
    match cli.command.unwrap_or(Command::Run) {
        Command::HashPassword => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            println!("{}", ucs_proxy::hash_password(password));
            Ok(())
        }
        Command::Check => {
            print!("{}", load()?.to_toml());
            Ok(())
        }
        Command::Run => {
            let config = load()?;
            let log = init_logging(&config.log)?;
            let reloader = Reloader::new(cli.config.clone(), config.clone(), Some(log));
            let server = build_server(&config, reloader)?;
            tracing::info!(listen = %config.server.listen, admin = %config.admin.listen,
                admin_enabled = config.admin.enabled, "ucs-proxy starting");
            server.run_forever()
        }
    }
}
