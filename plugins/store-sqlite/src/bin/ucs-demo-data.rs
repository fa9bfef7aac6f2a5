//! Writes a demo history database for the embedded store.
//!
//! ```text
//! cargo run --release -p ucs-plugin-store-sqlite --bin ucs-demo-data -- \
//!     --interactions 1000000 --database data/demo-1m.db
//! ```
//!
//! With `--live` it keeps changing an existing database instead (`--rate` changes a second,
//! alternately a new open interaction starting now and the closing of one it opened) until
//! stopped: live demos of the proxy's change feed.
//!
//! With `--reference REQUEST --tenant T` it writes nothing: it prints, as JSON, the reference
//! answer (`HistoryQuery::select` over every interaction of the tenant, read without any SQL
//! filtering) to a history request over an existing database. End-to-end tests compare the
//! proxy's notifications with it.

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
    /// The database file to create (must not exist), or to read with `--reference`.
    #[arg(long, default_value = "data/demo.db")]
    database: PathBuf,
    /// Print the reference answer to this RetrieveInteractionHistory body instead of writing.
    #[arg(long, requires = "tenant")]
    reference: Option<String>,
    /// The tenant whose interactions `--reference` selects from.
    #[arg(long)]
    tenant: Option<String>,
    /// Keep adding and closing interactions in the existing database until stopped.
    #[arg(long, conflicts_with = "reference")]
    live: bool,
    /// Changes a second with `--live`.
    #[arg(long, default_value_t = 2.0, requires = "live")]
    rate: f64,
}

/// The reference answer of `request` for `tenant` over the database at `path`.
fn reference(path: &std::path::Path, request: &str, tenant: &str) -> Result<String, String> {
    use ucs_plugin_api::ucs_model::{parse_request, ParseContext, Route, Tz};
    let ctx = ParseContext::new(Utc::now(), Tz::UTC);
    let query = parse_request(&Route::Interactions, request.as_bytes(), &ctx)
        .map_err(|e| e.to_string())?
        .query;
    let flags = ucs_plugin_store_sqlite::rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let connection = ucs_plugin_store_sqlite::rusqlite::Connection::open_with_flags(path, flags)
        .map_err(|e| e.to_string())?;
    let all =
        ucs_plugin_store_sqlite::read_tenant(&connection, tenant).map_err(|e| e.to_string())?;
    ucs_plugin_api::serde_json::to_string(&query.select(&all)).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let (Some(request), Some(tenant)) = (&args.reference, &args.tenant) {
        return match reference(&args.database, request, tenant) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ucs-demo-data: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.live {
        let result = ucs_plugin_store_sqlite::run_live(
            &args.database,
            args.rate,
            &[],
            || true,
            |counts| println!("live: {} added, {} closed", counts.inserted, counts.closed),
        );
        return match result {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ucs-demo-data: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
