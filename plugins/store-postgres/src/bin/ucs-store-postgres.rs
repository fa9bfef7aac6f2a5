//! The store-postgres admin tool: creates or upgrades the schema, and loads the shared demo
//! history.
//!
//! ```text
//! ucs-store-postgres migrate   --url postgresql://postgres@127.0.0.1/test --schema ucs
//! ucs-store-postgres demo-data --url postgresql://postgres@127.0.0.1/test --schema ucs \
//!     --interactions 1000000
//! ```

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;
use ucs_plugin_api::ucs_model::chrono::Utc;
use ucs_plugin_store_postgres::{
    migrate, tokio_postgres, write_demo_history, SchemaName, StoreError,
};

/// Administers a store-postgres database.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// libpq-style connection string or postgresql:// URL.
    #[arg(
        long,
        global = true,
        env = "UCS_STORE_POSTGRES_URL",
        default_value = "postgresql://postgres@127.0.0.1:5432/test"
    )]
    url: String,
    /// The schema holding the history.
    #[arg(long, global = true, default_value = "ucs")]
    schema: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the schema, or bring it to this build's version.
    Migrate,
    /// Migrate, then append the shared demo history (the embedded store's demo data).
    DemoData {
        /// How many interactions to write.
        #[arg(long, default_value_t = 20_000)]
        interactions: u64,
    },
}

async fn run(args: Args) -> Result<(), StoreError> {
    let schema = SchemaName::new(&args.schema)?;
    let (mut client, connection) =
        tokio_postgres::connect(&args.url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let applied = migrate(&mut client, &schema).await?;
    match applied.as_slice() {
        [] => println!("schema {} is up to date", schema.as_str()),
        versions => println!("schema {}: applied {versions:?}", schema.as_str()),
    }
    if let Command::DemoData { interactions } = args.command {
        let bar = ProgressBar::new(interactions).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} interactions, {per_sec}, eta {eta}")
                .expect("a valid template"),
        );
        write_demo_history(&mut client, &schema, interactions, Utc::now(), |written| {
            bar.set_position(written)
        })
        .await?;
        bar.finish();
        println!("wrote {interactions} interactions to {}", schema.as_str());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ucs-store-postgres: {e}");
            ExitCode::FAILURE
        }
    }
}
