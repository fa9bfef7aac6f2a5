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
use ucs_proxy::{build_server, init_logging, Config, Reloader, Start};

// jemalloc rather than glibc's malloc: glibc keeps freed memory in its arenas (after bursts of
// large answers, argon2's 19 MiB buffers or a purge, RSS stayed at 0.6–2 GB and was never given
// back). jemalloc's background thread returns freed pages to the OS after `dirty_decay_ms`
// whatever the worker threads do; mimalloc, tried first, only did so when the thread that freed
// them allocated again, so an idle proxy kept its peak (benches/load/memory.sh).
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options: a background thread purges unused pages, dirty ones after 1 s, so RSS
/// follows what is live within seconds.
#[cfg(feature = "jemalloc")]
#[allow(unsafe_code)] // jemalloc reads this symbol at start; the bytes are a constant C string.
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000\0";

/// Caching reverse proxy for the GWS interaction-history API.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The TOML configuration file; environment variables `UCS_PROXY_<SECTION>__<KEY>` override it.
    #[arg(long, short, global = true, env = ucs_proxy::ENV_CONFIG_FILE)]
    config: Option<PathBuf>,
    /// Take the listening sockets over from the running proxy (graceful upgrade): start this,
    /// then send the running one SIGQUIT.
    #[arg(long, global = true)]
    upgrade: bool,
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
            let start = if cli.upgrade {
                Start::TakeOver
            } else {
                Start::Fresh
            };
            let server = build_server(&config, reloader, start)?;
            tracing::info!(listen = %config.server.listen, admin = %config.admin.listen,
                admin_enabled = config.admin.enabled, "ucs-proxy starting");
            server.run_forever()
        }
    }
}
