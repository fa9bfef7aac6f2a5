//! Writes a demo history database for the embedded store.
//!
//! ```text
//! cargo run --release -p ucs-plugin-store-sqlite --bin ucs-demo-data -- \
//!     --interactions 1000000 --database data/demo-1m.db
//! ```

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use ucs_plugin_api::ucs_model::chrono::Utc;

/// Writes a realistic demo interaction history (all media types, several owners, contacts and
/// tenants, custom attributes, six months) into a new SQLite database for store-sqlite.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// How many interactions to write.
    #[arg(long, default_value_t = 20_000)]
    interactions: u64,
    /// The database file to create (must not exist).
    #[arg(long, default_value = "data/demo.db")]
    database: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.database.exists() {
        eprintln!(
            "ucs-demo-data: {} exists; remove it first",
            args.database.display()
        );
        return ExitCode::FAILURE;
    }
    if let Some(dir) = args.database.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("ucs-demo-data: cannot create {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    let bar = ProgressBar::new(args.interactions).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} interactions, {per_sec}, eta {eta}")
            .expect("a valid template"),
    );
    let result = ucs_plugin_store_sqlite::write_demo_database(
        &args.database,
        args.interactions,
        Utc::now(),
        |written| bar.set_position(written),
    );
    bar.finish();
    match result {
        Ok(()) => {
            println!(
                "wrote {} interactions to {}",
                args.interactions,
                args.database.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ucs-demo-data: {e}");
            ExitCode::FAILURE
        }
    }
}
